import type { Transport } from "@modelcontextprotocol/sdk/shared/transport.js";
import type { JSONRPCMessage } from "@modelcontextprotocol/sdk/types.js";
import type { StdioUpstream } from "../control/instance-model.js";
import type { ResettableTransport } from "../gateway/relay.js";
import { RingBuffer } from "./ring-buffer.js";
import { SharedStdioServer } from "./shared-stdio.js";
import { StdioProcessTransport } from "./stdio-process.js";

export type HostedStatus = "ready" | "failed" | "stopped";

export interface HostedStdioOptions {
  upstream: StdioUpstream;
  sessionPolicy: "per-session" | "shared";
  maxProcesses: number;
  connectTimeoutMs: number;
  /** Crashes within crashWindowMs beyond this count mark the instance failed. */
  maxCrashes?: number;
  crashWindowMs?: number;
  onStatus?: (status: HostedStatus, detail?: string) => void;
}

export class UpstreamRefusedError extends Error {}

/**
 * Supervises the child processes of one hosted stdio instance: spawns them under the process cap, counts
 * crashes, and declares the instance failed (with the last stderr lines) when it crash-loops.
 */
export class HostedStdioSupervisor {
  readonly stderr = new RingBuffer(500);
  readonly processes = new Set<StdioProcessTransport>();
  private crashTimes: number[] = [];
  private statusValue: HostedStatus = "ready";
  private failureDetail?: string;
  private shared?: SharedStdioServer;

  constructor(private readonly options: HostedStdioOptions) {}

  get status(): HostedStatus {
    return this.statusValue;
  }

  get failure(): string | undefined {
    return this.failureDetail;
  }

  get connectTimeoutMs(): number {
    return this.options.connectTimeoutMs;
  }

  get policy(): "per-session" | "shared" {
    return this.options.sessionPolicy;
  }

  openChannel(): ResettableTransport {
    this.assertUsable();
    if (this.options.sessionPolicy === "shared") {
      this.shared ??= new SharedStdioServer(this);
      return this.shared.openChannel();
    }
    return new RestartingStdioChannel(this);
  }

  assertUsable(): void {
    if (this.statusValue === "failed") {
      throw new UpstreamRefusedError(`instance failed: ${this.failureDetail ?? "crash loop"}`);
    }
    if (this.statusValue === "stopped") throw new UpstreamRefusedError("instance is stopped");
  }

  /** A new child process, not yet started; refused beyond the per-instance cap. */
  spawn(): StdioProcessTransport {
    this.assertUsable();
    if (this.processes.size >= this.options.maxProcesses) {
      throw new UpstreamRefusedError(`process cap of ${this.options.maxProcesses} reached for this instance`);
    }
    const child = new StdioProcessTransport(this.options.upstream, this.stderr);
    this.processes.add(child);
    return child;
  }

  release(child: StdioProcessTransport): void {
    this.processes.delete(child);
  }

  /** Records an unexpected exit; returns the delay before a restart, or undefined when the instance failed. */
  recordCrash(child: StdioProcessTransport, attempt: number): number | undefined {
    const now = Date.now();
    const window = this.options.crashWindowMs ?? 60_000;
    this.crashTimes = [...this.crashTimes.filter((t) => now - t < window), now];
    const exit = child.exit;
    this.stderr.push(
      `process ${child.pid ?? "?"} exited (code ${exit?.code ?? "?"}, signal ${exit?.signal ?? "-"})`,
    );
    if (this.crashTimes.length > (this.options.maxCrashes ?? 5)) {
      this.fail(`crash loop: ${this.crashTimes.length} exits within ${window / 1000}s`);
      return undefined;
    }
    return Math.min(100 * 2 ** attempt, 10_000);
  }

  /** Why a child went away, with its last stderr line: what a client sees in the error of its call. */
  exitReason(child: StdioProcessTransport): string {
    const last = this.stderr.tail(1)[0];
    const code = child.exit?.code ?? child.exit?.signal ?? "?";
    return `upstream process exited (${code}); restarting${last ? `; last stderr: ${last}` : ""}`;
  }

