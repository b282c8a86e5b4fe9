import type { Logger } from "pino";
import type { CallLogEntry, CallLogRepository } from "../store/repositories.js";

/** Buffers call records in memory and writes them in batches, off the request path. */
export class CallLogWriter {
  private buffer: CallLogEntry[] = [];
  private timer?: NodeJS.Timeout;
  private flushing: Promise<void> = Promise.resolve();

  constructor(
    private readonly repo: CallLogRepository,
    private readonly logger: Logger,
    private readonly maxBuffer = 10_000,
  ) {}

  start(intervalMs = 1000): void {
    this.timer = setInterval(() => void this.flush(), intervalMs);
    this.timer.unref();
  }

  record(entry: CallLogEntry): void {
    if (this.buffer.length >= this.maxBuffer) return; // database stalled: drop rather than grow unbounded
    this.buffer.push(entry);
    if (this.buffer.length >= 500) void this.flush();
  }

  flush(): Promise<void> {
    this.flushing = this.flushing.then(async () => {
      if (this.buffer.length === 0) return;
      const batch = this.buffer;
      this.buffer = [];
      try {
        await this.repo.insertMany(batch);
      } catch (error) {
        this.logger.warn({ err: error, dropped: batch.length }, "call log write failed");
      }
    });
    return this.flushing;
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.flush();
  }
}
