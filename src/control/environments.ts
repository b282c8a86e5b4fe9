import { isIP } from "node:net";
import Docker from "dockerode";
import { z } from "zod";
import type { SecretBox } from "../auth/secrets.js";
import type { ContainerRuntime } from "../runtime/container-runtime.js";
import { DockerRuntime } from "../runtime/docker.js";
import { KubernetesRuntime } from "../runtime/kubernetes.js";
import type { EnvironmentRepository } from "../store/environment-repository.js";
import { ConflictError, ForbiddenError, NotFoundError } from "./errors.js";
import { environmentNameSchema, SECRET_MASK } from "./instance-model.js";
import type { InstanceService } from "./instances.js";
import { text } from "./text.js";

const dockerConfig = z.strictObject({
  /** `unix:///path/docker.sock` or `tcp://host:2376`. */
  host: z
    .string()
    .max(512)
    .regex(/^(unix:\/\/\/\S+|tcp:\/\/[\w.-]+:\d{1,5})$/, "unix:///path or tcp://host:port"),
  tls: z.strictObject({ ca: text(20_000), cert: text(20_000), key: text(20_000) }).optional(),
});
const kubernetesConfig = z.strictObject({
  kubeconfig: text(200_000).pipe(z.string().min(1)),
  namespace: z
    .string()
    .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/)
    .max(63),
  bridgeImage: text(512).pipe(z.string().min(1)),
  networkPolicy: z.boolean().default(true),
  /** More sources the NetworkPolicy admits besides MCPBox's pods (e.g. the API server, for its proxy). */
  allowedSourceCidrs: z
    .array(
      z
        .string()
        .max(64)
        .refine((value) => {
          const [address, bits, extra] = value.split("/");
          const family = isIP(address ?? "");
          const size = Number(bits);
          return (
            family !== 0 &&
            extra === undefined &&
            /^\d{1,3}$/.test(bits ?? "") &&
            size <= (family === 4 ? 32 : 128)
          );
        }, "a CIDR such as 10.0.0.0/16"),
    )
    .max(20)
    .default([]),
  /** How MCPBox reaches the bridges: cluster DNS, the API server's service proxy, or `auto`. */
  bridgeAccess: z.enum(["auto", "service-dns", "api-server-proxy"]).default("auto"),
});
export const environmentInputSchema = z.discriminatedUnion("kind", [
  z.strictObject({
    name: environmentNameSchema,
    kind: z.literal("docker"),
    description: text(500).default(""),
    docker: dockerConfig,
  }),
  z.strictObject({
    name: environmentNameSchema,
    kind: z.literal("kubernetes"),
    description: text(500).default(""),
    kubernetes: kubernetesConfig,
  }),
]);
type EnvironmentInput = z.infer<typeof environmentInputSchema>;

export interface Environment {
  name: string;
  kind: "process" | "docker" | "kubernetes";
  description: string;
  builtIn: boolean;
  docker?: z.infer<typeof dockerConfig>;
  kubernetes?: z.infer<typeof kubernetesConfig>;
}

const BUILT_IN: Environment[] = [
  { name: "process", kind: "process", description: "Child processes on the MCPBox host", builtIn: true },
  {
    name: "docker",
    kind: "docker",
    description: "The local Docker engine (DOCKER_HOST or /var/run/docker.sock)",
    builtIn: true,
  },
];

/** What leaves the server about an environment: the kind and the non-secret settings, never keys or kubeconfigs. */
export function presentEnvironment(env: Environment, instances: string[]) {
  return {
    name: env.name,
    kind: env.kind,
    description: env.description,
    builtIn: env.builtIn,
    ...(env.docker ? { docker: { host: env.docker.host, tls: env.docker.tls ? SECRET_MASK : null } } : {}),
    ...(env.kubernetes
      ? {
          kubernetes: {
            namespace: env.kubernetes.namespace,
            bridgeImage: env.kubernetes.bridgeImage,
            networkPolicy: env.kubernetes.networkPolicy,
            allowedSourceCidrs: env.kubernetes.allowedSourceCidrs ?? [],
            bridgeAccess: env.kubernetes.bridgeAccess ?? "auto",
            kubeconfig: SECRET_MASK,
          },
        }
      : {}),
    instances,
  };
}

function dockerClient(config?: z.infer<typeof dockerConfig>): Docker {
  if (!config) return new Docker();
  if (config.host.startsWith("unix://"))
    return new Docker({ socketPath: config.host.slice("unix://".length) });
  const url = new URL(config.host.replace(/^tcp:/, "http:"));
  return new Docker({
    host: url.hostname,
    port: Number(url.port),
    protocol: config.tls ? "https" : "http",
    ...(config.tls ? { ca: config.tls.ca, cert: config.tls.cert, key: config.tls.key } : {}),
  });
}

