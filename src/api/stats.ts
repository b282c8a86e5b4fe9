import type { FastifyInstance, FastifyRequest } from "fastify";
import { z } from "zod";
import { can, canOn } from "../auth/permissions.js";
import { instanceNameSchema } from "../control/instance-model.js";
import type { InstanceService } from "../control/instances.js";
import type { TokenService } from "../control/tokens.js";
import type { SessionSnapshot } from "../gateway/sessions.js";
import type { ContainerStatus } from "../runtime/monitor.js";
import type { CallLogRepository } from "../store/repositories.js";
import type { HostedStatus } from "../upstream/hosted-stdio.js";
import type { UpstreamStatus, Upstreams } from "../upstream/upstreams.js";
import {
  instanceInScope,
  instancesInScope,
  namedInstanceInScope,
  nameParams,
  presentInstance,
} from "./instances.js";

/** Each range of the call charts: its bucket size and how many buckets cover it. */
const RANGES = {
  "1h": { bucketSeconds: 60, count: 60 },
  "24h": { bucketSeconds: 15 * 60, count: 96 },
  "7d": { bucketSeconds: 2 * 3600, count: 84 },
} as const satisfies Record<string, { bucketSeconds: number; count: number }>;
const TOP = 10;

const callsQuery = z.strictObject({
  range: z.enum(["1h", "24h", "7d"]).default("1h"),
  instance: instanceNameSchema.optional(),
});
const instanceCallsQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(500).default(50),
  /** The `nextBefore` of the previous page: rows older than that one. */
  before: z.coerce.number().int().positive().optional(),
});

/** Every status GET /instances reports, so the overview always has the same keys. */
const emptyStatusCounts = (): Record<HostedStatus | ContainerStatus | "direct", number> => ({
  ready: 0,
  starting: 0,
  running: 0,
  restarting: 0,
  crashed: 0,
  "startup-timeout": 0,
  "running-timeout": 0,
  failed: 0,
  stopped: 0,
  direct: 0,
});

export interface StatsRouteDeps {
  instances: InstanceService;
  tokens: TokenService;
  callLog: CallLogRepository;
  upstreams: Upstreams;
  runtime: (name: string) => UpstreamStatus | undefined;
  sessionCount: (name: string) => number;
  liveSessions: (name: string) => SessionSnapshot[];
}

