import type { Db } from "./db.js";
import { settings } from "./schema.js";

export class SettingsRepository {
  constructor(private readonly db: Db) {}

  /** Every stored override, key → value. */
  async all(): Promise<Record<string, unknown>> {
    const stored: Record<string, unknown> = {};
    for (const row of await this.db.select().from(settings)) stored[row.key] = row.value;
    return stored;
  }

  /** Inserts or replaces each value, all in one transaction. */
  async upsertMany(values: Record<string, unknown>): Promise<void> {
    await this.db.transaction(async (tx) => {
      for (const [key, value] of Object.entries(values)) {
        await tx
          .insert(settings)
          .values({ key, value })
          .onConflictDoUpdate({ target: settings.key, set: { value, updatedAt: new Date() } });
      }
    });
  }
}
