import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  ADMIN_PASSWORD,
  connectClient,
  disconnect,
  startBox,
  stdioInstance,
  type TestBox,
} from "../helpers/box.js";
import { ConsoleClient } from "../helpers/console.js";

/** The instance lifecycle API: update, start/stop/restart, probe, logs, snippets, import and export. */
let box: TestBox;
let admin: ConsoleClient;
const SECRET = "very-secret-env-value-77";

beforeAll(async () => {
  box = await startBox([], { loginRateLimitPerMinute: 1000 });
  admin = new ConsoleClient(box.url);
  await admin.login("admin", ADMIN_PASSWORD);
  await admin.json(
    "POST",
    "/instances",
    {
      ...stdioInstance("conf", "conformance-server.mjs"),
      upstream: { ...stdioInstance("conf", "conformance-server.mjs").upstream, env: { API_KEY: SECRET } },
    },
    201,
  );
  const noisy = stdioInstance("noisy", "misbehaving-server.mjs");
  await admin.json(
    "POST",
    "/instances",
    { ...noisy, upstream: { ...noisy.upstream, env: { NOISY_STDERR: "1" } } },
    201,
  );
});
afterAll(() => box?.close());

describe("update", () => {
  it("merges a partial change, keeps secrets sent back masked, and refuses renames", async () => {
    const current = await admin.json("GET", "/instances/conf");
    expect(current.upstream.env.API_KEY).toBe("••••");
    const updated = await admin.json("PATCH", "/instances/conf", {
      description: "updated",
      upstream: { env: { API_KEY: "••••", EXTRA: "1" } },
    });
    expect(updated.description).toBe("updated");
    const env = (box.box.instances.get("conf")!.upstream as { env: Record<string, string> }).env;
    expect(env).toEqual({ API_KEY: SECRET, EXTRA: "1" });
    const writes = await admin.json("GET", "/audit?action=secret.write&targetId=conf");
    expect(writes.items.map((e: { details: { names: string[] } }) => e.details.names)).toEqual([
      ["EXTRA"],
      ["API_KEY"],
    ]);
    expect(JSON.stringify(writes)).not.toContain(SECRET);
    expect((await admin.request("PATCH", "/instances/conf", { name: "other" })).status).toBe(400);
    expect((await admin.request("PATCH", "/instances/conf", { maxProcesses: 0 })).status).toBe(400);
  });
});

describe("start, stop, restart", () => {
  it("stops an instance: sessions end, processes go, new sessions get 503; start lets them in again", async () => {
    const token = await box.token(["conf"]);
    const client = await connectClient(box.mcpUrl("conf"), { token });
    await client.callTool({ name: "test_simple_text", arguments: {} });
    expect(box.box.upstreams.status("conf")?.processes).toBe(1);
    await admin.json("POST", "/instances/conf/stop");
    expect(box.box.upstreams.status("conf")).toBeUndefined();
    await expect(client.callTool({ name: "test_simple_text", arguments: {} })).rejects.toThrow();
    await expect(connectClient(box.mcpUrl("conf"), { token })).rejects.toThrow(/503|stopped/);
    await admin.json("POST", "/instances/conf/start");
    const again = await connectClient(box.mcpUrl("conf"), { token });
    await again.callTool({ name: "test_simple_text", arguments: {} });
    await admin.json("POST", "/instances/conf/restart");
    await expect(again.callTool({ name: "test_simple_text", arguments: {} })).rejects.toThrow();
    const audit = await admin.json("GET", "/audit?targetId=conf&limit=20");
    expect(audit.items.map((e: { action: string }) => e.action)).toEqual(
      expect.arrayContaining(["instance.stop", "instance.start", "instance.restart"]),
    );
  });
});

describe("probe and tools", () => {
  it("probes at the MCP level with timings and caches the lists", async () => {
    const probe = await admin.json("POST", "/instances/conf/probe");
    expect(probe.ok).toBe(true);
    expect(probe.server.name).toBe("mcpbox-conformance-fixture");
    expect(probe.tools.map((t: { name: string }) => t.name)).toContain("test_simple_text");
    expect(probe.resources.length).toBeGreaterThan(0);
    expect(probe.prompts.length).toBeGreaterThan(0);
    expect(probe.timings.initializeMs).toBeGreaterThan(0);
    const cached = await admin.json("GET", "/instances/conf/tools");
    expect(cached.at).toBe(probe.at);
    expect(box.box.upstreams.status("conf")?.processes ?? 0).toBe(0); // the probe's process is gone
  });

  it("reports an unreachable upstream as a failed probe, not an API error", async () => {
    await admin.json(
      "POST",
      "/instances",
      {
        name: "unreachable",
        accessMode: "proxy",
        connectTimeoutSeconds: 2,
        upstream: { type: "streamable-http", url: "http://127.0.0.1:9/mcp" },
      },
      201,
    );
    const probe = await admin.json("POST", "/instances/unreachable/probe");
    expect(probe.ok).toBe(false);
    expect(probe.error).toBeTruthy();
  });
});

