import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ContainerSpec } from "../../src/runtime/container-runtime.js";
import { KubernetesRuntime } from "../../src/runtime/kubernetes.js";
import { resourceName } from "../../src/runtime/kubernetes-manifests.js";
import { connectClient, disconnect, fixture, startBox, type TestBox } from "../helpers/box.js";
import { type FakeCluster, startFakeCluster } from "../helpers/fake-kubernetes.js";

/**
 * Hosted instances on a Kubernetes environment, driven through the admin API and the gateway, against a
 * fake API server (mutual TLS + token) whose pods are real bridge processes reached through its service
 * proxy. kubernetes-cluster.test.ts runs the same path against a real cluster when KUBECONFIG is set.
 */
let cluster: FakeCluster;
let box: TestBox;
let token: string;
const KINDS = ["secrets", "services", "deployments", "networkpolicies", "pods"] as const;

const podInstance = (name: string, environment: string, runtime: Record<string, unknown> = {}) => ({
  name,
  accessMode: "hosted",
  // Generous: a pod here is a real bridge process, and CI machines can be slow to start one.
  connectTimeoutSeconds: 90,
  upstream: {
    type: "stdio",
    command: process.execPath,
    args: [fixture("conformance-server.mjs")],
    env: { FIXTURE_SECRET: "in-pod" },
  },
  runtime: { environment, image: "registry.example.com/tools:1.0", cpus: 0.5, memoryMb: 256, ...runtime },
});

async function json(method: string, path: string, body?: unknown, status = 200) {
  const response = await box.api(method, path, body);
  const text = await response.text();
  expect(response.status, `${method} ${path}: ${text}`).toBe(status);
  return text ? JSON.parse(text) : undefined;
}

async function addEnvironment(name: string, settings: Record<string, unknown>) {
  return json(
    "POST",
    "/environments",
    {
      name,
      kind: "kubernetes",
      kubernetes: { kubeconfig: cluster.kubeconfig(), bridgeImage: "mcpbox/bridge:test", ...settings },
    },
    201,
  );
}

/** The objects of an instance on the fake cluster, by kind. */
function objectsOf(instance: string, namespace = "mcp") {
  const label = resourceName(instance);
  return Object.fromEntries(
    KINDS.map((kind) => [
      kind,
      cluster.objects(kind, namespace).filter((o) => o.metadata.labels?.["io.mcpbox/instance"] === label),
    ]),
  );
}

async function waitFor<T>(read: () => Promise<T>, done: (value: T) => boolean, ms = 15_000): Promise<T> {
  const deadline = Date.now() + ms;
  let value = await read();
  while (!done(value) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 200));
    value = await read();
  }
  return value;
}

/** An MCP initialize straight to the gateway: status and body, for the error a client would see. */
async function initialize(name: string) {
  const response = await fetch(box.mcpUrl(name), {
    method: "POST",
    headers: {
      authorization: `Bearer ${token}`,
      "content-type": "application/json",
      accept: "application/json, text/event-stream",
    },
    body: JSON.stringify({
      jsonrpc: "2.0",
      id: 1,
      method: "initialize",
      params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "t", version: "1" } },
    }),
  });
  return { status: response.status, body: (await response.json()) as { error?: { message: string } } };
}

beforeAll(async () => {
  cluster = await startFakeCluster({ forbidden: ["locked"] });
  box = await startBox([]);
  token = await box.token(null);
}, 180_000);
afterAll(async () => {
  await box?.close();
  await cluster?.close();
});

