/** The shapes of GET /api/v1/stats/overview and /stats/calls. */
export interface Overview {
  instances: {
    total: number;
    enabled: number;
    disabled: number;
    byStatus: Record<string, number>;
    byAccessMode: Record<"hosted" | "proxy" | "direct", number>;
    byTransport: Record<string, number>;
  };
  sessions: number;
  processes: number;
  tokens: number | null;
  lastHour: { calls: number; errors: number };
}

export interface CallStats {
  range: string;
  bucketSeconds: number;
  totals: { calls: number; errors: number };
  buckets: { start: string; calls: number; errors: number; p50Ms: number | null; p95Ms: number | null }[];
  byInstance: { instance: string; calls: number; errors: number; p95Ms: number }[];
  topTools: {
    instance: string;
    method: string;
    target: string | null;
    calls: number;
    errors: number;
    p95Ms: number;
  }[];
}

/** Statuses grouped the way the dashboard counts them; each group links to the filtered list. */
export const STATUS_GROUPS = {
  running: ["running", "ready"],
  starting: ["starting", "restarting"],
  stopped: ["stopped"],
  failed: ["failed", "crashed", "startup-timeout", "running-timeout"],
} as const;
