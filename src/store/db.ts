import { existsSync, mkdirSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { PGlite } from "@electric-sql/pglite";
import { drizzle as drizzlePg } from "drizzle-orm/node-postgres";
import { migrate as migratePg } from "drizzle-orm/node-postgres/migrator";
import type { PgDatabase, PgQueryResultHKT } from "drizzle-orm/pg-core";
import { drizzle as drizzlePglite } from "drizzle-orm/pglite";
import { migrate as migratePglite } from "drizzle-orm/pglite/migrator";
import pg from "pg";
import { migratedClusterTarball } from "./pglite-template.js";
import * as schema from "./schema.js";

export type Db = PgDatabase<PgQueryResultHKT, typeof schema>;

export interface Store {
  db: Db;
  kind: "pglite" | "postgres";
  close(): Promise<void>;
}

const MIGRATIONS = resolve(dirname(fileURLToPath(import.meta.url)), "../../drizzle");

/**
 * Opens PostgreSQL when a URL is given, else the embedded PGlite database in the data dir (in memory for
 * ":memory:"); applies the checked-in migrations either way.
 */
export async function openStore(options: {
  databaseUrl?: string;
  dataDir?: string;
  /** Errors of idle pooled connections (server restart, terminated backend); the pool replaces them. */
  onConnectionError?: (error: Error) => void;
}): Promise<Store> {
  if (options.databaseUrl) {
    const pool = new pg.Pool({ connectionString: options.databaseUrl, max: 10 });
    // Without a listener, an idle connection dropped by the server would crash the process.
    pool.on("error", (error) => options.onConnectionError?.(error));
    const db = drizzlePg(pool, { schema });
    await migratePg(db, { migrationsFolder: MIGRATIONS });
    return { db: db as unknown as Db, kind: "postgres", close: () => pool.end() };
  }
  let client: PGlite;
  if (options.dataDir && options.dataDir !== ":memory:") {
    const dir = join(resolve(options.dataDir), "pglite");
    mkdirSync(dir, { recursive: true });
    const fresh = !existsSync(join(dir, "PG_VERSION"));
    client = await PGlite.create(dir, fresh ? { loadDataDir: await migratedClusterTarball(MIGRATIONS) } : {});
  } else {
    client = await PGlite.create({ loadDataDir: await migratedClusterTarball(MIGRATIONS) });
  }
  const db = drizzlePglite(client, { schema });
  await migratePglite(db, { migrationsFolder: MIGRATIONS });
  return { db: db as unknown as Db, kind: "pglite", close: () => client.close() };
}
