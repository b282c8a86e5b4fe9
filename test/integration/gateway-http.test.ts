import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startBox, stdioInstance, type TestBox } from "../helpers/box.js";

/** HTTP-level rules of the gateway (DESIGN §4) and its answers to bad input, with raw requests. */
let box: TestBox;
let token: string;

const INIT = {
  jsonrpc: "2.0",
  id: 1,
  method: "initialize",
  params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "raw", version: "1" } },
};
const ACCEPT = "application/json, text/event-stream";

async function post(path: string, body: unknown, headers: Record<string, string> = {}) {
  return fetch(`${box.url}${path}`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      accept: ACCEPT,
      authorization: `Bearer ${token}`,
      ...headers,
    },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
}

async function rpcError(response: Response) {
  const body = (await response.json()) as { jsonrpc: string; error: { code: number; message: string } };
  expect(body.jsonrpc).toBe("2.0");
  return body.error;
}

async function openSession(): Promise<string> {
  const response = await post("/mcp/echo", INIT);
  expect(response.status).toBe(200);
  const id = response.headers.get("mcp-session-id");
  expect(id).toMatch(/^[\x21-\x7e]+$/);
  await response.text();
  const initialized = await post(
    "/mcp/echo",
    { jsonrpc: "2.0", method: "notifications/initialized" },
    { "mcp-session-id": id!, "mcp-protocol-version": "2025-06-18" },
  );
  expect(initialized.status).toBe(202);
  return id!;
}

beforeAll(async () => {
  box = await startBox(
    [
      stdioInstance("echo", "conformance-server.mjs"),
      stdioInstance("other", "conformance-server.mjs"),
      {
        name: "handout",
        accessMode: "direct",
        upstream: { type: "streamable-http", url: "http://10.0.0.1/mcp" },
      },
    ],
    { bodyLimitBytes: 64 * 1024 },
  );
  token = await box.token(["echo"]);
});
afterAll(() => box?.close());

describe("sessions", () => {
  it("gives a session id on initialize and requires it afterwards (400), 404 for unknown ones", async () => {
    const id = await openSession();
    const list = { jsonrpc: "2.0", id: 2, method: "tools/list" };
    const ok = await post("/mcp/echo", list, { "mcp-session-id": id, "mcp-protocol-version": "2025-06-18" });
    expect(ok.status).toBe(200);
    expect(await ok.text()).toContain("test_simple_text");

    const missing = await post("/mcp/echo", list);
    expect(missing.status).toBe(400);
    expect((await rpcError(missing)).message).toMatch(/Mcp-Session-Id/);

    const unknown = await post("/mcp/echo", list, { "mcp-session-id": "no-such-session" });
    expect(unknown.status).toBe(404);
    expect((await rpcError(unknown)).message).toMatch(/Session not found/);
  });

  it("ends a session on DELETE; later requests get 404", async () => {
    const id = await openSession();
    const deleted = await fetch(box.mcpUrl("echo"), {
      method: "DELETE",
      headers: {
        authorization: `Bearer ${token}`,
        "mcp-session-id": id,
        "mcp-protocol-version": "2025-06-18",
      },
    });
    expect(deleted.status).toBe(200);
    const after = await post(
      "/mcp/echo",
      { jsonrpc: "2.0", id: 3, method: "ping" },
      { "mcp-session-id": id },
    );
    expect(after.status).toBe(404);
  });

  it("does not let another token use a session (404, not a hijack)", async () => {
    const id = await openSession();
    const stranger = await box.token(["echo"]);
    const response = await post(
      "/mcp/echo",
      { jsonrpc: "2.0", id: 4, method: "ping" },
      { "mcp-session-id": id, authorization: `Bearer ${stranger}` },
    );
    expect(response.status).toBe(404);
  });

  it("refuses an unsupported MCP-Protocol-Version (400) and a wrong Accept (406)", async () => {
    const id = await openSession();
    const ping = { jsonrpc: "2.0", id: 5, method: "ping" };
    const version = await post("/mcp/echo", ping, {
      "mcp-session-id": id,
      "mcp-protocol-version": "1999-01-01",
    });
    expect(version.status).toBe(400);
    const accept = await post("/mcp/echo", ping, { "mcp-session-id": id, accept: "text/html" });
    expect(accept.status).toBe(406);
  });

  it("opens the standalone GET stream as text/event-stream", async () => {
    const id = await openSession();
    const controller = new AbortController();
    const stream = await fetch(box.mcpUrl("echo"), {
      headers: {
        accept: "text/event-stream",
        authorization: `Bearer ${token}`,
        "mcp-session-id": id,
        "mcp-protocol-version": "2025-06-18",
      },
      signal: controller.signal,
    });
    expect(stream.status).toBe(200);
    expect(stream.headers.get("content-type")).toContain("text/event-stream");
    controller.abort();
  });
});

