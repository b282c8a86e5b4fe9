import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openStore, type Store } from "../../src/store/db.js";
import { type CallLogEntry, CallLogRepository } from "../../src/store/repositories.js";
import {
  ADMIN_PASSWORD,
  connectClient,
  disconnect,
  startBox,
  stdioInstance,
  type TestBox,
} from "../helpers/box.js";
import { ConsoleClient, createSignedInUser } from "../helpers/console.js";
import { temporaryDatabase } from "../helpers/postgres.js";

/**
 * The monitoring read API: dashboard overview, call charts, an instance's calls and live sessions, each
 * limited to the caller's data scope. Real MCP calls through the gateway fill the call log.
 */
interface Bucket {
  start: string;
  calls: number;
  errors: number;
  p50Ms: number | null;
  p95Ms: number | null;
}
interface Series {
  range: string;
  instance: string | null;
  bucketSeconds: number;
  from: string;
  to: string;
  totals: { calls: number; errors: number };
  buckets: Bucket[];
  byInstance: { instance: string; calls: number; errors: number; p95Ms: number }[];
  topTools: {
    instance: string;
    method: string;
    target: string | null;
    calls: number;
    errors: number;
    p95Ms: number;
  }[];
}

const PASSWORD = "stats password for the viewer 9";
const MINUTE = 60_000;

let box: TestBox;
let admin: ConsoleClient;
let viewer: ConsoleClient;
let token: string;
let tokenId: string;
/** Latencies of the rows written 30 minutes ago into alpha's call log: a bucket with known percentiles. */
const PAST_DURATIONS = [10, 20, 30, 40, 50, 60, 70, 80, 90, 100];
const pastAt = new Date(Date.now() - 30 * MINUTE);

beforeAll(async () => {
  box = await startBox([], { loginRateLimitPerMinute: 1000 });
  admin = new ConsoleClient(box.url);
  await admin.login("admin", ADMIN_PASSWORD);
  const team = await admin.json("POST", "/departments", { name: "Stats team" }, 201);
  // alpha belongs to nobody's department: outside a department-scoped viewer's reach; beta is the team's.
  await box.box.instances.create(stdioInstance("alpha", "conformance-server.mjs"));
  await box.box.instances.create(stdioInstance("beta", "conformance-server.mjs"), "api", {
    ownerId: null,
    departmentId: team.id,
  });
  await box.box.instances.create({
    name: "remote",
    accessMode: "proxy",
    upstream: { type: "streamable-http", url: "http://127.0.0.1:9/mcp" },
  });
  await box.box.instances.create({
    name: "far",
    accessMode: "direct",
    upstream: { type: "sse", url: "http://127.0.0.1:9/sse" },
  });
  viewer = await createSignedInUser(
    admin,
    box.url,
    { username: "stats-viewer", roles: ["viewer"], departmentId: team.id },
    PASSWORD,
    `${PASSWORD}!`,
  );
  token = await box.token(["alpha", "beta"], { name: "stats-client" });
  const tokens = await admin.json("GET", "/tokens?q=stats-client");
  tokenId = tokens.items[0].id;

  // Real calls: alpha 5 ok + 2 errors (unknown resource), beta 3 ok + 1 error (unknown prompt).
  const alpha = await connectClient(box.mcpUrl("alpha"), { token });
  const beta = await connectClient(box.mcpUrl("beta"), { token, transport: "sse" });
  try {
    for (let i = 0; i < 5; i++) await alpha.callTool({ name: "test_simple_text", arguments: {} });
    for (let i = 0; i < 2; i++) await expect(alpha.readResource({ uri: "test://missing" })).rejects.toThrow();
    for (let i = 0; i < 3; i++) await beta.callTool({ name: "test_simple_text", arguments: {} });
    await expect(beta.getPrompt({ name: "no_such_prompt" })).rejects.toThrow();
  } finally {
    await disconnect(alpha);
    await disconnect(beta);
  }
  // Older rows with known timing: 30 minutes, 3 hours and 2 days ago.
  const repo = new CallLogRepository(box.box.store.db);
  await repo.insertMany([
    ...PAST_DURATIONS.map((durationMs, i) => ({
      at: pastAt,
      instance: "alpha",
      method: "tools/call",
      target: "past_tool",
      durationMs,
      outcome: i < 2 ? "error" : "ok",
      errorCode: i < 2 ? -32603 : null,
    })),
    {
      at: new Date(Date.now() - 3 * 60 * MINUTE),
      instance: "beta",
      method: "tools/call",
      target: "old",
      durationMs: 5,
      outcome: "ok",
    },
    {
      at: new Date(Date.now() - 2 * 1440 * MINUTE),
      instance: "alpha",
      method: "prompts/get",
      target: "older",
      durationMs: 7,
      outcome: "timeout",
    },
  ]);
  await box.box.callLog.flush();
}, 180_000);
afterAll(() => box?.close());

