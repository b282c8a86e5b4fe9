import { createHash, randomBytes } from "node:crypto";
import type { KubernetesObject, V1Deployment, V1Pod } from "@kubernetes/client-node";
import type { FetchLike } from "@modelcontextprotocol/sdk/shared/transport.js";
import type { Instance } from "../control/instance-model.js";
import { BRIDGE_PORT, BRIDGE_TOKEN_HEADER } from "./command-line.js";
import {
  type BridgeEndpoint,
  type ContainerRuntime,
  type ContainerSpec,
  checkImageAllowed,
  type WorkloadState,
} from "./container-runtime.js";
import type { KubernetesApi, NamespacedKind } from "./kubernetes-api.js";
import {
  INSTANCE_LABEL,
  type KubernetesTarget,
  kubernetesObjects,
  resourceName,
} from "./kubernetes-manifests.js";

/**
 * How MCPBox reaches a bridge: `service-dns` through the Service's cluster DNS name (MCPBox runs in the
 * cluster), `api-server-proxy` through the API server's service proxy with the kubeconfig's credentials
 * (MCPBox runs elsewhere), `auto` picks the first when MCPBox itself runs in a pod.
 */
export type BridgeAccess = "auto" | "service-dns" | "api-server-proxy";

export interface KubernetesRuntimeOptions extends KubernetesTarget {
  kubeconfig: string;
  bridgeAccess?: BridgeAccess;
  imageAllowlist?: string[];
  /** Whether MCPBox runs in a pod (for `auto`); by default, whether Kubernetes gave it its service env. */
  inCluster?: boolean;
}

const SPEC_ANNOTATION = "io.mcpbox/spec";
const TOKEN_ANNOTATION = "io.mcpbox/token-hash";
/** Waiting reasons the kubelet will not get out of by retrying. */
const HOPELESS = new Set([
  "ImagePullBackOff",
  "ErrImagePull",
  "InvalidImageName",
  "ErrImageNeverPull",
  "CreateContainerConfigError",
  "CreateContainerError",
]);
/** Restarts of a crash-looping container after which the instance is failed rather than crashed. */
const CRASH_LOOP_RESTARTS = 5;
const POLL_MS = 500;

/** Why a hosted instance cannot run on a Kubernetes environment, if it cannot. */
export function kubernetesUnsupported(instance: Instance): string | undefined {
  if (instance.accessMode !== "hosted" || instance.upstream.type !== "stdio")
    return "Kubernetes environments run hosted stdio instances only";
  if (!instance.runtime.image) return "an instance on a Kubernetes environment needs runtime.image";
  if (instance.upstream.package)
    return "code packages live in this MCPBox's data dir and cannot be mounted into pods: build them into the image";
  return undefined;
}

/**
 * Runs hosted stdio instances as pods: applies the objects from kubernetes-manifests.ts (Secret, Deployment,
 * Service, NetworkPolicy) in the environment's namespace, waits for the Deployment to be ready, and reaches
 * the bridge by cluster DNS or through the API server. Objects outlive MCPBox: a Deployment made for the same
 * definition is adopted (its token read back from the Secret) instead of rolled again.
 */
export class KubernetesRuntime implements ContainerRuntime {
  private api?: Promise<KubernetesApi>;
  private proxyFetch?: Promise<FetchLike>;
  private readonly starting = new Map<string, Promise<BridgeEndpoint>>();
  private readonly tokens = new Map<string, { spec: string; token: string }>();

  constructor(private readonly options: KubernetesRuntimeOptions) {}

  /**
   * The API clients, loaded and made on first use: the client library is large, and a kubeconfig that
   * cannot be read fails the start of an instance, not the server.
   */
  private client(): Promise<KubernetesApi> {
    this.api ??= import("./kubernetes-api.js").then((m) =>
      m.KubernetesApi.fromString(this.options.kubeconfig),
    );
    return this.api;
  }

  private get namespace(): string {
    return this.options.namespace;
  }

  get access(): Exclude<BridgeAccess, "auto"> {
    const access = this.options.bridgeAccess ?? "auto";
    if (access !== "auto") return access;
    const inCluster = this.options.inCluster ?? Boolean(process.env.KUBERNETES_SERVICE_HOST);
    return inCluster ? "service-dns" : "api-server-proxy";
  }

