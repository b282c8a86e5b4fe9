import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectClient, fixture, startBox, type TestBox } from "../helpers/box.js";

let box: TestBox;
const hosted = (name: string, extra: Record<string, unknown> = {}) => ({
  name,
  accessMode: "hosted",
  upstream: { type: "stdio", command: process.execPath, args: [fixture("conformance-server.mjs")], env: {} },
  ...extra,
});

beforeAll(async () => {
  box = await startBox();
});
afterAll(() => box?.close());

describe("admin API authentication", () => {
  it("refuses requests without a token (401) and with a non-admin token (403), in the one error shape", async () => {
    const anonymous = await fetch(`${box.url}/api/v1/instances`);
    expect(anonymous.status).toBe(401);
    expect(await anonymous.json()).toEqual({
      error: { code: "unauthenticated", message: expect.any(String) },
    });
    const user = await box.token();
    const forbidden = await box.api("GET", "/tokens", undefined, user);
    expect(forbidden.status).toBe(403);
    expect(((await forbidden.json()) as { error: { code: string } }).error.code).toBe("forbidden");
  });

  it("answers unknown routes with 404 JSON", async () => {
    const response = await box.api("GET", "/nothing-here");
    expect(response.status).toBe(404);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe("not_found");
  });
});

describe("instances", () => {
  it("creates, reads with secrets masked, lists and deletes", async () => {
    const created = await box.api(
      "POST",
      "/instances",
      hosted("alpha", {
        upstream: { type: "stdio", command: "node", args: ["x.js"], env: { API_KEY: "sk-live-123" } },
      }),
    );
    expect(created.status).toBe(201);
    const remote = await box.api("POST", "/instances", {
      name: "beta",
      accessMode: "proxy",
      upstream: {
        type: "sse",
        url: "https://example.com/sse",
        headers: { Authorization: "Bearer upstream-456" },
      },
    });
    expect(remote.status).toBe(201);
    const all = await (await box.api("GET", "/instances")).text();
    expect(all).not.toContain("sk-live-123");
    expect(all).not.toContain("upstream-456");
    expect(all).toContain('"API_KEY":"••••"');
    expect(all).toContain('"Authorization":"••••"');
    const one = (await (await box.api("GET", "/instances/alpha")).json()) as Record<string, unknown>;
    expect(one).toMatchObject({
      name: "alpha",
      accessMode: "hosted",
      sessionPolicy: "per-session",
      sessions: 0,
    });
    expect((await box.api("POST", "/instances", hosted("alpha"))).status).toBe(409);
    expect((await box.api("DELETE", "/instances/alpha")).status).toBe(204);
    expect((await box.api("DELETE", "/instances/alpha")).status).toBe(404);
    expect((await box.api("GET", "/instances/alpha")).status).toBe(404);
  });

  it("validates every field with a 400 naming it", async () => {
    const cases: [unknown, string][] = [
      [hosted("bad name"), "name"],
      [hosted("../etc/passwd"), "name"],
      [hosted("x'; DROP TABLE instances; --"), "name"],
      [hosted("a".repeat(65)), "name"],
      [hosted("ok", { accessMode: "sideways" }), "accessMode"],
      [hosted("ok", { requestTimeoutSeconds: "60" }), "requestTimeoutSeconds"],
      [hosted("ok", { maxProcesses: 0 }), "maxProcesses"],
      [hosted("ok", { unexpected: true }), ""],
      [
        { name: "ok", accessMode: "proxy", upstream: { type: "sse", url: "file:///etc/passwd" } },
        "upstream.url",
      ],
      [{ name: "ok", accessMode: "proxy", upstream: { type: "stdio", command: "node" } }, "accessMode"],
      [{ name: "ok", accessMode: "hosted", upstream: { type: "ftp" } }, "upstream.type"],
    ];
    for (const [body, field] of cases) {
      const response = await box.api("POST", "/instances", body);
      expect(response.status, JSON.stringify(body)).toBe(400);
      const { error } = (await response.json()) as { error: { code: string; details: { path: string }[] } };
      expect(error.code).toBe("validation_failed");
      expect(error.details.map((d) => d.path).join(",")).toContain(field);
    }
    expect((await box.api("GET", "/instances/..%2F..%2Fetc")).status).toBe(400);
    const list = (await (await box.api("GET", "/instances")).json()) as { items: { name: string }[] };
    expect(list.items.map((i) => i.name)).not.toContain("ok");
  });

  it("PATCH clears an optional field with null, restores a defaulted one, and refuses it for a required one", async () => {
    const created = await box.api(
      "POST",
      "/instances",
      hosted("clearable", {
        description: "has a description",
        requestTimeoutSeconds: 60,
        upstream: {
          type: "stdio",
          command: "node",
          args: ["server.js"],
          env: { API_KEY: "sk-keep-me" },
          cwd: "/srv/app",
        },
        runtime: { environment: "process", image: "node:22", maxRunSeconds: 600 },
      }),
    );
    expect(created.status).toBe(201);
    const patch = async (body: unknown) => {
      const response = await box.api("PATCH", "/instances/clearable", body);
      return { status: response.status, body: (await response.json()) as any };
    };
    const stored = async () => (await box.box.instances.row("clearable"))!.spec;

    const cleared = await patch({ upstream: { cwd: null } });
    expect(cleared.status).toBe(200);
    expect(cleared.body.upstream).not.toHaveProperty("cwd");
    // The rest of the upstream is untouched, its secret included.
    expect(cleared.body.upstream).toMatchObject({
      command: "node",
      args: ["server.js"],
      env: { API_KEY: "••••" },
    });
    expect((await stored()).upstream).toEqual({
      type: "stdio",
      command: "node",
      args: ["server.js"],
      env: { API_KEY: "sk-keep-me" },
    });

    const defaults = await patch({ requestTimeoutSeconds: null, description: null });
    expect(defaults.status).toBe(200);
    expect(defaults.body).toMatchObject({
      requestTimeoutSeconds: 120,
      description: "",
      connectTimeoutSeconds: 30,
    });

    const runtime = await patch({ runtime: { environment: "process", image: null, maxRunSeconds: null } });
    expect(runtime.status).toBe(200);
    expect(runtime.body.runtime).not.toHaveProperty("image");
    expect(runtime.body.runtime).not.toHaveProperty("maxRunSeconds");

    const noEnv = await patch({ upstream: { env: null, args: null } });
    expect(noEnv.status).toBe(200);
    expect(noEnv.body.upstream).toEqual({ type: "stdio", command: "node", args: [], env: {} });
    expect((await stored()).upstream).toEqual({ type: "stdio", command: "node", args: [], env: {} });

    for (const [body, field] of [
      [{ upstream: { command: null } }, "upstream.command"],
      [{ upstream: null }, "upstream"],
      [{ accessMode: null }, "accessMode"],
      [{ upstream: { cwd: 42 } }, "upstream.cwd"],
    ] as const) {
      const refused = await patch(body);
      expect(refused.status, JSON.stringify(body)).toBe(400);
      expect(refused.body.error.code).toBe("validation_failed");
      expect(refused.body.error.details.map((d: { path: string }) => d.path)).toContain(field);
    }
    expect((await stored()).upstream).toEqual({ type: "stdio", command: "node", args: [], env: {} });

    // A remote upstream's headers clear the same way.
    const remote = await box.api("POST", "/instances", {
      name: "clearable-remote",
      accessMode: "proxy",
      upstream: { type: "sse", url: "https://example.com/sse", headers: { Authorization: "Bearer x" } },
    });
    expect(remote.status).toBe(201);
    const headers = await box.api("PATCH", "/instances/clearable-remote", { upstream: { headers: null } });
    expect(headers.status).toBe(200);
    expect(((await headers.json()) as any).upstream).toEqual({
      type: "sse",
      url: "https://example.com/sse",
      headers: {},
    });
    const audit = (await (
      await box.api("GET", "/audit?action=secret.write&targetId=clearable-remote")
    ).json()) as {
      items: { details: { names: string[] } }[];
    };
    // Created with the header, then cleared: both are secret writes.
    expect(audit.items.map((entry) => entry.details.names)).toEqual([["Authorization"], ["Authorization"]]);
  });

  it("refuses malformed JSON bodies and token scopes naming bad instances", async () => {
    const response = await fetch(`${box.url}/api/v1/instances`, {
      method: "POST",
      headers: { authorization: "Bearer test-admin-token-0123456789", "content-type": "application/json" },
      body: "{oops",
    });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: { code: string } }).error).toBeDefined();
    const token = await box.api("POST", "/tokens", { name: "t", instances: ["../x"] });
    expect(token.status).toBe(400);
    const revoke = await box.api("DELETE", "/tokens/not-a-uuid");
    expect(revoke.status).toBe(400);
  });

  it("deleting an instance ends its sessions and stops its processes", async () => {
    expect((await box.api("POST", "/instances", hosted("gamma", { public: true }))).status).toBe(201);
    const client = await connectClient(box.mcpUrl("gamma"));
    await client.listTools();
    const before = (await (await box.api("GET", "/instances/gamma")).json()) as {
      processes: number;
      sessions: number;
    };
    expect(before).toMatchObject({ processes: 1, sessions: 1 });
    expect((await box.api("DELETE", "/instances/gamma")).status).toBe(204);
    await expect(client.listTools()).rejects.toThrow();
    expect(box.box.upstreams.status("gamma")).toBeUndefined();
    expect(box.box.sessions.forInstance("gamma")).toHaveLength(0);
  });
});
