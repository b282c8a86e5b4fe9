import { join } from "node:path";
import type { Instance, StdioUpstream } from "../control/instance-model.js";
import type { ResettableTransport } from "../gateway/relay.js";
import type { ContainerSpec, DockerRuntime } from "../runtime/docker.js";
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
    /** Runs the instances whose runtime is `docker`, and watches their containers. */
    private readonly docker?: { runtime: DockerRuntime; monitor: ContainerMonitor },
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
    if (instance.runtime.environment === "docker") return this.openContainer(instance);
    if (instance.upstream.type === "stdio") return this.supervisor(instance).openChannel();
    return openRemoteTransport(instance.upstream, instance.connectTimeoutSeconds * 1000);
  }

  /** A session on the instance's container (started if need be) through its bridge. */
  private openContainer(instance: Instance): ResettableTransport {
    const timeoutMs = instance.connectTimeoutSeconds * 1000;
    return new DeferredTransport(async () => {
      const endpoint = await this.startContainer(instance);
      const headers = { Authorization: `Bearer ${endpoint.token}` };
      return openRemoteTransport({ type: "streamable-http", url: endpoint.url, headers }, timeoutMs);
    });
  }

  /** Starts (or finds) an instance's container and tells the monitor, which keeps it running from then on. */
  async startContainer(instance: Instance) {
    const docker = this.docker;
    if (!docker) throw new UpstreamRefusedError("the Docker runtime is not available on this server");
    try {
      const { packageDir } = this.resolvePackage(instance);
      const endpoint = await docker.runtime.ensure(instance, {
        ...(instance.runtime as ContainerSpec),
        packageDir,
      });
      docker.monitor.started(instance.name);
      return endpoint;
    } catch (error) {
      docker.monitor.startFailed(instance.name, error as Error);
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

  /** The last lines a Docker-hosted instance's container wrote (bridge and server stderr). */
  containerLogs(name: string, tail: number): Promise<string[]> {
    return this.docker ? this.docker.runtime.logs(name, tail) : Promise.resolve([]);
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
    const container = this.docker?.monitor.status(name);
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

  processCounts(): Map<string, number> {
    return new Map([...this.supervisors].map(([name, { supervisor }]) => [name, supervisor.processes.size]));
  }

  /** Stops an instance's processes and containers (deleted, redefined or stopped instance, shutdown). */
  async release(name: string): Promise<void> {
    const entry = this.supervisors.get(name);
    this.supervisors.delete(name);
    await entry?.supervisor.close();
    // Containers outlive a restart of MCPBox: remove by label whatever the instance's current runtime.
    this.docker?.monitor.forget(name);
    await this.docker?.runtime.remove(name).catch(() => {});
  }

  async closeAll(): Promise<void> {
    await Promise.allSettled([...this.supervisors.keys()].map((name) => this.release(name)));
  }
}
