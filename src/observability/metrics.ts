import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";

/** Prometheus metrics of one MCPBox process, in a registry of its own (tests run several apps per process). */
export class Metrics {
  readonly registry = new Registry();
  readonly calls: Counter<"instance" | "method" | "outcome">;
  readonly callDuration: Histogram<"instance" | "method">;
  readonly sessions: Gauge<"instance" | "transport">;
  readonly processes: Gauge<"instance">;
  readonly rejected: Counter<"reason">;

  constructor(processCounts: () => Map<string, number>, defaults = true) {
    if (defaults) collectDefaultMetrics({ register: this.registry, prefix: "mcpbox_" });
    this.calls = new Counter({
      name: "mcpbox_calls_total",
      help: "tools/call, resources/read and prompts/get relayed, by outcome",
      labelNames: ["instance", "method", "outcome"],
      registers: [this.registry],
    });
    this.callDuration = new Histogram({
      name: "mcpbox_call_duration_seconds",
      help: "Latency of relayed calls, gateway in to gateway out",
      labelNames: ["instance", "method"],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers: [this.registry],
    });
    this.sessions = new Gauge({
      name: "mcpbox_sessions",
      help: "Open downstream sessions",
      labelNames: ["instance", "transport"],
      registers: [this.registry],
    });
    this.rejected = new Counter({
      name: "mcpbox_rejected_requests_total",
      help: "Gateway requests refused before reaching an upstream",
      labelNames: ["reason"],
      registers: [this.registry],
    });
    this.processes = new Gauge({
      name: "mcpbox_child_processes",
      help: "Live child processes of hosted stdio instances",
      labelNames: ["instance"],
      registers: [this.registry],
      collect() {
        this.reset();
        for (const [instance, count] of processCounts()) this.set({ instance }, count);
      },
    });
  }
}
