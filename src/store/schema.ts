import { sql } from "drizzle-orm";
import {
  bigserial,
  boolean,
  index,
  integer,
  jsonb,
  pgTable,
  text,
  timestamp,
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