  ensure(instance: Instance, spec: ContainerSpec): Promise<BridgeEndpoint> {
    let pending = this.starting.get(instance.name);
    if (!pending) {
      const timeoutMs = instance.connectTimeoutSeconds * 1000;
      pending = this.bringUp(instance, spec, Date.now() + timeoutMs).finally(() =>
        this.starting.delete(instance.name),
      );
      this.starting.set(instance.name, pending);
    }
    return pending;
  }

  private async bringUp(instance: Instance, spec: ContainerSpec, deadline: number): Promise<BridgeEndpoint> {
    const problem = kubernetesUnsupported(instance);
    if (problem) throw new Error(problem);
    checkImageAllowed(spec.image, this.options.imageAllowlist);
    const name = resourceName(instance.name);
    const hash = this.specHash(instance, spec);
    const client = await this.client();
    const deployment = await client.find(`read Deployment ${name}`, () =>
      client.kinds.deployment.read(this.namespace, name),
    );
    let token =
      deployment?.metadata?.annotations?.[SPEC_ANNOTATION] === hash
        ? await this.tokenOf(instance.name, hash)
        : undefined;
    if (!token) {
      token = randomBytes(24).toString("base64url");
      await this.apply(instance, spec, token, hash);
    }
    this.tokens.set(instance.name, { spec: hash, token });
    const endpoint = await this.endpoint(name, token);
    await this.waitReady(instance, endpoint, deadline);
    return endpoint;
  }

  /** The bridge token of an adopted Deployment: remembered, or read back from its Secret. */
  private async tokenOf(instance: string, hash: string): Promise<string | undefined> {
    const known = this.tokens.get(instance);
    if (known?.spec === hash) return known.token;
    const name = resourceName(instance);
    const client = await this.client();
    const secret = (await client.find(`read Secret ${name}`, () =>
      client.kinds.secret.read(this.namespace, name),
    )) as { data?: Record<string, string> } | undefined;
    const encoded = secret?.data?.MCPBOX_BRIDGE_TOKEN;
    return encoded ? Buffer.from(encoded, "base64").toString("utf8") : undefined;
  }

  /** Creates each object, or replaces it when it exists (409), keeping what the API server allocated. */
  private async apply(instance: Instance, spec: ContainerSpec, token: string, hash: string): Promise<void> {
    const tokenHash = createHash("sha256").update(token).digest("hex").slice(0, 16);
    const objects = kubernetesObjects(
      instance,
      {
        image: spec.image,
        user: spec.user,
        cpus: spec.cpus,
        memoryMb: spec.memoryMb,
        nodePath: spec.nodePath,
        volumes: spec.volumes,
      },
      this.options,
      token,
      { [SPEC_ANNOTATION]: hash, [TOKEN_ANNOTATION]: tokenHash },
    );
    const deployment = {
      ...objects.deployment,
      metadata: {
        ...objects.deployment.metadata,
        annotations: { ...objects.deployment.metadata.annotations, [SPEC_ANNOTATION]: hash },
      },
    };
    const { kinds } = await this.client();
    await this.upsert(kinds.secret, objects.secret);
    await this.upsert(kinds.service, objects.service);
    if (objects.networkPolicy) await this.upsert(kinds.networkPolicy, objects.networkPolicy);
    // Switched off for the environment: one left from before goes (without RBAC for policies, none exists).
    else await this.deleteQuietly(kinds.networkPolicy, objects.service.metadata.name).catch(() => {});
    await this.upsert(kinds.deployment, deployment);
  }

  private async upsert(kind: NamespacedKind, object: KubernetesObject): Promise<void> {
    const name = object.metadata!.name!;
    const api = await this.client();
    try {
      await api.call(`create ${kind.kind} ${name}`, () => kind.create(this.namespace, object));
      return;
    } catch (error) {
      if ((error as { status?: number }).status !== 409) throw error;
    }
    const existing = (await api.call(`read ${kind.kind} ${name}`, () => kind.read(this.namespace, name))) as {
      metadata?: { resourceVersion?: string };
      spec?: { clusterIP?: string; clusterIPs?: string[] };
    };
    const body = structuredClone(object) as KubernetesObject & { spec?: Record<string, unknown> };
    body.metadata!.resourceVersion = existing.metadata?.resourceVersion;
    if (kind.kind === "Service" && existing.spec?.clusterIP) {
      body.spec = { ...body.spec, clusterIP: existing.spec.clusterIP, clusterIPs: existing.spec.clusterIPs };
    }
    await api.call(`replace ${kind.kind} ${name}`, () => kind.replace(this.namespace, name, body));
  }

