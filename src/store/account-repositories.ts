import {
  and,
  asc,
  desc,
  eq,
  exists,
  gte,
  ilike,
  inArray,
  isNotNull,
  isNull,
  lte,
  or,
  type SQL,
  sql,
} from "drizzle-orm";
import type { SecretBox } from "../auth/secrets.js";
import type { Db } from "./db.js";
import { apiKeys, auditLog, consoleSessions, departments, roles, userRoles, users } from "./schema.js";

export type UserRow = typeof users.$inferSelect;
export type NewUser = typeof users.$inferInsert;
export type RoleRow = typeof roles.$inferSelect;
export type NewRole = typeof roles.$inferInsert;
export type DepartmentRow = typeof departments.$inferSelect;
export type SessionRow = typeof consoleSessions.$inferSelect;
export type ApiKeyRow = typeof apiKeys.$inferSelect;
export type AuditRow = typeof auditLog.$inferSelect;
export type NewAudit = typeof auditLog.$inferInsert;

/** `%` and `_` typed by a user are literal characters in a search, not wildcards. */
const escapeLike = (text: string) => text.replace(/[\\%_]/g, (c) => `\\${c}`);
export const likePattern = (text: string) => `%${escapeLike(text)}%`;

export interface Page {
  limit: number;
  offset: number;
}

export class UserRepository {
  constructor(private readonly db: Db) {}

  async get(id: string): Promise<UserRow | undefined> {
    return (await this.db.select().from(users).where(eq(users.id, id)))[0];
  }

  async byUsername(username: string): Promise<UserRow | undefined> {
    return (await this.db.select().from(users).where(eq(users.username, username)))[0];
  }

  async list(
    filter: { q?: string; departmentIds?: string[] | null; enabled?: boolean; role?: string },
    page: Page,
    sort: { field: "username" | "createdAt" | "lastLoginAt"; desc: boolean },
  ): Promise<{ items: UserRow[]; total: number }> {
    const where: SQL[] = [];
    if (filter.q) {
      const pattern = likePattern(filter.q);
      where.push(or(ilike(users.username, pattern), ilike(users.displayName, pattern))!);
    }
    if (filter.enabled !== undefined) where.push(eq(users.enabled, filter.enabled));
    if (filter.role) {
      where.push(
        exists(
          this.db
            .select({ one: sql`1` })
            .from(userRoles)
            .innerJoin(roles, eq(roles.id, userRoles.roleId))
            .where(and(eq(userRoles.userId, users.id), eq(roles.name, filter.role))),
        ),
      );
    }
    if (filter.departmentIds) {
      if (filter.departmentIds.length === 0) return { items: [], total: 0 };
      where.push(inArray(users.departmentId, filter.departmentIds));
    }
    const condition = where.length ? and(...where) : undefined;
    const column = users[sort.field];
    const items = await this.db
      .select()
      .from(users)
      .where(condition)
      .orderBy(sort.desc ? desc(column) : asc(column), asc(users.id))
      .limit(page.limit)
      .offset(page.offset);
    const [{ count }] = await this.db
      .select({ count: sql<number>`count(*)::int` })
      .from(users)
      .where(condition);
    return { items, total: count };
  }

  async insert(user: NewUser, roleIds: string[]): Promise<UserRow> {
    return this.db.transaction(async (tx) => {
      const [row] = await tx.insert(users).values(user).returning();
      if (roleIds.length)
        await tx.insert(userRoles).values(roleIds.map((roleId) => ({ userId: row!.id, roleId })));
      return row!;
    });
  }

  async update(id: string, patch: Partial<NewUser>, roleIds?: string[]): Promise<UserRow | undefined> {
    return this.db.transaction(async (tx) => {
      const [row] = await tx
        .update(users)
        .set({ ...patch, updatedAt: sql`now()` })
        .where(eq(users.id, id))
        .returning();
      if (row && roleIds) {
        await tx.delete(userRoles).where(eq(userRoles.userId, id));
        if (roleIds.length)
          await tx.insert(userRoles).values(roleIds.map((roleId) => ({ userId: id, roleId })));
      }
      return row;
    });
  }

  async delete(id: string): Promise<boolean> {
    return (await this.db.delete(users).where(eq(users.id, id)).returning({ id: users.id })).length > 0;
  }

  async roleIdsOf(userIds: string[]): Promise<Map<string, string[]>> {
    const result = new Map<string, string[]>(userIds.map((id) => [id, []]));
    if (userIds.length === 0) return result;
    for (const row of await this.db.select().from(userRoles).where(inArray(userRoles.userId, userIds))) {
      result.get(row.userId)?.push(row.roleId);
    }
    return result;
  }

