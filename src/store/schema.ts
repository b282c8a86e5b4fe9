import { sql } from "drizzle-orm";
import {
  bigserial,
  boolean,
  index,
  integer,
  jsonb,
  type PgColumn,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from "drizzle-orm/pg-core";
import type { Instance } from "../control/instance-model.js";

export const instances = pgTable("instances", {
  id: uuid("id").primaryKey().defaultRandom(),
  name: text("name").notNull().unique(),
  accessMode: text("access_mode").notNull(),
  /** The whole validated instance definition; the columns above are indexed copies. */
  spec: jsonb("spec").$type<Instance>().notNull(),
  source: text("source").notNull().default("api"),
  /** Owner and department decide who sees the instance under a role's data scope. */
  ownerId: uuid("owner_id"),
  departmentId: uuid("department_id"),
  createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
});

export const accessTokens = pgTable("access_tokens", {
  id: uuid("id").primaryKey().defaultRandom(),
  name: text("name").notNull(),
  /** SHA-256 of the secret; the secret itself is shown once and never stored. */
  tokenHash: text("token_hash").notNull().unique(),
  prefix: text("prefix").notNull(),
  isAdmin: boolean("is_admin").notNull().default(false),
  /** Instance names this token opens; null means every instance. */
  instanceNames: jsonb("instance_names").$type<string[] | null>(),
  ownerId: uuid("owner_id"),
  departmentId: uuid("department_id"),
  createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  expiresAt: timestamp("expires_at", { withTimezone: true }),
  revokedAt: timestamp("revoked_at", { withTimezone: true }),
  lastUsedAt: timestamp("last_used_at", { withTimezone: true }),
  useCount: integer("use_count").notNull().default(0),
});

export const callLog = pgTable(
  "call_log",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    at: timestamp("at", { withTimezone: true }).notNull().default(sql`now()`),
    instance: text("instance").notNull(),
    tokenId: uuid("token_id"),
    sessionId: text("session_id"),
    method: text("method").notNull(),
    target: text("target"),
    durationMs: integer("duration_ms").notNull(),
    outcome: text("outcome").notNull(),
    errorCode: integer("error_code"),
  },
  (t) => [index("call_log_instance_at").on(t.instance, t.at), index("call_log_at").on(t.at)],
);

export const departments = pgTable(
  "departments",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    name: text("name").notNull(),
    parentId: uuid("parent_id").references((): PgColumn => departments.id, { onDelete: "restrict" }),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex("departments_parent_name").on(sql`coalesce(${t.parentId}::text, '')`, t.name)],
);

export const roles = pgTable("roles", {
  id: uuid("id").primaryKey().defaultRandom(),
  name: text("name").notNull().unique(),
  description: text("description").notNull().default(""),
  builtIn: boolean("built_in").notNull().default(false),
  permissions: jsonb("permissions").$type<string[]>().notNull(),
  /** all | dept_and_child | dept | self | custom */
  dataScope: text("data_scope").notNull(),
  /** Departments a `custom` scope covers. */
  scopeDepartmentIds: jsonb("scope_department_ids").$type<string[]>().notNull().default([]),
  requireTwoFactor: boolean("require_two_factor").notNull().default(false),
  createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
});

export const users = pgTable("users", {
  id: uuid("id").primaryKey().defaultRandom(),
  username: text("username").notNull().unique(),
  displayName: text("display_name").notNull().default(""),
  email: text("email"),
  departmentId: uuid("department_id").references(() => departments.id, { onDelete: "restrict" }),
  enabled: boolean("enabled").notNull().default(true),
  /** Where the account comes from: `local` (password here), later LDAP/OIDC. */
  source: text("source").notNull().default("local"),
  /** argon2id PHC string; null for accounts that cannot log in with a password. */
  passwordHash: text("password_hash"),
  mustChangePassword: boolean("must_change_password").notNull().default(false),
  failedLogins: integer("failed_logins").notNull().default(0),
  lockedUntil: timestamp("locked_until", { withTimezone: true }),
  lastLoginAt: timestamp("last_login_at", { withTimezone: true }),
  /** TOTP shared secret, sealed with the master key; set at enrolment, active once confirmed. */
  totpSecret: text("totp_secret"),
  totpEnabled: boolean("totp_enabled").notNull().default(false),
  /** The last 30-second step a code was accepted for: a code works once. */
  totpLastStep: integer("totp_last_step"),
  /** SHA-256 of each unused recovery code. */
  recoveryCodes: jsonb("recovery_codes").$type<string[]>().notNull().default([]),
  createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
});

