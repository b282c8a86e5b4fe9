import { useQuery } from "@tanstack/react-query";
import { getRouteApi, Link, useNavigate } from "@tanstack/react-router";
import { Plug, PlugZap } from "lucide-react";
import { useEffect, useState } from "react";
import { Tabs } from "../../components/Tabs";
import {
  Badge,
  Button,
  Card,
  EmptyState,
  ErrorBanner,
  Field,
  Notice,
  PageHeader,
  Select,
} from "../../components/ui";
import { useI18n } from "../../i18n";
import { api } from "../../lib/api";
import { useSession } from "../../lib/session";
import { type InstanceView, instanceKeys, type Page } from "../instances/api";
import { useMcpConnection } from "./connection";
import { MessagesPanel, NotificationsPanel } from "./EventsPanel";
import { PromptsPanel } from "./PromptsPanel";
import { ResourcesPanel } from "./ResourcesPanel";
import { ServerRequests } from "./ServerRequests";
import { ToolsPanel } from "./ToolsPanel";

const route = getRouteApi("/app/inspector");
const LEVELS = ["debug", "info", "notice", "warning", "error", "critical", "alert", "emergency"] as const;
type Tab = "tools" | "resources" | "prompts";

/**
 * Talks MCP to an instance from the browser, through the gateway as any client would: list and call tools,
 * read resources, get prompts, watch notifications and every raw message.
 */
export function Inspector() {
  const { t } = useI18n();
  const { can } = useSession();
  const { instance: chosen } = route.useSearch();
  const navigate = useNavigate({ from: "/inspector" });
  const connection = useMcpConnection();
  const { state, client } = connection;
  const [tab, setTab] = useState<Tab>("tools");
  const [levelError, setLevelError] = useState<unknown>(null);
  const instances = useQuery({
    queryKey: instanceKeys.list({ limit: 500, inspector: true }),
    queryFn: () => api.get<Page<InstanceView>>("/instances", { limit: 500 }),
    refetchInterval: 10_000,
  });
  const instance = instances.data?.items.find((i) => i.name === chosen);
  const connected = state.status === "connected" && state.instance === chosen && client;

  // Choosing another instance ends the session with the previous one.
  const { disconnect } = connection;
  useEffect(() => {
    if (state.instance && state.instance !== chosen && state.status === "connected") void disconnect();
  }, [chosen, state.instance, state.status, disconnect]);

  const capabilities = state.capabilities ?? {};
  const tabs = (
    [
      ["tools", t("instances.tools")],
      ["resources", t("instances.resources")],
      ["prompts", t("instances.prompts")],
    ] as const
  )
    .filter(([id]) => capabilities[id])
    .map(([id, label]) => ({ id, label }));
  const shownTab = tabs.some((x) => x.id === tab) ? tab : (tabs[0]?.id ?? "tools");

  const blocker = !instance
    ? null
    : instance.accessMode === "direct"
      ? t("inspector.direct")
      : !instance.enabled
        ? t("inspector.stopped")
        : !instance.public && !can("token:write")
          ? t("inspector.noTokenPermission")
          : null;

  return (
    <>
      <PageHeader title={t("nav.inspector")} />
      <Card className="mb-4">
        <div className="flex flex-wrap items-end gap-3">
          <div className="w-full sm:w-72">
            <Field label={t("inspector.instance")}>
              {(id) => (
                <Select
                  id={id}
                  value={chosen ?? ""}
                  onChange={(e) =>
                    navigate({ search: { instance: e.target.value || undefined }, replace: true })
                  }
                >
                  <option value="">{t("inspector.chooseInstance")}</option>
                  {instances.data?.items.map((i) => (
                    <option key={i.name} value={i.name}>
                      {i.name}
                    </option>
                  ))}
                </Select>
              )}
            </Field>
          </div>
          {connected ? (
            <Button onClick={() => void connection.disconnect()}>
              <PlugZap className="size-4" aria-hidden />
              {t("inspector.disconnect")}
            </Button>
          ) : (
            <Button
              variant="primary"
              disabled={!instance || Boolean(blocker)}
              busy={state.status === "connecting"}
              onClick={() => instance && void connection.connect(instance)}
            >
              <Plug className="size-4" aria-hidden />
              {t("inspector.connect")}
            </Button>
          )}
          {connected && (
            <span className="flex flex-wrap items-center gap-2 text-sm" data-testid="inspector-server">
              <Badge tone="green">{t("inspector.connected")}</Badge>
              {state.server && `${state.server.name} ${state.server.version}`}
            </span>
          )}
          {connected && capabilities.logging && (
            <div className="w-40">
              <Field label={t("inspector.logLevel")}>
                {(id) => (
                  <Select
                    id={id}
                    defaultValue=""
                    onChange={(e) => {
                      setLevelError(null);
                      client.setLoggingLevel(e.target.value as (typeof LEVELS)[number]).catch(setLevelError);
                    }}
                  >
                    <option value="" disabled>
                      {t("inspector.serverDefault")}
                    </option>
                    {LEVELS.map((level) => (
                      <option key={level} value={level}>
                        {level}
                      </option>
                    ))}
                  </Select>
                )}
              </Field>
            </div>
          )}
        </div>
        {instance && (
          <p className="mt-2 text-xs text-slate-500">
            {t("inspector.endpoint")} <code>{`${window.location.origin}/mcp/${instance.name}`}</code>
            {!instance.public && ` · ${t("inspector.tokenNote")}`}
          </p>
        )}
      </Card>
      <ErrorBanner error={instances.error ?? state.error ?? levelError} />
      {blocker && (
        <Notice tone="warn">
          {blocker}{" "}
          {instance && (
            <Link to="/instances/$name" params={{ name: instance.name }} className="underline">
              {instance.name}
            </Link>
          )}
        </Notice>
      )}
      {state.status === "closed" && state.instance === chosen && <Notice>{t("inspector.closed")}</Notice>}

      {!connected ? (
        !chosen && instances.data?.total === 0 ? (
          <EmptyState title={t("instances.empty")} hint={t("instances.emptyHint")} />
        ) : (
          <EmptyState title={t("inspector.idle")} hint={t("inspector.idleHint")} />
        )
      ) : (
        <>
          {state.instructions && <Notice>{state.instructions}</Notice>}
          <Card className="mb-4">
            {tabs.length === 0 ? (
              <p className="text-sm text-slate-500">{t("inspector.nothingOffered")}</p>
            ) : (
              <>
                <Tabs label={t("nav.inspector")} tabs={tabs} value={shownTab} onChange={setTab} />
                {shownTab === "tools" && <ToolsPanel client={client} session={state.session} />}
                {shownTab === "resources" && <ResourcesPanel client={client} session={state.session} />}
                {shownTab === "prompts" && <PromptsPanel client={client} session={state.session} />}
              </>
            )}
          </Card>
        </>
      )}
      {(connected || connection.messages.length > 0) && (
        <div className="grid gap-4 lg:grid-cols-2">
          <NotificationsPanel items={connection.notifications} />
          <MessagesPanel items={connection.messages} onClear={connection.clearMessages} />
        </div>
      )}
      <ServerRequests requests={connection.requests} />
    </>
  );
}