  async countWithRole(roleId: string): Promise<number> {
    const [{ count }] = await this.db
      .select({ count: sql<number>`count(*)::int` })
      .from(userRoles)
      .where(eq(userRoles.roleId, roleId));
    return count;
  }

  /** How many users hold each role, by role id (roles nobody holds are absent). */
  async countsByRole(): Promise<Map<string, number>> {
    const rows = await this.db
      .select({ id: userRoles.roleId, count: sql<number>`count(*)::int` })
      .from(userRoles)
      .groupBy(userRoles.roleId);
    return new Map(rows.map((r) => [r.id, r.count]));
  }

  /** How many users each department has as members (not counting sub-departments), by department id. */
  async countsByDepartment(): Promise<Map<string, number>> {
    const rows = await this.db
      .select({ id: users.departmentId, count: sql<number>`count(*)::int` })
      .from(users)
      .where(isNotNull(users.departmentId))
      .groupBy(users.departmentId);
    return new Map(rows.map((r) => [r.id!, r.count]));
  }

  async countEnabledWithRole(roleId: string): Promise<number> {
    const [{ count }] = await this.db
      .select({ count: sql<number>`count(*)::int` })
      .from(userRoles)
      .innerJoin(users, eq(users.id, userRoles.userId))
      .where(and(eq(userRoles.roleId, roleId), eq(users.enabled, true)));
    return count;
  }

  /** Re-seals every TOTP secret from one master key to another (`mcpbox rotate-key`). */
  async resealTotp(from: SecretBox, to: SecretBox): Promise<number> {
    return this.db.transaction(async (tx) => {
      const rows = await tx
        .select({ id: users.id, secret: users.totpSecret })
        .from(users)
        .where(isNotNull(users.totpSecret));
      for (const row of rows) {
        await tx
          .update(users)
          .set({ totpSecret: to.seal(from.open(row.secret!)) })
          .where(eq(users.id, row.id));
      }
      return rows.length;
    });
  }

  async inactiveIds(): Promise<string[]> {
    return (await this.db.select({ id: users.id }).from(users).where(eq(users.enabled, false))).map(
      (r) => r.id,
    );
  }

  async countInDepartment(departmentId: string): Promise<number> {
    const [{ count }] = await this.db
      .select({ count: sql<number>`count(*)::int` })
      .from(users)
      .where(eq(users.departmentId, departmentId));
    return count;
  }
}

export class RoleRepository {
  constructor(private readonly db: Db) {}

  list(): Promise<RoleRow[]> {
    return this.db.select().from(roles).orderBy(desc(roles.builtIn), asc(roles.name));
  }

  async get(id: string): Promise<RoleRow | undefined> {
    return (await this.db.select().from(roles).where(eq(roles.id, id)))[0];
  }

  async byNames(names: string[]): Promise<RoleRow[]> {
    return names.length ? this.db.select().from(roles).where(inArray(roles.name, names)) : [];
  }

  async byIds(ids: string[]): Promise<RoleRow[]> {
    return ids.length ? this.db.select().from(roles).where(inArray(roles.id, ids)) : [];
  }

  async upsertBuiltIn(role: NewRole): Promise<void> {
    await this.db
      .insert(roles)
      .values({ ...role, builtIn: true })
      .onConflictDoUpdate({
        target: roles.name,
        set: { permissions: role.permissions, dataScope: role.dataScope, description: role.description },
      });
  }

  async insert(role: NewRole): Promise<RoleRow> {
    return (await this.db.insert(roles).values(role).returning())[0]!;
  }

  async update(id: string, patch: Partial<NewRole>): Promise<RoleRow | undefined> {
    return (
      await this.db
        .update(roles)
        .set({ ...patch, updatedAt: sql`now()` })
        .where(eq(roles.id, id))
        .returning()
    )[0];
  }

  async delete(id: string): Promise<void> {
    await this.db.delete(roles).where(eq(roles.id, id));
  }
}

export class DepartmentRepository {
  constructor(private readonly db: Db) {}

  list(): Promise<DepartmentRow[]> {
    return this.db.select().from(departments).orderBy(asc(departments.name));
  }

  async insert(name: string, parentId: string | null): Promise<DepartmentRow> {
    return (await this.db.insert(departments).values({ name, parentId }).returning())[0]!;
  }

  async update(id: string, patch: { name?: string; parentId?: string | null }) {
    return (await this.db.update(departments).set(patch).where(eq(departments.id, id)).returning())[0];
  }

  async delete(id: string): Promise<void> {
    await this.db.delete(departments).where(eq(departments.id, id));
  }
}

export class SessionRepository {
  constructor(private readonly db: Db) {}