const series = (client: ConsoleClient, query: string): Promise<Series> =>
  client.json("GET", `/stats/calls?${query}`);

describe("GET /stats/overview", () => {
  it("counts the instances in scope by status, access mode and transport, plus tokens and last-hour calls", async () => {
    const overview = await admin.json("GET", "/stats/overview");
    expect(overview.instances).toMatchObject({
      total: 4,
      enabled: 4,
      disabled: 0,
      byAccessMode: { hosted: 2, proxy: 1, direct: 1 },
      byTransport: { stdio: 2, sse: 1, "streamable-http": 1 },
    });
    // The statuses are those GET /instances reports, every known one present.
    const listed = await admin.json("GET", "/instances");
    const expected: Record<string, number> = {};
    for (const item of listed.items as { status: string }[]) {
      expected[item.status] = (expected[item.status] ?? 0) + 1;
    }
    expect(overview.instances.byStatus).toMatchObject(expected);
    expect(overview.instances.byStatus).toMatchObject({ direct: 1, failed: 0, stopped: 0, running: 0 });
    const activeTokens = await admin.json("GET", "/tokens?active=true");
    expect(overview.tokens).toBe(activeTokens.total);
    // 11 calls through the gateway and 10 written 30 minutes ago; 3 + 2 of them errors.
    expect(overview.lastHour).toEqual({ calls: 21, errors: 5 });
    expect(overview).toHaveProperty("sessions");
    expect(overview).toHaveProperty("processes");
  });

  it("shows a department viewer only their department's instance and its calls", async () => {
    const overview = await viewer.json("GET", "/stats/overview");
    expect(overview.instances.total).toBe(1);
    expect(overview.instances.byAccessMode).toEqual({ hosted: 1, proxy: 0, direct: 0 });
    expect(overview.lastHour).toEqual({ calls: 4, errors: 1 });
    expect(overview.tokens).toBe(0); // the tokens here were made with the admin token: no department
  });
});

