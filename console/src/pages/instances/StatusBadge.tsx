import { Badge } from "../../components/ui";
import { type MessageKey, type Translate, useI18n } from "../../i18n";
import { shownStatus } from "./api";

const TONES: Record<string, "green" | "red" | "amber" | "slate" | "blue"> = {
  ready: "green",
  running: "green",
  starting: "blue",
  restarting: "amber",
  direct: "blue",
  crashed: "red",
  failed: "red",
  "startup-timeout": "red",
  "running-timeout": "amber",
  stopped: "slate",
};

/** A status name in the reader's language; an unknown one (a newer server) as it is. */
export function statusLabel(t: Translate, status: string): string {
  const key = `instances.status.${status}` as MessageKey;
  const text = t(key);
  return text === key ? status : text;
}

export function StatusBadge({ instance }: { instance: { enabled: boolean; status: string } }) {
  const { t } = useI18n();
  const status = shownStatus(instance);
  return (
    <span data-testid="instance-status">
      <Badge tone={TONES[status] ?? "slate"}>{statusLabel(t, status)}</Badge>
    </span>
  );
}
