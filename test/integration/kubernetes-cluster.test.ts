import { readFileSync } from "node:fs";
import { AppsV1Api, KubeConfig } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resourceName } from "../../src/runtime/kubernetes-manifests.js";
import { connectClient, disconnect, startBox, type TestBox } from "../helpers/box.js";

/**
 * A hosted instance on a real cluster, when KUBECONFIG is set (skipped otherwise). The cluster must be able
 * to pull two images: MCPBOX_TEST_BRIDGE_IMAGE (default mcpbox/bridge:test, an image with node and
 * /mcpbox/mcpbox-bridge.mjs, see README) and MCPBOX_TEST_NODE_IMAGE (default node:20-alpine), which runs a
 * small stdio server given inline. MCPBox runs outside the cluster here, so it reaches the bridge through
 * the API server's service proxy; the NetworkPolicy is off because the API server's source addresses differ
 * between clusters (set MCPBOX_TEST_K8S_SOURCE_CIDRS to the API server's, comma-separated, to turn it on).
 */
const kubeconfigFile = process.env.KUBECONFIG?.split(":")[0];
const namespace = process.env.MCPBOX_TEST_K8S_NAMESPACE ?? "default";
const cidrs = (process.env.MCPBOX_TEST_K8S_SOURCE_CIDRS ?? "").split(",").filter(Boolean);
const SERVER = `
const send = (m) => process.stdout.write(JSON.stringify(m) + "\\n");
require("readline").createInterface({ input: process.stdin }).on("line", (line) => {
  const m = JSON.parse(line);
  if (m.id === undefined) return;
  if (m.method === "initialize") send({ jsonrpc: "2.0", id: m.id, result: { protocolVersion: m.params.protocolVersion,
    capabilities: { tools: {} }, serverInfo: { name: "in-cluster", version: "1.0.0" } } });
  else if (m.method === "tools/list") send({ jsonrpc: "2.0", id: m.id, result: { tools: [
    { name: "whoami", description: "uid and pod name", inputSchema: { type: "object" } }] } });
  else if (m.method === "tools/call") send({ jsonrpc: "2.0", id: m.id, result: { content: [{ type: "text",
    text: JSON.stringify({ uid: process.getuid(), pod: require("os").hostname() }) }] } });
  else send({ jsonrpc: "2.0", id: m.id, error: { code: -32601, message: "no such method" } });
});`;

let box: TestBox;

describe.runIf(Boolean(kubeconfigFile))("Kubernetes runtime on a real cluster (KUBECONFIG)", () => {
  beforeAll(async () => {
    box = await startBox([]);
  }, 180_000);
  afterAll(async () => {
    await box?.box.upstreams.release("in-cluster");
    await box?.close();
  });

  it("runs a hosted instance in a hardened pod, relays a tool call, and removes everything on stop", async () => {
    const created = await box.api("POST", "/environments", {
      name: "real-k8s",
      kind: "kubernetes",
      kubernetes: {
        kubeconfig: readFileSync(kubeconfigFile!, "utf8"),
        namespace,
        bridgeImage: process.env.MCPBOX_TEST_BRIDGE_IMAGE ?? "mcpbox/bridge:test",
        networkPolicy: cidrs.length > 0,
        allowedSourceCidrs: cidrs,
        bridgeAccess: "api-server-proxy",
      },
    });
    expect(created.status, await created.clone().text()).toBe(201);
    const tested = (await (await box.api("POST", "/environments/real-k8s/test")).json()) as { ok: boolean };
    expect(tested, JSON.stringify(tested)).toMatchObject({ ok: true });
    const instance = await box.api("POST", "/instances", {
      name: "in-cluster",
      accessMode: "hosted",
      public: true,
      connectTimeoutSeconds: 180,
      upstream: { type: "stdio", command: "node", args: ["-e", SERVER] },
      runtime: {
        environment: "real-k8s",
        image: process.env.MCPBOX_TEST_NODE_IMAGE ?? "node:20-alpine",
        cpus: 0.25,
        memoryMb: 128,
      },
    });
    expect(instance.status).toBe(201);
    expect((await box.api("POST", "/instances/in-cluster/start")).status).toBe(200);
    const shown = (await (await box.api("GET", "/instances/in-cluster")).json()) as Record<string, unknown>;
    expect(shown, JSON.stringify(shown)).toMatchObject({ status: "running" });

    const client = await connectClient(box.mcpUrl("in-cluster"));
    const result = (await client.callTool({ name: "whoami", arguments: {} })) as {
      content: { text: string }[];
    };
    const who = JSON.parse(result.content[0]!.text) as { uid: number; pod: string };
    expect(who.uid).toBe(10001);
    expect(who.pod).toMatch(new RegExp(`^${resourceName("in-cluster")}-`));
    await disconnect(client);

    const config = new KubeConfig();
    config.loadFromFile(kubeconfigFile!);
    const apps = config.makeApiClient(AppsV1Api);
    const labelSelector = `io.mcpbox/instance=${resourceName("in-cluster")}`;
    const [deployment] = (await apps.listNamespacedDeployment({ namespace, labelSelector })).items;
    const container = deployment!.spec!.template.spec!.containers[0]!;
    expect(container.securityContext).toMatchObject({
      runAsNonRoot: true,
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
      capabilities: { drop: ["ALL"] },
    });

    expect((await box.api("POST", "/instances/in-cluster/stop")).status).toBe(200);
    expect((await apps.listNamespacedDeployment({ namespace, labelSelector })).items).toHaveLength(0);
    expect((await box.api("DELETE", "/instances/in-cluster")).status).toBe(204);
    expect((await box.api("DELETE", "/environments/real-k8s")).status).toBe(204);
  }, 300_000);
});
