import { createHash, randomBytes } from "node:crypto";
import { realpathSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, posix, resolve, sep } from "node:path";
import Docker from "dockerode";
import type { Instance } from "../control/instance-model.js";
import { buildBridgeBundle } from "./bridge-bundle.js";
import { BRIDGE_PORT, bridgeArgs } from "./command-line.js";
import {
  type BridgeEndpoint,
  type ContainerRuntime,
  type ContainerSpec,
  checkImageAllowed,
  type WorkloadState,
} from "./container-runtime.js";

const NETWORK = "mcpbox";
const MOUNT = "/mcpbox";
const LABEL_INSTANCE = "io.mcpbox.instance";
const LABEL_SPEC = "io.mcpbox.spec";

/**
 * A host path may be mounted when it lies inside an allowed directory, also once symbolic links are
 * followed (a link inside an allowed directory must not lead out of it).
 */
export function hostPathAllowed(source: string, allowlist: string[]): boolean {
  const real = (path: string) => {
    try {
      return realpathSync(path);
    } catch {
      return resolve(path);
    }
  };
  const inside = (path: string, root: string) =>
    path === root || path.startsWith(root.endsWith(sep) ? root : root + sep);
  return allowlist.some((root) => inside(resolve(source), resolve(root)) && inside(real(source), real(root)));
}

/** Where the bridge bundle lives: in the data dir, or a temporary dir for an in-memory one. */
export function runtimeDir(dataDir: string): string {
  return dataDir === ":memory:"
    ? join(tmpdir(), `mcpbox-runtime-${process.pid}`)
    : join(resolve(dataDir), "runtime");
}

export interface ContainerEndpoint extends BridgeEndpoint {
  token: string;
  containerId: string;
}

export interface DockerRuntimeOptions {
  /** Host directory for mcpbox-bridge.mjs (built there on first use), mounted read-only into containers. */
  bridgeDir: string;
  /** Image references allowed to run (prefix match); empty allows all. */
  imageAllowlist?: string[];
  docker?: Docker;
}

/**
 * Runs hosted stdio instances in hardened containers: the MCP server behind `mcpbox bridge` (mounted
 * read-only), non-root, read-only root with a tmpfs /tmp, no capabilities, no-new-privileges, CPU, memory and
 * pids limits, on a dedicated network, labelled with its instance. The gateway reaches the bridge over
 * Streamable HTTP with a per-container bearer token.
 */
export class DockerRuntime implements ContainerRuntime {
  readonly docker: Docker;
  private readonly starting = new Map<string, Promise<ContainerEndpoint>>();
  private readonly endpoints = new Map<string, { spec: string; endpoint: ContainerEndpoint }>();
  private bridgeReady?: Promise<string>;

  constructor(private readonly options: DockerRuntimeOptions) {
    this.docker = options.docker ?? new Docker();
  }

  /** The running container of an instance (started, or replaced if its definition changed). */
  ensure(instance: Instance, spec: ContainerSpec): Promise<ContainerEndpoint> {
    const hash = specHash(instance, spec);
    const known = this.endpoints.get(instance.name);
    if (known?.spec === hash) {
      return this.isRunning(known.endpoint.containerId).then((running) =>
        running ? known.endpoint : this.start(instance, spec, hash),
      );
    }
    return this.start(instance, spec, hash);
  }

  private start(instance: Instance, spec: ContainerSpec, hash: string): Promise<ContainerEndpoint> {
    let pending = this.starting.get(instance.name);
    if (!pending) {
      pending = this.create(instance, spec, hash).finally(() => this.starting.delete(instance.name));
      this.starting.set(instance.name, pending);
    }
    return pending;
  }

  private async create(instance: Instance, spec: ContainerSpec, hash: string): Promise<ContainerEndpoint> {
    if (instance.upstream.type !== "stdio") throw new Error("only stdio servers run in containers here");
    checkImageAllowed(spec.image, this.options.imageAllowlist);
    this.bridgeReady ??= buildBridgeBundle(this.options.bridgeDir);
    await this.bridgeReady;
    await this.remove(instance.name);
    await this.ensureNetwork();
    const token = randomBytes(24).toString("base64url");
    const volumes = spec.volumes ?? [];
    for (const volume of volumes) if (volume.type === "volume") await this.ensureVolume(volume.name);
    const env = Object.entries(instance.upstream.env).map(([k, v]) => `${k}=${v}`);
    const container = await this.docker.createContainer({
      name: `mcpbox-${instance.name}-${hash.slice(0, 8)}`,
      Image: spec.image,
      User: spec.user,
      Entrypoint: [spec.nodePath],
      Cmd: [`${MOUNT}/mcpbox-bridge.mjs`, ...bridgeArgs(instance, instance.upstream)],
      Env: [...env, `MCPBOX_BRIDGE_TOKEN=${token}`],
      WorkingDir: spec.packageDir
        ? posix.join("/app", instance.upstream.cwd ?? ".")
        : (instance.upstream.cwd ?? "/tmp"),
      Labels: { [LABEL_INSTANCE]: instance.name, [LABEL_SPEC]: hash },
      HostConfig: {
        ReadonlyRootfs: true,
        Tmpfs: { "/tmp": "rw,noexec,nosuid,size=64m" },
        CapDrop: ["ALL"],
        SecurityOpt: ["no-new-privileges"],
        NanoCpus: Math.round(spec.cpus * 1e9),
        Memory: spec.memoryMb * 1024 * 1024,
        PidsLimit: spec.pids,
        NetworkMode: NETWORK,
        Binds: [
          `${this.options.bridgeDir}:${MOUNT}:ro`,
          ...(spec.packageDir ? [`${spec.packageDir}:/app:ro`] : []),
        ],
        RestartPolicy: { Name: "no" },
        Mounts: volumes.map((v) => ({
          Type: v.type,
          Source: v.type === "bind" ? v.source : v.name,
          Target: v.target,
          ReadOnly: v.readOnly,
        })),
      },
    });
    await container.start();
    const info = await container.inspect();
    const ip = info.NetworkSettings.Networks[NETWORK]?.IPAddress;
    if (!ip) throw new Error("the container has no address on the mcpbox network");
    const endpoint = {
      url: `http://${ip}:${BRIDGE_PORT}/mcp`,
      headers: { Authorization: `Bearer ${token}` },
      token,
      containerId: container.id,
    };
    await this.waitReady(endpoint, instance.connectTimeoutSeconds * 1000, container);
    this.endpoints.set(instance.name, { spec: hash, endpoint });
    return endpoint;
  }

