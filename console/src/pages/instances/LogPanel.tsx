import { Download, Pause, Play, RefreshCw } from "lucide-react";
import { useCallback, useEffect, useRef, useState } from "react";
import { Badge, Button, Card, ErrorBanner } from "../../components/ui";
import { useI18n } from "../../i18n";
import { api, withQuery } from "../../lib/api";
import { type InstanceView, path } from "./api";

interface LogLine {
  at: string | null;
  line: string;
}

const TAIL = 200;
/** Lines kept in the page; older ones drop off the top. */
const KEEP = 2000;

/**
 * The instance's stderr. Local processes stream it (server-sent events; pausing closes the stream, following
 * again replays the recent lines); container runtimes have no stream, so their lines are fetched on demand.
 */
export function LogPanel({ instance }: { instance: InstanceView }) {
  const { t } = useI18n();
  const streamed = instance.runtime.environment === "process";
  const [lines, setLines] = useState<LogLine[]>([]);
  const [following, setFollowing] = useState(streamed);
  const [state, setState] = useState<"connecting" | "live" | "closed">("connecting");
  const [error, setError] = useState<unknown>(null);
  const view = useRef<HTMLPreElement>(null);
  const logsPath = path(instance.name, "/logs");

  const fetchOnce = useCallback(async () => {
    setError(null);
    try {
      const reply = await api.get<{ lines: LogLine[] }>(logsPath, { tail: TAIL });
      setLines(reply.lines);
    } catch (e) {
      setError(e);
    }
  }, [logsPath]);

  useEffect(() => {
    if (!streamed) {
      void fetchOnce();
      return;
    }
    if (!following) return;
    setState("connecting");
    setError(null);
    const source = new EventSource(withQuery(`/api/v1${logsPath}`, { follow: "true", tail: TAIL }), {
      withCredentials: false, // same origin: the session cookie goes along anyway
    });
    // Each (re)connection replays the recent lines: start over rather than repeat them.
    source.onopen = () => {
      setState("live");
      setLines([]);
    };
    source.addEventListener("log", (event) => {
      try {
        const entry = JSON.parse((event as MessageEvent<string>).data) as LogLine;
        setLines((prev) => (prev.length >= KEEP ? [...prev.slice(-KEEP + 1), entry] : [...prev, entry]));
      } catch {
        // not a log entry
      }
    });
    source.onerror = () => {
      if (source.readyState !== EventSource.CLOSED) {
        setState("connecting");
        return;
      }
      // The browser gave up (an HTTP error): ask once more to learn why.
      setState("closed");
      api
        .get(logsPath, { tail: 0 })
        .then(() => setError(new Error(t("instances.logsClosed"))))
        .catch(setError);
    };
    return () => source.close();
  }, [streamed, following, logsPath, fetchOnce, t]);

  // Keep the newest line in view while following.
  // biome-ignore lint/correctness/useExhaustiveDependencies: scroll whenever lines change
  useEffect(() => {
    if (following && view.current) view.current.scrollTop = view.current.scrollHeight;
  }, [lines, following]);

  const download = () => {
    const text = lines.map((l) => (l.at ? `${l.at} ${l.line}` : l.line)).join("\n");
    const url = URL.createObjectURL(new Blob([`${text}\n`], { type: "text/plain" }));
    const link = document.createElement("a");
    link.href = url;
    link.download = `${instance.name}-logs.txt`;
    link.click();
    URL.revokeObjectURL(url);
  };

  return (
    <Card
      title={t("instances.logs")}
      actions={
        <>
          {streamed ? (
            <>
              <Badge
                tone={
                  !following ? "slate" : state === "live" ? "green" : state === "closed" ? "red" : "amber"
                }
              >
                {!following ? t("instances.logsPaused") : t(`instances.logsState.${state}`)}
              </Badge>
              <Button onClick={() => setFollowing(!following)} aria-pressed={following}>
                {following ? (
                  <Pause className="size-4" aria-hidden />
                ) : (
                  <Play className="size-4" aria-hidden />
                )}
                {following ? t("instances.pause") : t("instances.follow")}
              </Button>
            </>
          ) : (
            <Button onClick={() => void fetchOnce()}>
              <RefreshCw className="size-4" aria-hidden />
              {t("action.refresh")}
            </Button>
          )}
          <Button onClick={download} disabled={lines.length === 0}>
            <Download className="size-4" aria-hidden />
            {t("instances.download")}
          </Button>
        </>
      }
    >
      <ErrorBanner error={error} />
      <pre
        ref={view}
        data-testid="log-lines"
        className="h-96 overflow-auto rounded-md bg-slate-950 p-3 text-xs leading-relaxed text-slate-100"
      >
        {lines.length === 0 ? (
          <span className="text-slate-400">{t("instances.noLogs")}</span>
        ) : (
          lines.map((l, i) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: log lines are append-only
            <div key={i} className="whitespace-pre-wrap break-all">
              {l.at && <span className="text-slate-500">{l.at.slice(11, 23)} </span>}
              {l.line}
            </div>
          ))
        )}
      </pre>
    </Card>
  );
}
