// Paths, the per-run tag and the scenario sizes shared by the bench modules.
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = fileURLToPath(new URL("..", import.meta.url));
export const ECHO = join(ROOT, "bench/echo-server.mjs");
export const RUN_TAG = `mcpbox-bench-${process.pid}-${Date.now()}`;
export const QUICK = process.env.BENCH_QUICK === "1";
export const SETTINGS = {
  sequentialCalls: QUICK ? 100 : 500,
  sessions: 20,
  perSession: QUICK ? 20 : 100,
  repeats: QUICK ? 1 : 3,
  rssSessions: QUICK ? 100 : 1000,
  cycles: QUICK ? 20 : 200,
  cycleConcurrency: 4,
  /** Load-generator processes (one per core): one single-threaded SDK client would cap every gateway alike. */
  loadProcesses: 2,
};

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
export const log = (message: string) =>
  console.error(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}`);
