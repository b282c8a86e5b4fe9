// Process supervisor of hosted stdio instances, end to end: a real MCPBox, official SDK clients over
// Streamable HTTP, and test/fixtures/misbehaving-server.mjs as the upstream. This file: the two session
// policies, the process cap, nothing left behind after close, and draining on shutdown.

import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPError } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { JSONRPCMessage, RequestId } from "@modelcontextprotocol/sdk/types.js";
import { describe, expect, it } from "vitest";
import { connectClient } from "../helpers/box.js";
import {
  callText,
  childrenOfThisProcess,
  client,
  closeAfterTest,
  crashAndRecover,
  instanceStatus,
  misbehaving,
  ownBox,
  pidOf,
  rawInitialize,
  running,
  signalable,
  superviseLifecycle,
  terminate,
  timedFailure,
  waitFor,
  withInstances,
} from "../helpers/supervised.js";

superviseLifecycle();

describe("hosted stdio supervisor", () => {
  it("per-session: one child per session, and ending a session kills its child", async () => {
    const testBox = await withInstances(misbehaving("ps-policy"));
    const a = await client(testBox, "ps-policy");
    const b = await client(testBox, "ps-policy");
    const pidA = await pidOf(a);
    const pidB = await pidOf(b);
    expect(pidA).toBeGreaterThan(0);
    expect(pidB).toBeGreaterThan(0);
    expect(pidA).not.toBe(pidB);
    expect(signalable(pidA) && signalable(pidB)).toBe(true);
    expect((await instanceStatus(testBox, "ps-policy")).processes).toBe(2);

    await terminate(a);
    expect(await waitFor(() => !signalable(pidA), 3_000), `child ${pidA} still alive after DELETE`).toBe(
      true,
    );
    // The other session keeps its own child.
    expect(signalable(pidB)).toBe(true);
    expect(await callText(b, "echo", { text: "still here" })).toBe("still here");
    expect(await pidOf(b)).toBe(pidB);
    expect(
      await waitFor(async () => (await instanceStatus(testBox, "ps-policy")).processes === 1, 3_000),
    ).toBe(true);
  });

  it("shared: one child for all sessions; equal request ids from two sessions get their own answers", async () => {
    const testBox = await withInstances(misbehaving("shared-policy", { policy: "shared" }));
    const a = await client(testBox, "shared-policy");
    const b = await client(testBox, "shared-policy");
    const pid = await pidOf(a);
    expect(await pidOf(b)).toBe(pid);
    expect((await instanceStatus(testBox, "shared-policy")).processes).toBe(1);

    // Record the request ids each client puts on the wire: both clients count from the same start.
    const idsOf = (connected: Client) => {
      const ids: RequestId[] = [];
      const transport = connected.transport!;
      const send = transport.send.bind(transport);
      transport.send = (message: JSONRPCMessage, options) => {
        if ("method" in message && "id" in message) ids.push(message.id);
        return send(message, options);
      };
      return ids;
    };
    const idsA = idsOf(a);
    const idsB = idsOf(b);
    const texts = (prefix: string) => Array.from({ length: 8 }, (_, i) => `${prefix}-${i}`);
    const [answersA, answersB] = await Promise.all([
      Promise.all(texts("a").map((text) => callText(a, "echo", { text }))),
      Promise.all(texts("b").map((text) => callText(b, "echo", { text }))),
    ]);
    expect(idsA).toEqual(idsB); // the collision this test is about really happened
    expect(answersA).toEqual(texts("a"));
    expect(answersB).toEqual(texts("b"));
  });

  it("process cap: a session beyond maxProcesses is refused with HTTP 503", async () => {
    const testBox = await withInstances(misbehaving("capped", { extra: { maxProcesses: 2 } }));
    const a = await client(testBox, "capped");
    const b = await client(testBox, "capped");
    expect(await pidOf(a)).not.toBe(await pidOf(b));

    const third = await connectClient(testBox.mcpUrl("capped")).then(
      (connected) => {
        closeAfterTest(connected);
        return undefined;
      },
      (error: unknown) => error,
    );
    expect(third).toBeInstanceOf(StreamableHTTPError);
    expect((third as StreamableHTTPError).code).toBe(503);

    const response = await rawInitialize(testBox, "capped");
    expect(response.status).toBe(503);
    const body = (await response.json()) as { jsonrpc: string; error: { code: number; message: string } };
    expect(body.jsonrpc).toBe("2.0");
    expect(body.error.message).toMatch(/process cap of 2/);
    expect((await instanceStatus(testBox, "capped")).processes).toBe(2);

    // Ending a session frees its slot.
    await terminate(a);
    let replacement: Client | undefined;
    await waitFor(
      async () => {
        replacement = await connectClient(testBox.mcpUrl("capped")).catch(() => undefined);
        return replacement !== undefined;
      },
      5_000,
      100,
    );
    expect(replacement, "no slot freed after a session ended").toBeDefined();
    closeAfterTest(replacement!);
    expect(await callText(replacement!, "echo", { text: "slot" })).toBe("slot");
  });

  it("leaves no process behind after close: no children, no grandchildren, no zombies", async () => {
    const testBox = await ownBox(
      misbehaving("ps", { extra: { requestTimeoutSeconds: 1 } }),
      misbehaving("sh", { policy: "shared", extra: { requestTimeoutSeconds: 1 } }),
    );
    const clients = [
      await client(testBox, "ps"),
      await client(testBox, "ps"),
      await client(testBox, "sh"),
      await client(testBox, "sh"),
    ];
    // A crashed child takes its grandchildren with it.
    const crashedChild = await pidOf(clients[0]);
    const orphan = Number(await callText(clients[0], "spawn_grandchild"));
    await crashAndRecover(clients[0]);
    expect(await waitFor(() => !running(crashedChild) && !running(orphan), 2_000)).toBe(true);

    const children = new Set<number>();
    const grandchildren = new Set<number>();
    for (const connected of clients) {
      children.add(await pidOf(connected));
      grandchildren.add(Number(await callText(connected, "spawn_grandchild")));
    }
    // One child stays busy with a call that already timed out.
    await timedFailure(clients[1].callTool({ name: "slow", arguments: {} }));
    expect(children.size).toBe(3); // two per-session (one of them restarted), one shared
    expect(grandchildren.size).toBe(4);
    for (const pid of [...children, ...grandchildren]) expect(running(pid), `${pid} before close`).toBe(true);
    children.add(crashedChild);
    grandchildren.add(orphan);

    await testBox.close();

    const alive = [...children].filter((pid) => signalable(pid));
    expect(alive, "children still alive right after close").toEqual([]);
    // SIGKILL to the group is asynchronous: give the kernel a moment.
    await waitFor(() => [...grandchildren].every((pid) => !running(pid)), 2_000);
    expect(
      [...grandchildren].filter((pid) => running(pid)),
      "grandchildren still running",
    ).toEqual([]);
    const zombies = childrenOfThisProcess().filter((stat) => stat.state === "Z");
    expect(zombies, "zombie children of the test process").toEqual([]);
    const leftovers = childrenOfThisProcess().filter((stat) => children.has(stat.pid));
    expect(leftovers).toEqual([]);
  });

  it("graceful shutdown: in-flight calls (both policies) finish before close resolves", async () => {
    const testBox = await ownBox(misbehaving("drain-ps"), misbehaving("drain-sh", { policy: "shared" }));
    const clients = [await client(testBox, "drain-ps"), await client(testBox, "drain-sh")];
    for (const connected of clients) await pidOf(connected);

    const settled = [false, false];
    const calls = clients.map((connected, i) =>
      connected.callTool({ name: "slow", arguments: { ms: 500 } }).finally(() => {
        settled[i] = true;
      }),
    );
    for (const call of calls) call.catch(() => {});
    expect(await waitFor(() => testBox.box.sessions.pendingRequests() === 2, 5_000)).toBe(true);
    expect(settled).toEqual([false, false]);

    let settledWhenClosed: boolean[] | undefined;
    await testBox.close().then(() => {
      settledWhenClosed = [...settled];
    });
    for (const call of calls) {
      expect(((await call).content as { text: string }[])[0].text).toBe("slept 500ms");
    }
    expect(settledWhenClosed, "close resolved before the in-flight calls were answered").toEqual([
      true,
      true,
    ]);
  }, 120_000); // starts its own server, which takes long while the browser tests run beside it
});
