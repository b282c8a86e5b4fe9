import { z } from "zod";
import type { ServerConfig } from "../config/server-config.js";
import type { SettingsRepository } from "../store/settings-repository.js";

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
    private readonly repo: SettingsRepository,
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
    const stored = await this.repo.all();
    // A stored value the current schema no longer accepts is ignored rather than blocking the start.
    const valid = settingsPatchSchema.safeParse(stored);
    if (valid.success) this.values = { ...this.values, ...valid.data };
  }

  current(): Settings {
    return this.values;
  }

  async update(input: unknown): Promise<Settings> {
    const patch = settingsPatchSchema.parse(input);
    await this.repo.upsertMany(patch);
    this.values = { ...this.values, ...patch };
    return this.values;
  }
}
