import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startBox, stdioInstance, type TestBox } from "../helpers/box.js";

let box: TestBox;
const VERSION = "2025-11-25";

async function post(body: unknown, session?: string) {
  return fetch(box.mcpUrl("resume"), {
    method: "POST",
    headers: {
      "content-type": "application/json",
      accept: "application/json, text/event-stream",
      "mcp-protocol-version": VERSION,
      ...(session ? { "mcp-session-id": session } : {}),
    },
    body: JSON.stringify(body),
  });
}

/** Reads SSE events from a response until `stop` says enough; returns them parsed. */
async function readEvents(response: Response, stop: (events: { id?: string; data: string }[]) => boolean) {
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  const events: { id?: string; data: string }[] = [];
  let buffer = "";
  while (!stop(events)) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += decoder.decode(value, { stream: true });
    let end = buffer.indexOf("\n\n");
    while (end !== -1) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const id = /^id: (.*)$/m.exec(block)?.[1];
      const data = /^data: (.*)$/m.exec(block)?.[1];
      if (data) events.push({ id, data });
      end = buffer.indexOf("\n\n");
    }
  }
  await reader.cancel().catch(() => {});
  return events;
}

beforeAll(async () => {
  box = await startBox([stdioInstance("resume", "conformance-server.mjs", { public: true })]);
});
afterAll(() => box?.close());

describe("resumability", () => {
  it("replays the rest of an interrupted stream after Last-Event-ID, and only that stream", async () => {
    const init = await post({
      jsonrpc: "2.0",
      id: 1,
      method: "initialize",
      params: { protocolVersion: VERSION, capabilities: {}, clientInfo: { name: "resume", version: "1" } },
    });
    const session = init.headers.get("mcp-session-id")!;
    await init.text();
    await (await post({ jsonrpc: "2.0", method: "notifications/initialized" }, session)).text();

    const call = await post(
      {
        jsonrpc: "2.0",
        id: 2,
        method: "tools/call",
        params: { name: "test_tool_with_progress", arguments: {}, _meta: { progressToken: "tok" } },
      },
      session,
    );
    expect(call.headers.get("content-type")).toContain("text/event-stream");
    // Read the first progress notification, then drop the connection.
    const first = await readEvents(call, (events) => events.some((e) => e.data.includes('"progress":0')));
    const cursor = first.filter((e) => e.id).at(-1)!.id!;
    expect(cursor).toBeTruthy();
    await new Promise((resolve) => setTimeout(resolve, 300)); // the tool finishes while we are away

    const resumed = await fetch(box.mcpUrl("resume"), {
      headers: {
        accept: "text/event-stream",
        "mcp-session-id": session,
        "mcp-protocol-version": VERSION,
        "last-event-id": cursor,
      },
    });
    expect(resumed.status).toBe(200);
    const replayed = await readEvents(resumed, (events) => events.some((e) => e.data.includes('"id":2')));
    const messages = replayed.map((e) => JSON.parse(e.data));
    expect(messages.some((m) => m.params?.progress === 0)).toBe(false);
    expect(
      messages.filter((m) => m.method === "notifications/progress").map((m) => m.params.progress),
    ).toEqual([50, 100]);
    expect(messages.at(-1)).toMatchObject({ id: 2, result: { content: [{ type: "text" }] } });

    const unknown = await fetch(box.mcpUrl("resume"), {
      headers: { accept: "text/event-stream", "mcp-session-id": session, "last-event-id": "nope_1" },
    });
    expect(unknown.status).toBe(400);
  });
});
