import {
  ApiException,
  AppsV1Api,
  CoreV1Api,
  KubeConfig,
  type KubernetesObject,
  NetworkingV1Api,
  VersionApi,
} from "@kubernetes/client-node";
// The generated models' own (de)serializer: not re-exported by the package's entry point.
import { ObjectSerializer } from "@kubernetes/client-node/dist/gen/models/ObjectSerializer.js";
import type { FetchLike } from "@modelcontextprotocol/sdk/shared/transport.js";
import { Agent, type Dispatcher, ProxyAgent, fetch as undiciFetch } from "undici";

/**
 * The namespaced kinds an instance is made of, with the calls MCPBox needs on each. Typed clients rather
 * than the generic object API: that one asks the API server for discovery documents first.
 */
export interface NamespacedKind {
  kind: string;
  create(namespace: string, body: KubernetesObject): Promise<KubernetesObject>;
  read(namespace: string, name: string): Promise<KubernetesObject>;
  replace(namespace: string, name: string, body: KubernetesObject): Promise<KubernetesObject>;
  delete(namespace: string, name: string): Promise<unknown>;
  list(namespace: string, labelSelector: string): Promise<{ items: KubernetesObject[] }>;
}

/**
 * Plain manifest JSON as the typed clients' model objects: they serialize by model attribute, and a few
 * attributes are renamed there (a NetworkPolicy rule's `from` is `_from`), which plain JSON would lose.
 */
function model<T>(json: KubernetesObject, type: string): T {
  return ObjectSerializer.deserialize(json, type, "") as T;
}

const CALL_TIMEOUT_MS = 20_000;

export class KubernetesApi {
  readonly core: CoreV1Api;
  readonly apps: AppsV1Api;
  readonly kinds: Record<"secret" | "service" | "networkPolicy" | "deployment", NamespacedKind>;
  /** The API server's URL (with any path prefix a proxy in front of it needs). */
  readonly server: string;

  constructor(readonly config: KubeConfig) {
    const cluster = config.getCurrentCluster();
    if (!cluster) throw new Error("the kubeconfig has no current cluster");
    this.server = cluster.server.replace(/\/+$/, "");
    this.core = config.makeApiClient(CoreV1Api);
    this.apps = config.makeApiClient(AppsV1Api);
    const net = config.makeApiClient(NetworkingV1Api);
    const core = this.core;
    const apps = this.apps;
    // Deleting a Deployment in the background lets the garbage collector remove its ReplicaSets and pods.
    const background = { propagationPolicy: "Background" };
    this.kinds = {
      secret: {
        kind: "Secret",
        create: (namespace, body) =>
          core.createNamespacedSecret({ namespace, body: model(body, "V1Secret") }),
        read: (namespace, name) => core.readNamespacedSecret({ namespace, name }),
        replace: (namespace, name, body) =>
          core.replaceNamespacedSecret({ namespace, name, body: model(body, "V1Secret") }),
        delete: (namespace, name) => core.deleteNamespacedSecret({ namespace, name }),
        list: (namespace, labelSelector) => core.listNamespacedSecret({ namespace, labelSelector }),
      },
      service: {
        kind: "Service",
        create: (namespace, body) =>
          core.createNamespacedService({ namespace, body: model(body, "V1Service") }),
        read: (namespace, name) => core.readNamespacedService({ namespace, name }),
        replace: (namespace, name, body) =>
          core.replaceNamespacedService({ namespace, name, body: model(body, "V1Service") }),
        delete: (namespace, name) => core.deleteNamespacedService({ namespace, name }),
        list: (namespace, labelSelector) => core.listNamespacedService({ namespace, labelSelector }),
      },
      networkPolicy: {
        kind: "NetworkPolicy",
        create: (namespace, body) =>
          net.createNamespacedNetworkPolicy({ namespace, body: model(body, "V1NetworkPolicy") }),
        read: (namespace, name) => net.readNamespacedNetworkPolicy({ namespace, name }),
        replace: (namespace, name, body) =>
          net.replaceNamespacedNetworkPolicy({ namespace, name, body: model(body, "V1NetworkPolicy") }),
        delete: (namespace, name) => net.deleteNamespacedNetworkPolicy({ namespace, name }),
        list: (namespace, labelSelector) => net.listNamespacedNetworkPolicy({ namespace, labelSelector }),
      },
      deployment: {
        kind: "Deployment",
        create: (namespace, body) =>
          apps.createNamespacedDeployment({ namespace, body: model(body, "V1Deployment") }),
        read: (namespace, name) => apps.readNamespacedDeployment({ namespace, name }),
        replace: (namespace, name, body) =>
          apps.replaceNamespacedDeployment({ namespace, name, body: model(body, "V1Deployment") }),
        delete: (namespace, name) => apps.deleteNamespacedDeployment({ namespace, name, body: background }),
        list: (namespace, labelSelector) => apps.listNamespacedDeployment({ namespace, labelSelector }),
      },
    };
  }

  static fromString(kubeconfig: string): KubernetesApi {
    const config = new KubeConfig();
    try {
      config.loadFromString(kubeconfig);
    } catch (error) {
      throw new Error(`the environment's kubeconfig cannot be read: ${(error as Error).message}`);
    }
    return new KubernetesApi(config);
  }