describe("GET /stats/calls", () => {
  it("returns every 1-minute bucket of the last hour with counts, errors and percentiles", async () => {
    const result = await series(admin, "range=1h");
    expect(result.range).toBe("1h");
    expect(result.bucketSeconds).toBe(60);
    expect(result.buckets).toHaveLength(60);
    expect(Date.parse(result.to) - Date.parse(result.from)).toBe(60 * MINUTE);
    expect(Date.parse(result.to)).toBeGreaterThan(Date.now() - MINUTE);
    result.buckets.forEach((bucket, i) => {
      expect(Date.parse(bucket.start)).toBe(Date.parse(result.from) + i * MINUTE);
      if (bucket.calls === 0) expect(bucket).toMatchObject({ errors: 0, p50Ms: null, p95Ms: null });
      else expect(bucket.p95Ms!).toBeGreaterThanOrEqual(bucket.p50Ms!);
    });
    expect(result.buckets.filter((b) => b.calls === 0).length).toBeGreaterThan(50); // no gaps for a chart
    expect(result.totals).toEqual({ calls: 21, errors: 5 });
    expect(result.buckets.reduce((sum, b) => sum + b.calls, 0)).toBe(21);

    const past = result.buckets.find(
      (b) => Date.parse(b.start) <= pastAt.getTime() && pastAt.getTime() < Date.parse(b.start) + MINUTE,
    )!;
    expect(past).toMatchObject({ calls: 10, errors: 2, p50Ms: 55, p95Ms: 95.5 });

    expect(result.byInstance).toEqual([
      { instance: "alpha", calls: 17, errors: 4, p95Ms: expect.any(Number) },
      { instance: "beta", calls: 4, errors: 1, p95Ms: expect.any(Number) },
    ]);
    expect(result.topTools[0]).toMatchObject({
      instance: "alpha",
      method: "tools/call",
      target: "past_tool",
      calls: 10,
      errors: 2,
      p95Ms: 95.5,
    });
    expect(result.topTools).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ instance: "alpha", target: "test_simple_text", calls: 5, errors: 0 }),
        expect.objectContaining({ instance: "alpha", method: "resources/read", calls: 2, errors: 2 }),
        expect.objectContaining({ instance: "beta", target: "test_simple_text", calls: 3, errors: 0 }),
        expect.objectContaining({ instance: "beta", method: "prompts/get", calls: 1, errors: 1 }),
      ]),
    );
  });

  it("uses 15-minute buckets over 24 hours and 2-hour buckets over 7 days", async () => {
    const day = await series(admin, "range=24h");
    expect(day.bucketSeconds).toBe(900);
    expect(day.buckets).toHaveLength(96);
    expect(day.totals).toEqual({ calls: 22, errors: 5 });
    const week = await series(admin, "range=7d");
    expect(week.bucketSeconds).toBe(7200);
    expect(week.buckets).toHaveLength(84);
    expect(Date.parse(week.to) - Date.parse(week.from)).toBe(7 * 1440 * MINUTE);
    expect(week.totals).toEqual({ calls: 23, errors: 6 }); // the timeout counts as an error
  });

  it("narrows to one instance, and keeps to the caller's scope", async () => {
    const beta = await series(admin, "range=24h&instance=beta");
    expect(beta.instance).toBe("beta");
    expect(beta.totals).toEqual({ calls: 5, errors: 1 });
    expect(beta.byInstance.map((i) => i.instance)).toEqual(["beta"]);

    const scoped = await series(viewer, "range=7d");
    expect(scoped.totals).toEqual({ calls: 5, errors: 1 });
    expect(scoped.byInstance.map((i) => i.instance)).toEqual(["beta"]);
    expect(scoped.topTools.every((t) => t.instance === "beta")).toBe(true);
    const outside = await viewer.request("GET", "/stats/calls?instance=alpha");
    expect(outside.status).toBe(404);
    expect((await outside.json()).error.code).toBe("not_found");
  });

  it("refuses a range it does not know, and unknown parameters, in the API's error shape", async () => {
    for (const query of ["range=5y", "range=1h&extra=1", "instance=Not%20A%20Name"]) {
      const response = await admin.request("GET", `/stats/calls?${query}`);
      expect(response.status, query).toBe(400);
      const body = await response.json();
      expect(body.error).toMatchObject({ code: "validation_failed", message: expect.any(String) });
      expect(Array.isArray(body.error.details)).toBe(true);
    }
  });
});

