import type { FetchLike } from "@modelcontextprotocol/sdk/shared/transport.js";
import type { Instance, Volume } from "../control/instance-model.js";

/** Container settings of a hosted instance in Docker or Kubernetes, with the hardened defaults. */
export interface ContainerSpec {
  image: string;
  user: string;
  cpus: number;
  memoryMb: number;
  pids: number;
  nodePath: string;
  /** A code package to mount read-only at /app (the working directory); Docker only. */
  packageDir?: string;
  volumes?: Volume[];
}

/** How MCPBox reaches the bridge in front of a running instance's stdio server. */
export interface BridgeEndpoint {
  /** The bridge's Streamable HTTP endpoint. */
  url: string;
  /** The bridge's credentials, sent with every request. */
  headers: Record<string, string>;
  /** A client for paths that need their own TLS settings (the Kubernetes API server's service proxy). */
  fetch?: FetchLike;
}

/**
 * What a runtime says about an instance's workload: `failed` means it will not recover by itself (an image
 * that cannot be pulled, a crash loop), `crashed` that it stopped and may be started again, `absent` that
 * nothing runs for it (never started, or removed behind MCPBox's back).
 */
export interface WorkloadState {
  phase: "running" | "starting" | "crashed" | "failed" | "absent";
  detail?: string;
}

/** Where hosted instances run in containers: a Docker engine or a Kubernetes namespace. */
export interface ContainerRuntime {
  /** The instance's running workload (started, or replaced if its definition changed), once it is ready. */
  ensure(instance: Instance, spec: ContainerSpec): Promise<BridgeEndpoint>;
  state(name: string): Promise<WorkloadState>;
  /** Removes everything the runtime made for the instance. */
  remove(name: string): Promise<void>;
  /** The last lines the instance's bridge and server wrote. */
  logs(name: string, tail?: number): Promise<string[]>;
}

/** The image allowlist (prefix match; empty allows all) refuses an image before anything is made. */
export function checkImageAllowed(image: string, allowlist: string[] = []): void {
  if (allowlist.length && !allowlist.some((prefix) => image.startsWith(prefix))) {
    throw new Error(`image ${image} is not on the image allowlist`);
  }
}
