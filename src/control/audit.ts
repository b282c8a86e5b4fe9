import type { Logger } from "pino";
import type { Clock } from "../auth/clock.js";
import type { AuditFilter, AuditRepository, AuditRow, Page } from "../store/account-repositories.js";

export type AuditOutcome = "success" | "failure" | "denied";

export interface AuditEvent {
  action: string;
  outcome: AuditOutcome;
  actor?: { id: string | null; name: string } | null;
  ip?: string | null;
  target?: { type: string; id: string } | null;
  /** Never secrets: callers pass names, counts and ids only. */
  details?: Record<string, unknown>;
}

/** Who did what to what, from where, and how it ended. Written before the request answers. */
export class AuditService {
  constructor(
    private readonly repo: AuditRepository,
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {}

  async record(event: AuditEvent): Promise<void> {
    try {
      await this.repo.insert({
        at: this.clock.now(),
        actorId: event.actor?.id ?? null,
        actorName: event.actor?.name ?? null,
        ip: event.ip ?? null,
        action: event.action,
        targetType: event.target?.type ?? null,
        targetId: event.target?.id ?? null,
        outcome: event.outcome,
        details: event.details ?? null,
      });
    } catch (error) {
      // The audit trail failing must be loud, but must not turn a done change into an error.
      this.logger.error({ err: error, action: event.action }, "audit write failed");
    }
  }

  query(filter: AuditFilter, page: Page, newestFirst = true) {
    return this.repo.query(filter, page, newestFirst);
  }

  pruneOlderThan(days: number): Promise<number> {
    return this.repo.pruneBefore(new Date(this.clock.now().getTime() - days * 86_400_000));
  }
}

export function presentAudit(row: AuditRow) {
  return {
    id: row.id,
    at: row.at.toISOString(),
    actorId: row.actorId,
    actor: row.actorName,
    ip: row.ip,
    action: row.action,
    targetType: row.targetType,
    targetId: row.targetId,
    outcome: row.outcome,
    details: row.details ?? {},
  };
}

const CSV_COLUMNS = [
  "id",
  "at",
  "actor",
  "ip",
  "action",
  "targetType",
  "targetId",
  "outcome",
  "details",
] as const;

/** RFC 4180 CSV; cells that a spreadsheet would run as a formula are prefixed with a quote. */
export function auditCsv(rows: AuditRow[]): string {
  const cell = (value: unknown) => {
    let text =
      value === null || value === undefined ? "" : typeof value === "string" ? value : JSON.stringify(value);
    if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
    return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
  };
  const lines = rows.map((row) => {
    const presented = presentAudit(row);
    return CSV_COLUMNS.map((column) => cell(presented[column])).join(",");
  });
  return `${CSV_COLUMNS.join(",")}\r\n${lines.map((line) => `${line}\r\n`).join("")}`;
}

/**
 * Refused gateway requests (bad, revoked, expired or unscoped tokens) in the audit log without letting a
 * flood of them flood the log: one row per client address, instance and reason per minute, carrying how
 * many more were refused since the previous row.
 */
export class DeniedUseAuditor {
  private readonly windows = new Map<string, { since: number; suppressed: number }>();

  constructor(
    private readonly audit: AuditService,
    private readonly clock: Clock,
    private readonly windowMs = 60_000,
  ) {}

  record(event: { reason: string; instance: string; ip: string; tokenId?: string }): void {
    const key = `${event.ip}|${event.instance}|${event.reason}`;
    const now = this.clock.now().getTime();
    const window = this.windows.get(key);
    if (window && now - window.since < this.windowMs) {
      window.suppressed++;
      return;
    }
    this.windows.set(key, { since: now, suppressed: 0 });
    if (this.windows.size > 10_000) this.windows.clear(); // bounded memory under a spray of addresses
    void this.audit.record({
      action: "token.denied",
      outcome: "denied",
      ip: event.ip,
      target: { type: "instance", id: event.instance },
      details: { reason: event.reason, tokenId: event.tokenId, refusedSinceLastRow: window?.suppressed ?? 0 },
    });
  }
}
