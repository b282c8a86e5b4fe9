/** Latency and throughput of one measured phase, computed on the client side. */
export interface PhaseResult {
  calls: number;
  errors: number;
  wallMs: number;
  callsPerSec: number;
  p50Ms: number;
  p99Ms: number;
  meanMs: number;
  maxMs: number;
  firstError?: string;
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length) - 1;
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank))];
}

export function summarize(
  latencies: number[],
  errors: number,
  wallMs: number,
  firstError?: string,
): PhaseResult {
  const sorted = [...latencies].sort((a, b) => a - b);
  const total = sorted.reduce((sum, value) => sum + value, 0);
  return {
    calls: sorted.length,
    errors,
    wallMs,
    callsPerSec: wallMs > 0 ? (sorted.length / wallMs) * 1000 : 0,
    p50Ms: percentile(sorted, 50),
    p99Ms: percentile(sorted, 99),
    meanMs: sorted.length ? total / sorted.length : Number.NaN,
    maxMs: sorted.length ? sorted[sorted.length - 1] : Number.NaN,
    firstError,
  };
}

/** The run whose throughput is the median of the repeats (repeats are few and odd). */
export function medianRun<T extends { callsPerSec: number }>(runs: T[]): T {
  const sorted = [...runs].sort((a, b) => a.callsPerSec - b.callsPerSec);
  return sorted[Math.floor((sorted.length - 1) / 2)];
}

export function median(values: number[]): number {
  return percentile(
    [...values].sort((a, b) => a - b),
    50,
  );
}
