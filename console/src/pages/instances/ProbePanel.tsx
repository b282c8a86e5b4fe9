import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Activity } from "lucide-react";
import type { ReactNode } from "react";
import { Badge, Button, Card, EmptyState, ErrorBanner, Notice, Spinner } from "../../components/ui";
import { useI18n } from "../../i18n";
import { api } from "../../lib/api";
import { formatMs, formatTime } from "../../lib/format";
import { useSession } from "../../lib/session";
import { type InstanceView, instanceKeys, type ProbeResult, path } from "./api";

/** An MCP-level health check on demand, and the tools, resources and prompts it found. */
export function ProbePanel({ instance }: { instance: InstanceView }) {
  const { t, language } = useI18n();
  const { can } = useSession();
  const queryClient = useQueryClient();
  const last = useQuery({
    queryKey: instanceKeys.tools(instance.name),
    queryFn: () => api.get<ProbeResult>(path(instance.name, "/tools")),
  });
  const probe = useMutation({
    mutationFn: () => api.post<ProbeResult>(path(instance.name, "/probe")),
    onSuccess: (result) => {
      queryClient.setQueryData(instanceKeys.tools(instance.name), result);
      void queryClient.invalidateQueries({ queryKey: instanceKeys.one(instance.name), exact: true });
    },
  });
  const result = last.data;
  const probed = Boolean(result?.at);

  return (
    <div className="space-y-4">
      <Card
        title={t("instances.probe")}
        actions={
          can("instance:operate") && (
            <Button variant="primary" busy={probe.isPending} onClick={() => probe.mutate()}>
              <Activity className="size-4" aria-hidden />
              {t("instances.probeNow")}
            </Button>
          )
        }
      >
        <ErrorBanner error={last.error ?? probe.error} />
        {last.isPending ? (
          <Spinner />
        ) : !probed ? (
          <p className="text-sm text-slate-600 dark:text-slate-400">{t("instances.notProbed")}</p>
        ) : (
          result && (
            <div className="space-y-2 text-sm" data-testid="probe-result">
              <p className="flex flex-wrap items-center gap-2">
                <Badge tone={result.ok ? "green" : "red"}>
                  {result.ok ? t("instances.probeOk") : t("instances.probeFailed")}
                </Badge>
                {result.server && (
                  <span>
                    {result.server.name} {result.server.version}
                  </span>
                )}
                <span className="text-slate-500">{formatTime(result.at, language)}</span>
              </p>
              {result.error && <Notice tone="warn">{result.error}</Notice>}
              {result.timings && (
                <p className="flex flex-wrap gap-x-4 gap-y-1 text-slate-600 dark:text-slate-400">
                  <span>
                    {t("instances.timing.total")}: {formatMs(result.timings.totalMs)}
                  </span>
                  {result.timings.initializeMs !== undefined && (
                    <span>
                      {t("instances.timing.initialize")}: {formatMs(result.timings.initializeMs)}
                    </span>
                  )}
                  {result.timings.toolsMs !== undefined && (
                    <span>
                      {t("instances.tools")}: {formatMs(result.timings.toolsMs)}
                    </span>
                  )}
                  {result.timings.resourcesMs !== undefined && (
                    <span>
                      {t("instances.resources")}: {formatMs(result.timings.resourcesMs)}
                    </span>
                  )}
                  {result.timings.promptsMs !== undefined && (
                    <span>
                      {t("instances.prompts")}: {formatMs(result.timings.promptsMs)}
                    </span>
                  )}
                </p>
              )}
            </div>
          )
        )}
      </Card>
      {probed && result?.ok && (
        <div className="grid gap-4 lg:grid-cols-3">
          <ItemList title={t("instances.tools")} count={result.tools.length} testId="probe-tools">
            {result.tools.map((tool) => (
              <Item key={tool.name} name={tool.title ?? tool.name} code={tool.name} text={tool.description} />
            ))}
          </ItemList>
          <ItemList title={t("instances.resources")} count={result.resources.length}>
            {result.resources.map((r) => (
              <Item key={r.uri} name={r.name} code={r.uri} text={r.mimeType} />
            ))}
          </ItemList>
          <ItemList title={t("instances.prompts")} count={result.prompts.length}>
            {result.prompts.map((p) => (
              <Item key={p.name} name={p.name} text={p.description} />
            ))}
          </ItemList>
        </div>
      )}
    </div>
  );
}

function ItemList({
  title,
  count,
  children,
  testId,
}: {
  title: string;
  count: number;
  children: ReactNode;
  testId?: string;
}) {
  const { t } = useI18n();
  return (
    <Card title={`${title} (${count})`}>
      {count === 0 ? (
        <EmptyState title={t("common.none")} />
      ) : (
        <ul
          className="max-h-96 divide-y divide-slate-100 overflow-y-auto dark:divide-slate-800"
          data-testid={testId}
        >
          {children}
        </ul>
      )}
    </Card>
  );
}

function Item({ name, code, text }: { name: string; code?: string; text?: string }) {
  return (
    <li className="py-2 text-sm">
      <p className="font-medium">{name}</p>
      {code && code !== name && <p className="font-mono text-xs text-slate-500">{code}</p>}
      {text && <p className="text-xs text-slate-600 dark:text-slate-400">{text}</p>}
    </li>
  );
}