export const userRoles = pgTable(
  "user_roles",
  {
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    roleId: uuid("role_id")
      .notNull()
      .references(() => roles.id, { onDelete: "restrict" }),
  },
  (t) => [primaryKey({ columns: [t.userId, t.roleId] })],
);

/** Console sessions: the cookie carries a random secret, the table its SHA-256. */
export const consoleSessions = pgTable(
  "console_sessions",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    secretHash: text("secret_hash").notNull().unique(),
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    csrfToken: text("csrf_token").notNull(),
    ip: text("ip"),
    userAgent: text("user_agent"),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull(),
    lastSeenAt: timestamp("last_seen_at", { withTimezone: true }).notNull(),
    expiresAt: timestamp("expires_at", { withTimezone: true }).notNull(),
    revokedAt: timestamp("revoked_at", { withTimezone: true }),
  },
  (t) => [index("console_sessions_user").on(t.userId)],
);

/** Personal API keys for the admin API; same storage rules as access tokens. */
export const apiKeys = pgTable("api_keys", {
  id: uuid("id").primaryKey().defaultRandom(),
  userId: uuid("user_id")
    .notNull()
    .references(() => users.id, { onDelete: "cascade" }),
  name: text("name").notNull(),
  keyHash: text("key_hash").notNull().unique(),
  prefix: text("prefix").notNull(),
  createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  expiresAt: timestamp("expires_at", { withTimezone: true }),
  revokedAt: timestamp("revoked_at", { withTimezone: true }),
  lastUsedAt: timestamp("last_used_at", { withTimezone: true }),
});

/** Append-only: the API has no route that updates or deletes a row (retention prunes by age). */
export const auditLog = pgTable(
  "audit_log",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    at: timestamp("at", { withTimezone: true }).notNull(),
    actorId: uuid("actor_id"),
    actorName: text("actor_name"),
    ip: text("ip"),
    action: text("action").notNull(),
    targetType: text("target_type"),
    targetId: text("target_id"),
    outcome: text("outcome").notNull(),
    details: jsonb("details").$type<Record<string, unknown>>(),
  },
  (t) => [index("audit_log_at").on(t.at), index("audit_log_action_at").on(t.action, t.at)],
);

/** Settings changed at run time (console / API); each overrides the start-up configuration's default. */
export const settings = pgTable("settings", {
  key: text("key").primaryKey(),
  value: jsonb("value").notNull(),
  updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
});

/** Instance blueprints with typed variables (`{{name}}` placeholders in the instance definition). */
export const templates = pgTable("templates", {
  id: uuid("id").primaryKey().defaultRandom(),
  name: text("name").notNull().unique(),
  title: text("title").notNull(),
  description: text("description").notNull().default(""),
  category: text("category").notNull().default("other"),
  variables: jsonb("variables").$type<unknown[]>().notNull(),
  instance: jsonb("instance").$type<Record<string, unknown>>().notNull(),
  /** custom | registry */
  source: text("source").notNull().default("custom"),
  ownerId: uuid("owner_id"),
  departmentId: uuid("department_id"),
  createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
});

/** Uploaded code packages; their files live in the data dir (packages/<id>/). */
export const packages = pgTable("packages", {
  id: uuid("id").primaryKey().defaultRandom(),
  name: text("name").notNull().unique(),
  format: text("format").notNull(),
  sizeBytes: integer("size_bytes").notNull(),
  fileCount: integer("file_count").notNull(),
  sha256: text("sha256").notNull(),
  /** Run once in the package directory after upload (e.g. `npm ci`), without a shell. */
  installCommand: text("install_command"),
  /** running | ok | failed */
  installStatus: text("install_status"),
  installLog: text("install_log"),
  ownerId: uuid("owner_id"),
  departmentId: uuid("department_id"),
  createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
});

/** Where hosted instances can run besides the built-in `process` and local `docker` environments. */
export const environments = pgTable("environments", {
  id: uuid("id").primaryKey().defaultRandom(),
  name: text("name").notNull().unique(),
  kind: text("kind").notNull(),
  description: text("description").notNull().default(""),
  /** Connection settings as JSON, sealed with the master key (they hold TLS keys and kubeconfigs). */
  config: text("config").notNull(),
  createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
});
