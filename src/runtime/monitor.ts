import type { Instance } from "../control/instance-model.js";
import type { ContainerRuntime, ContainerSpec } from "./container-runtime.js";

export type ContainerStatus =
  | "starting"
  | "running"
  | "crashed"
  | "restarting"
  | "startup-timeout"
  | "running-timeout"
  | "failed"
  | "stopped";

export interface ContainerState {
  status: ContainerStatus;
  detail?: string;
  restarts: number;
  since: string;
}

const MAX_BACKOFF_MS = 60_000;
/** More crashes than this within the window: the instance is failed and left alone until started again. */
const CRASH_LOOP = { count: 5, windowMs: 5 * 60_000 };

/**
 * Reconciles the containers of Docker- and Kubernetes-hosted instances with what they should be, every few
 * seconds: a container that crashed or was removed behind MCPBox's back is started again with exponential
 * backoff; a crash loop (seen here, or reported by the runtime) marks the instance failed; one running past
 * its time limit is stopped; a stopped or deleted instance's container is removed. Every status change is
 * reported (the audit log and the API show them).
 */
export class ContainerMonitor {
  private readonly states = new Map<
    string,
    ContainerState & { crashes: number[]; nextAttempt: number; startedAt?: number }
  >();
  /** Instances whose leftover workload (from before a restart of MCPBox) has been looked for. */
  private readonly swept = new Set<string>();
  private timer?: NodeJS.Timeout;
  private ticking?: Promise<void>;

  constructor(
    /** The runtime of an environment by name; every runtime for removals. */
    private readonly runtimes: {
      of(environment: string): ContainerRuntime | undefined;
      all(): ContainerRuntime[];
    },
    private readonly instances: () => Instance[],
    /** The container settings of an instance, its code package resolved (what the gateway starts it with). */
    private readonly specOf: (instance: Instance) => ContainerSpec,
    private readonly onChange: (
      instance: string,
      from: ContainerStatus | undefined,
      to: ContainerStatus,
      detail?: string,
    ) => void,
    private readonly now: () => number = Date.now,
  ) {}

  start(intervalMs = 3000): void {
    this.timer = setInterval(() => void this.tick(), intervalMs);
    this.timer.unref();
  }

  /** Stops ticking; resolves once a tick under way (a restart, say) has finished. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.ticking;
  }

  status(name: string): ContainerState | undefined {
    const state = this.states.get(name);
    return (
      state && { status: state.status, detail: state.detail, restarts: state.restarts, since: state.since }
    );
  }

  /** The gateway started the instance's container (first session, or an explicit start). */
  started(name: string): void {
    this.set(name, "running");
    const state = this.states.get(name)!;
    state.startedAt ??= this.now();
  }

  /** A start that failed (timeout or error) as the gateway saw it. */
  startFailed(name: string, error: Error): void {
    this.set(name, /startup-timeout/.test(error.message) ? "startup-timeout" : "failed", error.message);
  }

  /** Forget an instance (deleted or stopped): its container is not wanted any more. */
  forget(name: string, status: ContainerStatus = "stopped"): void {
    if (this.states.has(name)) this.set(name, status);
    this.states.delete(name);
    this.swept.delete(name);
  }

  tick(): Promise<void> {
    this.ticking ??= this.reconcileAll().finally(() => {
      this.ticking = undefined;
    });
    return this.ticking;
  }

  private async reconcileAll(): Promise<void> {
    const byName = new Map(this.instances().map((i) => [i.name, i]));
    for (const [name, state] of this.states) {
      const instance = byName.get(name);
      const runtime = instance?.enabled ? this.runtimes.of(instance.runtime.environment) : undefined;
      if (!instance || !runtime) {
        for (const any of this.runtimes.all()) await any.remove(name).catch(() => {});
        this.forget(name);
        continue;
      }
      try {
        await this.reconcile(instance, runtime, state);
      } catch (error) {
        // The engine or cluster did not answer: keep the last known status, say why it may be stale.
        this.set(name, state.status, `status unknown: ${(error as Error).message.slice(0, 300)}`);
      }
    }
    await this.sweep(byName.values());
  }

