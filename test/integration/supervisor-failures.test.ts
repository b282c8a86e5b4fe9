// Process supervisor of hosted stdio instances when the upstream misbehaves: crashes mid-call, crash loops,
// garbage on stdout, noisy stderr, calls never answered, slow starts (test/fixtures/misbehaving-server.mjs).

import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPError } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { McpError } from "@modelcontextprotocol/sdk/types.js";
import { describe, expect, it } from "vitest";
import { connectClient } from "../helpers/box.js";
import {
  callText,
  client,
  closeAfterTest,
  echoUntilAnswered,
  instanceStatus,
  misbehaving,
  POLICIES,
  pidOf,
  rawInitialize,
  signalable,
  sleep,
  superviseLifecycle,
  timedFailure,
  waitFor,
  withInstances,
  withTimeout,
} from "../helpers/supervised.js";

superviseLifecycle();

describe("hosted stdio supervisor, misbehaving upstreams", () => {
  describe.each(POLICIES)("crash mid-call (%s)", (policy) => {
    it("answers the call with a JSON-RPC error within 1 s, then the session works again", async () => {
      const testBox = await withInstances(misbehaving(`crashy-${policy}`, { policy }));
      const connected = await client(testBox, `crashy-${policy}`);
      const before = await pidOf(connected);

      const { error, ms } = await timedFailure(connected.callTool({ name: "crash", arguments: {} }));
      expect(error).toBeInstanceOf(McpError);
      expect(ms, `crash error took ${Math.round(ms)} ms`).toBeLessThan(1_000);

      expect(await echoUntilAnswered(connected, 20_000)).toBe("back again");
      const after = await pidOf(connected);
      expect(after).not.toBe(before);
      expect(signalable(before)).toBe(false);
    });
  });

  describe.each(POLICIES)("crash loop at start (%s)", (policy) => {
    it("fails the connect, marks the instance failed with the stderr, then refuses with 503", async () => {
      const name = `loop-${policy}`;
      const testBox = await withInstances(misbehaving(name, { policy, env: { CRASH_ON_START: "1" } }));

      // Each connect meets a child that dies before it answers initialize: the connect fails promptly with
      // an error that says so, and the crash counts. Sequential connects, so none races with the moment
      // the instance turns failed (see "crash limit" below for that race).
      let status = await instanceStatus(testBox, name);
      let failed = false;
      for (let attempt = 0; attempt < 10 && !failed; attempt++) {
        const connect = connectClient(testBox.mcpUrl(name)).then((connected) => {
          closeAfterTest(connected);
          return undefined;
        });
        const outcome = await withTimeout(connect, 10_000, "connect to a crash-looping instance").then(
          () => undefined,
          (error: unknown) => error,
        );
        expect(outcome, "a connect to a crash-looping instance succeeded").toBeInstanceOf(Error);
        expect(String(outcome)).not.toMatch(/no outcome within/);
        expect(String(outcome)).toMatch(/exited|unavailable|failed|crash/i);
        failed = await waitFor(
          async () => {
            status = await instanceStatus(testBox, name);
            return status.status === "failed";
          },
          1_000,
          100,
        );
      }
      expect(failed, `instance never reported status failed: ${JSON.stringify(status)}`).toBe(true);
      expect(status.statusDetail).toContain("fatal: cannot start (fixture)");
      expect(status.stderr).toContain("fatal: cannot start (fixture)");
      expect(status.processes).toBe(0);

      const response = await rawInitialize(testBox, name);
      expect(response.status).toBe(503);
      expect(response.headers.get("content-type")).toMatch(/application\/json/);
      const body = (await response.json()) as { jsonrpc: string; error: { code: number; message: string } };
      expect(body.jsonrpc).toBe("2.0");
      expect(body.error.code).toBeLessThan(0);
      expect(body.error.message).toMatch(/fail/i);

      const refused = await connectClient(testBox.mcpUrl(name)).then(
        (connected) => {
          closeAfterTest(connected);
          return undefined;
        },
        (error: unknown) => error,
      );
      expect(refused).toBeInstanceOf(StreamableHTTPError);
      expect((refused as StreamableHTTPError).code).toBe(503);
    });
  });

  describe.each(POLICIES)("crash limit reached mid-session (%s)", (policy) => {
    it("still answers the call that crashed last, then marks the instance failed", async () => {
      const name = `limit-${policy}`;
      const testBox = await withInstances(misbehaving(name, { policy }));
      const connected = await client(testBox, name);

      const latencies: number[] = [];
      for (let crash = 1; crash <= 10; crash++) {
        const call = connected.callTool({ name: "crash", arguments: {} });
        // A lost answer would only end with the client's own 60 s timeout: stop waiting after 5 s.
        const { error, ms } = await timedFailure(withTimeout(call, 5_000, `crash call #${crash}`));
        latencies.push(Math.round(ms));
        expect(error, `crash call #${crash} got no answer`).toBeInstanceOf(McpError);
        expect(ms, `crash call #${crash}: error after ${Math.round(ms)} ms`).toBeLessThan(1_000);
        if ((await instanceStatus(testBox, name)).status === "failed") break;
        await echoUntilAnswered(connected, 5_000);
      }
      expect((await instanceStatus(testBox, name)).status, `latencies ${latencies}`).toBe("failed");
      // The session has nothing left to talk to.
      await expect(callText(connected, "echo", { text: "anyone?" })).rejects.toThrow();
    });
  });

  it("garbage on stdout: tools still work and the ignored lines show in the instance's stderr", async () => {
    const testBox = await withInstances(misbehaving("garbage", { env: { GARBAGE_STDOUT: "1" } }));
    const connected = await client(testBox, "garbage");
    for (let i = 0; i < 3; i++) {
      expect(await callText(connected, "echo", { text: `clean ${i}` })).toBe(`clean ${i}`);
    }
    expect(await pidOf(connected)).toBeGreaterThan(0);

    const { stderr } = await instanceStatus(testBox, "garbage");
    expect(stderr).toEqual(
      expect.arrayContaining([expect.stringContaining("hello world"), expect.stringContaining("{not json")]),
    );
  });

  it("noisy stderr: the child never blocks on a full pipe and the admin API shows a bounded tail", async () => {
    const testBox = await withInstances(misbehaving("noisy", { env: { NOISY_STDERR: "1" } }));
    const connected = await client(testBox, "noisy");
    // ~180 kB at start plus ~18 kB per answer: far beyond a pipe buffer if nobody read it.
    for (let i = 0; i < 10; i++) {
      expect(await callText(connected, "echo", { text: `n${i}` })).toBe(`n${i}`);
    }
    const { stderr } = await instanceStatus(testBox, "noisy");
    expect(stderr.length).toBeGreaterThan(0);
    expect(stderr.length).toBeLessThanOrEqual(50);
    expect(stderr.at(-1)).toMatch(/^noise \d+ x+$/);
  });

  describe.each(POLICIES)("upstream that never answers (%s)", (policy) => {
    it("times the call out with a JSON-RPC error, and the session still works", async () => {
      const testBox = await withInstances(
        misbehaving(`stuck-${policy}`, { policy, extra: { requestTimeoutSeconds: 1 } }),
      );
      const connected = await client(testBox, `stuck-${policy}`);

      const { error, ms } = await timedFailure(connected.callTool({ name: "slow", arguments: {} }));
      expect(error).toBeInstanceOf(McpError);
      expect((error as McpError).message).toMatch(/within 1s|time(d)? ?out/i);
      expect(ms).toBeGreaterThanOrEqual(950);
      expect(ms, `timeout error took ${Math.round(ms)} ms`).toBeLessThan(1_500);

      expect(await callText(connected, "echo", { text: "after timeout" })).toBe("after timeout");
    });
  });

  describe.each(POLICIES)("server slow to start (%s)", (policy) => {
    it("connects when the start takes longer than requestTimeoutSeconds but not connectTimeoutSeconds", async () => {
      const name = `late-${policy}`;
      const testBox = await withInstances(
        misbehaving(name, { policy, env: { START_DELAY_MS: "2500" }, extra: { requestTimeoutSeconds: 1 } }),
      );
      try {
        const connected = await client(testBox, name);
        expect(await callText(connected, "echo", { text: "late" })).toBe("late");
      } finally {
        await testBox.api("DELETE", `/instances/${name}`);
      }
    });

    it("refuses the connect after connectTimeoutSeconds when the server never starts", async () => {
      const name = `never-${policy}`;
      const testBox = await withInstances(
        misbehaving(name, { policy, env: { START_DELAY_MS: "600000" }, extra: { connectTimeoutSeconds: 2 } }),
      );
      const pending = new Client({ name: "mcpbox-test", version: "1.0.0" });
      closeAfterTest(pending);
      try {
        const attempt = connectClient(testBox.mcpUrl(name), { client: pending }).then(() => "connected");
        const started = performance.now();
        const outcome = await Promise.race([
          attempt.catch((error: unknown) => error),
          sleep(10_000).then(() => "still pending after 10 s"),
        ]);
        const ms = performance.now() - started;
        expect(outcome, "connect outcome with connectTimeoutSeconds: 2").toBeInstanceOf(Error);
        expect(ms).toBeLessThan(2_000 + 3_000);
      } finally {
        // Stops the child that never starts now, not when the shared gateway closes.
        await testBox.api("DELETE", `/instances/${name}`);
      }
    });
  });
});
