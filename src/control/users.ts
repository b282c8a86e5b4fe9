import { randomBytes } from "node:crypto";
import { z } from "zod";
import type { Clock } from "../auth/clock.js";
import { hashPassword, type PasswordPolicy, passwordProblems, verifyPassword } from "../auth/passwords.js";
import type { Principal } from "../auth/permissions.js";
import type { Page, UserRepository, UserRow } from "../store/account-repositories.js";
import { type DirectoryService, displayNameSchema, roleNameSchema } from "./directory.js";
import { ConflictError, ForbiddenError, NotFoundError, RuleError } from "./errors.js";
import { text } from "./text.js";

export const usernameSchema = z
  .string()
  .regex(
    /^[a-z0-9][a-z0-9._-]{1,63}$/,
    "2–64 of a-z, 0-9, '.', '_' and '-', starting with a letter or digit",
  );

export const userInputSchema = z.strictObject({
  username: usernameSchema,
  displayName: displayNameSchema.optional(),
  email: z.email().max(254).nullable().optional(),
  departmentId: z.uuid().nullable().default(null),
  roles: z.array(z.string().max(48)).max(20).default([]),
  /** Omit to get a generated one-time password the user must change at first login. */
  password: text(256).optional(),
  enabled: z.boolean().default(true),
});
export const userPatchSchema = userInputSchema.omit({ username: true, password: true }).partial();

export const userListQuerySchema = z.strictObject({
  q: text(100).optional(),
  enabled: z.enum(["true", "false"]).optional(),
  departmentId: z.uuid().optional(),
  /** Users holding this role (by name); a well-formed name no role has matches nobody. */
  role: roleNameSchema.optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  offset: z.coerce.number().int().min(0).max(1_000_000).default(0),
  sort: z
    .enum(["username", "-username", "createdAt", "-createdAt", "lastLoginAt", "-lastLoginAt"])
    .default("username"),
});

export function presentUser(row: UserRow, roleNames: string[]) {
  return {
    id: row.id,
    username: row.username,
    displayName: row.displayName,
    email: row.email,
    departmentId: row.departmentId,
    enabled: row.enabled,
    source: row.source,
    roles: roleNames,
    mustChangePassword: row.mustChangePassword,
    twoFactorEnabled: row.totpEnabled,
    locked: row.lockedUntil !== null && row.lockedUntil.getTime() > Date.now(),
    lastLoginAt: row.lastLoginAt?.toISOString() ?? null,
    createdAt: row.createdAt.toISOString(),
  };
}

/** A one-time password: 128 random bits, readable. */
const temporaryPassword = () => randomBytes(16).toString("base64url");

export interface UserEvents {
  /** Enabled or disabled (or deleted: active false): a disabled user's sessions and tokens stop at once. */
  accountChanged(userId: string, active: boolean): Promise<void>;
  /** Password reset or roles changed: the user signs in again. */
  credentialsReset(userId: string): Promise<void>;
}

export class UserService {
  constructor(
    private readonly repo: UserRepository,
    private readonly directory: DirectoryService,
    private readonly policy: PasswordPolicy,
    private readonly clock: Clock,
    private readonly events: UserEvents,
  ) {}

  get(id: string) {
    return this.repo.get(id);
  }

  byUsername(username: string) {
    return this.repo.byUsername(username);
  }

  async roleNames(userIds: string[]): Promise<Map<string, string[]>> {
    const ids = await this.repo.roleIdsOf(userIds);
    return new Map(
      [...ids].map(([userId, roleIds]) => [
        userId,
        roleIds.map((id) => this.directory.role(id)?.name ?? id).sort(),
      ]),
    );
  }

  async present(row: UserRow) {
    return presentUser(row, (await this.roleNames([row.id])).get(row.id) ?? []);
  }

  /** First start only: creates `admin` with the given password, or a generated one returned to be logged. */
  async seedAdmin(password: string | undefined): Promise<{ generated?: string } | undefined> {
    if (await this.repo.byUsername("admin")) return undefined;
    if (password) this.assertStrong(password, "admin");
    const secret = password ?? temporaryPassword();
    await this.repo.insert(
      {
        username: "admin",
        displayName: "Administrator",
        passwordHash: await hashPassword(secret),
        mustChangePassword: !password,
      },
      this.directory.rolesByName(["admin"]).map((r) => r.id),
    );
    return password ? {} : { generated: secret };
  }

  async list(query: z.infer<typeof userListQuerySchema>, departmentIds: string[] | null) {
    const field = query.sort.replace(/^-/, "") as "username" | "createdAt" | "lastLoginAt";
    let scope = departmentIds;
    if (query.departmentId) {
      scope = scope ? scope.filter((id) => id === query.departmentId) : [query.departmentId];
    }
    const page: Page = { limit: query.limit, offset: query.offset };
    const enabled = query.enabled === undefined ? undefined : query.enabled === "true";
    return this.repo.list({ q: query.q, departmentIds: scope, enabled, role: query.role }, page, {
      field,
      desc: query.sort.startsWith("-"),
    });
  }

  async create(
    input: z.input<typeof userInputSchema>,
  ): Promise<{ user: UserRow; temporaryPassword?: string }> {
    const data = userInputSchema.parse(input);
    if (await this.repo.byUsername(data.username)) throw new ConflictError(`user "${data.username}" exists`);
    this.assertDepartment(data.departmentId);
    const roleIds = this.directory.rolesByName(data.roles).map((r) => r.id);
    if (data.password) this.assertStrong(data.password, data.username);
    const password = data.password ?? temporaryPassword();
    const user = await this.repo.insert(
      {
        username: data.username,
        displayName: data.displayName ?? data.username,
        email: data.email ?? null,
        departmentId: data.departmentId,
        enabled: data.enabled,
        passwordHash: await hashPassword(password),
        mustChangePassword: true,
      },
      roleIds,
    );
    return { user, temporaryPassword: data.password ? undefined : password };
  }