describe("logs", () => {
  it("returns the tail of stderr and follows new lines over SSE", async () => {
    const token = await box.token(["noisy"]);
    const client = await connectClient(box.mcpUrl("noisy"), { token });
    const tail = await admin.json("GET", "/instances/noisy/logs?tail=5");
    expect(tail.lines).toHaveLength(5);
    expect(tail.lines[0].line).toMatch(/^noise /);
    const controller = new AbortController();
    const response = await fetch(`${box.url}/api/v1/instances/noisy/logs?tail=0&follow=true`, {
      headers: { cookie: admin.cookie! },
      signal: controller.signal,
    });
    expect(response.headers.get("content-type")).toBe("text/event-stream");
    const reader = response.body!.getReader();
    await client.callTool({ name: "echo", arguments: { text: "hi" } });
    const { value } = await reader.read();
    expect(new TextDecoder().decode(value)).toMatch(/event: log\ndata: \{"at":"[^"]+","line":"noise/);
    controller.abort();
    await disconnect(client);
  });
});

describe("snippets", () => {
  it("gives each client its snippet, with a placeholder or a fresh token that really works", async () => {
    for (const client of ["claude-desktop", "cursor", "vscode", "claude-code"]) {
      const snippet = await admin.json("GET", `/instances/conf/snippet?client=${client}`);
      expect(JSON.stringify(snippet.json)).toContain("<YOUR_MCPBOX_TOKEN>");
      expect(JSON.stringify(snippet)).not.toContain(SECRET);
    }
    const minted = await admin.json(
      "POST",
      "/instances/conf/snippet",
      { client: "cursor", createToken: true },
      201,
    );
    const entry = minted.json.mcpServers.conf;
    expect(entry.url).toBe(`${box.url}/mcp/conf`);
    const secret = entry.headers.Authorization.replace(/^Bearer /, "");
    const client = await connectClient(entry.url, { token: secret });
    expect((await client.listTools()).tools.length).toBeGreaterThan(0);
    await disconnect(client);
    const code = await admin.json("GET", "/instances/conf/snippet?client=claude-code");
    expect(code.command).toMatch(/^claude mcp add --transport http conf /);
  });

  it("hands out a direct instance's configuration with placeholders for the credentials it holds", async () => {
    await admin.json(
      "POST",
      "/instances",
      {
        name: "direct-remote",
        accessMode: "direct",
        upstream: {
          type: "streamable-http",
          url: "https://mcp.example.com/mcp",
          headers: { Authorization: `Bearer ${SECRET}`, "X-Team": "platform" },
        },
      },
      201,
    );
    const snippet = await admin.json("GET", "/instances/direct-remote/snippet?client=cursor");
    expect(snippet.json.mcpServers["direct-remote"]).toEqual({
      type: "http",
      url: "https://mcp.example.com/mcp",
      headers: { Authorization: "<YOUR_AUTHORIZATION>", "X-Team": "<YOUR_X_TEAM>" },
    });
    expect(JSON.stringify(snippet)).not.toContain(SECRET);
    expect(snippet.notes.join(" ")).toMatch(/put your own in place of the placeholders/);
  });
});

describe("import and export", () => {
  it("imports an mcpServers document entry by entry, and exports without secrets", async () => {
    const result = await admin.json(
      "POST",
      "/instances/import",
      {
        mcpServers: {
          imported: {
            url: "https://example.com/mcp",
            type: "http",
            headers: { Authorization: "Bearer imported-secret" },
          },
          conf: { command: "node", args: ["x.js"] },
          broken: { command: 42 },
        },
      },
      201,
    );
    expect(result.results).toEqual([
      { name: "imported", status: "created" },
      { name: "conf", status: "exists" },
      expect.objectContaining({ name: "broken", status: "invalid" }),
    ]);
    const exported = await admin.json("GET", "/instances/export");
    const text = JSON.stringify(exported);
    expect(text).not.toContain("imported-secret");
    expect(text).not.toContain(SECRET);
    expect(exported.mcpServers.imported.headers.Authorization).toBe("••••");
    expect(exported.mcpServers.conf.mcpbox.sessionPolicy).toBe("per-session");
    expect((await admin.request("GET", "/instances/export?names=conf,nope")).status).toBe(400);
    const none = await admin.request("POST", "/instances/import", { mcpServers: { bad: {} } });
    expect(none.status).toBe(400);
    expect((await admin.request("POST", "/instances", { ...stdioInstance("export", "x.mjs") })).status).toBe(
      400,
    );
  });
});
