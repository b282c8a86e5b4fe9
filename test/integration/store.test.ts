import { randomBytes } from "node:crypto";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SecretBox } from "../../src/auth/secrets.js";
import { instanceSchema } from "../../src/control/instance-model.js";
import { openStore, type Store } from "../../src/store/db.js";
import { CallLogRepository, InstanceRepository, TokenRepository } from "../../src/store/repositories.js";
import { connectClient, startBox, stdioInstance } from "../helpers/box.js";
import { temporaryDatabase } from "../helpers/postgres.js";

const backends: [
  string,
  () => Promise<{ store: Store; url?: string; cleanup: () => Promise<void> } | undefined>,
][] = [
  [
    "PGlite",
    async () => {
      const store = await openStore({ dataDir: ":memory:" });
      return { store, cleanup: () => store.close() };
    },
  ],
  [
    "PostgreSQL",
    async () => {
      const database = await temporaryDatabase();
      if (!database) return undefined;
      const store = await openStore({ databaseUrl: database.url });
      return {
        store,
        url: database.url,
        cleanup: async () => {
          await store.close();
          await database.drop();
        },
      };
    },
  ],
];

const spec = (name: string) =>
  instanceSchema.parse({
    name,
    accessMode: "hosted",
    upstream: { type: "stdio", command: "node", args: ["s.js"] },
  });

describe.each(backends)("store on %s", (kind, open) => {
  let backend: Awaited<ReturnType<typeof open>>;
  beforeAll(async () => {
    backend = await open();
  });
  afterAll(() => backend?.cleanup());

  it("migrates and round-trips instances; upserts all or nothing", async (ctx) => {
    if (!backend) return ctx.skip(`${kind}: DATABASE_URL not set`);
    const repo = new InstanceRepository(backend.store.db, new SecretBox(randomBytes(32)));
    await repo.insert(spec("alpha"), "api");
    await repo.upsertMany([{ ...spec("alpha"), description: "updated" }, spec("beta")], "config");
    const rows = await repo.list();
    expect(rows.map((r) => r.name)).toEqual(["alpha", "beta"]);
    expect(rows[0].spec.description).toBe("updated");
    expect(rows[0].source).toBe("config");
    // A failing row inside the batch (null name violates NOT NULL) rolls back the rows before it.
    const broken = { ...spec("gamma"), name: null as unknown as string };
    await expect(repo.upsertMany([spec("delta"), broken], "config")).rejects.toThrow();
    expect((await repo.list()).map((r) => r.name)).toEqual(["alpha", "beta"]);
    expect(await repo.delete("beta")).toBe(true);
    expect(await repo.delete("beta")).toBe(false);
  });

  it("keeps SQL-looking names as data", async (ctx) => {
    if (!backend) return ctx.skip(`${kind}: DATABASE_URL not set`);
    const repo = new TokenRepository(backend.store.db);
    const row = await repo.insert({
      name: "x'); DROP TABLE access_tokens; --",
      tokenHash: "h1",
      prefix: "mcpbox_aaaa",
    });
    expect((await repo.list()).find((t) => t.id === row.id)?.name).toBe("x'); DROP TABLE access_tokens; --");
  });

  it("stores tokens, counts uses and revokes once", async (ctx) => {
    if (!backend) return ctx.skip(`${kind}: DATABASE_URL not set`);
    const repo = new TokenRepository(backend.store.db);
    const row = await repo.insert({
      name: "t",
      tokenHash: "h2",
      prefix: "mcpbox_bbbb",
      instanceNames: ["a"],
    });
    await repo.recordUse(row.id, 3, new Date());
    await repo.recordUse(row.id, 2, new Date());
    expect((await repo.list()).find((t) => t.id === row.id)?.useCount).toBe(5);
    expect(await repo.revoke(row.id)).toBeTruthy();
    expect(await repo.revoke(row.id)).toBeUndefined();
    expect((await repo.listActive()).some((t) => t.id === row.id)).toBe(false);
  });

  it("writes and filters the call log", async (ctx) => {
    if (!backend) return ctx.skip(`${kind}: DATABASE_URL not set`);
    const repo = new CallLogRepository(backend.store.db);
    await repo.insertMany([
      { instance: "a", method: "tools/call", target: "x", durationMs: 3, outcome: "ok" },
      {
        at: new Date("2026-01-02T03:04:05.678Z"),
        tokenId: "0b3f6a3e-2a2b-4c1e-9a55-3f1f5b7f0c11",
        sessionId: "s-1",
        instance: "b",
        method: "tools/call",
        target: "y",
        durationMs: 4,
        outcome: "error",
        errorCode: -32603,
      },
    ]);
    const rows = await repo.recent({ instance: "b" });
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      at: new Date("2026-01-02T03:04:05.678Z"),
      tokenId: "0b3f6a3e-2a2b-4c1e-9a55-3f1f5b7f0c11",
      sessionId: "s-1",
      target: "y",
      durationMs: 4,
      outcome: "error",
      errorCode: -32603,
    });
    const [a] = await repo.recent({ instance: "a" });
    expect(a).toMatchObject({ tokenId: null, sessionId: null, errorCode: null, durationMs: 3 });
    expect(Math.abs(a!.at.getTime() - Date.now())).toBeLessThan(60_000);
    // A batch bigger than any VALUES list would allow parameters for.
    await repo.insertMany(
      Array.from({ length: 5000 }, (_, i) => ({
        instance: "bulk",
        method: "tools/call",
        target: `t'${i}"; drop table call_log; --`,
        durationMs: i,
        outcome: "ok",
      })),
    );
    const bulk = await repo.recent({ instance: "bulk", limit: 10_000 });
    expect(bulk).toHaveLength(5000);
    expect(bulk.find((r) => r.durationMs === 4999)?.target).toBe(`t'4999"; drop table call_log; --`);
  });

  it("survives the server dropping an idle pooled connection", async (ctx) => {
    if (!backend?.url) return ctx.skip(`${kind}: no connection pool`);
    const dropped: Error[] = [];
    const store = await openStore({ databaseUrl: backend.url, onConnectionError: (e) => dropped.push(e) });
    try {
      const pidOf = async () => {
        const result = await store.db.execute(sql`select pg_backend_pid() as pid`);
        return (result as unknown as { rows: { pid: number }[] }).rows[0]!.pid;
      };
      const pid = await pidOf();
      await backend.store.db.execute(sql`select pg_terminate_backend(${pid})`);
      await expect.poll(() => dropped.length).toBe(1);
      expect(dropped[0]!.message).toMatch(/terminat/);
      expect(await pidOf()).not.toBe(pid); // a fresh connection replaced the dropped one
    } finally {
      await store.close();
    }
  });

  it("serves the gateway end to end", async (ctx) => {
    if (!backend) return ctx.skip(`${kind}: DATABASE_URL not set`);
    const box = await startBox([stdioInstance("e2e", "conformance-server.mjs", { public: true })], {
      databaseUrl: backend.url,
    });
    try {
      const client = await connectClient(box.mcpUrl("e2e"));
      const result = await client.callTool({ name: "test_simple_text", arguments: {} });
      expect(JSON.stringify(result)).toContain("simple text");
      await client.close();
      expect(box.box.store.kind).toBe(backend.url ? "postgres" : "pglite");
    } finally {
      await box.close();
    }
  });
});