  async update(id: string, input: z.input<typeof userPatchSchema>, actor: Principal): Promise<UserRow> {
    const patch = userPatchSchema.parse(input);
    const current = await this.require(id);
    if (patch.departmentId !== undefined) this.assertDepartment(patch.departmentId);
    const roleIds = patch.roles ? this.directory.rolesByName(patch.roles).map((r) => r.id) : undefined;
    const losesAdmin =
      roleIds !== undefined && !roleIds.some((r) => this.directory.role(r)?.name === "admin");
    if (id === actor.userId && (patch.enabled === false || losesAdmin)) {
      if (patch.enabled === false) throw new ForbiddenError("you cannot disable your own account");
      if (await this.isAdmin(id)) throw new ForbiddenError("you cannot remove your own admin role");
    }
    if ((patch.enabled === false || losesAdmin) && (await this.isLastAdmin(id))) {
      throw new ConflictError("this is the last enabled admin");
    }
    const row = await this.repo.update(
      id,
      {
        displayName: patch.displayName,
        email: patch.email,
        departmentId: patch.departmentId,
        enabled: patch.enabled,
        // Re-enabling also lifts a lockout.
        ...(patch.enabled === true && !current.enabled ? { failedLogins: 0, lockedUntil: null } : {}),
      },
      roleIds,
    );
    if (patch.enabled !== undefined) await this.events.accountChanged(id, patch.enabled);
    if (roleIds) await this.events.credentialsReset(id);
    return row!;
  }

  async delete(id: string, actor: Principal): Promise<UserRow> {
    const current = await this.require(id);
    if (id === actor.userId) throw new ForbiddenError("you cannot delete your own account");
    if (await this.isLastAdmin(id)) throw new ConflictError("this is the last enabled admin");
    await this.events.accountChanged(id, false);
    await this.repo.delete(id);
    return current;
  }

  /** An admin sets a new password (or gets a generated one); the user must change it at next login. */
  async resetPassword(id: string, password?: string): Promise<{ temporaryPassword?: string }> {
    const user = await this.require(id);
    if (password) this.assertStrong(password, user.username);
    const secret = password ?? temporaryPassword();
    await this.repo.update(id, {
      passwordHash: await hashPassword(secret),
      mustChangePassword: true,
      failedLogins: 0,
      lockedUntil: null,
    });
    await this.events.credentialsReset(id);
    return password ? {} : { temporaryPassword: secret };
  }

  async changePassword(id: string, current: string, next: string): Promise<void> {
    const user = await this.require(id);
    if (!(await verifyPassword(user.passwordHash, current))) {
      throw new RuleError("the current password is wrong", "wrong_password");
    }
    if (current === next)
      throw new RuleError("the new password must differ from the current one", "weak_password");
    this.assertStrong(next, user.username);
    await this.repo.update(id, { passwordHash: await hashPassword(next), mustChangePassword: false });
  }

  /** After a wrong password: counts it, and locks the account at the threshold. Returns true if now locked. */
  async recordFailedLogin(user: UserRow, threshold: number, lockMinutes: number): Promise<boolean> {
    const failed = user.failedLogins + 1;
    const locked = failed >= threshold;
    await this.repo.update(user.id, {
      failedLogins: locked ? 0 : failed,
      lockedUntil: locked ? new Date(this.clock.now().getTime() + lockMinutes * 60_000) : user.lockedUntil,
    });
    return locked;
  }

  async recordLogin(user: UserRow): Promise<void> {
    await this.repo.update(user.id, { failedLogins: 0, lockedUntil: null, lastLoginAt: this.clock.now() });
  }

  /** The caller's grants, or undefined when the account may not act (missing or disabled). */
  async principal(userId: string, kind: Principal["kind"]): Promise<Principal | undefined> {
    const user = await this.repo.get(userId);
    return user && this.principalOf(user, kind);
  }

  /** The same, for a user row the caller has just read (a session check does): one query less per request. */
  async principalOf(user: UserRow, kind: Principal["kind"]): Promise<Principal | undefined> {
    if (!user.enabled) return undefined;
    const roleIds = (await this.repo.roleIdsOf([user.id])).get(user.id) ?? [];
    return {
      kind,
      userId: user.id,
      username: user.username,
      departmentId: user.departmentId,
      grants: this.directory.grantsFor(roleIds, user.departmentId),
      requireTwoFactor: roleIds.some((id) => this.directory.role(id)?.requireTwoFactor),
    };
  }

  private async require(id: string): Promise<UserRow> {
    const user = await this.repo.get(id);
    if (!user) throw new NotFoundError(`no user ${id}`);
    return user;
  }

  private assertDepartment(id: string | null): void {
    if (id && !this.directory.department(id))
      throw new RuleError(`no department ${id}`, "unknown_department");
  }

  private assertStrong(password: string, username: string): void {
    const problems = passwordProblems(password, this.policy, username);
    if (problems.length)
      throw new RuleError(`password rejected: ${problems.join("; ")}`, "weak_password", problems);
  }

  private async isAdmin(id: string): Promise<boolean> {
    const roleIds = (await this.repo.roleIdsOf([id])).get(id) ?? [];
    return roleIds.some((r) => this.directory.role(r)?.name === "admin");
  }

  private async isLastAdmin(id: string): Promise<boolean> {
    if (!(await this.isAdmin(id))) return false;
    const admin = this.directory.listRoles().find((r) => r.name === "admin");
    if (!admin) return false;
    return (await this.repo.countEnabledWithRole(admin.id)) <= 1;
  }
}
