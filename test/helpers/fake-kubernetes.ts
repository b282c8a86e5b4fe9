import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import http, { type IncomingMessage, type ServerResponse } from "node:http";
import https from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import selfsigned from "selfsigned";
import { bundleForNode } from "../../src/runtime/bridge-bundle.js";
import { FakeKubelet, type KubeObject } from "./fake-kubelet.js";

/**
 * A Kubernetes API server for tests, over mutual TLS with a bearer token like a real one: namespaced
 * create/get/replace/delete/list for the kinds MCPBox uses, pod logs, and the service proxy. Its "kubelet"
 * runs each Deployment's pod as a real bridge process on this machine (the pod's command, args and Secret
 * env), so MCPBox really talks to a bridge through the proxy. Images named `…crashloop…` or `…missing…`
 * give pods stuck in CrashLoopBackOff or ImagePullBackOff; namespaces in `forbidden` answer 403.
 */
export interface FakeCluster {
  url: string;
  /** A kubeconfig with the cluster's CA, a client certificate and the token (or another server URL). */
  kubeconfig(server?: string): string;
  objects(plural: Plural, namespace: string): KubeObject[];
  /** Deletes an object as `kubectl delete` would. */
  delete(plural: Plural, namespace: string, name: string): void;
  /** Requests that came through the service proxy, with what they carried. */
  proxied: { path: string; authorization: boolean; bridgeToken: boolean }[];
  close(): Promise<void>;
}

type Plural = "secrets" | "services" | "pods" | "deployments" | "networkpolicies";

const TOKEN = "fake-kube-token";
const GROUPS: Record<Plural, string> = {
  secrets: "api/v1",
  services: "api/v1",
  pods: "api/v1",
  deployments: "apis/apps/v1",
  networkpolicies: "apis/networking.k8s.io/v1",
};
const BRIDGE_ENTRY = fileURLToPath(new URL("../../src/runtime/bridge-main.ts", import.meta.url));

