import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import {
  ListRootsRequestSchema,
  ResourceUpdatedNotificationSchema,
  ToolListChangedNotificationSchema,
} from "@modelcontextprotocol/sdk/types.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectClient, startBox, stdioInstance, type TestBox } from "../helpers/box.js";

let box: TestBox;

const until = async (check: () => boolean, ms = 3000) => {
  const deadline = Date.now() + ms;
  while (!check() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  return check();
};

function rootsClient(root: string): Client {
  const client = new Client(
    { name: "roots", version: "1.0.0" },
    { capabilities: { roots: { listChanged: true } } },
  );
  client.setRequestHandler(ListRootsRequestSchema, async () => ({
    roots: [{ uri: root, name: "workspace" }],
  }));
  return client;
}

beforeAll(async () => {
  box = await startBox([
    stdioInstance("per-session", "client-features-server.mjs", { public: true }),
    stdioInstance("shared", "client-features-server.mjs", { public: true, sessionPolicy: "shared" }),
  ]);
});
afterAll(() => box?.close());

describe.each([
  ["per-session", "streamable-http"],
  ["per-session", "sse"],
  ["shared", "streamable-http"],
  ["shared", "sse"],
] as const)("%s over %s", (instance, transport) => {
  it("forwards roots/list to the client and its answer back", async () => {
    const client = await connectClient(box.mcpUrl(instance), {
      transport,
      client: rootsClient("file:///work/a"),
    });
    try {
      const result = await client.callTool({ name: "list_roots", arguments: {} });
      expect(JSON.stringify(result.content)).toContain("file:///work/a");
    } finally {
      await client.close();
    }
  });

  it("relays list_changed and resources/updated notifications", async () => {
    const client = await connectClient(box.mcpUrl(instance), { transport });
    const changed: unknown[] = [];
    const updated: string[] = [];
    client.setNotificationHandler(ToolListChangedNotificationSchema, (n) => {
      changed.push(n);
    });
    client.setNotificationHandler(ResourceUpdatedNotificationSchema, (n) => {
      updated.push(n.params.uri);
    });
    try {
      const added = await client.callTool({ name: "add_tool", arguments: {} });
      expect(await until(() => changed.length > 0)).toBe(true);
      const name = (added.content as { text: string }[])[0].text;
      expect((await client.listTools()).tools.map((t) => t.name)).toContain(name);
      await client.subscribeResource({ uri: "test://note" });
      await client.callTool({ name: "touch_resource", arguments: { uri: "test://note" } });
      expect(await until(() => updated.includes("test://note"))).toBe(true);
    } finally {
      await client.close();
    }
  });

  it("relays cancellation upstream", async () => {
    const client = await connectClient(box.mcpUrl(instance), { transport });
    try {
      const before = Number(
        ((await client.callTool({ name: "cancelled_count", arguments: {} })).content as { text: string }[])[0]
          .text,
      );
      const controller = new AbortController();
      const call = client.callTool({ name: "wait_for_cancel", arguments: {} }, undefined, {
        signal: controller.signal,
      });
      setTimeout(() => controller.abort("user gave up"), 200);
      await expect(call).rejects.toThrow();
      let count = before;
      for (let i = 0; i < 50 && count === before; i++) {
        await new Promise((r) => setTimeout(r, 50));
        const result = await client.callTool({ name: "cancelled_count", arguments: {} });
        count = Number((result.content as { text: string }[])[0].text);
      }
      expect(count).toBe(before + 1);
    } finally {
      await client.close();
    }
  });
});
