import { join } from "node:path";
import type { Instance, StdioUpstream } from "../control/instance-model.js";
import type { ResettableTransport } from "../gateway/relay.js";
import type { ContainerRuntime, ContainerSpec } from "../runtime/container-runtime.js";
import type { ContainerMonitor, ContainerStatus } from "../runtime/monitor.js";
import { DeferredTransport } from "./deferred.js";
import { type HostedStatus, HostedStdioSupervisor, UpstreamRefusedError } from "./hosted-stdio.js";
import { openRemoteTransport } from "./remote.js";
import type { RingBuffer } from "./ring-buffer.js";

export interface UpstreamStatus {
  status: HostedStatus | ContainerStatus;
  detail?: string;
  processes: number;
  stderr: string[];
}

/**
 * Opens upstream channels for instances: hosted stdio through one supervisor per instance, remote servers
 * through one SDK client transport per session. A changed definition replaces the supervisor.
 */
export class Upstreams {
  private readonly supervisors = new Map<string, { spec: string; supervisor: HostedStdioSupervisor }>();

  constructor(
    private readonly onStatus?: (instance: string, status: HostedStatus, detail?: string) => void,
    /** The container runtimes of the environments, and the monitor watching their containers. */
    private readonly containers?: {
      runtimes: { of(environment: string): ContainerRuntime | undefined; all(): ContainerRuntime[] };
      monitor: ContainerMonitor;
    },
    /** The directory of an uploaded code package, by name. */
    private readonly packageDir: (name: string) => string | undefined = () => undefined,
  ) {}

  /** An instance's stdio upstream with its package resolved to a directory (the process's cwd). */
  private resolvePackage(instance: Instance) {
    const upstream = instance.upstream;
    if (upstream.type !== "stdio" || !upstream.package) return { upstream, packageDir: undefined };
    const packageDir = this.packageDir(upstream.package);
    if (!packageDir) throw new UpstreamRefusedError(`code package "${upstream.package}" does not exist`);
    return {
      upstream: { ...upstream, cwd: upstream.cwd ? join(packageDir, upstream.cwd) : packageDir },
      packageDir,
    };
  }

  open(instance: Instance): ResettableTransport {
    if (instance.runtime.environment !== "process") return this.openContainer(instance);
    if (instance.upstream.type === "stdio") return this.supervisor(instance).openChannel();
    return openRemoteTransport(instance.upstream, instance.connectTimeoutSeconds * 1000);
  }

  /** A session on the instance's container (started if need be) through its bridge. */
  private openContainer(instance: Instance): ResettableTransport {
    const timeoutMs = instance.connectTimeoutSeconds * 1000;
    return new DeferredTransport(async () => {
      const { url, headers, fetch } = await this.startContainer(instance);
      return openRemoteTransport({ type: "streamable-http", url, headers }, timeoutMs, fetch);
    });
  }

  /** The container settings of an instance, with its code package resolved to a host directory. */
  containerSpec(instance: Instance): ContainerSpec {
    return { ...(instance.runtime as ContainerSpec), packageDir: this.resolvePackage(instance).packageDir };
  }

  /** Starts (or finds) an instance's container and tells the monitor, which keeps it running from then on. */
  async startContainer(instance: Instance) {
    const environment = instance.runtime.environment;
    const runtime = this.containers?.runtimes.of(environment);
    if (!this.containers || !runtime) {
      throw new UpstreamRefusedError(`environment "${environment}" cannot run containers on this server`);
    }
    try {
      const endpoint = await runtime.ensure(instance, this.containerSpec(instance));
      this.containers.monitor.started(instance.name);
      return endpoint;
    } catch (error) {
      this.containers.monitor.startFailed(instance.name, error as Error);
      throw error;
    }
  }

  private supervisor(instance: Instance): HostedStdioSupervisor {
    const spec = JSON.stringify([
      instance.upstream,
      instance.sessionPolicy,
      instance.maxProcesses,
      instance.connectTimeoutSeconds,
    ]);
    const current = this.supervisors.get(instance.name);
    if (current && current.spec === spec) return current.supervisor;
    if (current) void current.supervisor.close();
    if (instance.upstream.type !== "stdio") throw new Error("not a stdio instance");
    const supervisor = new HostedStdioSupervisor({
      upstream: this.resolvePackage(instance).upstream as StdioUpstream,
      sessionPolicy: instance.sessionPolicy,
      maxProcesses: instance.maxProcesses,
      connectTimeoutMs: instance.connectTimeoutSeconds * 1000,
      onStatus: (status, detail) => this.onStatus?.(instance.name, status, detail),
    });
    this.supervisors.set(instance.name, { spec, supervisor });
    return supervisor;
  }

  /** The stderr lines of a hosted stdio instance's processes (its supervisor is made if need be). */
  logs(instance: Instance): RingBuffer | undefined {
    return instance.upstream.type === "stdio" ? this.supervisor(instance).stderr : undefined;
  }

  /** The last lines a container-hosted instance wrote (bridge and server stderr). */
  async containerLogs(instance: Instance, tail: number): Promise<string[]> {
    const runtime = this.containers?.runtimes.of(instance.runtime.environment);
    return runtime ? runtime.logs(instance.name, tail) : [];
  }

  /** True when a per-session instance has as many children as it may have. */
  isFull(instance: Instance): boolean {
    const entry = this.supervisors.get(instance.name);
    return (
      instance.sessionPolicy === "per-session" &&
      entry !== undefined &&
      entry.supervisor.processes.size >= instance.maxProcesses
    );
  }

  status(name: string): UpstreamStatus | undefined {
    const container = this.containers?.monitor.status(name);
    if (container) {
      const running = container.status === "running";
      return { status: container.status, detail: container.detail, processes: running ? 1 : 0, stderr: [] };
    }
    const entry = this.supervisors.get(name);
    if (!entry) return undefined;
    const { supervisor } = entry;
    return {
      status: supervisor.status,
      detail: supervisor.failure,
      processes: supervisor.processes.size,
      stderr: supervisor.stderr.tail(50),
    };
  }

  /** The live child processes of a hosted stdio instance on this host, oldest first. */
  processList(name: string): { pid: number; startedAt: string }[] {
    const children = [...(this.supervisors.get(name)?.supervisor.processes ?? [])];
    return children
      .filter((child) => child.pid !== undefined && child.startedAt !== undefined && !child.exit)
      .sort((a, b) => a.startedAt! - b.startedAt!)
      .map((child) => ({ pid: child.pid!, startedAt: new Date(child.startedAt!).toISOString() }));
  }

  processCounts(): Map<string, number> {
    return new Map([...this.supervisors].map(([name, { supervisor }]) => [name, supervisor.processes.size]));
  }

  /** Stops an instance's processes and containers (deleted, redefined or stopped instance, shutdown). */
  async release(name: string): Promise<void> {
    const entry = this.supervisors.get(name);
    this.supervisors.delete(name);
    await entry?.supervisor.close();
    // Containers outlive a restart of MCPBox: remove by label whatever the instance's current runtime.
    this.containers?.monitor.forget(name);
    for (const runtime of this.containers?.runtimes.all() ?? []) await runtime.remove(name).catch(() => {});
  }

  async closeAll(): Promise<void> {
    await Promise.allSettled([...this.supervisors.keys()].map((name) => this.release(name)));
  }
}
