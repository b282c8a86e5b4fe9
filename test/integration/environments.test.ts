import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ADMIN_PASSWORD, startBox, type TestBox } from "../helpers/box.js";
import { ConsoleClient } from "../helpers/console.js";

/** Environments: built-ins, Docker engines and Kubernetes clusters with sealed settings, tests, deletion rules. */
let box: TestBox;
let admin: ConsoleClient;
const KUBECONFIG = `apiVersion: v1
kind: Config
clusters:
- name: nowhere
  cluster:
    server: https://127.0.0.1:1
contexts:
- name: nowhere
  context: { cluster: nowhere, user: nobody }
current-context: nowhere
users:
- name: nobody
  user: { token: kube-secret-token-123 }
`;

beforeAll(async () => {
  box = await startBox([], { loginRateLimitPerMinute: 1000 });
  admin = new ConsoleClient(box.url);
  await admin.login("admin", ADMIN_PASSWORD);
});
afterAll(() => box?.close());

describe("environments", () => {
  it("lists the built-ins, which cannot be deleted", async () => {
    const list = await admin.json("GET", "/environments");
    expect(list.items.map((e: { name: string; kind: string }) => `${e.name}:${e.kind}`)).toEqual([
      "process:process",
      "docker:docker",
    ]);
    expect((await admin.request("DELETE", "/environments/process")).status).toBe(403);
    const tested = await admin.json("POST", "/environments/process/test");
    expect(tested).toMatchObject({ ok: true, kind: "process" });
  });

  it("stores a Kubernetes cluster with its kubeconfig sealed, and reports an unreachable one", async () => {
    const created = await admin.json(
      "POST",
      "/environments",
      {
        name: "k8s-test",
        kind: "kubernetes",
        kubernetes: { kubeconfig: KUBECONFIG, namespace: "mcp", bridgeImage: "mcpbox/bridge:0.1" },
      },
      201,
    );
    expect(created.kubernetes).toMatchObject({ namespace: "mcp", kubeconfig: "••••" });
    const shown = await admin.request("GET", "/environments/k8s-test");
    expect(await shown.text()).not.toContain("kube-secret-token-123");
    const tested = await admin.json("POST", "/environments/k8s-test/test");
    expect(tested).toMatchObject({ ok: false, kind: "kubernetes" });
    expect(tested.error).toBeTruthy();
    // Instances run there (kubernetes-runtime.test.ts); what a pod cannot run is refused up front.
    const hosted = {
      name: "on-k8s",
      accessMode: "hosted",
      upstream: { type: "stdio", command: "node", args: ["x.mjs"] },
      runtime: { environment: "k8s-test", image: "node:20" },
    };
    await admin.json("POST", "/instances", hosted, 201);
    const packaged = await admin.request("POST", "/instances", {
      ...hosted,
      name: "packaged-on-k8s",
      upstream: { ...hosted.upstream, package: "tools" },
    });
    expect(((await packaged.json()) as { error: { code: string } }).error.code).toBe(
      "unsupported_environment",
    );
    await admin.json("DELETE", "/instances/on-k8s", undefined, 204);
  });

  it("reports an unreachable Docker engine, refuses bad settings and unknown environments, and deletion while used", async () => {
    await admin.json(
      "POST",
      "/environments",
      { name: "far-docker", kind: "docker", docker: { host: "tcp://127.0.0.1:1" } },
      201,
    );
    const tested = await admin.json("POST", "/environments/far-docker/test");
    expect(tested).toMatchObject({ ok: false, kind: "docker" });
    for (const host of ["http://x:1", "tcp://", "unix://relative", "tcp://h:1; rm -rf /"]) {
      const bad = await admin.request("POST", "/environments", {
        name: "bad-env",
        kind: "docker",
        docker: { host },
      });
      expect(bad.status, host).toBe(400);
    }
    expect(
      (
        await admin.request("POST", "/environments", {
          name: "far-docker",
          kind: "docker",
          docker: { host: "tcp://h:2" },
        })
      ).status,
    ).toBe(409);
    const unknown = await admin.request("POST", "/instances", {
      name: "nowhere",
      accessMode: "hosted",
      upstream: { type: "stdio", command: "node", args: [] },
      runtime: { environment: "no-such-env", image: "x" },
    });
    expect(((await unknown.json()) as { error: { code: string } }).error.code).toBe("unknown_environment");
    await admin.json(
      "POST",
      "/instances",
      {
        name: "uses-far",
        accessMode: "hosted",
        upstream: { type: "stdio", command: "node", args: [] },
        runtime: { environment: "far-docker", image: "x" },
      },
      201,
    );
    const refused = await admin.request("DELETE", "/environments/far-docker");
    expect(refused.status).toBe(409);
    await admin.json("DELETE", "/instances/uses-far", undefined, 204);
    await admin.json("DELETE", "/environments/far-docker", undefined, 204);
    const audit = await admin.json("GET", "/audit?action=environment.&limit=10");
    expect(audit.items.map((e: { action: string }) => e.action)).toEqual(
      expect.arrayContaining(["environment.create", "environment.delete"]),
    );
  });
});