  /** The cluster's version, e.g. `v1.31.2`. */
  async version(): Promise<string> {
    const info = await this.call("read its version", () => this.config.makeApiClient(VersionApi).getCode());
    return info.gitVersion;
  }

  /**
   * Runs an API call; a failure becomes an error that says what was being done and what the server said.
   * A server that does not answer fails the call after a while (the client itself would wait forever).
   */
  async call<T>(doing: string, request: () => Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const silence = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        const error = new Error(`no answer within ${CALL_TIMEOUT_MS / 1000}s`);
        reject(Object.assign(error, { code: "ETIMEDOUT" }));
      }, CALL_TIMEOUT_MS);
    });
    try {
      return await Promise.race([request(), silence]);
    } catch (error) {
      throw kubernetesError(error, doing, this.server);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Like call(), but a missing object is `undefined`. */
  async find<T>(doing: string, request: () => Promise<T>): Promise<T | undefined> {
    try {
      return await this.call(doing, request);
    } catch (error) {
      if ((error as { status?: number }).status === 404) return undefined;
      throw error;
    }
  }

  /**
   * fetch() to the API server with the kubeconfig's credentials: its CA, client certificate and key go on a
   * TLS agent of its own (the global fetch cannot send client certificates), its token or other
   * authentication headers on every request, fetched again each time as exec plugins renew them.
   */
  async apiServerFetch(): Promise<FetchLike> {
    const cluster = this.config.getCurrentCluster()!;
    const tls = await this.httpsOptions();
    const connect = {
      ca: tls.ca,
      cert: tls.cert,
      key: tls.key,
      pfx: tls.pfx,
      passphrase: tls.passphrase,
      servername: tls.servername,
      ...(tls.rejectUnauthorized === undefined ? {} : { rejectUnauthorized: tls.rejectUnauthorized }),
    } as Agent.Options["connect"];
    let dispatcher: Dispatcher;
    if (!cluster.proxyUrl) dispatcher = new Agent({ connect });
    else if (/^https?:/.test(cluster.proxyUrl))
      dispatcher = new ProxyAgent({ uri: cluster.proxyUrl, requestTls: connect as never });
    else
      throw new Error(`the kubeconfig's proxy-url ${cluster.proxyUrl} is not supported for reaching bridges`);
    return async (url, init) => {
      const { headers: auth = {}, auth: basic } = await this.httpsOptions();
      const headers = new Headers(init?.headers);
      for (const [key, value] of Object.entries(auth)) headers.set(key, String(value));
      if (basic) headers.set("authorization", `Basic ${Buffer.from(basic).toString("base64")}`);
      const response = await undiciFetch(url, {
        ...(init as object),
        headers: Object.fromEntries(headers),
        dispatcher,
      });
      return response as unknown as Response;
    };
  }

  private async httpsOptions() {
    const options: {
      ca?: Buffer;
      cert?: Buffer;
      key?: Buffer;
      pfx?: Buffer;
      passphrase?: string;
      servername?: string;
      rejectUnauthorized?: boolean;
      headers?: Record<string, string>;
      auth?: string;
    } = {};
    await this.config.applyToHTTPSOptions(options as never);
    return options;
  }
}

/**
 * The API server's own words (a Status object's message, e.g. `deployments.apps is forbidden: …`) instead of
 * the client's dump of the whole response, and "cannot reach" for network failures.
 */
export function kubernetesError(error: unknown, doing: string, server: string): Error {
  if (error instanceof ApiException) {
    const status = parseStatus(error.body);
    const message =
      status.message ??
      (error.code === 401 ? "the kubeconfig's credentials were not accepted" : "no details given");
    const reason = status.reason ? ` ${status.reason}` : "";
    const wrapped = new Error(`Kubernetes API refused to ${doing} (${error.code}${reason}): ${message}`);
    return Object.assign(wrapped, { status: error.code });
  }
  const text = (error as Error)?.message ?? String(error);
  const code = (error as { code?: string })?.code ?? (error as { cause?: { code?: string } })?.cause?.code;
  if (code || /ECONNREFUSED|ENOTFOUND|ETIMEDOUT|EHOSTUNREACH|certificate|socket hang up/i.test(text)) {
    // node-fetch says "request to <url> failed, reason: <why>": the why is what matters.
    const why = /reason: (.*)$/.exec(text)?.[1] ?? text;
    return new Error(`cannot reach the Kubernetes API server ${server} to ${doing}: ${why}`);
  }
  return error instanceof Error ? error : new Error(text);
}

function parseStatus(body: unknown): { message?: string; reason?: string } {
  if (typeof body === "string") {
    try {
      return parseStatus(JSON.parse(body));
    } catch {
      return body.trim() ? { message: body.trim().slice(0, 300) } : {};
    }
  }
  if (typeof body !== "object" || !body) return {};
  const { message, reason } = body as { message?: unknown; reason?: unknown };
  return {
    ...(typeof message === "string" ? { message } : {}),
    ...(typeof reason === "string" ? { reason } : {}),
  };
}