describe("bad input", () => {
  it("answers malformed JSON with a JSON-RPC parse error (400)", async () => {
    const response = await post("/mcp/echo", "{not json");
    expect(response.status).toBe(400);
    expect((await rpcError(response)).code).toBe(-32700);
  });

  it("answers non-JSON-RPC bodies with 400", async () => {
    for (const body of ["42", '"text"', "null"]) {
      const response = await post("/mcp/echo", body);
      expect(response.status).toBe(400);
      expect((await rpcError(response)).code).toBeLessThan(-32000);
    }
    const notRpc = await post("/mcp/echo", { hello: "world" });
    expect(notRpc.status).toBe(400);
  });

  it("refuses batches on protocol 2025-06-18 and batched initialize", async () => {
    const id = await openSession();
    const batch = [
      { jsonrpc: "2.0", id: 6, method: "ping" },
      { jsonrpc: "2.0", id: 7, method: "ping" },
    ];
    const response = await post("/mcp/echo", batch, {
      "mcp-session-id": id,
      "mcp-protocol-version": "2025-06-18",
    });
    expect(response.status).toBe(400);
    expect((await rpcError(response)).message).toMatch(/batch/);
    const init = await post("/mcp/echo", [INIT]);
    expect(init.status).toBe(400);
  });

  it("refuses oversized bodies with 413 and a wrong content type with 415", async () => {
    const big = { ...INIT, params: { ...INIT.params, padding: "x".repeat(100 * 1024) } };
    const response = await post("/mcp/echo", big);
    expect(response.status).toBe(413);
    expect((await rpcError(response)).code).toBe(-32600);
    const text = await post("/mcp/echo", "hello", { "content-type": "text/plain" });
    expect(text.status).toBe(415);
  });

  it("refuses a foreign Origin and a rebinding Host with 403", async () => {
    const origin = await post("/mcp/echo", INIT, { origin: "https://evil.example" });
    expect(origin.status).toBe(403);
    expect((await rpcError(origin)).message).toMatch(/Origin/);
    const local = await post("/mcp/echo", INIT, { origin: "http://localhost:5173" });
    expect(local.status).toBe(200);
    await local.body?.cancel();
    const { request } = await import("node:http");
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(`${box.url}/mcp/echo`, {
        method: "POST",
        headers: { host: "evil.example:8800", "content-type": "application/json", accept: ACCEPT },
      });
      req.on("response", (res) => {
        res.resume();
        resolve(res.statusCode!);
      });
      req.on("error", reject);
      req.end(JSON.stringify(INIT));
    });
    expect(status).toBe(403);
  });

  it("answers unknown instances and direct instances with 404 and a message", async () => {
    const unknown = await post("/mcp/nope", INIT);
    expect(unknown.status).toBe(404);
    expect((await rpcError(unknown)).message).toMatch(/No MCP instance named "nope"/);
    const direct = await post("/mcp/handout", INIT, { authorization: `Bearer ${await box.token()}` });
    expect(direct.status).toBe(404);
    expect((await rpcError(direct)).message).toMatch(/direct/);
  });
});

describe("access tokens", () => {
  it("requires a bearer token: 401 with WWW-Authenticate", async () => {
    const missing = await post("/mcp/echo", INIT, { authorization: "" });
    expect(missing.status).toBe(401);
    expect(missing.headers.get("www-authenticate")).toMatch(/^Bearer realm="mcpbox"/);
    const wrong = await post("/mcp/echo", INIT, { authorization: "Bearer mcpbox_not-a-real-token" });
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get("www-authenticate")).toContain('error="invalid_token"');
  });

  it("refuses a token that does not cover the instance with 403", async () => {
    const response = await post("/mcp/other", INIT);
    expect(response.status).toBe(403);
    expect((await rpcError(response)).message).toMatch(/does not grant access to "other"/);
  });

  it("refuses revoked and expired tokens", async () => {
    const created = await box.api("POST", "/tokens", {
      name: "short",
      instances: ["echo"],
      expiresInSeconds: 1,
    });
    const { id, secret } = (await created.json()) as { id: string; secret: string };
    const fine = await post("/mcp/echo", INIT, { authorization: `Bearer ${secret}` });
    expect(fine.status).toBe(200);
    await fine.body?.cancel();
    await new Promise((resolve) => setTimeout(resolve, 1100));
    expect((await post("/mcp/echo", INIT, { authorization: `Bearer ${secret}` })).status).toBe(401);

    const revocable = await box.api("POST", "/tokens", { name: "revocable", instances: ["echo"] });
    const second = (await revocable.json()) as { id: string; secret: string };
    expect((await box.api("DELETE", `/tokens/${second.id}`)).status).toBe(200);
    expect((await post("/mcp/echo", INIT, { authorization: `Bearer ${second.secret}` })).status).toBe(401);
    expect((await box.api("DELETE", `/tokens/${second.id}`)).status).toBe(404);
    expect(id).toBeTruthy();
  });

  it("records last use and use count, and never lists secrets or hashes", async () => {
    await box.box.tokens.flushUses();
    const list = (await (await box.api("GET", "/tokens")).json()) as { items: Record<string, unknown>[] };
    const text = JSON.stringify(list);
    expect(text).not.toContain(token);
    expect(text).not.toMatch(/hash/i);
    const used = list.items.find((t) => (t.useCount as number) > 0);
    expect(used?.lastUsedAt).toBeTruthy();
  });
});
