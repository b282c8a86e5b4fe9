import { z } from "zod";

/** One schema for every setting; sources are merged as flags > env (MCPBOX_*) > defaults. */
export const serverConfigSchema = z.strictObject({
  port: z.coerce.number().int().min(0).max(65_535).default(8800),
  host: z.string().min(1).default("127.0.0.1"),
  dataDir: z.string().min(1).default("./data"),
  config: z.string().optional(),
  databaseUrl: z.string().optional(),
  redisUrl: z.string().optional(),
  adminToken: z.string().min(16, "MCPBOX_ADMIN_TOKEN must be at least 16 characters").optional(),
  /** Extra origins allowed to call the gateway from a browser (loopback origins are always allowed). */
  allowedOrigins: z.array(z.string()).default([]),
  /** Host header values accepted in addition to loopback names; "*" accepts any. */
  allowedHosts: z.array(z.string()).default([]),
  bodyLimitBytes: z.coerce
    .number()
    .int()
    .min(1024)
    .default(4 * 1024 * 1024),
  logLevel: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  shutdownTimeoutSeconds: z.coerce.number().positive().default(10),
  callLogArguments: z.boolean().default(false),
  /** PEM files: with both, MCPBox serves HTTPS only (HSTS on, cookies Secure). */
  tlsCert: z.string().optional(),
  tlsKey: z.string().optional(),
  /** Host directories that instances may bind-mount (and their subdirectories); none by default. */
  hostPathAllowlist: z.array(z.string().startsWith("/")).default([]),
  /** Largest code package upload. */
  packageMaxBytes: z.coerce
    .number()
    .int()
    .min(1024)
    .max(1024 * 1024 * 1024)
    .default(50 * 1024 * 1024),
  /** Image reference prefixes Docker-hosted instances may use; empty allows any image. */
  imageAllowlist: z.array(z.string().min(1)).default([]),
  /** Browser origins allowed to call the admin API cross-origin (CORS); none by default. */
  corsOrigins: z.array(z.string().url()).default([]),
  /** AES-256-GCM key for secrets at rest (base64 or hex); default: `<data dir>/master.key`, generated. */
  masterKey: z.string().optional(),
  /** Password of the `admin` user created at first start; a generated one is logged once otherwise. */
  adminPassword: z.string().optional(),
  sessionIdleMinutes: z.coerce
    .number()
    .positive()
    .max(7 * 24 * 60)
    .default(30),
  sessionAbsoluteHours: z.coerce
    .number()
    .positive()
    .max(30 * 24)
    .default(12),
  passwordMinLength: z.coerce.number().int().min(8).max(128).default(12),
  /** Failed logins in a row that lock an account, and for how long. */
  lockoutThreshold: z.coerce.number().int().min(1).max(100).default(5),
  lockoutMinutes: z.coerce
    .number()
    .positive()
    .max(24 * 60)
    .default(15),
  auditRetentionDays: z.coerce.number().int().min(0).max(36_500).default(365),
  callLogRetentionDays: z.coerce.number().int().min(0).max(36_500).default(30),
  /** Login attempts per minute from one client address. */
  loginRateLimitPerMinute: z.coerce.number().int().min(1).max(10_000).default(20),
});

export type ServerConfig = z.infer<typeof serverConfigSchema>;
export type ServerConfigInput = z.input<typeof serverConfigSchema>;

const ENV_KEYS: Record<string, keyof ServerConfigInput> = {
  MCPBOX_PORT: "port",
  MCPBOX_HOST: "host",
  MCPBOX_DATA_DIR: "dataDir",
  MCPBOX_CONFIG: "config",
  MCPBOX_DATABASE_URL: "databaseUrl",
  MCPBOX_REDIS_URL: "redisUrl",
  MCPBOX_ADMIN_TOKEN: "adminToken",
  MCPBOX_ALLOWED_ORIGINS: "allowedOrigins",
  MCPBOX_ALLOWED_HOSTS: "allowedHosts",
  MCPBOX_BODY_LIMIT_BYTES: "bodyLimitBytes",
  MCPBOX_LOG_LEVEL: "logLevel",
  MCPBOX_ADMIN_PASSWORD: "adminPassword",
  MCPBOX_MASTER_KEY: "masterKey",
  MCPBOX_TLS_CERT: "tlsCert",
  MCPBOX_TLS_KEY: "tlsKey",
  MCPBOX_CORS_ORIGINS: "corsOrigins",
  MCPBOX_IMAGE_ALLOWLIST: "imageAllowlist",
  MCPBOX_PACKAGE_MAX_BYTES: "packageMaxBytes",
  MCPBOX_HOST_PATH_ALLOWLIST: "hostPathAllowlist",
  MCPBOX_SESSION_IDLE_MINUTES: "sessionIdleMinutes",
  MCPBOX_SESSION_ABSOLUTE_HOURS: "sessionAbsoluteHours",
  MCPBOX_PASSWORD_MIN_LENGTH: "passwordMinLength",
  MCPBOX_LOCKOUT_THRESHOLD: "lockoutThreshold",
  MCPBOX_LOCKOUT_MINUTES: "lockoutMinutes",
  MCPBOX_LOGIN_RATE_LIMIT: "loginRateLimitPerMinute",
};
const LIST_KEYS = new Set<string>([
  "allowedOrigins",
  "allowedHosts",
  "corsOrigins",
  "imageAllowlist",
  "hostPathAllowlist",
]);

export function configFromEnv(env: NodeJS.ProcessEnv): Partial<Record<keyof ServerConfigInput, unknown>> {
  const result: Partial<Record<keyof ServerConfigInput, unknown>> = {};
  for (const key of Object.keys(ENV_KEYS)) {
    const value = env[key];
    if (value === undefined || value === "") continue;
    const field = ENV_KEYS[key];
    result[field] = LIST_KEYS.has(field) ? value.split(",").map((v) => v.trim()) : value;
  }
  return result;
}

export function resolveConfig(
  flags: Partial<ServerConfigInput>,
  env: NodeJS.ProcessEnv = process.env,
): ServerConfig {
  const defined = Object.fromEntries(Object.entries(flags).filter(([, v]) => v !== undefined));
  const parsed = serverConfigSchema.safeParse({ ...configFromEnv(env), ...defined });
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join(".") || "(config)"}: ${i.message}`);
    throw new Error(`invalid configuration:\n  ${issues.join("\n  ")}`);
  }
  if (Boolean(parsed.data.tlsCert) !== Boolean(parsed.data.tlsKey)) {
    throw new Error("invalid configuration:\n  tlsCert and tlsKey go together: give both or neither");
  }
  return parsed.data;
}
