// Drives the forked load generators (bench/client.ts) one operation at a time over IPC.
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { ClientOps, ConnectResult, CycleResult, Endpoint } from "./client.js";
import { forkGroup, killGroup, type Spawned } from "./procs.js";
import { type PhaseResult, summarize } from "./stats.js";

const CLIENT = join(fileURLToPath(new URL(".", import.meta.url)), "client.ts");

/** The forked load generator, driven one operation at a time over IPC. */
export class LoadClient {
  private nextId = 1;
  private readonly waiting = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();

  private constructor(readonly proc: Spawned) {
    proc.child.on("message", (message: { id: number; ok: boolean; result?: unknown; error?: string }) => {
      const waiter = this.waiting.get(message.id);
      this.waiting.delete(message.id);
      if (message.ok) waiter?.resolve(message.result);
      else waiter?.reject(new Error(message.error));
    });
    proc.child.once("exit", () => {
      for (const waiter of this.waiting.values())
        waiter.reject(new Error(`load client exited:\n${proc.output()}`));
      this.waiting.clear();
    });
  }

  static async start(): Promise<LoadClient> {
    const proc = forkGroup("load client", CLIENT);
    const client = new LoadClient(proc);
    await new Promise<void>((resolve, reject) => {
      client.waiting.set(0, { resolve: () => resolve(), reject });
    });
    return client;
  }

  call<K extends keyof ClientOps>(op: K, ...args: Parameters<ClientOps[K]>): ReturnType<ClientOps[K]> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      this.proc.child.send({ id, op, args: args[0] });
    }) as ReturnType<ClientOps[K]>;
  }
}

/** The share of `total` sessions that load process `index` of `size` opens (the first ones take the rest). */
const share = (total: number, index: number, size: number) =>
  Math.floor(total / size) + (index < total % size ? 1 : 0);

/**
 * Several load processes driven as one: the sessions of a group are spread over them, a burst runs on all at
 * once (its wall time measured here, across all of them), sequential calls and cycles run on the first.
 */
export class LoadPool {
  private constructor(readonly clients: LoadClient[]) {}

  static async start(size: number): Promise<LoadPool> {
    return new LoadPool(await Promise.all(Array.from({ length: size }, () => LoadClient.start())));
  }

  get pids(): number[] {
    return this.clients.map((client) => client.proc.pid);
  }

  async open(args: { group: string; endpoint: Endpoint; sessions: number }): Promise<ConnectResult> {
    const started = performance.now();
    const parts = await Promise.all(
      this.clients.map((client, i) => {
        const sessions = share(args.sessions, i, this.clients.length);
        return sessions > 0 ? client.call("open", { ...args, sessions }) : undefined;
      }),
    );
    const opened = parts.filter((part): part is ConnectResult => part !== undefined);
    const failures = opened.reduce((sum, part) => sum + part.failures, 0);
    const summary = summarize(
      opened.flatMap((part) => part.samples ?? []),
      failures,
      performance.now() - started,
    );
    return {
      sessions: summary.calls,
      failures,
      wallMs: summary.wallMs,
      p50Ms: summary.p50Ms,
      p99Ms: summary.p99Ms,
      maxMs: summary.maxMs,
      firstError: opened.find((part) => part.firstError)?.firstError,
    };
  }

  sequential(args: { group: string; calls: number }): Promise<PhaseResult> {
    return this.clients[0]!.call("sequential", args);
  }

  async burst(args: { group: string; perSession: number }): Promise<PhaseResult> {
    const started = performance.now();
    const parts = await Promise.all(this.clients.map((client) => client.call("burst", args)));
    const errors = parts.reduce((sum, part) => sum + part.errors, 0);
    return summarize(
      parts.flatMap((part) => part.samples),
      errors,
      performance.now() - started,
      parts.find((part) => part.firstError)?.firstError,
    );
  }

  async close(args: { group: string }): Promise<void> {
    await Promise.all(this.clients.map((client) => client.call("close", args)));
  }

  cycles(args: Parameters<ClientOps["cycles"]>[0]): Promise<CycleResult> {
    return this.clients[0]!.call("cycles", args);
  }

  async stop(): Promise<void> {
    await Promise.all(this.clients.map((client) => killGroup(client.proc)));
  }
}
