// Drives the forked load generator (bench/client.ts) one operation at a time over IPC.
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { ClientOps } from "./client.js";
import { forkGroup, type Spawned } from "./procs.js";

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
