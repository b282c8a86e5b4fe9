import { useQuery } from "@tanstack/react-query";
import { Badge, Card, EmptyState, ErrorBanner, Spinner, Table, Td } from "../../components/ui";
import { useI18n } from "../../i18n";
import { api } from "../../lib/api";
import { formatMs, formatTime } from "../../lib/format";
import { instanceKeys, path } from "./api";

interface Call {
  id?: number | string;
  at: string;
  method: string;
  target?: string | null;
  durationMs?: number | null;
  outcome: string;
  errorCode?: string | number | null;
  sessionId?: string | null;
  tokenId?: string | null;
}

interface LiveSession {
  id: string;
  transport?: string;
  tokenId?: string | null;
  tokenName?: string | null;
  startedAt?: string;
  lastActivityAt?: string;
  pendingRequests?: number;
}

interface SessionsReply {
  items?: LiveSession[];
  sessions?: LiveSession[];
  processes?: { pid: number; startedAt: string }[];
}

const LIVE_MS = 5000;
const short = (id: string | null | undefined) => (id ? id.slice(0, 8) : "—");

/** The instance's recent gateway calls and its live sessions and processes, refreshed while shown. */
export function ActivityPanel({ name }: { name: string }) {
  const { t, language } = useI18n();
  const calls = useQuery({
    queryKey: instanceKeys.calls(name),
    queryFn: () => api.get<{ items?: Call[] }>(path(name, "/calls"), { limit: 50 }),
    refetchInterval: LIVE_MS,
  });
  const sessions = useQuery({
    queryKey: instanceKeys.sessions(name),
    queryFn: () => api.get<SessionsReply>(path(name, "/sessions")),
    refetchInterval: LIVE_MS,
  });
  // The reply has been `{ items }` and `{ sessions, processes }`: take either.
  const live = sessions.data?.sessions ?? sessions.data?.items ?? [];
  const processes = sessions.data?.processes ?? [];
  const callItems = Array.isArray(calls.data?.items) ? calls.data.items : [];

  return (
    <div className="space-y-4">
      <Card title={t("instances.liveSessions")}>
        <ErrorBanner error={sessions.error} />
        {sessions.isPending ? (
          <Spinner />
        ) : live.length === 0 ? (
          !sessions.error && (
            <EmptyState title={t("instances.noSessions")} hint={t("instances.noSessionsHint")} />
          )
        ) : (
          <Table
            head={[
              t("instances.session"),
              t("instances.transport"),
              t("instances.token"),
              t("instances.startedAt"),
              t("instances.lastActivity"),
              t("instances.pending"),
            ]}
          >
            {live.map((s) => (
              <tr key={s.id}>
                <Td className="font-mono text-xs">{short(s.id)}</Td>
                <Td>{s.transport ?? "—"}</Td>
                <Td>{s.tokenName ?? short(s.tokenId)}</Td>
                <Td>{formatTime(s.startedAt, language)}</Td>
                <Td>{formatTime(s.lastActivityAt, language)}</Td>
                <Td>{s.pendingRequests ?? "—"}</Td>
              </tr>
            ))}
          </Table>
        )}
        {processes.length > 0 && (
          <>
            <h3 className="mt-4 mb-2 text-sm font-medium">{t("instances.processes")}</h3>
            <Table head={["PID", t("instances.startedAt")]}>
              {processes.map((p) => (
                <tr key={p.pid}>
                  <Td className="font-mono text-xs">{p.pid}</Td>
                  <Td>{formatTime(p.startedAt, language)}</Td>
                </tr>
              ))}
            </Table>
          </>
        )}
      </Card>
      <Card title={t("instances.recentCalls")}>
        <ErrorBanner error={calls.error} />
        {calls.isPending ? (
          <Spinner />
        ) : callItems.length === 0 ? (
          !calls.error && <EmptyState title={t("instances.noCalls")} />
        ) : (
          <Table
            head={[
              t("instances.at"),
              t("instances.method"),
              t("instances.target"),
              t("instances.duration"),
              t("instances.outcome"),
              t("instances.session"),
            ]}
          >
            {callItems.map((call, index) => (
              <tr key={call.id ?? `${call.at}-${index}`} data-testid="call-row">
                <Td className="whitespace-nowrap">{formatTime(call.at, language)}</Td>
                <Td className="font-mono text-xs">{call.method}</Td>
                <Td className="font-mono text-xs">{call.target ?? "—"}</Td>
                <Td>{formatMs(call.durationMs)}</Td>
                <Td>
                  <Badge tone={call.outcome === "ok" || call.outcome === "success" ? "green" : "red"}>
                    {call.outcome}
                  </Badge>
                  {call.errorCode !== null && call.errorCode !== undefined && (
                    <span className="ml-1 font-mono text-xs">{call.errorCode}</span>
                  )}
                </Td>
                <Td className="font-mono text-xs">{short(call.sessionId)}</Td>
              </tr>
            ))}
          </Table>
        )}
      </Card>
    </div>
  );
}
