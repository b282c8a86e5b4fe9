import { getTableColumns, getTableName, sql } from "drizzle-orm";
import type { PgTable } from "drizzle-orm/pg-core";
import type { Db } from "./db.js";
import {
  accessTokens,
  apiKeys,
  auditLog,
  callLog,
  departments,
  environments,
  instances,
  packages,
  roles,
  settings,
  templates,
  userRoles,
  users,
} from "./schema.js";

export const BACKUP_FORMAT = "mcpbox-backup";
export const BACKUP_VERSION = 1;

/**
 * Everything but live console sessions (a restore signs everybody out), parents before children. Secrets
 * stay sealed: a backup is only as readable as the master key kept beside it.
 */
const TABLES: PgTable[] = [
  departments,
  roles,
  users,
  userRoles,
  instances,
  templates,
  packages,
  settings,
  environments,
  accessTokens,
  apiKeys,
  auditLog,
  callLog,
];
const WITH_SERIAL = [auditLog, callLog];

export interface BackupDocument {
  format: typeof BACKUP_FORMAT;
  version: number;
  createdAt: string;
  /** Fingerprint of the master key that sealed the secrets inside. */
  masterKeyId: string;
  tables: Record<string, Record<string, unknown>[]>;
}

export async function exportData(db: Db, masterKeyId: string): Promise<BackupDocument> {
  const tables: Record<string, Record<string, unknown>[]> = {};
  for (const table of TABLES) tables[getTableName(table)] = await db.select().from(table);
  return {
    format: BACKUP_FORMAT,
    version: BACKUP_VERSION,
    createdAt: new Date().toISOString(),
    masterKeyId,
    tables,
  };
}

export class BackupError extends Error {}

/** Departments reference their parent: insert each after the one above it. */
function parentsFirst(rows: Record<string, unknown>[]): Record<string, unknown>[] {
  const placed = new Set<unknown>();
  const ordered: Record<string, unknown>[] = [];
  let pending = rows;
  while (pending.length) {
    const ready = pending.filter(
      (row) => row.parentId === null || row.parentId === undefined || placed.has(row.parentId),
    );
    if (ready.length === 0) throw new BackupError("the departments in the backup do not form a tree");
    for (const row of ready) {
      placed.add(row.id);
      ordered.push(row);
    }
    pending = pending.filter((row) => !ready.includes(row));
  }
  return ordered;
}

/** Rows as JSON gave them back: timestamps are strings again and must become Dates for the driver. */
function revive(table: PgTable, row: Record<string, unknown>): Record<string, unknown> {
  const columns = getTableColumns(table);
  const result: Record<string, unknown> = {};
  for (const [key, column] of Object.entries(columns)) {
    if (!(key in row)) continue;
    const value = row[key];
    result[key] = column.columnType === "PgTimestamp" && typeof value === "string" ? new Date(value) : value;
  }
  return result;
}

/** Loads a backup into an empty database (or, with `replace`, one it empties first), in one transaction. */
export async function importData(
  db: Db,
  doc: BackupDocument,
  options: { replace?: boolean } = {},
): Promise<Record<string, number>> {
  if (doc.format !== BACKUP_FORMAT || typeof doc.tables !== "object")
    throw new BackupError("not an MCPBox backup");
  if (doc.version > BACKUP_VERSION) {
    throw new BackupError(
      `backup format ${doc.version} is newer than this MCPBox understands (${BACKUP_VERSION})`,
    );
  }
  return db.transaction(async (tx) => {
    const counts: Record<string, number> = {};
    for (const table of [...TABLES].reverse()) {
      const [{ count }] = await tx.select({ count: sql<number>`count(*)::int` }).from(table);
      if (count > 0 && !options.replace) {
        throw new BackupError(
          `the target database is not empty (${getTableName(table)} has ${count} rows); use --replace`,
        );
      }
      if (count > 0) await tx.delete(table);
    }
    for (const table of TABLES) {
      const name = getTableName(table);
      const given = doc.tables[name] ?? [];
      const rows = (table === departments ? parentsFirst(given) : given).map((row) => revive(table, row));
      for (let i = 0; i < rows.length; i += 500) await tx.insert(table).values(rows.slice(i, i + 500));
      counts[name] = rows.length;
    }
    for (const table of WITH_SERIAL) {
      const name = getTableName(table);
      await tx.execute(
        sql.raw(
          `select setval(pg_get_serial_sequence('${name}', 'id'), coalesce((select max(id) from ${name}), 0) + 1, false)`,
        ),
      );
    }
    return counts;
  });
}