describe("GET /instances/:name/calls", () => {
  it("pages an instance's calls newest first, without secrets", async () => {
    const first = await admin.json("GET", "/instances/alpha/calls?limit=5");
    expect(first.items).toHaveLength(5);
    expect(first.limit).toBe(5);
    expect(first.nextBefore).toBe(first.items[4].id);
    expect(Object.keys(first.items[0]).sort()).toEqual(
      ["at", "durationMs", "errorCode", "id", "method", "outcome", "sessionId", "target", "tokenId"].sort(),
    );
    const all: { id: number; outcome: string; errorCode: number | null; tokenId: string | null }[] = [
      ...first.items,
    ];
    let before = first.nextBefore;
    while (before !== null) {
      const page = await admin.json("GET", `/instances/alpha/calls?limit=5&before=${before}`);
      all.push(...page.items);
      before = page.nextBefore;
    }
    expect(all).toHaveLength(18); // 7 live + 10 + 1 written
    expect(new Set(all.map((c) => c.id)).size).toBe(18);
    expect(all.map((c) => c.id)).toEqual([...all.map((c) => c.id)].sort((a, b) => b - a));
    const live = all.filter((c) => c.tokenId !== null);
    expect(live).toHaveLength(7);
    expect(live.every((c) => c.tokenId === tokenId)).toBe(true);
    expect(JSON.stringify(all)).not.toContain(token);
    const errors = all.filter((c) => c.outcome === "error");
    expect(errors).toHaveLength(4); // 2 live, 2 written
    expect(errors.every((c) => typeof c.errorCode === "number")).toBe(true);
  });

  it("answers 404 for an instance outside the caller's scope and 400 for a bad limit", async () => {
    const outside = await viewer.request("GET", "/instances/alpha/calls");
    expect(outside.status).toBe(404);
    expect((await outside.json()).error.code).toBe("not_found");
    expect((await viewer.json("GET", "/instances/beta/calls")).items).toHaveLength(5);
    for (const query of ["limit=0", "limit=501", "limit=abc", "before=-3"]) {
      const response = await admin.request("GET", `/instances/alpha/calls?${query}`);
      expect(response.status, query).toBe(400);
      expect((await response.json()).error.code).toBe("validation_failed");
    }
  });
});

describe("GET /instances/:name/sessions", () => {
  it("lists the live sessions and child processes while a client is connected, none after it leaves", async () => {
    let client: Client | undefined = await connectClient(box.mcpUrl("alpha"), { token });
    try {
      await client.callTool({ name: "test_simple_text", arguments: {} });
      const live = await admin.json("GET", "/instances/alpha/sessions");
      expect(live.instance).toBe("alpha");
      expect(live.sessions).toHaveLength(1);
      const [session] = live.sessions;
      expect(session).toMatchObject({
        transport: "streamable-http",
        tokenId,
        tokenName: "stats-client",
        pendingRequests: 0,
      });
      expect(Date.parse(session.lastActivityAt)).toBeGreaterThanOrEqual(Date.parse(session.startedAt));
      expect(live.processes).toHaveLength(1);
      expect(live.processes[0]).toMatchObject({ pid: expect.any(Number), startedAt: expect.any(String) });
      expect((await admin.json("GET", "/stats/overview")).sessions).toBe(1);

      const sse = await connectClient(box.mcpUrl("beta"), { token, transport: "sse" });
      const beta = await viewer.json("GET", "/instances/beta/sessions");
      expect(beta.sessions.map((s: { transport: string }) => s.transport)).toEqual(["sse"]);
      await disconnect(sse);
      expect((await viewer.request("GET", "/instances/alpha/sessions")).status).toBe(404);

      await disconnect(client);
      client = undefined;
      await expect
        .poll(async () => {
          const after = await admin.json("GET", "/instances/alpha/sessions");
          return [after.sessions.length, after.processes.length];
        })
        .toEqual([0, 0]);
    } finally {
      if (client) await disconnect(client);
    }
  });
});

describe("OpenAPI", () => {
  it("documents the monitoring routes with their parameters", async () => {
    const doc = (await (await fetch(`${box.url}/api/openapi.json`)).json()) as {
      paths: Record<string, Record<string, { "x-mcpbox-access": string; parameters: any[] }>>;
    };
    const calls = doc.paths["/api/v1/stats/calls"]!.get!;
    expect(calls["x-mcpbox-access"]).toBe("instance:read");
    expect(calls.parameters.find((p) => p.name === "range").schema.enum).toEqual(["1h", "24h", "7d"]);
    expect(doc.paths["/api/v1/stats/overview"]!.get).toBeTruthy();
    expect(doc.paths["/api/v1/instances/{name}/sessions"]!.get).toBeTruthy();
    const page = doc.paths["/api/v1/instances/{name}/calls"]!.get!;
    expect(page.parameters.map((p) => `${p.in}:${p.name}`).sort()).toEqual([
      "path:name",
      "query:before",
      "query:limit",
    ]);
  });
});