/** The read side of monitoring: dashboard figures, call charts, and an instance's calls and sessions. */
export function statsRoutes(deps: StatsRouteDeps) {
  const namesInScope = (request: FastifyRequest) =>
    instancesInScope(deps.instances, request, "instance:read").map((i) => i.name);

  /** Active (unrevoked, unexpired) tokens the caller may read; null without token:read. */
  async function tokenCount(request: FastifyRequest): Promise<number | null> {
    const principal = request.principal!;
    if (!can(principal, "token:read")) return null;
    const now = Date.now();
    return (await deps.tokens.list()).filter(
      (row) =>
        !row.revokedAt &&
        (!row.expiresAt || row.expiresAt.getTime() > now) &&
        canOn(principal, "token:read", row),
    ).length;
  }

  return async (app: FastifyInstance) => {
    app.get(
      "/stats/overview",
      {
        config: {
          access: "instance:read",
          summary:
            "Dashboard figures for the instances in your scope: counts, sessions, calls of the last hour",
        },
      },
      async (request) => {
        const scoped = instancesInScope(deps.instances, request, "instance:read");
        const byStatus: Record<string, number> = emptyStatusCounts();
        const byAccessMode = { hosted: 0, proxy: 0, direct: 0 };
        const byTransport = { stdio: 0, sse: 0, "streamable-http": 0 };
        let enabled = 0;
        let sessions = 0;
        let processes = 0;
        for (const instance of scoped) {
          const shown = presentInstance(
            instance,
            deps.runtime(instance.name),
            deps.sessionCount(instance.name),
          );
          byStatus[shown.status] = (byStatus[shown.status] ?? 0) + 1;
          byAccessMode[instance.accessMode]++;
          byTransport[instance.upstream.type]++;
          if (instance.enabled) enabled++;
          sessions += shown.sessions;
          processes += shown.processes;
        }
        const lastHour = await deps.callLog.totals(
          scoped.map((i) => i.name),
          new Date(Date.now() - 3600_000),
        );
        return {
          instances: {
            total: scoped.length,
            enabled,
            disabled: scoped.length - enabled,
            byStatus,
            byAccessMode,
            byTransport,
          },
          sessions,
          processes,
          tokens: await tokenCount(request),
          lastHour,
        };
      },
    );

    app.get(
      "/stats/calls",
      {
        config: {
          access: "instance:read",
          query: callsQuery,
          summary:
            "Calls over time (every bucket, empty ones too: 1h by minute, 24h by 15 min, 7d by 2 h), busiest instances and tools",
        },
      },
      async (request) => {
        const { range, instance } = callsQuery.parse(request.query);
        const names = instance
          ? [namedInstanceInScope(deps.instances, request, instance, "instance:read").name]
          : namesInScope(request);
        const { bucketSeconds, count } = RANGES[range];
        // Buckets sit on multiples of their size; the last one holds the present moment.
        const end = (Math.floor(Date.now() / 1000 / bucketSeconds) + 1) * bucketSeconds;
        const from = new Date((end - count * bucketSeconds) * 1000);
        const series = await deps.callLog.series({
          instanceNames: names,
          from,
          bucketSeconds,
          count,
          top: TOP,
        });
        const buckets = series.buckets.map((b) => ({ ...b, start: b.start.toISOString() }));
        return {
          range,
          instance: instance ?? null,
          bucketSeconds,
          from: from.toISOString(),
          to: new Date(end * 1000).toISOString(),
          totals: {
            calls: buckets.reduce((sum, b) => sum + b.calls, 0),
            errors: buckets.reduce((sum, b) => sum + b.errors, 0),
          },
          buckets,
          byInstance: series.byInstance,
          topTools: series.topTools,
        };
      },
    );

    app.get(
      "/instances/:name/calls",
      {
        config: {
          access: "instance:read",
          params: nameParams,
          query: instanceCallsQuery,
          summary: "Recent calls of an instance, newest first (page with before=nextBefore)",
        },
      },
      async (request) => {
        const instance = instanceInScope(deps.instances, request, "instance:read");
        const { limit, before } = instanceCallsQuery.parse(request.query);
        const rows = await deps.callLog.recent({ instance: instance.name, before, limit });
        return {
          items: rows.map((row) => ({
            id: row.id,
            at: row.at.toISOString(),
            method: row.method,
            target: row.target,
            durationMs: row.durationMs,
            outcome: row.outcome,
            errorCode: row.errorCode,
            sessionId: row.sessionId,
            tokenId: row.tokenId,
          })),
          limit,
          nextBefore: rows.length === limit ? rows[rows.length - 1]!.id : null,
        };
      },
    );

    app.get(
      "/instances/:name/sessions",
      {
        config: {
          access: "instance:read",
          params: nameParams,
          summary: "Live gateway sessions of an instance and its child processes",
        },
      },
      async (request) => {
        const instance = instanceInScope(deps.instances, request, "instance:read");
        const sessions = deps.liveSessions(instance.name);
        const tokenIds = [...new Set(sessions.flatMap((s) => (s.tokenId ? [s.tokenId] : [])))];
        const tokens = await Promise.all(tokenIds.map((id) => deps.tokens.get(id)));
        const tokenNames = new Map(tokens.flatMap((t) => (t ? [[t.id, t.name] as const] : [])));
        return {
          instance: instance.name,
          sessions: sessions.map((s) => ({
            ...s,
            tokenName: s.tokenId ? (tokenNames.get(s.tokenId) ?? null) : null,
          })),
          processes: deps.upstreams.processList(instance.name),
        };
      },
    );
  };
}
