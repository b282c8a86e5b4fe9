import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startBox, stdioInstance, type TestBox } from "../helpers/box.js";

/**
 * How the gateway answers a POST: plain JSON when the first upstream message is the answer, an SSE stream
 * (primed for resumption on 2025-11-25) when notifications come first or the answer is slow.
 */
let box: TestBox;

async function post(body: unknown, headers: Record<string, string> = {}, instance = "misc") {
  return fetch(`${box.url}/mcp/${instance}`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      accept: "application/json, text/event-stream",
      ...headers,
    },
    body: JSON.stringify(body),
  });
}

async function session(version: string, instance = "misc"): Promise<Record<string, string>> {
  const response = await fetch(`${box.url}/mcp/${instance}`, {
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/json, text/event-stream" },
    body: JSON.stringify({
      jsonrpc: "2.0",
      id: 0,
      method: "initialize",
      params: { protocolVersion: version, capabilities: {}, clientInfo: { name: "raw", version: "1" } },
    }),
  });
  expect(response.status).toBe(200);
  await response.text();
  const headers = {
    "mcp-session-id": response.headers.get("mcp-session-id")!,
    "mcp-protocol-version": version,
  };
  const initialized = await post({ jsonrpc: "2.0", method: "notifications/initialized" }, headers, instance);
  expect(initialized.status).toBe(202);
  return headers;
}

/** The events of a finished SSE body: id (if any) and parsed data (undefined for an empty one). */
function events(text: string): { id?: string; data?: { id?: number; method?: string; result?: unknown } }[] {
  return text
    .split("\n\n")
    .filter((block) => block.trim() && !block.startsWith(":"))
    .map((block) => {
      const id = /^id: (.*)$/m.exec(block)?.[1];
      const data = /^data: ?(.*)$/m.exec(block)?.[1];
      return { id, data: data ? JSON.parse(data) : undefined };
    });
}

beforeAll(async () => {
  box = await startBox([
    stdioInstance("misc", "conformance-server.mjs", { public: true }),
    stdioInstance("slow", "misbehaving-server.mjs", { public: true }),
  ]);
});
afterAll(() => box?.close());

describe("Streamable HTTP responses", () => {
  it("answers a call whose first upstream message is its result with plain JSON", async () => {
    const headers = await session("2025-11-25");
    const call = { jsonrpc: "2.0", id: 7, method: "tools/call", params: { name: "test_simple_text" } };
    const response = await post(call, headers);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("application/json");
    expect(response.headers.get("mcp-session-id")).toBe(headers["mcp-session-id"]);
    const body = (await response.json()) as { id: number; result: { content: { text: string }[] } };
    expect(body.id).toBe(7);
    expect(body.result.content[0]!.text).toMatch(/simple text/i);
  });

  it("streams progress before the result, primed with a resumable event id on 2025-11-25", async () => {
    const headers = await session("2025-11-25");
    const call = {
      jsonrpc: "2.0",
      id: 8,
      method: "tools/call",
      params: { name: "test_tool_with_progress", _meta: { progressToken: "p1" } },
    };
    const response = await post(call, headers);
    expect(response.headers.get("content-type")).toBe("text/event-stream");
    const received = events(await response.text());
    expect(received[0]!.id).toBeTruthy();
    expect(received[0]!.data).toBeUndefined(); // the priming event
    const methods = received.slice(1).map((e) => e.data?.method ?? `result ${e.data?.id}`);
    expect(methods).toEqual([
      "notifications/progress",
      "notifications/progress",
      "notifications/progress",
      "result 8",
    ]);
    expect(received.every((e) => e.id)).toBe(true);
  });

  it("sends no priming event to a client on an older protocol version", async () => {
    const headers = await session("2025-06-18");
    const call = {
      jsonrpc: "2.0",
      id: 9,
      method: "tools/call",
      params: { name: "test_tool_with_progress", _meta: { progressToken: "p2" } },
    };
    const received = events(await (await post(call, headers)).text());
    expect(received.map((e) => e.data?.method ?? `result ${e.data?.id}`)).toEqual([
      "notifications/progress",
      "notifications/progress",
      "notifications/progress",
      "result 9",
    ]);
    expect(received.some((e) => e.id)).toBe(false);
  });

  it("opens the stream of a slow call after a second, so the client sees headers and keep-alive", async () => {
    const headers = await session("2025-11-25", "slow");
    const started = Date.now();
    const response = await fetch(`${box.url}/mcp/slow`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        accept: "application/json, text/event-stream",
        ...headers,
      },
      body: JSON.stringify({
        jsonrpc: "2.0",
        id: 3,
        method: "tools/call",
        params: { name: "slow", arguments: { ms: 2500 } },
      }),
    });
    const headersAfter = Date.now() - started;
    expect(response.headers.get("content-type")).toBe("text/event-stream");
    expect(headersAfter).toBeGreaterThanOrEqual(900);
    expect(headersAfter).toBeLessThan(2400);
    const received = events(await response.text());
    expect(received[0]!.data).toBeUndefined();
    expect(JSON.stringify(received.at(-1)!.data)).toContain("slept 2500ms");
  });

  it("answers a batch with a JSON array in request order (2025-03-26)", async () => {
    const headers = await session("2025-03-26");
    const response = await post(
      [
        { jsonrpc: "2.0", id: "b", method: "tools/call", params: { name: "test_simple_text" } },
        { jsonrpc: "2.0", method: "notifications/roots/list_changed" },
        { jsonrpc: "2.0", id: "a", method: "ping" },
      ],
      headers,
    );
    expect(response.headers.get("content-type")).toBe("application/json");
    const body = (await response.json()) as { id: string }[];
    expect(body.map((m) => m.id)).toEqual(["b", "a"]);
  });

  it("refuses a batch holding one invalid message as a whole (400, -32700)", async () => {
    const headers = await session("2025-03-26");
    const response = await post(
      [
        { jsonrpc: "2.0", id: 1, method: "ping" },
        { jsonrpc: "1.0", id: 2, method: "ping" },
      ],
      headers,
    );
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: { code: number } }).error.code).toBe(-32700);
    for (const bad of [{ jsonrpc: "2.0", id: 1 }, { jsonrpc: "2.0", id: {}, method: "ping" }, 42, []]) {
      const refused = await post(bad, headers);
      expect(refused.status, JSON.stringify(bad)).toBe(400);
    }
  });
});
