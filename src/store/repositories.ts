import { and, desc, eq, gte, isNull, lt, sql } from "drizzle-orm";
import type { SecretBox } from "../auth/secrets.js";
import { type Instance, mapSecretValues } from "../control/instance-model.js";
import type { Db } from "./db.js";
import { accessTokens, callLog, instances } from "./schema.js";

export type InstanceRow = typeof instances.$inferSelect;
export type TokenRow = typeof accessTokens.$inferSelect;
export type NewToken = typeof accessTokens.$inferInsert;
export type CallLogEntry = typeof callLog.$inferInsert;

/** Who owns a resource, for data scopes; config-file and admin-token resources have no owner. */
export interface Ownership {
  ownerId: string | null;
  departmentId: string | null;
}
export const NO_OWNER: Ownership = { ownerId: null, departmentId: null };

export class InstanceRepository {
  constructor(
    private readonly db: Db,
    private readonly secrets: SecretBox,
  ) {}

  private seal(spec: Instance): Instance {
    return mapSecretValues(spec, (values) => this.secrets.sealValues(values));
  }

  private open(row: InstanceRow): InstanceRow {
    return { ...row, spec: mapSecretValues(row.spec, (values) => this.secrets.openValues(values)) };
  }

  async list(): Promise<InstanceRow[]> {
    return (await this.db.select().from(instances).orderBy(instances.name)).map((row) => this.open(row));
  }

  async get(name: string): Promise<InstanceRow | undefined> {
    const rows = await this.db.select().from(instances).where(eq(instances.name, name));
    return rows[0] && this.open(rows[0]);
  }

  async insert(spec: Instance, source: string, owner: Ownership = NO_OWNER): Promise<InstanceRow> {
    const rows = await this.db
      .insert(instances)
      .values({ name: spec.name, accessMode: spec.accessMode, spec: this.seal(spec), source, ...owner })
      .returning();
    return this.open(rows[0]);
  }

  async replace(spec: Instance): Promise<void> {
    await this.db
      .update(instances)
      .set({ accessMode: spec.accessMode, spec: this.seal(spec), updatedAt: sql`now()` })
      .where(eq(instances.name, spec.name));
  }

  /** Re-seals every stored secret from one key to another, in one transaction (`mcpbox rotate-key`). */
  async reseal(from: SecretBox, to: SecretBox): Promise<number> {
    return this.db.transaction(async (tx) => {
      const rows = await tx.select().from(instances);
      for (const row of rows) {
        const plain = mapSecretValues(row.spec, (values) => from.openValues(values));
        const spec = mapSecretValues(plain, (values) => to.sealValues(values));
        await tx.update(instances).set({ spec }).where(eq(instances.id, row.id));
      }
      return rows.length;
    });
  }

  /** Inserts or replaces each definition, all in one transaction: a failure leaves nothing half-written. */
  async upsertMany(specs: Instance[], source: string): Promise<void> {
    await this.db.transaction(async (tx) => {
      for (const spec of specs) {
        await tx
          .insert(instances)
          .values({ name: spec.name, accessMode: spec.accessMode, spec: this.seal(spec), source })
          .onConflictDoUpdate({
            target: instances.name,
            set: { accessMode: spec.accessMode, spec: this.seal(spec), source, updatedAt: sql`now()` },
          });
      }
    });
  }

  async delete(name: string): Promise<boolean> {
    const rows = await this.db
      .delete(instances)
      .where(eq(instances.name, name))
      .returning({ id: instances.id });
    return rows.length > 0;
  }
}

export class TokenRepository {
  constructor(private readonly db: Db) {}

  async insert(token: NewToken): Promise<TokenRow> {
    const rows = await this.db.insert(accessTokens).values(token).returning();
    return rows[0];
  }

  list(): Promise<TokenRow[]> {
    return this.db.select().from(accessTokens).orderBy(desc(accessTokens.createdAt));
  }

  async get(id: string): Promise<TokenRow | undefined> {
    return (await this.db.select().from(accessTokens).where(eq(accessTokens.id, id)))[0];
  }

  listActive(): Promise<TokenRow[]> {
    return this.db.select().from(accessTokens).where(isNull(accessTokens.revokedAt));
  }

  async hasAdmin(): Promise<boolean> {
    const rows = await this.db
      .select({ id: accessTokens.id })
      .from(accessTokens)
      .where(eq(accessTokens.isAdmin, true))
      .limit(1);
    return rows.length > 0;
  }

  async revoke(id: string): Promise<TokenRow | undefined> {
    const rows = await this.db
      .update(accessTokens)
      .set({ revokedAt: sql`now()` })
      .where(and(eq(accessTokens.id, id), isNull(accessTokens.revokedAt)))
      .returning();
    return rows[0];
  }

  async recordUse(id: string, uses: number, lastUsedAt: Date): Promise<void> {
    await this.db
      .update(accessTokens)
      .set({ useCount: sql`${accessTokens.useCount} + ${uses}`, lastUsedAt })
      .where(eq(accessTokens.id, id));
  }
}

export class CallLogRepository {
  constructor(private readonly db: Db) {}

  /**
   * One statement with one array parameter per column, whatever the batch size: building a multi-row
   * VALUES list through the query builder cost more CPU than the calls being logged.
   */
  async insertMany(entries: CallLogEntry[]): Promise<void> {
    if (entries.length === 0) return;
    const now = new Date().toISOString();
    const column = <T>(pick: (e: CallLogEntry) => T) => sql.param(entries.map(pick));
    await this.db.execute(sql`
      insert into call_log (at, instance, token_id, session_id, method, target, duration_ms, outcome, error_code)
      select * from unnest(
        ${column((e) => e.at?.toISOString() ?? now)}::timestamptz[],
        ${column((e) => e.instance)}::text[],
        ${column((e) => e.tokenId ?? null)}::uuid[],
        ${column((e) => e.sessionId ?? null)}::text[],
        ${column((e) => e.method)}::text[],
        ${column((e) => e.target ?? null)}::text[],
        ${column((e) => e.durationMs)}::integer[],
        ${column((e) => e.outcome)}::text[],
        ${column((e) => e.errorCode ?? null)}::integer[]
      )`);
  }