  /** Polls the bridge's health endpoint until it answers, the container exits, or time runs out. */
  private async waitReady(
    endpoint: ContainerEndpoint,
    timeoutMs: number,
    container: Docker.Container,
  ): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    const health = endpoint.url.replace(/\/mcp$/, "/healthz");
    while (Date.now() < deadline) {
      const ok = await fetch(health, { signal: AbortSignal.timeout(1000) }).then(
        (r) => r.ok,
        () => false,
      );
      if (ok) return;
      const state = (await container.inspect()).State;
      if (!state.Running) {
        const logs = (await container.logs({ stdout: true, stderr: true, tail: 20 })).toString("utf8");
        throw new Error(
          `the container exited (${state.ExitCode}) before it was ready: ${logs.trim().slice(-500)}`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    await container.remove({ force: true }).catch(() => {});
    throw new Error(`startup-timeout: the container was not ready within ${timeoutMs / 1000}s`);
  }

  private async isRunning(id: string): Promise<boolean> {
    try {
      return (await this.docker.getContainer(id).inspect()).State.Running;
    } catch {
      return false;
    }
  }

  private async ensureNetwork(): Promise<void> {
    const networks = await this.docker.listNetworks({ filters: { name: [NETWORK] } });
    if (networks.some((n) => n.Name === NETWORK)) return;
    await this.docker
      .createNetwork({ Name: NETWORK, Driver: "bridge", Labels: { "io.mcpbox": "true" } })
      .catch((error: { statusCode?: number }) => {
        if (error.statusCode !== 409) throw error; // created meanwhile
      });
  }

  /** Named volumes are created labelled as MCPBox's (Docker would make them unlabelled on first mount). */
  private async ensureVolume(name: string): Promise<void> {
    try {
      await this.docker.getVolume(name).inspect();
    } catch {
      await this.docker.createVolume({ Name: name, Labels: { "io.mcpbox": "true" } });
    }
  }

  /** Every container of the instance, by label. */
  async containers(name: string): Promise<Docker.ContainerInfo[]> {
    return this.docker.listContainers({ all: true, filters: { label: [`${LABEL_INSTANCE}=${name}`] } });
  }

  async state(name: string): Promise<WorkloadState> {
    const containers = await this.containers(name);
    if (containers.some((c) => c.State === "running")) return { phase: "running" };
    const exited = containers[0];
    return exited
      ? { phase: "crashed", detail: `container ${exited.Status}` }
      : { phase: "absent", detail: "container removed" };
  }

  async remove(name: string): Promise<void> {
    this.endpoints.delete(name);
    for (const info of await this.containers(name)) {
      await this.docker
        .getContainer(info.Id)
        .remove({ force: true })
        .catch(() => {});
    }
  }

  async logs(name: string, tail = 200): Promise<string[]> {
    const [info] = await this.containers(name);
    if (!info) return [];
    const raw = await this.docker.getContainer(info.Id).logs({ stdout: true, stderr: true, tail });
    return demux(raw).split("\n").filter(Boolean);
  }
}

/** Docker multiplexes stdout and stderr in 8-byte-framed chunks when there is no TTY. */
function demux(buffer: Buffer): string {
  const parts: Buffer[] = [];
  let offset = 0;
  while (offset + 8 <= buffer.length) {
    const size = buffer.readUInt32BE(offset + 4);
    parts.push(buffer.subarray(offset + 8, offset + 8 + size));
    offset += 8 + size;
  }
  return Buffer.concat(parts).toString("utf8");
}

function specHash(instance: Instance, spec: ContainerSpec): string {
  return createHash("sha256")
    .update(JSON.stringify([instance.upstream, instance.sessionPolicy, spec]))
    .digest("hex");
}