export async function startFakeCluster(options: { forbidden?: string[] } = {}): Promise<FakeCluster> {
  const dir = mkdtempSync(join(tmpdir(), "mcpbox-fake-k8s-"));
  const bridge = join(dir, "mcpbox-bridge.mjs");
  writeFileSync(bridge, await bundleForNode(BRIDGE_ENTRY));
  const pems = await selfsigned.generate([{ name: "commonName", value: "fake-kubernetes" }], {
    keySize: 2048,
    algorithm: "sha256",
    extensions: [
      { name: "basicConstraints", cA: true },
      { name: "keyUsage", keyCertSign: true, digitalSignature: true, keyEncipherment: true },
      { name: "extKeyUsage", serverAuth: true, clientAuth: true },
      { name: "subjectAltName", altNames: [{ type: 7, ip: "127.0.0.1" }] },
    ],
    clientCertificate: { cn: "mcpbox" },
  });
  const store = new Map<string, KubeObject>();
  const kubelet = new FakeKubelet(bridge, (ns, name) => store.get(key("secrets", ns, name)));
  const pods = kubelet.pods;
  const proxied: FakeCluster["proxied"] = [];
  let version = 1;
  const key = (plural: Plural, ns: string, name: string) => `${plural}/${ns}/${name}`;
  const status = (code: number, reason: string, message: string) => ({
    kind: "Status",
    apiVersion: "v1",
    metadata: {},
    status: "Failure",
    message,
    reason,
    code,
  });
  const send = (res: ServerResponse, code: number, body: unknown) => {
    res.writeHead(code, { "content-type": "application/json" });
    res.end(JSON.stringify(body));
  };

  function withStatus(plural: Plural, object: KubeObject): KubeObject {
    if (plural !== "deployments") return object;
    const mine = kubelet.podsOf(object.metadata.namespace, object.metadata.name);
    const template = JSON.stringify(object.spec.template);
    const ready = mine.filter((p) => p.object.status.containerStatuses?.[0]?.ready).length;
    return {
      ...object,
      status: {
        observedGeneration: object.metadata.generation,
        replicas: mine.length,
        updatedReplicas: mine.filter((p) => p.template === template).length,
        readyReplicas: ready,
        availableReplicas: ready,
      },
    };
  }

  function list(plural: Plural, ns: string, selector: string | null): KubeObject[] {
    const wanted = (selector ?? "")
      .split(",")
      .filter(Boolean)
      .map((term) => term.split("="));
    const all =
      plural === "pods"
        ? [...pods.values()].map((p) => p.object)
        : [...store.entries()].filter(([k]) => k.startsWith(`${plural}/`)).map(([, v]) => v);
    return all
      .filter((o) => o.metadata.namespace === ns)
      .filter((o) => wanted.every(([k, v]) => o.metadata.labels?.[k!] === v))
      .map((o) => withStatus(plural, o));
  }

  function remove(plural: Plural, ns: string, name: string): boolean {
    const existed = store.delete(key(plural, ns, name));
    if (plural === "deployments") for (const pod of kubelet.podsOf(ns, name)) kubelet.kill(pod);
    return existed;
  }

  async function handle(req: IncomingMessage, res: ServerResponse) {
    if (req.headers.authorization !== `Bearer ${TOKEN}`) {
      return send(res, 401, status(401, "Unauthorized", "Unauthorized"));
    }
    const url = new URL(req.url!, "https://fake");
    const path = url.pathname;
    if (path === "/version") return send(res, 200, { major: "1", minor: "31", gitVersion: "v1.31.0-fake" });
    const nsMatch = /^\/api\/v1\/namespaces\/([^/]+)$/.exec(path);
    if (nsMatch) {
      return send(res, 200, { apiVersion: "v1", kind: "Namespace", metadata: { name: nsMatch[1] } });
    }
    const proxy = /^\/api\/v1\/namespaces\/([^/]+)\/services\/([^/:]+)(?::([^/]+))?\/proxy(\/.*)?$/.exec(
      path,
    );
    if (proxy) return forward(req, res, proxy[1]!, proxy[2]!, `${proxy[4] ?? "/"}${url.search}`);
    const log = /^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)\/log$/.exec(path);
    if (log) {
      const pod = pods.get(key("pods", log[1]!, log[2]!));
      if (!pod) return send(res, 404, status(404, "NotFound", `pods "${log[2]}" not found`));
      const tail = Number(url.searchParams.get("tailLines") ?? pod.logs.length);
      res.writeHead(200, { "content-type": "text/plain" });
      return res.end(tail > 0 ? `${pod.logs.slice(-tail).join("\n")}\n` : "");
    }
    const match = /^\/(api\/v1|apis\/[^/]+\/v1)\/namespaces\/([^/]+)\/([a-z]+)(?:\/([^/]+))?$/.exec(path);
    const plural = match?.[3] as Plural | undefined;
    if (!match || !plural || GROUPS[plural] !== match[1]) {
      return send(res, 404, status(404, "NotFound", `the server could not find ${path}`));
    }
    const [, , ns, , name] = match as unknown as [string, string, string, string, string | undefined];
    if (options.forbidden?.includes(ns)) {
      const verb = { GET: name ? "get" : "list", POST: "create", PUT: "update", DELETE: "delete" }[
        req.method!
      ];
      const group = GROUPS[plural].split("/").slice(1, -1).join("/");
      const message = `${plural}${group ? `.${group}` : ""} is forbidden: User "mcpbox" cannot ${verb} resource "${plural}" in API group "${group}" in the namespace "${ns}"`;
      return send(res, 403, status(403, "Forbidden", message));
    }
    const body = ["POST", "PUT"].includes(req.method!) ? JSON.parse(await text(req)) : undefined;
    const existing = name ? store.get(key(plural, ns, name)) : undefined;
    const notFound = () => send(res, 404, status(404, "NotFound", `${plural} "${name}" not found`));
    if (req.method === "GET" && !name) {
      const items = list(plural, ns, url.searchParams.get("labelSelector"));
      return send(res, 200, { apiVersion: "v1", kind: "List", metadata: {}, items });
    }
    if (req.method === "GET") {
      if (plural === "pods") {
        const pod = pods.get(key("pods", ns, name!));
        return pod ? send(res, 200, pod.object) : notFound();
      }
      return existing ? send(res, 200, withStatus(plural, existing)) : notFound();
    }
    if (req.method === "DELETE") {
      if (!remove(plural, ns, name!)) return notFound();
      return send(res, 200, { kind: "Status", apiVersion: "v1", status: "Success" });
    }
    if (req.method === "POST" || req.method === "PUT") {
      const target = req.method === "POST" ? body.metadata.name : name!;
      const current = store.get(key(plural, ns, target));
      if (req.method === "POST" && current) {
        return send(res, 409, status(409, "AlreadyExists", `${plural} "${target}" already exists`));
      }
      if (req.method === "PUT" && !current) return notFound();
      if (req.method === "PUT" && body.metadata.resourceVersion !== current!.metadata.resourceVersion) {
        const message = `Operation cannot be fulfilled on ${plural} "${target}": the object has been modified`;
        return send(res, 409, status(409, "Conflict", message));
      }
      if (plural === "services" && current && body.spec.clusterIP !== current.spec.clusterIP) {
        return send(res, 422, status(422, "Invalid", "spec.clusterIP: Invalid value: field is immutable"));
      }
      const object = admit(plural, ns, body, current);
      store.set(key(plural, ns, target), object);
      if (plural === "deployments") kubelet.reconcile(ns, object);
      return send(res, req.method === "POST" ? 201 : 200, withStatus(plural, object));
    }
    return send(res, 405, status(405, "MethodNotAllowed", req.method!));
  }

  /** What the API server adds to an object it stores. */
  function admit(plural: Plural, ns: string, body: KubeObject, current?: KubeObject): KubeObject {
    const object = structuredClone(body);
    const changed = JSON.stringify(current?.spec) !== JSON.stringify(body.spec);
    object.metadata = {
      ...object.metadata,
      namespace: ns,
      uid: current?.metadata.uid ?? randomBytes(8).toString("hex"),
      resourceVersion: String(version++),
      creationTimestamp: current?.metadata.creationTimestamp ?? new Date().toISOString(),
      generation: (current?.metadata.generation ?? 0) + (changed || !current ? 1 : 0),
    };
    if (plural === "secrets") {
      const data = { ...(object.data ?? {}) };
      for (const [k, v] of Object.entries(object.stringData ?? {}))
        data[k] = Buffer.from(String(v)).toString("base64");
      object.data = data;
      delete object.stringData;
    }
    if (plural === "services" && !current) object.spec.clusterIP = `10.96.0.${version % 250}`;
    return object;
  }

  /** The service proxy: like the real one, it drops the caller's Authorization before forwarding. */
  function forward(req: IncomingMessage, res: ServerResponse, ns: string, service: string, rest: string) {
    const svc = store.get(key("services", ns, service));
    if (!svc) return send(res, 404, status(404, "NotFound", `services "${service}" not found`));
    const selector = svc.spec.selector as Record<string, string>;
    const pod = [...pods.values()].find(
      (p) =>
        p.object.metadata.namespace === ns &&
        p.object.status.containerStatuses?.[0]?.ready &&
        Object.entries(selector).every(([k, v]) => p.object.metadata.labels?.[k] === v),
    );
    if (!pod?.port) {
      const message = `no endpoints available for service "${service}"`;
      return send(res, 503, status(503, "ServiceUnavailable", message));
    }
    const headers = { ...req.headers };
    delete headers.authorization;
    delete headers.host;
    proxied.push({
      path: rest,
      authorization: "authorization" in headers,
      bridgeToken: typeof headers["x-mcpbox-bridge-token"] === "string",
    });
    const upstream = http.request(
      { host: "127.0.0.1", port: pod.port, method: req.method, path: rest, headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on("error", (error) => send(res, 503, status(503, "ServiceUnavailable", error.message)));
    req.pipe(upstream);
  }

  const server = https.createServer(
    { cert: pems.cert, key: pems.private, ca: [pems.cert], requestCert: true, rejectUnauthorized: true },
    (req, res) =>
      void handle(req, res).catch((error) => send(res, 500, status(500, "InternalError", String(error)))),
  );
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const b64 = (s: string) => Buffer.from(s).toString("base64");
  return {
    url,
    proxied,
    kubeconfig: (server = url) => `apiVersion: v1
kind: Config
clusters:
- name: fake
  cluster:
    server: ${server}
    certificate-authority-data: ${b64(pems.cert)}
users:
- name: mcpbox
  user:
    client-certificate-data: ${b64(pems.clientcert!)}
    client-key-data: ${b64(pems.clientprivate!)}
    token: ${TOKEN}
contexts:
- name: fake
  context: { cluster: fake, user: mcpbox }
current-context: fake
`,
    objects: (plural, namespace) => list(plural, namespace, null),
    delete: (plural, namespace, name) => void remove(plural, namespace, name),
    async close() {
      kubelet.close();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function text(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks).toString()));
    req.on("error", reject);
  });
}