  async pruneBefore(at: Date): Promise<number> {
    const rows = await this.db.delete(callLog).where(lt(callLog.at, at)).returning({ id: callLog.id });
    return rows.length;
  }

  /** Newest first; `before` (a row id) pages back from the previous page's last row. */
  recent(options: { instance?: string; since?: Date; before?: number; limit?: number } = {}) {
    const filters = [];
    if (options.instance) filters.push(eq(callLog.instance, options.instance));
    if (options.since) filters.push(gte(callLog.at, options.since));
    if (options.before !== undefined) filters.push(lt(callLog.id, options.before));
    return this.db
      .select()
      .from(callLog)
      .where(filters.length ? and(...filters) : undefined)
      .orderBy(desc(callLog.id))
      .limit(options.limit ?? 100);
  }

  /** Calls and errors (outcome other than ok) of these instances since a moment. */
  async totals(instanceNames: string[], since: Date): Promise<{ calls: number; errors: number }> {
    const rows = await rowsOf<{ calls: number; errors: number }>(
      this.db.execute(sql`
      select count(*)::int as calls, (count(*) filter (where outcome <> 'ok'))::int as errors
      from call_log
      where at >= ${since.toISOString()}::timestamptz and instance = any(${sql.param(instanceNames)}::text[])`),
    );
    const row = rows[0];
    return { calls: Number(row?.calls ?? 0), errors: Number(row?.errors ?? 0) };
  }

  /**
   * Calls of these instances in `count` buckets of `bucketSeconds` from `from` (every bucket, empty ones
   * too), with the busiest instances and targets of the whole window. Bucketed by the floor of the epoch
   * and ranked with percentile_cont, which PGlite and PostgreSQL compute alike.
   */
  async series(query: CallSeriesQuery): Promise<CallSeries> {
    const start = query.from.getTime() / 1000;
    const end = start + query.count * query.bucketSeconds;
    const window = sql`at >= to_timestamp(${start}::float8) and at < to_timestamp(${end}::float8)
      and instance = any(${sql.param(query.instanceNames)}::text[])`;
    const latency = (fraction: number) =>
      sql.raw(`percentile_cont(${fraction}) within group (order by duration_ms)`);
    const errors = sql`(count(*) filter (where outcome <> 'ok'))::int`;
    const [buckets, byInstance, topTools] = await Promise.all([
      rowsOf<Record<string, unknown>>(
        this.db.execute(sql`
        with calls as (
          select floor((extract(epoch from at)::float8 - ${start}::float8) / ${query.bucketSeconds}::float8)::int
            as i, duration_ms, outcome
          from call_log where ${window}
        )
        select b.i, count(c.i)::int as calls, (count(c.i) filter (where c.outcome <> 'ok'))::int as errors,
          percentile_cont(0.5) within group (order by c.duration_ms) as p50,
          percentile_cont(0.95) within group (order by c.duration_ms) as p95
        from generate_series(0, ${query.count - 1}::int) as b(i) left join calls c on c.i = b.i
        group by b.i order by b.i`),
      ),
      rowsOf<Record<string, unknown>>(
        this.db.execute(sql`
        select instance, count(*)::int as calls, ${errors} as errors, ${latency(0.95)} as p95
        from call_log where ${window}
        group by instance order by calls desc, instance limit ${query.top}::int`),
      ),
      rowsOf<Record<string, unknown>>(
        this.db.execute(sql`
        select instance, method, target, count(*)::int as calls, ${errors} as errors, ${latency(0.95)} as p95
        from call_log where ${window}
        group by instance, method, target order by calls desc, instance, method, target
        limit ${query.top}::int`),
      ),
    ]);
    const ms = (value: unknown) => (value === null || value === undefined ? null : round(Number(value)));
    return {
      buckets: buckets.map((row) => ({
        start: new Date((start + Number(row.i) * query.bucketSeconds) * 1000),
        calls: Number(row.calls),
        errors: Number(row.errors),
        p50Ms: ms(row.p50),
        p95Ms: ms(row.p95),
      })),
      byInstance: byInstance.map((row) => ({
        instance: String(row.instance),
        calls: Number(row.calls),
        errors: Number(row.errors),
        p95Ms: ms(row.p95)!,
      })),
      topTools: topTools.map((row) => ({
        instance: String(row.instance),
        method: String(row.method),
        target: row.target === null ? null : String(row.target),
        calls: Number(row.calls),
        errors: Number(row.errors),
        p95Ms: ms(row.p95)!,
      })),
    };
  }
}

/** Rows of a raw query: both drivers answer `{ rows }`, which the shared Db type leaves unknown. */
async function rowsOf<T>(result: Promise<unknown>): Promise<T[]> {
  return ((await result) as { rows: T[] }).rows;
}

const round = (value: number) => Math.round(value * 10) / 10;

export interface CallSeriesQuery {
  /** Only calls of these instances count (the caller's scope, or one instance). */
  instanceNames: string[];
  /** Start of the first bucket. */
  from: Date;
  bucketSeconds: number;
  count: number;
  /** How many instances and targets to rank. */
  top: number;
}

export interface CallSeries {
  buckets: { start: Date; calls: number; errors: number; p50Ms: number | null; p95Ms: number | null }[];
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
