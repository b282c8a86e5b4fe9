import { eq } from "drizzle-orm";
import type { SecretBox } from "../auth/secrets.js";
import type { Db } from "./db.js";
import { environments } from "./schema.js";

export type EnvironmentRow = typeof environments.$inferSelect;
export type NewEnvironment = typeof environments.$inferInsert;

/** Added environments; `config` is stored sealed, and sealing and opening it is the caller's business. */
export class EnvironmentRepository {
  constructor(private readonly db: Db) {}

  list(): Promise<EnvironmentRow[]> {
    return this.db.select().from(environments);
  }

  async insert(row: NewEnvironment): Promise<void> {
    await this.db.insert(environments).values(row);
  }

  async delete(name: string): Promise<void> {
    await this.db.delete(environments).where(eq(environments.name, name));
  }

  /** Re-seals every environment's settings from one key to another, in one transaction (`mcpbox rotate-key`). */
  async reseal(from: SecretBox, to: SecretBox): Promise<number> {
    return this.db.transaction(async (tx) => {
      const rows = await tx.select().from(environments);
      for (const row of rows) {
        await tx
          .update(environments)
          .set({ config: to.seal(from.open(row.config)) })
          .where(eq(environments.id, row.id));
      }
      return rows.length;
    });
  }
}
