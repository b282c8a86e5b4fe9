import type { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectClient, disconnect, startBox, stdioInstance, type TestBox } from "../helpers/box.js";

let box: TestBox;

beforeAll(async () => {
  box = await startBox([
    stdioInstance("capped", "conformance-server.mjs", {
      public: true,
      maxProcesses: 1,
      idleTimeoutSeconds: 60,
    }),
  ]);
});
afterAll(() => box?.close());

const sessionIdOf = (client: Awaited<ReturnType<typeof connectClient>>) =>
  (client.transport as StreamableHTTPClientTransport).sessionId!;

describe("session lifecycle", () => {
  it("at the process cap, ends the longest-idle session to admit a new one, never a busy recent one", async () => {
    const first = await connectClient(box.mcpUrl("capped"));
    await first.listTools();
    // A fresh session is not evicted: the next connection is refused at the cap.
    await expect(connectClient(box.mcpUrl("capped"))).rejects.toThrow(/503|cap/);
    const session = box.box.sessions.get(sessionIdOf(first))!;
    session.lastActivity -= 120_000;
    const second = await connectClient(box.mcpUrl("capped"));
    expect((await second.listTools()).tools.length).toBeGreaterThan(0);
    expect(box.box.sessions.get(sessionIdOf(first))).toBeUndefined();
    expect(box.box.upstreams.status("capped")?.processes).toBe(1);
    await disconnect(second);
    await first.close().catch(() => {});
  });

  it("reaps sessions idle beyond the instance's idle timeout, with their processes", async () => {
    const client = await connectClient(box.mcpUrl("capped"));
    await client.listTools();
    const id = sessionIdOf(client);
    expect(await box.box.sessions.reapIdle(Date.now() + 30_000)).toBe(0);
    expect(box.box.sessions.get(id)).toBeDefined();
    expect(await box.box.sessions.reapIdle(Date.now() + 61_000)).toBe(1);
    expect(box.box.sessions.get(id)).toBeUndefined();
    expect(box.box.upstreams.status("capped")?.processes).toBe(0);
    await client.close().catch(() => {});
  });
});
