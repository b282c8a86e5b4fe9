import type { JSONRPCMessage } from "@modelcontextprotocol/sdk/types.js";
import clsx from "clsx";
import { ArrowDownLeft, ArrowUpRight } from "lucide-react";
import { Badge, Button, Card } from "../../components/ui";
import { useI18n } from "../../i18n";
import type { LoggedMessage, LoggedNotification } from "./connection";

/** Local time to the millisecond: messages come in bursts. */
const clock = (at: number, language: string) =>
  `${new Date(at).toLocaleTimeString(language, { hour12: false })}.${String(at % 1000).padStart(3, "0")}`;

/** Notifications as they arrive: progress and log messages spelled out, the rest as method and params. */
export function NotificationsPanel({ items }: { items: LoggedNotification[] }) {
  const { t, language } = useI18n();
  return (
    <Card title={`${t("inspector.notifications")} (${items.length})`}>
      {items.length === 0 ? (
        <p className="text-sm text-slate-500">{t("inspector.noNotifications")}</p>
      ) : (
        <ul className="max-h-72 space-y-1 overflow-y-auto text-xs" data-testid="notifications">
          {[...items].reverse().map((n) => (
            <li
              key={n.id}
              className="flex flex-wrap gap-2 border-b border-slate-100 pb-1 dark:border-slate-800"
            >
              <span className="font-mono text-slate-500">{clock(n.at, language)}</span>
              <NotificationText notification={n} />
            </li>
          ))}
        </ul>
      )}
    </Card>
  );
}

function NotificationText({ notification }: { notification: LoggedNotification }) {
  const { t } = useI18n();
  const p = notification.params ?? {};
  if (notification.method === "notifications/progress") {
    return (
      <span>
        <Badge tone="blue">{t("inspector.progressLabel")}</Badge>{" "}
        {t("inspector.progress", { progress: String(p.progress), total: String(p.total ?? "?") })}
        {typeof p.message === "string" ? ` — ${p.message}` : ""}
      </span>
    );
  }
  if (notification.method === "notifications/message") {
    const level = String(p.level ?? "info");
    const tone = ["error", "critical", "alert", "emergency"].includes(level)
      ? "red"
      : level === "warning"
        ? "amber"
        : "slate";
    return (
      <span className="min-w-0 break-all">
        <Badge tone={tone}>{level}</Badge> {typeof p.logger === "string" ? `${p.logger}: ` : ""}
        {typeof p.data === "string" ? p.data : JSON.stringify(p.data)}
      </span>
    );
  }
  return (
    <span className="min-w-0 break-all">
      <span className="font-mono">{notification.method}</span>{" "}
      {Object.keys(p).length > 0 && JSON.stringify(p)}
    </span>
  );
}

/** One line per message; an answer to one of ours names the request it answers. */
function summary(message: JSONRPCMessage, methods: Map<string, string>): string {
  if ("method" in message)
    return "id" in message ? `${message.method} #${String(message.id)}` : message.method;
  const id = String((message as { id: unknown }).id);
  const of = methods.has(id) ? ` (${methods.get(id)})` : "";
  if ("error" in message) return `error #${id}${of}: ${message.error.message}`;
  return `result #${id}${of}`;
}

/** Every JSON-RPC message of the session, newest first, each expandable to its full JSON. */
export function MessagesPanel({ items, onClear }: { items: LoggedMessage[]; onClear: () => void }) {
  const { t, language } = useI18n();
  const methods = new Map<string, string>();
  for (const { direction, message } of items) {
    if (direction === "sent" && "method" in message && "id" in message)
      methods.set(String(message.id), message.method);
  }
  return (
    <Card
      title={`${t("inspector.messages")} (${items.length})`}
      actions={
        <Button variant="ghost" onClick={onClear} disabled={items.length === 0}>
          {t("inspector.clear")}
        </Button>
      }
    >
      {items.length === 0 ? (
        <p className="text-sm text-slate-500">{t("inspector.noMessages")}</p>
      ) : (
        <ul className="max-h-[32rem] space-y-1 overflow-y-auto text-xs" data-testid="messages">
          {[...items].reverse().map((m) => (
            <li key={m.id}>
              <details>
                <summary className="flex cursor-pointer items-center gap-2">
                  {m.direction === "sent" ? (
                    <ArrowUpRight
                      className="size-3.5 shrink-0 text-indigo-600"
                      aria-label={t("inspector.sent")}
                    />
                  ) : (
                    <ArrowDownLeft
                      className="size-3.5 shrink-0 text-emerald-600"
                      aria-label={t("inspector.received")}
                    />
                  )}
                  <span className="font-mono text-slate-500">{clock(m.at, language)}</span>
                  <span className={clsx("truncate font-mono", "error" in m.message && "text-red-600")}>
                    {summary(m.message, methods)}
                  </span>
                </summary>
                <pre className="mt-1 overflow-auto rounded bg-slate-100 p-2 whitespace-pre-wrap break-all dark:bg-slate-950">
                  {JSON.stringify(m.message, null, 2)}
                </pre>
              </details>
            </li>
          ))}
        </ul>
      )}
    </Card>
  );
}