describe("Kubernetes runtime", () => {
  it("runs a hosted instance in a hardened pod and relays through the API server's service proxy", async () => {
    const env = await addEnvironment("fake-k8s", {
      namespace: "mcp",
      bridgeAccess: "api-server-proxy",
      allowedSourceCidrs: ["172.18.0.0/16"],
    });
    expect(env.kubernetes).toMatchObject({ bridgeAccess: "api-server-proxy", kubeconfig: "••••" });
    const tested = await json("POST", "/environments/fake-k8s/test");
    expect(tested).toMatchObject({ ok: true, version: "Kubernetes v1.31.0-fake" });
    await json("POST", "/instances", podInstance("on-k8s", "fake-k8s"), 201);
    await json("POST", "/instances/on-k8s/start");
    expect(await json("GET", "/instances/on-k8s")).toMatchObject({ status: "running", processes: 1 });

    const client = await connectClient(box.mcpUrl("on-k8s"), { token });
    const result = await client.callTool({ name: "test_simple_text", arguments: {} });
    expect(JSON.stringify(result)).toMatch(/simple text/i);
    await disconnect(client);
    // The bridge token travels in its own header: the API server keeps Authorization for itself.
    expect(cluster.proxied.some((p) => p.path === "/mcp")).toBe(true);
    expect(cluster.proxied.every((p) => p.bridgeToken && !p.authorization)).toBe(true);

    const objects = objectsOf("on-k8s");
    const [deployment] = objects.deployments!;
    const pod = deployment!.spec.template.spec;
    const main = pod.containers[0];
    expect(deployment!.metadata.labels).toMatchObject({
      "app.kubernetes.io/managed-by": "mcpbox",
      "io.mcpbox/instance": resourceName("on-k8s"),
    });
    expect(deployment!.metadata.annotations["io.mcpbox/instance-name"]).toBe("on-k8s");
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 10001 });
    for (const container of [main, pod.initContainers[0]]) {
      expect(container.securityContext).toMatchObject({
        runAsNonRoot: true,
        readOnlyRootFilesystem: true,
        allowPrivilegeEscalation: false,
        capabilities: { drop: ["ALL"] },
      });
      expect(container.securityContext.privileged).toBeUndefined();
    }
    expect(main.image).toBe("registry.example.com/tools:1.0");
    expect(main.resources.limits).toEqual({ cpu: "500m", memory: "256Mi" });
    expect(pod.initContainers[0].image).toBe("mcpbox/bridge:test");
    expect(JSON.stringify(deployment)).not.toContain("in-pod");
    const secret = objects.secrets![0]!;
    expect(Buffer.from(secret.data.FIXTURE_SECRET, "base64").toString()).toBe("in-pod");
    expect(secret.data.MCPBOX_BRIDGE_TOKEN).toBeTruthy();
    expect(objects.services![0]!.spec).toMatchObject({ type: "ClusterIP", ports: [{ port: 8000 }] });
    expect(objects.networkpolicies![0]!.spec.ingress[0].from).toEqual([
      { podSelector: { matchLabels: { "io.mcpbox/component": "gateway" } }, namespaceSelector: {} },
      { ipBlock: { cidr: "172.18.0.0/16" } },
    ]);

    const logs = await json("GET", "/instances/on-k8s/logs?tail=20");
    expect(logs.lines.some((l: { line: string }) => /mcpbox bridge listening/.test(l.line))).toBe(true);
  }, 120_000);

  it("has the monitor bring back a Deployment deleted behind its back", async () => {
    const before = objectsOf("on-k8s").pods![0]!.metadata.name;
    cluster.delete("deployments", "mcp", resourceName("on-k8s"));
    const shown = await waitFor(
      () => json("GET", "/instances/on-k8s"),
      (i) => i.status === "running" && objectsOf("on-k8s").pods!.some((p) => p.metadata.name !== before),
      20_000,
    );
    expect(shown.status).toBe("running");
    const audit = await json("GET", "/audit?action=instance.status&targetId=on-k8s&order=oldest&limit=50");
    const transitions = audit.items.map((e: { details: { to: string } }) => e.details.to);
    expect(transitions).toEqual(expect.arrayContaining(["running", "crashed", "restarting"]));
    const client = await connectClient(box.mcpUrl("on-k8s"), { token });
    await client.callTool({ name: "test_simple_text", arguments: {} });
    await disconnect(client);
  }, 120_000);

  it("deletes every object of a stopped instance, and makes them again on start", async () => {
    await json("POST", "/instances/on-k8s/stop");
    for (const [kind, items] of Object.entries(objectsOf("on-k8s"))) expect(items, kind).toHaveLength(0);
    await json("POST", "/instances/on-k8s/start");
    expect((await json("GET", "/instances/on-k8s")).status).toBe("running");
    expect(objectsOf("on-k8s").deployments).toHaveLength(1);
    await json("DELETE", "/instances/on-k8s", undefined, 204);
    for (const [kind, items] of Object.entries(objectsOf("on-k8s"))) expect(items, kind).toHaveLength(0);
  }, 120_000);

  it("adopts the pod a previous MCPBox made for the same definition instead of replacing it", async () => {
    await json("POST", "/instances", podInstance("adopted", "fake-k8s"), 201);
    await json("POST", "/instances/adopted/start");
    const before = objectsOf("adopted");
    // What a restarted MCPBox has: the same environment settings, no memory of the token.
    const settings = {
      kubeconfig: cluster.kubeconfig(),
      namespace: "mcp",
      bridgeImage: "mcpbox/bridge:test",
      networkPolicy: true,
      allowedSourceCidrs: ["172.18.0.0/16"],
    };
    const restarted = new KubernetesRuntime({ ...settings, bridgeAccess: "api-server-proxy" });
    const instance = box.box.instances.get("adopted")!;
    const endpoint = await restarted.ensure(instance, instance.runtime as ContainerSpec);
    const after = objectsOf("adopted");
    expect(after.deployments![0]!.metadata.resourceVersion).toBe(
      before.deployments![0]!.metadata.resourceVersion,
    );
    expect(after.pods!.map((p) => p.metadata.name)).toEqual(before.pods!.map((p) => p.metadata.name));
    const token = Buffer.from(after.secrets![0]!.data.MCPBOX_BRIDGE_TOKEN, "base64").toString();
    expect(endpoint.headers).toEqual({ "x-mcpbox-bridge-token": token });
    expect((await endpoint.fetch!(endpoint.url.replace(/\/mcp$/, "/healthz"))).status).toBe(200);
    // Inside a cluster, `auto` goes to the Service's DNS name instead.
    expect(new KubernetesRuntime({ ...settings, inCluster: true }).access).toBe("service-dns");
    expect(new KubernetesRuntime({ ...settings, inCluster: false }).access).toBe("api-server-proxy");
    await json("DELETE", "/instances/adopted", undefined, 204);
    expect(objectsOf("adopted").deployments).toHaveLength(0);
  }, 120_000);

  it("fails an instance whose pod crash-loops or whose image cannot be pulled, saying why", async () => {
    await json("POST", "/instances", podInstance("loops", "fake-k8s", { image: "example/crashloop:1" }), 201);
    await json("POST", "/instances/loops/start");
    const loops = await json("GET", "/instances/loops");
    expect(loops.status).toBe("failed");
    expect(loops.statusDetail).toMatch(/CrashLoopBackOff \(restarted 3 times, last exit code 1/);
    expect(loops.statusDetail).toMatch(/Cannot find module/);
    const logs = await json("GET", "/instances/loops/logs?tail=5");
    expect(logs.lines.map((l: { line: string }) => l.line)).toContain(
      "Error: Cannot find module '/app/server.mjs'",
    );

    await json(
      "POST",
      "/instances",
      podInstance("no-image", "fake-k8s", { image: "example/missing:1" }),
      201,
    );
    await json("POST", "/instances/no-image/start");
    const pull = await json("GET", "/instances/no-image");
    expect(pull).toMatchObject({ status: "failed" });
    expect(pull.statusDetail).toMatch(/ImagePullBackOff: Back-off pulling image "example\/missing:1"/);
    const refused = await initialize("no-image");
    expect(refused.status).toBeGreaterThanOrEqual(500);
    expect(refused.body.error?.message).toMatch(/ImagePullBackOff/);
  }, 120_000);

  it("reports the API server's refusal (403) in the instance's status and to clients", async () => {
    await addEnvironment("locked-k8s", { namespace: "locked", bridgeAccess: "api-server-proxy" });
    await json("POST", "/instances", podInstance("forbidden", "locked-k8s"), 201);
    await json("POST", "/instances/forbidden/start");
    const shown = await json("GET", "/instances/forbidden");
    expect(shown.status).toBe("failed");
    expect(shown.statusDetail).toMatch(
      /Kubernetes API refused to read Deployment .* \(403 Forbidden\): deployments.apps is forbidden: User "mcpbox" cannot get/,
    );
    expect(shown.statusDetail).not.toMatch(/HTTP-Code|Headers/);
    const refused = await initialize("forbidden");
    expect(refused.status).toBe(502);
    expect(refused.body.error?.message).toMatch(/403 Forbidden/);
  }, 120_000);

  it("says clearly when the API server cannot be reached", async () => {
    // The fake cluster's credentials, but a server address nothing listens on.
    await json(
      "POST",
      "/environments",
      {
        name: "gone-k8s",
        kind: "kubernetes",
        kubernetes: {
          kubeconfig: cluster.kubeconfig("https://127.0.0.1:1"),
          namespace: "mcp",
          bridgeImage: "mcpbox/bridge:test",
        },
      },
      201,
    );
    const tested = await json("POST", "/environments/gone-k8s/test");
    expect(tested).toMatchObject({ ok: false });
    expect(tested.error).toMatch(/cannot reach the Kubernetes API server https:\/\/127.0.0.1:1/);
    await json("POST", "/instances", podInstance("unreachable", "gone-k8s"), 201);
    await json("POST", "/instances/unreachable/start");
    const shown = await json("GET", "/instances/unreachable");
    expect(shown.status).toBe("failed");
    expect(shown.statusDetail).toMatch(
      /cannot reach the Kubernetes API server https:\/\/127.0.0.1:1 .*ECONNREFUSED/,
    );
    const refused = await initialize("unreachable");
    expect(refused.status).toBe(502);
    expect(refused.body.error?.message).toMatch(/cannot reach the Kubernetes API server/);
  }, 120_000);

  it("refuses instances a cluster cannot run", async () => {
    const noImage = podInstance("no-image-given", "fake-k8s");
    delete (noImage.runtime as { image?: string }).image;
    const refused = await box.api("POST", "/instances", noImage);
    expect(refused.status).toBe(400);
    expect(((await refused.json()) as { error: { code: string; message: string } }).error).toMatchObject({
      code: "unsupported_environment",
      message: expect.stringMatching(/needs runtime.image/),
    });
    const packaged = podInstance("packaged", "fake-k8s");
    (packaged.upstream as { package?: string }).package = "some-package";
    const refusedPackage = await box.api("POST", "/instances", packaged);
    expect(((await refusedPackage.json()) as { error: { code: string } }).error.code).toBe(
      "unsupported_environment",
    );
  }, 120_000);
});
