// Shared by the supervisor tests: the misbehaving fixture as an instance, a gateway per file, clients closed
// after each test, and /proc helpers to check children, grandchildren and zombies.

import { readdirSync, readFileSync } from "node:fs";
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import type { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { McpError } from "@modelcontextprotocol/sdk/types.js";
import { afterAll, afterEach, beforeAll, expect } from "vitest";
import type { InstanceInput } from "../../src/control/instance-model.js";
import { connectClient, startBox, stdioInstance, type TestBox } from "./box.js";

export const SCRIPT = "misbehaving-server.mjs";
export type Policy = "per-session" | "shared";
export const POLICIES: Policy[] = ["per-session", "shared"];

/** A public instance of the misbehaving fixture with the given policy, env switches and settings. */
export function misbehaving(
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

/**
 * Registers the file's hooks: one shared gateway for the file, clients and own gateways closed after each
 * test, and a check at the end that no fixture server outlived the gateways.
 */
export function superviseLifecycle(): void {
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
}

/** A client the test made itself, closed after the test like the others. */
export function closeAfterTest(connected: Client): void {
  openClients.push(connected);
}

/** Adds the instances to the shared gateway. */
export async function withInstances(...instances: InstanceInput[]): Promise<TestBox> {
  for (const instance of instances) await sharedBox!.box.instances.create(instance);
  return sharedBox!;
}

/** A gateway of the test's own, for tests that stop it. */
export async function ownBox(...instances: InstanceInput[]): Promise<TestBox> {
  const started = await startBox(instances);
  ownBoxes.push(started);
  return started;
}

export async function client(testBox: TestBox, name: string): Promise<Client> {
  const connected = await withTimeout(connectClient(testBox.mcpUrl(name)), 60_000, `connect to ${name}`);
  openClients.push(connected);
  return connected;
}

/** Ends the session the way a well-behaved client does: DELETE, then close. */
export async function terminate(connected: Client): Promise<void> {
  await (connected.transport as StreamableHTTPClientTransport).terminateSession();
  await connected.close();
}

// ---------------------------------------------------------------------------------------------------------
// Small helpers

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no outcome within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export async function waitFor(
  predicate: () => boolean | Promise<boolean>,
  timeoutMs: number,
  intervalMs = 50,
) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await predicate()) return true;
    if (Date.now() >= deadline) return false;
    await sleep(intervalMs);
  }
}

export async function callText(connected: Client, name: string, args: Record<string, unknown> = {}) {
  const result = await connected.callTool({ name, arguments: args });
  const content = result.content as { type: string; text?: string }[];
  expect(result.isError ?? false, JSON.stringify(result)).toBe(false);
  return content[0]?.text ?? "";
}

export const pidOf = async (connected: Client) => Number(await callText(connected, "pid"));

/** Settles a promise into its error (or undefined when it resolved) and how long that took. */
export async function timedFailure(promise: Promise<unknown>): Promise<{ error: unknown; ms: number }> {
  const started = performance.now();
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  return { error, ms: performance.now() - started };
}

/** Retries an echo until the session answers again (the upstream restarts in the background). */
export async function echoUntilAnswered(connected: Client, timeoutMs: number): Promise<string> {
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
export function signalable(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code !== "ESRCH";
  }
}

export interface ProcStat {
  pid: number;
  state: string;
  ppid: number;
}

export function procStat(pid: number | string): ProcStat | undefined {
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
export function running(pid: number): boolean {
  const stat = procStat(pid);
  return stat !== undefined && stat.state !== "Z" && stat.state !== "X";
}

export function cmdline(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").replaceAll("\0", " ");
  } catch {
    return "";
  }
}

export function childrenOfThisProcess(): ProcStat[] {
  return readdirSync("/proc")
    .filter((entry) => /^\d+$/.test(entry))
    .map((entry) => procStat(entry))
    .filter((stat): stat is ProcStat => stat?.ppid === process.pid);
}

export async function instanceStatus(testBox: TestBox, name: string) {
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
export function rawInitialize(testBox: TestBox, name: string): Promise<Response> {
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

export async function crashAndRecover(connected: Client): Promise<void> {
  const { error } = await timedFailure(connected.callTool({ name: "crash", arguments: {} }));
  expect(error).toBeInstanceOf(McpError);
  await echoUntilAnswered(connected, 5_000);
}
