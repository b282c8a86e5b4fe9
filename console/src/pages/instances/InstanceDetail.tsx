import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { getRouteApi, Link } from "@tanstack/react-router";
import { ArrowLeft } from "lucide-react";
import { type ReactNode, useState } from "react";
import { Tabs } from "../../components/Tabs";
import { Badge, Card, ErrorBanner, Notice, PageHeader, Spinner } from "../../components/ui";
import { useI18n } from "../../i18n";
import { api } from "../../lib/api";
import { useSession } from "../../lib/session";
import { ActivityPanel } from "./ActivityPanel";
import { fetchInstance, type InstanceView, instanceKeys, path } from "./api";
import { InstanceActions } from "./InstanceActions";
import { InstanceForm } from "./InstanceForm";
import { LogPanel } from "./LogPanel";
import { ProbePanel } from "./ProbePanel";
import { StatusBadge } from "./StatusBadge";

const route = getRouteApi("/app/instances/$name");
type Tab = "overview" | "tools" | "activity" | "logs" | "settings";

/** One instance: status and runtime, operations, probe, calls and sessions, logs, settings. */
export function InstanceDetail() {
  const { t } = useI18n();
  const { can } = useSession();
  const { name } = route.useParams();
  const [tab, setTab] = useState<Tab>("overview");
  const instance = useQuery({
    queryKey: instanceKeys.one(name),
    queryFn: () => fetchInstance(name),
    refetchInterval: 5000,
  });

  const back = (
    <Link
      to="/instances"
      className="mb-2 inline-flex items-center gap-1 text-sm text-indigo-600 hover:underline"
    >
      <ArrowLeft className="size-4" aria-hidden />
      {t("nav.instances")}
    </Link>
  );
  if (instance.isPending) return <Spinner />;
  if (!instance.data) {
    return (
      <>
        {back}
        <ErrorBanner error={instance.error} />
      </>
    );
  }
  const data = instance.data;
  const tabs: { id: Tab; label: string }[] = [
    { id: "overview", label: t("instances.tabOverview") },
    { id: "tools", label: t("instances.tabTools") },
    { id: "activity", label: t("instances.tabActivity") },
    ...(data.upstream.type === "stdio" && data.accessMode === "hosted"
      ? [{ id: "logs" as const, label: t("instances.tabLogs") }]
      : []),
    ...(can("instance:write") ? [{ id: "settings" as const, label: t("instances.tabSettings") }] : []),
  ];

  return (
    <>
      {back}
      <PageHeader title={data.name} actions={<InstanceActions instance={data} />} />
      <div className="mb-4 flex flex-wrap items-center gap-2 text-sm">
        <StatusBadge instance={data} />
        <Badge>{t(`instances.mode.${data.accessMode}`)}</Badge>
        <Badge tone="blue">{data.upstream.type}</Badge>
        {data.public && <Badge tone="amber">{t("instances.public")}</Badge>}
        {data.description && <span className="text-slate-600 dark:text-slate-400">{data.description}</span>}
      </div>
      {instance.error && <ErrorBanner error={instance.error} />}
      <Tabs label={data.name} tabs={tabs} value={tab} onChange={setTab} />
      {tab === "overview" && <Overview instance={data} />}
      {tab === "tools" && <ProbePanel instance={data} />}
      {tab === "activity" && <ActivityPanel name={data.name} />}
      {tab === "logs" && <LogPanel instance={data} />}
      {tab === "settings" && <Settings instance={data} onDone={() => setTab("overview")} />}
    </>
  );
}

function Row({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div className="grid grid-cols-[minmax(8rem,auto)_1fr] gap-2 py-1.5 text-sm">
      <dt className="text-slate-500 dark:text-slate-400">{label}</dt>
      <dd className="min-w-0 break-words">{children}</dd>
    </div>
  );
}

function Overview({ instance }: { instance: InstanceView }) {
  const { t } = useI18n();
  const upstream = instance.upstream;
  const seconds = (n: number) => t("instances.seconds", { n });
  return (
    <div className="grid gap-4 lg:grid-cols-2">
      <Card title={t("instances.runtimeState")}>
        {instance.statusDetail && <Notice tone="warn">{instance.statusDetail}</Notice>}
        <dl className="divide-y divide-slate-100 dark:divide-slate-800">
          <Row label={t("common.status")}>
            <StatusBadge instance={instance} />
          </Row>
          <Row label={t("instances.processes")}>
            <span data-testid="instance-processes">{instance.processes}</span>
          </Row>
          <Row label={t("instances.sessions")}>
            <span data-testid="instance-sessions">{instance.sessions}</span>
          </Row>
          <Row label={t("instances.environment")}>
            {instance.runtime.environment}
            {instance.runtime.image ? ` · ${instance.runtime.image}` : ""}
          </Row>
        </dl>
        {instance.stderr && instance.stderr.length > 0 && (
          <>
            <h3 className="mt-3 mb-1 text-sm font-medium">{t("instances.lastStderr")}</h3>
            <pre className="max-h-48 overflow-auto rounded bg-slate-100 p-2 text-xs dark:bg-slate-950">
              {instance.stderr.slice(-10).join("\n")}
            </pre>
          </>
        )}
      </Card>
      <Card title={t("instances.definition")}>
        <dl className="divide-y divide-slate-100 dark:divide-slate-800">
          {upstream.type === "stdio" ? (
            <>
              <Row label={t("instances.command")}>
                <code className="text-xs">{[upstream.command, ...upstream.args].join(" ")}</code>
              </Row>
              {upstream.cwd && <Row label={t("instances.cwd")}>{upstream.cwd}</Row>}
              <Row label={t("instances.env")}>{Object.keys(upstream.env).join(", ") || t("common.none")}</Row>
            </>
          ) : (
            <>
              <Row label={t("instances.url")}>
                <code className="text-xs">{upstream.url}</code>
              </Row>
              <Row label={t("instances.headers")}>
                {Object.keys(upstream.headers).join(", ") || t("common.none")}
              </Row>
            </>
          )}
          <Row label={t("instances.sessionPolicy")}>{t(`instances.policy.${instance.sessionPolicy}`)}</Row>
          <Row label={t("instances.maxProcesses")}>{instance.maxProcesses}</Row>
          <Row label={t("instances.connectTimeout")}>{seconds(instance.connectTimeoutSeconds)}</Row>
          <Row label={t("instances.requestTimeout")}>{seconds(instance.requestTimeoutSeconds)}</Row>
          <Row label={t("instances.idleTimeout")}>{seconds(instance.idleTimeoutSeconds)}</Row>
        </dl>
      </Card>
    </div>
  );
}

function Settings({ instance, onDone }: { instance: InstanceView; onDone: () => void }) {
  const { t } = useI18n();
  const queryClient = useQueryClient();
  const save = useMutation({
    mutationFn: (body: Record<string, unknown>) => api.patch<InstanceView>(path(instance.name), body),
    onSuccess: async (updated) => {
      queryClient.setQueryData(instanceKeys.one(instance.name), (old: InstanceView | undefined) => ({
        ...old,
        ...updated,
      }));
      await queryClient.invalidateQueries({ queryKey: instanceKeys.all });
      onDone();
    },
  });
  return (
    <div className="max-w-3xl">
      <Notice>{t("instances.editNotice")}</Notice>
      <InstanceForm
        instance={instance}
        onSubmit={(body) => save.mutate(body)}
        busy={save.isPending}
        error={save.error}
        submitLabel={t("action.save")}
        onCancel={onDone}
      />
    </div>
  );
}