  private async deleteQuietly(kind: NamespacedKind, name: string): Promise<void> {
    const client = await this.client();
    await client.find(`delete ${kind.kind} ${name}`, () => kind.delete(this.namespace, name));
  }

  private async endpoint(name: string, token: string): Promise<BridgeEndpoint> {
    if (this.access === "service-dns") {
      return {
        url: `http://${name}.${this.namespace}.svc:${BRIDGE_PORT}/mcp`,
        headers: { Authorization: `Bearer ${token}` },
      };
    }
    const client = await this.client();
    this.proxyFetch ??= client.apiServerFetch();
    const fetch = await this.proxyFetch.catch((error) => {
      this.proxyFetch = undefined;
      throw error;
    });
    const base = `${client.server}/api/v1/namespaces/${this.namespace}/services/${name}:${BRIDGE_PORT}/proxy`;
    return { url: `${base}/mcp`, headers: { [BRIDGE_TOKEN_HEADER]: token }, fetch };
  }

  /**
   * Polls the Deployment and its pods until it is ready and MCPBox reaches the bridge; a pod that cannot
   * start (crash loop, image pull, bad config) fails at once with what the cluster and the logs say.
   */
  private async waitReady(instance: Instance, endpoint: BridgeEndpoint, deadline: number): Promise<void> {
    const health = endpoint.url.replace(/\/mcp$/, "/healthz");
    const get = endpoint.fetch ?? fetch;
    let last = "";
    while (Date.now() < deadline) {
      const state = await this.state(instance.name);
      if (state.phase === "failed" || state.phase === "crashed") {
        const logs = await this.logs(instance.name, 10, true).catch(() => []);
        const tail = logs.length ? `; last output: ${logs.join(" | ").slice(-400)}` : "";
        throw new Error(`the pod did not start: ${state.detail}${tail}`);
      }
      if (state.phase === "absent") throw new Error("the Deployment was removed while it was starting");
      if (state.phase === "running") {
        const answer = await get(health, {
          headers: endpoint.headers,
          signal: AbortSignal.timeout(2000),
        }).then(
          async (r) => (r.ok ? "" : `the bridge answered ${r.status}: ${(await r.text()).slice(0, 200)}`),
          (error: Error) => `the bridge is unreachable: ${(error.cause as Error)?.message ?? error.message}`,
        );
        if (!answer) return;
        last = answer;
      } else last = state.detail ?? "";
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
    await this.remove(instance.name).catch(() => {});
    const seconds = instance.connectTimeoutSeconds;
    throw new Error(`startup-timeout: the pod was not ready within ${seconds}s${last ? ` (${last})` : ""}`);
  }

  async state(instance: string): Promise<WorkloadState> {
    const name = resourceName(instance);
    const client = await this.client();
    const deployment = (await client.find(`read Deployment ${name}`, () =>
      client.kinds.deployment.read(this.namespace, name),
    )) as V1Deployment | undefined;
    if (!deployment) return { phase: "absent", detail: "the Deployment was removed" };
    const pods = await this.pods(instance);
    for (const pod of pods) {
      const problem = podProblem(pod);
      if (problem) return problem;
    }
    if (deploymentReady(deployment)) return { phase: "running" };
    const pending = pods.map(podPending).find(Boolean);
    return { phase: "starting", detail: pending ?? "waiting for the Deployment's pod" };
  }

  /** The instance's pods that are not being deleted, newest first. */
  private async pods(instance: string): Promise<V1Pod[]> {
    const selector = `${INSTANCE_LABEL}=${resourceName(instance)}`;
    const client = await this.client();
    const list = await client.call(`list pods of ${instance}`, () =>
      client.core.listNamespacedPod({ namespace: this.namespace, labelSelector: selector }),
    );
    return list.items
      .filter((pod) => !pod.metadata?.deletionTimestamp)
      .sort((a, b) => time(b.metadata?.creationTimestamp) - time(a.metadata?.creationTimestamp));
  }

  async remove(instance: string): Promise<void> {
    this.tokens.delete(instance);
    const selector = `${INSTANCE_LABEL}=${resourceName(instance)}`;
    const client = await this.client();
    const { kinds } = client;
    // Every kind is tried even when one fails (e.g. no RBAC for NetworkPolicies); the first error is reported.
    const results = await Promise.allSettled(
      [kinds.deployment, kinds.service, kinds.networkPolicy, kinds.secret].map(async (kind) => {
        const list = await client.call(`list ${kind.kind}s of ${instance}`, () =>
          kind.list(this.namespace, selector),
        );
        for (const item of list.items) await this.deleteQuietly(kind, item.metadata!.name!);
      }),
    );
    const failed = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
    if (failed) throw failed.reason;
  }

  /** The last lines of the newest pod's server container (of its previous run, after a crash). */
  async logs(instance: string, tail = 200, previous = false): Promise<string[]> {
    const [pod] = await this.pods(instance);
    if (!pod) return [];
    const restarted = (pod.status?.containerStatuses ?? []).some((c) => (c.restartCount ?? 0) > 0);
    const client = await this.client();
    const name = pod.metadata!.name!;
    const read = (prev: boolean) =>
      client.call(`read the logs of pod ${name}`, () =>
        client.core.readNamespacedPodLog({
          name,
          namespace: this.namespace,
          container: "mcp",
          tailLines: tail,
          previous: prev,
        }),
      );
    const text = await read(previous && restarted).catch(() => (previous ? read(false) : ""));
    return String(text).split("\n").filter(Boolean);
  }

  /** What the pod is made from: a change replaces it. */
  private specHash(instance: Instance, spec: ContainerSpec): string {
    const { image, user, cpus, memoryMb, nodePath, volumes } = spec;
    const { namespace, bridgeImage, networkPolicy, allowedSourceCidrs } = this.options;
    const pod = [image, user, cpus, memoryMb, nodePath, volumes ?? []];
    const target = [namespace, bridgeImage, networkPolicy, allowedSourceCidrs ?? [], this.access];
    return createHash("sha256")
      .update(JSON.stringify([instance.upstream, instance.sessionPolicy, pod, target]))
      .digest("hex")
      .slice(0, 32);
  }
}

function time(value: Date | string | undefined): number {
  return value ? new Date(value).getTime() : 0;
}

function deploymentReady(deployment: V1Deployment): boolean {
  const status = deployment.status ?? {};
  const updated = status.updatedReplicas ?? 0;
  return (
    (status.observedGeneration ?? 0) >= (deployment.metadata?.generation ?? 0) &&
    updated >= 1 &&
    (status.readyReplicas ?? 0) >= 1 &&
    (status.replicas ?? 0) === updated
  );
}

/** A pod that will not become ready by itself (failed), or whose server exited (crashed). */
function podProblem(pod: V1Pod): WorkloadState | undefined {
  const init = pod.status?.initContainerStatuses ?? [];
  for (const status of [...init, ...(pod.status?.containerStatuses ?? [])]) {
    const waiting = status.state?.waiting;
    const exited = status.state?.terminated ?? status.lastState?.terminated;
    const restarts = status.restartCount ?? 0;
    const exit = exited
      ? `, last exit code ${exited.exitCode}${exited.reason ? ` (${exited.reason})` : ""}`
      : "";
    if (waiting?.reason && HOPELESS.has(waiting.reason)) {
      const detail = `container ${status.name}: ${waiting.reason}${waiting.message ? `: ${waiting.message}` : ""}`;
      return { phase: "failed", detail };
    }
    if (waiting?.reason === "CrashLoopBackOff") {
      const detail = `container ${status.name} is in CrashLoopBackOff (restarted ${restarts} times${exit})`;
      return { phase: restarts >= CRASH_LOOP_RESTARTS ? "failed" : "crashed", detail };
    }
    // A finished init container is fine; a server container that is not running has exited.
    const done = init.includes(status) && status.state?.terminated?.exitCode === 0;
    if (exited && !done && !status.state?.running && !status.ready) {
      return { phase: "crashed", detail: `container ${status.name} exited${exit}` };
    }
  }
  if (pod.status?.phase === "Failed") {
    const why = [pod.status.reason, pod.status.message].filter(Boolean).join(": ");
    return { phase: "crashed", detail: `pod failed${why ? `: ${why}` : ""}` };
  }
  return undefined;
}

/** Why a pod is not ready yet (unschedulable, pulling, initializing), for the instance's status detail. */
function podPending(pod: V1Pod): string | undefined {
  const unscheduled = pod.status?.conditions?.find((c) => c.type === "PodScheduled" && c.status === "False");
  if (unscheduled) return `not scheduled: ${unscheduled.message ?? unscheduled.reason ?? ""}`.trim();
  const waiting = (pod.status?.containerStatuses ?? []).find((c) => c.state?.waiting)?.state?.waiting;
  return waiting?.reason ? `${waiting.reason}${waiting.message ? `: ${waiting.message}` : ""}` : undefined;
}