  async insert(row: typeof consoleSessions.$inferInsert): Promise<SessionRow> {
    return (await this.db.insert(consoleSessions).values(row).returning())[0]!;
  }

  async bySecretHash(hash: string): Promise<SessionRow | undefined> {
    return (await this.db.select().from(consoleSessions).where(eq(consoleSessions.secretHash, hash)))[0];
  }

  async touch(id: string, at: Date): Promise<void> {
    await this.db.update(consoleSessions).set({ lastSeenAt: at }).where(eq(consoleSessions.id, id));
  }

  async revoke(id: string, at: Date): Promise<void> {
    await this.db
      .update(consoleSessions)
      .set({ revokedAt: at })
      .where(and(eq(consoleSessions.id, id), isNull(consoleSessions.revokedAt)));
  }

  /** Revokes every live session of a user; returns how many. */
  async revokeAllOf(userId: string, at: Date): Promise<number> {
    const rows = await this.db
      .update(consoleSessions)
      .set({ revokedAt: at })
      .where(and(eq(consoleSessions.userId, userId), isNull(consoleSessions.revokedAt)))
      .returning({ id: consoleSessions.id });
    return rows.length;
  }

  async liveOf(userId: string, at: Date): Promise<SessionRow[]> {
    return this.db
      .select()
      .from(consoleSessions)
      .where(
        and(
          eq(consoleSessions.userId, userId),
          isNull(consoleSessions.revokedAt),
          gte(consoleSessions.expiresAt, at),
        ),
      )
      .orderBy(desc(consoleSessions.lastSeenAt));
  }
}

export class ApiKeyRepository {
  constructor(private readonly db: Db) {}

  async insert(row: typeof apiKeys.$inferInsert): Promise<ApiKeyRow> {
    return (await this.db.insert(apiKeys).values(row).returning())[0]!;
  }

  async byHash(hash: string): Promise<ApiKeyRow | undefined> {
    return (await this.db.select().from(apiKeys).where(eq(apiKeys.keyHash, hash)))[0];
  }

  listOf(userId: string): Promise<ApiKeyRow[]> {
    return this.db.select().from(apiKeys).where(eq(apiKeys.userId, userId)).orderBy(desc(apiKeys.createdAt));
  }

  async touch(id: string, at: Date): Promise<void> {
    await this.db.update(apiKeys).set({ lastUsedAt: at }).where(eq(apiKeys.id, id));
  }

  async revoke(id: string, userId: string, at: Date): Promise<ApiKeyRow | undefined> {
    return (
      await this.db
        .update(apiKeys)
        .set({ revokedAt: at })
        .where(and(eq(apiKeys.id, id), eq(apiKeys.userId, userId), isNull(apiKeys.revokedAt)))
        .returning()
    )[0];
  }
}

export interface AuditFilter {
  action?: string;
  actor?: string;
  outcome?: string;
  targetType?: string;
  targetId?: string;
  from?: Date;
  to?: Date;
}

export class AuditRepository {
  constructor(private readonly db: Db) {}

  async insert(row: NewAudit): Promise<void> {
    await this.db.insert(auditLog).values(row);
  }

  async query(
    filter: AuditFilter,
    page: Page,
    newestFirst = true,
  ): Promise<{ items: AuditRow[]; total: number }> {
    const where: SQL[] = [];
    // An action filter ending in "." matches a family ("login." → login.success, login.failure…).
    if (filter.action) {
      where.push(
        filter.action.endsWith(".")
          ? sql`${auditLog.action} like ${`${escapeLike(filter.action)}%`}`
          : eq(auditLog.action, filter.action),
      );
    }
    if (filter.actor) where.push(eq(auditLog.actorName, filter.actor));
    if (filter.outcome) where.push(eq(auditLog.outcome, filter.outcome));
    if (filter.targetType) where.push(eq(auditLog.targetType, filter.targetType));
    if (filter.targetId) where.push(eq(auditLog.targetId, filter.targetId));
    if (filter.from) where.push(gte(auditLog.at, filter.from));
    if (filter.to) where.push(lte(auditLog.at, filter.to));
    const condition = where.length ? and(...where) : undefined;
    const items = await this.db
      .select()
      .from(auditLog)
      .where(condition)
      .orderBy(newestFirst ? desc(auditLog.id) : asc(auditLog.id))
      .limit(page.limit)
      .offset(page.offset);
    const [{ count }] = await this.db
      .select({ count: sql<number>`count(*)::int` })
      .from(auditLog)
      .where(condition);
    return { items, total: count };
  }

  async pruneBefore(at: Date): Promise<number> {
    return (await this.db.delete(auditLog).where(lte(auditLog.at, at)).returning({ id: auditLog.id })).length;
  }
}
