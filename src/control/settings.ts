import { z } from "zod";
import type { ServerConfig } from "../config/server-config.js";
import type { Db } from "../store/db.js";
import { settings as settingsTable } from "../store/schema.js";

/** What an admin can change at run time; the rest of the configuration needs a restart. */
export const settingsSchema = z.strictObject({
  sessionIdleMinutes: z
    .number()
    .positive()
    .max(7 * 24 * 60),
  sessionAbsoluteHours: z
    .number()
    .positive()
    .max(30 * 24),
  passwordMinLength: z.number().int().min(8).max(128),
  lockoutThreshold: z.number().int().min(1).max(100),
  lockoutMinutes: z
    .number()
    .positive()
    .max(24 * 60),
  /** Days audit rows are kept; 0 keeps them forever. */
  auditRetentionDays: z.number().int().min(0).max(36_500),
  /** Days call-log rows are kept; 0 keeps them forever. */
  callLogRetentionDays: z.number().int().min(0).max(36_500),
});
export type Settings = z.infer<typeof settingsSchema>;
export const settingsPatchSchema = settingsSchema.partial();

/** Run-time settings: start-up configuration as defaults, stored overrides on top, read from memory. */
export class SettingsService {
  private values: Settings;

  constructor(
    private readonly db: Db,
    config: ServerConfig,
  ) {
    this.values = {
      sessionIdleMinutes: config.sessionIdleMinutes,
      sessionAbsoluteHours: config.sessionAbsoluteHours,
      passwordMinLength: config.passwordMinLength,
      lockoutThreshold: config.lockoutThreshold,
      lockoutMinutes: config.lockoutMinutes,
      auditRetentionDays: config.auditRetentionDays,
      callLogRetentionDays: config.callLogRetentionDays,
    };
  }

  async load(): Promise<void> {
    const stored: Record<string, unknown> = {};
    for (const row of await this.db.select().from(settingsTable)) stored[row.key] = row.value;
    // A stored value the current schema no longer accepts is ignored rather than blocking the start.
    const valid = settingsPatchSchema.safeParse(stored);
    if (valid.success) this.values = { ...this.values, ...valid.data };
  }

  current(): Settings {
    return this.values;
  }

  async update(input: unknown): Promise<Settings> {
    const patch = settingsPatchSchema.parse(input);
    await this.db.transaction(async (tx) => {
      for (const [key, value] of Object.entries(patch)) {
        await tx
          .insert(settingsTable)
          .values({ key, value })
          .onConflictDoUpdate({ target: settingsTable.key, set: { value, updatedAt: new Date() } });
      }
    });
    this.values = { ...this.values, ...patch };
    return this.values;
  }
}
