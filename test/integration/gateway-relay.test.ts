import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";
import { CreateMessageRequestSchema, ElicitRequestSchema } from "@modelcontextprotocol/sdk/types.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CallLogRepository } from "../../src/store/repositories.js";
import { connectClient, startBox, stdioInstance, type TestBox } from "../helpers/box.js";

/** MCP-level fidelity through the gateway, with official SDK clients on both ends. */
let box: TestBox;
let token: string;
let upstream: { url: string; seen: IncomingHttpHeaders[]; close: () => void };

/** An in-process Streamable HTTP MCP server whose `headers` tool reports what reached it. */
async function headerEchoServer() {
  const seen: IncomingHttpHeaders[] = [];
  const server = createServer(async (req, res) => {
    seen.push(req.headers);
    const mcp = new McpServer({ name: "header-echo", version: "1.0.0" });
    mcp.registerTool("headers", { description: "request headers seen by the upstream" }, async (extra) => ({
      content: [{ type: "text", text: JSON.stringify(extra.requestInfo?.headers ?? {}) }],
    }));
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
    await mcp.connect(transport);
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = chunks.length ? JSON.parse(Buffer.concat(chunks).toString()) : undefined;
    await transport.handleRequest(req, res, body);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/mcp`, seen, close: () => server.close() };
}

function samplingClient(answer: string): Client {
  const client = new Client(
    { name: `sampler-${answer}`, version: "1.0.0" },
    { capabilities: { sampling: {}, elicitation: {} } },
  );
  client.setRequestHandler(CreateMessageRequestSchema, async () => ({
    model: "test-model",
    role: "assistant",
    content: { type: "text", text: answer },
  }));
  client.setRequestHandler(ElicitRequestSchema, async () => ({
    action: "accept",
    content: { username: `user-${answer}`, email: `${answer}@example.com` },
  }));
  return client;
}

beforeAll(async () => {
  upstream = await headerEchoServer();
  box = await startBox([
    stdioInstance("per-session", "conformance-server.mjs"),
    stdioInstance("shared", "conformance-server.mjs", { sessionPolicy: "shared" }),
    stdioInstance("quick-timeout", "conformance-server.mjs", { requestTimeoutSeconds: 1 }),
    {
      name: "remote",
      accessMode: "proxy",
      upstream: {
        type: "streamable-http",
        url: upstream.url,
        headers: { "x-upstream-key": "upstream-secret-value" },
      },
    },
  ]);
  token = await box.token();
});
afterAll(async () => {
  await box?.close();
  upstream?.close();
});

describe.each([
  ["per-session", "streamable-http"],
  ["per-session", "sse"],
  ["shared", "streamable-http"],
  ["shared", "sse"],
] as const)("server→client requests, %s over %s", (instance, transport) => {
  it("routes sampling and elicitation to the session that made the call", async () => {
    const alice = await connectClient(box.mcpUrl(instance), {
      token,
      transport,
      client: samplingClient("alice"),
    });
    const bob = await connectClient(box.mcpUrl(instance), {
      token,
      transport,
      client: samplingClient("bob"),
    });
    try {
      const ask = (client: Client) =>
        client.callTool({ name: "test_sampling", arguments: { prompt: "who?" } });
      // A shared child cannot say which of two concurrent calls asked (stdio carries no such link), so the
      // shared policy attributes to the call in flight; per-session is exact even when calls overlap.
      const [a, b] =
        instance === "shared"
          ? [await ask(alice), await ask(bob)]
          : await Promise.all([ask(alice), ask(bob)]);
      expect(JSON.stringify(a.content)).toContain("alice");
      expect(JSON.stringify(a.content)).not.toContain("bob");
      expect(JSON.stringify(b.content)).toContain("bob");
      const elicited = await bob.callTool({ name: "test_elicitation", arguments: { message: "name?" } });
      expect(JSON.stringify(elicited.content)).toContain("user-bob");
    } finally {
      await Promise.all([alice.close(), bob.close()]);
    }
  });

  it("relays progress and logging in order before the result", async () => {
    const client = await connectClient(box.mcpUrl(instance), { token, transport });
    try {
      const progress: number[] = [];
      const result = await client.callTool({ name: "test_tool_with_progress", arguments: {} }, undefined, {
        onprogress: (p) => progress.push(p.progress),
      });
      expect(progress).toEqual([0, 50, 100]);
      expect(JSON.stringify(result.content)).toContain("Progress tool completed");
      const logs: string[] = [];
      client.setNotificationHandler(
        (await import("@modelcontextprotocol/sdk/types.js")).LoggingMessageNotificationSchema,
        (n) => {
          logs.push(JSON.stringify(n.params.data));
        },
      );
      await client.setLoggingLevel("debug");
      await client.callTool({ name: "test_tool_with_logging", arguments: {} });
      expect(logs.length).toBeGreaterThanOrEqual(3);
    } finally {
      await client.close();
    }
  });
});

describe("a call waiting on its client", () => {
  it("is not timed out while the client answers the server's sampling request", async () => {
    // The instance times calls out after 1 s; a person takes 2.5 s to answer the server's question.
    const patient = new Client({ name: "patient", version: "1.0.0" }, { capabilities: { sampling: {} } });
    patient.setRequestHandler(CreateMessageRequestSchema, async () => {
      await new Promise((resolve) => setTimeout(resolve, 2500));
      return { model: "person", role: "assistant", content: { type: "text", text: "took my time" } };
    });
    const client = await connectClient(box.mcpUrl("quick-timeout"), { token, client: patient });
    try {
      const answered = await client.callTool({ name: "test_sampling", arguments: { prompt: "think" } });
      expect(JSON.stringify(answered.content)).toContain("LLM response: took my time");
    } finally {
      await client.close();
    }
  });
});

describe("proxy upstream credentials", () => {
  it("injects the instance's upstream headers and never forwards the client's token", async () => {
    const client = await connectClient(box.mcpUrl("remote"), { token });
    try {
      const result = await client.callTool({ name: "headers", arguments: {} });
      const headers = JSON.parse((result.content as { text: string }[])[0].text) as Record<string, string>;
      expect(headers["x-upstream-key"]).toBe("upstream-secret-value");
      expect(JSON.stringify(headers)).not.toContain(token);
      expect(upstream.seen.every((h) => !JSON.stringify(h).includes(token))).toBe(true);
      expect(upstream.seen.every((h) => h.authorization === undefined)).toBe(true);
    } finally {
      await client.close();
    }
  });

  it("legacy SSE endpoint event names the gateway path, not the upstream URL", async () => {
    const controller = new AbortController();
    const response = await fetch(`${box.mcpUrl("remote")}/sse`, {
      headers: { authorization: `Bearer ${token}`, accept: "text/event-stream" },
      signal: controller.signal,
    });
    expect(response.status).toBe(200);
    const reader = response.body!.getReader();
    let text = "";
    while (!text.includes("\n\n")) text += new TextDecoder().decode((await reader.read()).value);
    controller.abort();
    expect(text).toMatch(/event: endpoint\ndata: \/mcp\/remote\/messages\?sessionId=/);
    expect(text).not.toContain(new URL(upstream.url).port);
  });
});

describe("call log and metrics", () => {
  it("records each call (instance, token, method, tool, duration, outcome) without arguments", async () => {
    const client = await connectClient(box.mcpUrl("shared"), { token });
    try {
      await client.callTool({ name: "test_simple_text", arguments: { secretArg: "do-not-log-me" } });
      await client.callTool({ name: "test_error_handling", arguments: {} });
      await client.readResource({ uri: "test://static-text" });
      await client.getPrompt({ name: "test_simple_prompt" });
    } finally {
      await client.close();
    }
    await box.box.callLog.flush();
    const rows = await new CallLogRepository(box.box.store.db).recent({ instance: "shared" });
    const byTarget = Object.fromEntries(rows.map((r) => [r.target, r]));
    expect(byTarget.test_simple_text).toMatchObject({
      method: "tools/call",
      outcome: "ok",
      instance: "shared",
    });
    expect(byTarget.test_simple_text.tokenId).toBeTruthy();
    expect(byTarget.test_simple_text.durationMs).toBeGreaterThanOrEqual(0);
    expect(byTarget["test://static-text"]).toMatchObject({ method: "resources/read", outcome: "ok" });
    expect(byTarget.test_simple_prompt).toMatchObject({ method: "prompts/get" });
    expect(JSON.stringify(rows)).not.toContain("do-not-log-me");

    const metrics = await (await fetch(`${box.url}/metrics`)).text();
    expect(metrics).toMatch(
      /mcpbox_calls_total\{instance="shared",method="tools\/call",outcome="ok"\} [1-9]/,
    );
    expect(metrics).toMatch(
      /mcpbox_call_duration_seconds_bucket\{le="[^"]+",instance="shared",method="tools\/call"\}/,
    );
    expect(metrics).toMatch(/mcpbox_child_processes\{instance="shared"\} 1/);
    expect(metrics).toContain("mcpbox_sessions");
  });

  it("serves health and readiness", async () => {
    expect(await (await fetch(`${box.url}/healthz`)).json()).toEqual({ status: "ok" });
    expect(await (await fetch(`${box.url}/readyz`)).json()).toMatchObject({ status: "ready" });
  });
});
