// Process supervisor of hosted stdio instances, end to end: a real MCPBox, official SDK clients over
// Streamable HTTP, and test/fixtures/misbehaving-server.mjs as the upstream (crashes, garbage on stdout,
// noisy stderr, servers that never answer, grandchildren).

import { readdirSync, readFileSync } from "node:fs";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import {
  type StreamableHTTPClientTransport,
  StreamableHTTPError,
} from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { type JSONRPCMessage, McpError, type RequestId } from "@modelcontextprotocol/sdk/types.js";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { InstanceInput } from "../../src/control/instance-model.js";
import { connectClient, startBox, stdioInstance, type TestBox } from "../helpers/box.js";

const SCRIPT = "misbehaving-server.mjs";
type Policy = "per-session" | "shared";
const POLICIES: Policy[] = ["per-session", "shared"];

/** A public instance of the misbehaving fixture with the given policy, env switches and settings. */
function misbehaving(
  name: string,
  options: { policy?: Policy; env?: Record<string, string>; extra?: Partial<InstanceInput> } = {},
): InstanceInput {
  const base = stdioInstance(name, SCRIPT, {
    public: true,
    sessionPolicy: options.policy ?? "per-session",
    ...options.extra,
  });
  return { ...base, upstream: { ...base.upstream, env: options.env ?? {} } } as InstanceInput;
}

// ---------------------------------------------------------------------------------------------------------
// Resources opened by a test are closed after it, whatever happened.

const openClients: Client[] = [];
const ownBoxes: TestBox[] = [];
/** One gateway for the tests that do not stop it (a start costs seconds); each test has its own instances. */
let sharedBox: TestBox | undefined;

afterEach(async () => {
  const clients = openClients.splice(0);
  await Promise.allSettled(clients.map((connected) => connected.close()));
  const boxes = ownBoxes.splice(0);
  await Promise.allSettled(boxes.map((testBox) => testBox.close()));
});

beforeAll(async () => {
  sharedBox = await startBox();
});

afterAll(async () => {
  await sharedBox?.close();
  // Whatever a test did, once every gateway is closed no fixture server is left running.
  const fixtures = childrenOfThisProcess().filter((stat) => cmdline(stat.pid).includes(SCRIPT));
  expect(fixtures, "fixture servers left running after all gateways closed").toEqual([]);
});

/** Adds the instances to the shared gateway. */
async function withInstances(...instances: InstanceInput[]): Promise<TestBox> {
  for (const instance of instances) await sharedBox!.box.instances.create(instance);
  return sharedBox!;
}

/** A gateway of the test's own, for tests that stop it. */
async function ownBox(...instances: InstanceInput[]): Promise<TestBox> {
  const started = await startBox(instances);
  ownBoxes.push(started);
  return started;
}

async function client(testBox: TestBox, name: string): Promise<Client> {
  const connected = await withTimeout(connectClient(testBox.mcpUrl(name)), 20_000, `connect to ${name}`);
  openClients.push(connected);
  return connected;
}

/** Ends the session the way a well-behaved client does: DELETE, then close. */
async function terminate(connected: Client): Promise<void> {
  await (connected.transport as StreamableHTTPClientTransport).terminateSession();
  await connected.close();
}

// ---------------------------------------------------------------------------------------------------------
// Small helpers

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no outcome within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

async function waitFor(predicate: () => boolean | Promise<boolean>, timeoutMs: number, intervalMs = 50) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await predicate()) return true;
    if (Date.now() >= deadline) return false;
    await sleep(intervalMs);
  }
}

async function callText(connected: Client, name: string, args: Record<string, unknown> = {}) {
  const result = await connected.callTool({ name, arguments: args });
  const content = result.content as { type: string; text?: string }[];
  expect(result.isError ?? false, JSON.stringify(result)).toBe(false);
  return content[0]?.text ?? "";
}

const pidOf = async (connected: Client) => Number(await callText(connected, "pid"));

/** Settles a promise into its error (or undefined when it resolved) and how long that took. */
async function timedFailure(promise: Promise<unknown>): Promise<{ error: unknown; ms: number }> {
  const started = performance.now();
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  return { error, ms: performance.now() - started };
}

/** Retries an echo until the session answers again (the upstream restarts in the background). */
async function echoUntilAnswered(connected: Client, timeoutMs: number): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      return await callText(connected, "echo", { text: "back again" });
    } catch (error) {
      last = error;
      await sleep(100);
    }
  }
  throw new Error(`session did not answer within ${timeoutMs} ms; last error: ${String(last)}`);
}

/** process.kill(pid, 0): false once the pid is gone (ESRCH). */
function signalable(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code !== "ESRCH";
  }
}

interface ProcStat {
  pid: number;
  state: string;
  ppid: number;
}

function procStat(pid: number | string): ProcStat | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // "pid (comm) state ppid ..." where comm may itself contain spaces and parentheses.
    const [state, ppid] = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return { pid: Number(pid), state, ppid: Number(ppid) };
  } catch {
    return undefined;
  }
}

/**
 * Whether a process still runs. A zombie is not running; whether it is reaped is its parent's business
 * (children of the test process are checked for zombies separately; an orphaned grandchild belongs to init,
 * which in some sandboxes reaps lazily).
 */
function running(pid: number): boolean {
  const stat = procStat(pid);
  return stat !== undefined && stat.state !== "Z" && stat.state !== "X";
}

function cmdline(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").replaceAll("\0", " ");
  } catch {
    return "";
  }
}

function childrenOfThisProcess(): ProcStat[] {
  return readdirSync("/proc")
    .filter((entry) => /^\d+$/.test(entry))
    .map((entry) => procStat(entry))
    .filter((stat): stat is ProcStat => stat?.ppid === process.pid);
}

async function instanceStatus(testBox: TestBox, name: string) {
  const response = await testBox.api("GET", `/instances/${name}`);
  expect(response.status).toBe(200);
  return (await response.json()) as {
    status: string;
    statusDetail: string | null;
    processes: number;
    stderr: string[];
  };
}

/** A raw Streamable HTTP initialize, to look at the HTTP status and body the gateway answers with. */
function rawInitialize(testBox: TestBox, name: string): Promise<Response> {
  return fetch(testBox.mcpUrl(name), {
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/json, text/event-stream" },
    body: JSON.stringify({
      jsonrpc: "2.0",
      id: 1,
      method: "initialize",
      params: {
        protocolVersion: "2025-06-18",
        capabilities: {},
        clientInfo: { name: "raw-test", version: "1.0.0" },
      },
    }),
  });
}

// ---------------------------------------------------------------------------------------------------------

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
          openClients.push(connected);
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
          openClients.push(connected);
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
      openClients.push(pending);
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

  it("process cap: a session beyond maxProcesses is refused with HTTP 503", async () => {
    const testBox = await withInstances(misbehaving("capped", { extra: { maxProcesses: 2 } }));
    const a = await client(testBox, "capped");
    const b = await client(testBox, "capped");
    expect(await pidOf(a)).not.toBe(await pidOf(b));

    const third = await connectClient(testBox.mcpUrl("capped")).then(
      (connected) => {
        openClients.push(connected);
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
    openClients.push(replacement!);
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

/** Crashes the client's upstream and waits until the session answers again. */
async function crashAndRecover(connected: Client): Promise<void> {
  const { error } = await timedFailure(connected.callTool({ name: "crash", arguments: {} }));
  expect(error).toBeInstanceOf(McpError);
  await echoUntilAnswered(connected, 5_000);
}