/** The repository query alone, with fixed data, on PGlite and (when DATABASE_URL is set) PostgreSQL. */
describe.each([
  ["PGlite", false],
  ["PostgreSQL", true],
] as const)("call series query on %s", (kind, postgres) => {
  let store: Store | undefined;
  let drop: (() => Promise<void>) | undefined;
  beforeAll(async () => {
    if (!postgres) {
      store = await openStore({ dataDir: ":memory:" });
      return;
    }
    const database = await temporaryDatabase();
    if (!database) return;
    drop = database.drop;
    store = await openStore({ databaseUrl: database.url });
  });
  afterAll(async () => {
    await store?.close();
    await drop?.();
  });

  it("buckets, ranks and scopes identically", async (ctx) => {
    if (!store) return ctx.skip(`${kind}: DATABASE_URL not set`);
    const repo = new CallLogRepository(store.db);
    const from = new Date("2026-03-01T10:00:00.000Z");
    const at = (minutes: number, seconds = 0) => new Date(from.getTime() + minutes * MINUTE + seconds * 1000);
    const row = (entry: Partial<CallLogEntry> & { at: Date }): CallLogEntry => ({
      instance: "a",
      method: "tools/call",
      target: "t1",
      durationMs: 1,
      outcome: "ok",
      ...entry,
    });
    await repo.insertMany([
      ...[10, 20, 30, 40].map((d, i) => row({ at: at(0, i * 10), durationMs: d })),
      row({ at: at(2, 59), durationMs: 100, outcome: "error", errorCode: -32603 }),
      row({ at: at(2, 30), durationMs: 200, target: "t2", outcome: "timeout" }),
      row({ at: at(1, 5), instance: "b", durationMs: 9 }),
      row({ at: at(-1), durationMs: 999 }), // before the window
      row({ at: at(5), durationMs: 999 }), // after it
      row({ at: at(0, 1), instance: "hidden", durationMs: 999 }),
    ]);
    const result = await repo.series({
      instanceNames: ["a", "b"],
      from,
      bucketSeconds: 60,
      count: 5,
      top: 10,
    });
    expect(result.buckets.map((b) => [b.start.toISOString(), b.calls, b.errors, b.p50Ms, b.p95Ms])).toEqual([
      ["2026-03-01T10:00:00.000Z", 4, 0, 25, 38.5],
      ["2026-03-01T10:01:00.000Z", 1, 0, 9, 9],
      ["2026-03-01T10:02:00.000Z", 2, 2, 150, 195],
      ["2026-03-01T10:03:00.000Z", 0, 0, null, null],
      ["2026-03-01T10:04:00.000Z", 0, 0, null, null],
    ]);
    expect(result.byInstance).toEqual([
      { instance: "a", calls: 6, errors: 2, p95Ms: 175 },
      { instance: "b", calls: 1, errors: 0, p95Ms: 9 },
    ]);
    expect(result.topTools).toEqual([
      { instance: "a", method: "tools/call", target: "t1", calls: 5, errors: 1, p95Ms: 88 },
      { instance: "a", method: "tools/call", target: "t2", calls: 1, errors: 1, p95Ms: 200 },
      { instance: "b", method: "tools/call", target: "t1", calls: 1, errors: 0, p95Ms: 9 },
    ]);
    const none = await repo.series({ instanceNames: [], from, bucketSeconds: 60, count: 5, top: 10 });
    expect(none.buckets.every((b) => b.calls === 0)).toBe(true);
    expect(none.byInstance).toEqual([]);
    expect(await repo.totals(["a"], from)).toEqual({ calls: 7, errors: 2 });
    const page = await repo.recent({ instance: "a", limit: 3 });
    const next = await repo.recent({ instance: "a", limit: 3, before: page[2]!.id });
    expect(next[0]!.id).toBeLessThan(page[2]!.id);
  });
});
