import { eq, sql } from "drizzle-orm";
import type { Db } from "./db.js";
import { packages } from "./schema.js";

export type PackageRow = typeof packages.$inferSelect;
export type NewPackage = typeof packages.$inferInsert;

export class PackageRepository {
  constructor(private readonly db: Db) {}

  list(): Promise<PackageRow[]> {
    return this.db.select().from(packages).orderBy(packages.name);
  }

  async get(id: string): Promise<PackageRow | undefined> {
    return (await this.db.select().from(packages).where(eq(packages.id, id)))[0];
  }

  async byName(name: string): Promise<PackageRow | undefined> {
    return (await this.db.select().from(packages).where(eq(packages.name, name)))[0];
  }

  async insert(row: NewPackage): Promise<PackageRow> {
    return (await this.db.insert(packages).values(row).returning())[0]!;
  }

  /** The outcome of the install command, with its (tail of the) output. */
  async setInstallResult(id: string, status: "ok" | "failed", log: string): Promise<void> {
    await this.db
      .update(packages)
      .set({ installStatus: status, installLog: log, updatedAt: sql`now()` })
      .where(eq(packages.id, id));
  }

  /** Marks the package changed (a file of it was edited). */
  async touch(id: string): Promise<void> {
    await this.db.update(packages).set({ updatedAt: sql`now()` }).where(eq(packages.id, id));
  }

  async delete(id: string): Promise<void> {
    await this.db.delete(packages).where(eq(packages.id, id));
  }
}