  /**
   * Containers outlive MCPBox (a restart, a crash): the first time an instance is seen, a workload it left
   * running is adopted and watched from then on, and one of a stopped instance is removed.
   */
  private async sweep(instances: Iterable<Instance>): Promise<void> {
    for (const instance of instances) {
      if (this.swept.has(instance.name) || this.states.has(instance.name)) continue;
      const runtime = this.runtimes.of(instance.runtime.environment);
      if (!runtime) {
        // A local process has no container (changing its environment forgets it, so it is swept again).
        this.swept.add(instance.name);
        continue;
      }
      try {
        if (!instance.enabled) await runtime.remove(instance.name);
        else if (["running", "starting"].includes((await runtime.state(instance.name)).phase))
          this.started(instance.name);
        this.swept.add(instance.name);
      } catch {
        // The engine or cluster did not answer: look again on the next tick.
      }
    }
  }

  private async reconcile(
    instance: Instance,
    runtime: ContainerRuntime,
    state: ContainerState & { crashes: number[]; nextAttempt: number; startedAt?: number },
  ) {
    if (state.status === "failed" || state.status === "running-timeout" || state.status === "startup-timeout")
      return;
    const observed = await runtime.state(instance.name);
    const now = this.now();
    const limit = instance.runtime.maxRunSeconds;
    const running = observed.phase === "running";
    if (running && limit && state.startedAt && now - state.startedAt > limit * 1000) {
      await runtime.remove(instance.name);
      this.set(instance.name, "running-timeout", `ran longer than ${limit}s`);
      return;
    }
    if (running) {
      if (state.status !== "running" || state.detail) this.set(instance.name, "running");
      return;
    }
    if (observed.phase === "failed") {
      this.set(instance.name, "failed", observed.detail);
      return;
    }
    // The platform is (re)scheduling it (Kubernetes): wait rather than replace it.
    if (observed.phase === "starting") {
      this.set(instance.name, "starting", observed.detail);
      return;
    }
    // Crashed (exited) or removed behind our back.
    if (state.status === "running" || state.status === "starting") {
      state.crashes = [...state.crashes.filter((t) => now - t < CRASH_LOOP.windowMs), now];
      this.set(instance.name, "crashed", observed.detail);
      if (state.crashes.length > CRASH_LOOP.count) {
        this.set(
          instance.name,
          "failed",
          `crashed ${state.crashes.length} times in ${CRASH_LOOP.windowMs / 60_000} min`,
        );
        return;
      }
      state.nextAttempt = now + Math.min(MAX_BACKOFF_MS, 1000 * 2 ** (state.crashes.length - 1));
    }
    if (now < state.nextAttempt) return;
    this.set(instance.name, "restarting");
    try {
      await runtime.ensure(instance, this.specOf(instance));
      if (this.states.get(instance.name) !== state) {
        // Stopped or deleted while it was restarting: what the restart made is not wanted.
        await runtime.remove(instance.name);
        return;
      }
      state.restarts++;
      state.startedAt = this.now();
      this.set(instance.name, "running");
    } catch (error) {
      if (this.states.get(instance.name) !== state) return;
      const message = (error as Error).message;
      state.crashes.push(now);
      state.nextAttempt = now + Math.min(MAX_BACKOFF_MS, 1000 * 2 ** state.crashes.length);
      this.set(instance.name, /startup-timeout/.test(message) ? "startup-timeout" : "crashed", message);
    }
  }

  private set(name: string, status: ContainerStatus, detail?: string): void {
    const state = this.states.get(name);
    const previous = state?.status;
    if (previous === status && state?.detail === detail) return;
    const since = new Date(this.now()).toISOString();
    if (state) Object.assign(state, { status, detail, since });
    else this.states.set(name, { status, detail, since, restarts: 0, crashes: [], nextAttempt: 0 });
    this.onChange(name, previous, status, detail);
  }
}