/**
 * Environments: `process` and the local `docker` are built in; more Docker engines (socket or TCP+TLS) and
 * Kubernetes clusters (kubeconfig + namespace) are added with their settings sealed. Each can be tested by
 * really talking to it; one that instances use cannot be deleted.
 */
export class EnvironmentService {
  private cache: Environment[] = [...BUILT_IN];
  private readonly runtimes = new Map<string, ContainerRuntime>();

  constructor(
    private readonly repo: EnvironmentRepository,
    private readonly secrets: SecretBox,
    private readonly instances: () => InstanceService,
    private readonly runtimeOptions: { bridgeDir: string; imageAllowlist: string[] },
  ) {}

  async load(): Promise<void> {
    const rows = await this.repo.list();
    this.cache = [
      ...BUILT_IN,
      ...rows.map((row) => ({
        name: row.name,
        kind: row.kind as "docker" | "kubernetes",
        description: row.description,
        builtIn: false,
        ...(JSON.parse(this.secrets.open(row.config)) as Pick<Environment, "docker" | "kubernetes">),
      })),
    ];
  }

  list(): Environment[] {
    return this.cache;
  }

  get(name: string): Environment | undefined {
    return this.cache.find((e) => e.name === name);
  }

  usedBy(name: string): string[] {
    return this.instances()
      .list()
      .filter((i) => i.runtime.environment === name)
      .map((i) => i.name);
  }

  /**
   * The container runtime of every Docker and Kubernetes environment, for removals by label: after a restart
   * of MCPBox, an instance's containers must go even if nothing has used its environment yet.
   */
  allRuntimes(): ContainerRuntime[] {
    for (const env of this.cache) this.containerRuntime(env.name);
    return [...this.runtimes.values()];
  }

  /** The container runtime of a Docker or Kubernetes environment (one per environment, made on first use). */
  containerRuntime(name: string): ContainerRuntime | undefined {
    const env = this.get(name);
    if (env?.kind !== "docker" && env?.kind !== "kubernetes") return undefined;
    let runtime = this.runtimes.get(name);
    if (!runtime) {
      const { imageAllowlist } = this.runtimeOptions;
      runtime = env.kubernetes
        ? new KubernetesRuntime({ ...env.kubernetes, imageAllowlist })
        : new DockerRuntime({ ...this.runtimeOptions, docker: dockerClient(env.docker) });
      this.runtimes.set(name, runtime);
    }
    return runtime;
  }

  async create(input: unknown): Promise<Environment> {
    const data: EnvironmentInput = environmentInputSchema.parse(input);
    if (this.get(data.name)) throw new ConflictError(`environment "${data.name}" exists`);
    const settings = data.kind === "docker" ? { docker: data.docker } : { kubernetes: data.kubernetes };
    await this.repo.insert({
      name: data.name,
      kind: data.kind,
      description: data.description,
      config: this.secrets.seal(JSON.stringify(settings)),
    });
    await this.load();
    return this.get(data.name)!;
  }

  async delete(name: string): Promise<void> {
    const env = this.get(name);
    if (!env) throw new NotFoundError(`no environment "${name}"`);
    if (env.builtIn) throw new ForbiddenError(`the built-in environment "${name}" cannot be deleted`);
    const users = this.usedBy(name);
    if (users.length) throw new ConflictError(`environment "${name}" is used by: ${users.join(", ")}`);
    await this.repo.delete(name);
    this.runtimes.delete(name);
    await this.load();
  }

  /** Really talks to the engine or cluster: version and latency, or the error it gave. */
  async test(
    name: string,
  ): Promise<{ ok: boolean; kind: string; version?: string; latencyMs: number; error?: string }> {
    const env = this.get(name);
    if (!env) throw new NotFoundError(`no environment "${name}"`);
    const started = performance.now();
    const done = (result: { ok: boolean; version?: string; error?: string }) => ({
      ...result,
      kind: env.kind,
      latencyMs: Math.round(performance.now() - started),
    });
    try {
      if (env.kind === "process") return done({ ok: true, version: process.version });
      if (env.kind === "docker") {
        const version = await dockerClient(env.docker).version();
        return done({ ok: true, version: `Docker ${version.Version} (API ${version.ApiVersion})` });
      }
      // Loaded here, not at start: the Kubernetes client is large and most servers never use it.
      const { KubernetesApi } = await import("../runtime/kubernetes-api.js");
      const api = KubernetesApi.fromString(env.kubernetes!.kubeconfig);
      const { namespace } = env.kubernetes!;
      const version = await api.version();
      await api.call(`read namespace ${namespace}`, () => api.core.readNamespace({ name: namespace }));
      return done({ ok: true, version: `Kubernetes ${version}` });
    } catch (error) {
      return done({ ok: false, error: (error as Error).message.slice(0, 500) });
    }
  }
}