  fail(reason: string): void {
    const tail = this.stderr.tail(10).join("\n");
    this.failureDetail = tail ? `${reason}; last stderr:\n${tail}` : reason;
    this.statusValue = "failed";
    this.options.onStatus?.("failed", this.failureDetail);
  }

  async close(): Promise<void> {
    this.statusValue = "stopped";
    await this.shared?.close();
    await Promise.allSettled([...this.processes].map((child) => child.close()));
    this.processes.clear();
  }
}

/**
 * The per-session upstream: one child for one downstream session, initialized by that client's own
 * initialize. When the child dies it is restarted with backoff and re-initialized with the same request.
 */
class RestartingStdioChannel implements ResettableTransport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: (message: JSONRPCMessage) => void;
  onreset?: (reason: string) => void;
  closeReason?: string;

  private child?: StdioProcessTransport;
  private initializeRequest?: JSONRPCMessage & { id: string | number };
  private initializedNotification?: JSONRPCMessage;
  private queue: JSONRPCMessage[] | undefined;
  private closing = false;
  private attempt = 0;
  private reinitId?: string;

  constructor(private readonly supervisor: HostedStdioSupervisor) {}

  async start(): Promise<void> {
    await this.startChild();
  }

  private async startChild(): Promise<void> {
    const child = this.supervisor.spawn();
    this.child = child;
    child.onmessage = (message) => {
      if (this.reinitId !== undefined && "id" in message && message.id === this.reinitId) {
        this.reinitId = undefined;
        this.resumeAfterRestart();
        return;
      }
      this.onmessage?.(message);
    };
    child.onclose = () => this.childExited(child);
    try {
      await child.start();
    } catch (error) {
      this.supervisor.release(child);
      throw error;
    }
  }

  private childExited(child: StdioProcessTransport): void {
    this.supervisor.release(child);
    if (this.closing || child !== this.child) return;
    const reason = this.supervisor.exitReason(child);
    const delay = this.supervisor.recordCrash(child, this.attempt++);
    if (delay === undefined) {
      this.closing = true;
      this.closeReason = `instance failed: ${this.supervisor.failure}`;
      this.onclose?.();
      return;
    }
    this.queue = [];
    this.onreset?.(reason);
    setTimeout(() => void this.restart(), delay).unref();
  }

  private async restart(): Promise<void> {
    if (this.closing) return;
    try {
      await this.startChild();
    } catch (error) {
      // Refused (instance failed, cap) or not spawnable: this session cannot go on.
      this.closing = true;
      this.closeReason = `upstream could not be restarted: ${(error as Error).message}`;
      this.onclose?.();
      return;
    }
    if (!this.initializeRequest) {
      this.resumeAfterRestart();
      return;
    }
    this.reinitId = `mcpbox-reinit-${this.attempt}`;
    await this.child!.send({ ...this.initializeRequest, id: this.reinitId }).catch(() => {});
  }

  private resumeAfterRestart(): void {
    const pending = this.queue ?? [];
    this.queue = undefined;
    if (this.initializedNotification) pending.unshift(this.initializedNotification);
    for (const message of pending) void this.child?.send(message).catch(() => {});
    // A child that stays up for a while earns back a fast first restart.
    setTimeout(() => {
      if (!this.closing) this.attempt = 0;
    }, 30_000).unref();
  }

  send(message: JSONRPCMessage): Promise<void> {
    if (this.closing) return Promise.reject(new Error("session closed"));
    if ("method" in message) {
      if (message.method === "initialize" && "id" in message) this.initializeRequest = message;
      else if (message.method === "notifications/initialized") this.initializedNotification = message;
    }
    if (this.queue) {
      if ("id" in message && "method" in message) {
        return Promise.reject(new Error("upstream process is restarting"));
      }
      this.queue.push(message);
      return Promise.resolve();
    }
    return this.child!.send(message);
  }

  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    if (!this.child) return;
    // The slot frees at once: a client that DELETEs and reconnects must not meet the cap of its own past.
    this.supervisor.release(this.child);
    await this.child.close();
  }
}

export type { Transport };
