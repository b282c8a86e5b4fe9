import { z } from "zod";
import {
  BUILT_IN_ROLES,
  DATA_SCOPES,
  type Permission,
  permissionSchema,
  type ScopeGrant,
} from "../auth/permissions.js";
import type {
  DepartmentRepository,
  DepartmentRow,
  RoleRepository,
  RoleRow,
  UserRepository,
} from "../store/account-repositories.js";
import { ConflictError, ForbiddenError, NotFoundError, RuleError } from "./errors.js";
import { text } from "./text.js";

export const displayNameSchema = z
  .string()
  .trim()
  .min(1)
  .max(100)
  .refine((s) => !/\p{Cc}/u.test(s), "must not contain control characters");

export const departmentInputSchema = z.strictObject({
  name: displayNameSchema,
  parentId: z.uuid().nullable().default(null),
});
export const departmentPatchSchema = departmentInputSchema.partial();

export const roleNameSchema = z
  .string()
  .regex(/^[a-z][a-z0-9_-]{1,47}$/, "2–48 of a-z, 0-9, _ and -, starting with a letter");

export const roleInputSchema = z.strictObject({
  name: roleNameSchema,
  description: text(500).default(""),
  permissions: z.array(permissionSchema).max(100),
  dataScope: z.enum(DATA_SCOPES),
  scopeDepartmentIds: z.array(z.uuid()).max(500).default([]),
  requireTwoFactor: z.boolean().default(false),
});
export const rolePatchSchema = roleInputSchema.partial();

/** "1 user", "3 users". */
const count = (n: number, noun: string) => `${n} ${noun}${n === 1 ? "" : "s"}`;

export function presentRole(row: RoleRow) {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    builtIn: row.builtIn,
    permissions: row.permissions,
    dataScope: row.dataScope,
    scopeDepartmentIds: row.scopeDepartmentIds,
    requireTwoFactor: row.requireTwoFactor,
  };
}

export function presentDepartment(row: DepartmentRow) {
  return { id: row.id, name: row.name, parentId: row.parentId, createdAt: row.createdAt.toISOString() };
}

/**
 * Departments (a tree) and roles (permission sets with a data scope). Both change rarely and are read on
 * every API request to build the caller's grants, so both are cached here and reloaded on each write.
 */
export class DirectoryService {
  private departments: DepartmentRow[] = [];
  private roles: RoleRow[] = [];

  constructor(
    private readonly departmentRepo: DepartmentRepository,
    private readonly roleRepo: RoleRepository,
    private readonly userRepo: UserRepository,
    private readonly countInstancesInDepartment: (id: string) => number,
  ) {}

  async load(): Promise<void> {
    for (const role of BUILT_IN_ROLES) {
      await this.roleRepo.upsertBuiltIn({ ...role, permissions: [...role.permissions] });
    }
    await this.reload();
  }

  private async reload(): Promise<void> {
    [this.departments, this.roles] = await Promise.all([this.departmentRepo.list(), this.roleRepo.list()]);
  }

  // ---- departments ----

  listDepartments(): DepartmentRow[] {
    return this.departments;
  }

  department(id: string): DepartmentRow | undefined {
    return this.departments.find((d) => d.id === id);
  }

  /** The department and all departments below it. */
  subtree(id: string): Set<string> {
    const result = new Set<string>([id]);
    for (let grew = true; grew; ) {
      grew = false;
      for (const d of this.departments) {
        if (d.parentId && result.has(d.parentId) && !result.has(d.id)) {
          result.add(d.id);
          grew = true;
        }
      }
    }
    return result;
  }

  async createDepartment(input: z.input<typeof departmentInputSchema>): Promise<DepartmentRow> {
    const { name, parentId } = departmentInputSchema.parse(input);
    if (parentId && !this.department(parentId))
      throw new RuleError(`no department ${parentId}`, "unknown_parent");
    this.assertUniqueName(name, parentId);
    const row = await this.departmentRepo.insert(name, parentId);
    await this.reload();
    return row;
  }

  async updateDepartment(id: string, input: z.input<typeof departmentPatchSchema>): Promise<DepartmentRow> {
    const patch = departmentPatchSchema.parse(input);
    const current = this.department(id);
    if (!current) throw new NotFoundError(`no department ${id}`);
    const parentId = patch.parentId === undefined ? current.parentId : patch.parentId;
    if (parentId) {
      if (!this.department(parentId)) throw new RuleError(`no department ${parentId}`, "unknown_parent");
      if (this.subtree(id).has(parentId)) {
        throw new RuleError("a department cannot move below itself", "department_cycle");
      }
    }
    this.assertUniqueName(patch.name ?? current.name, parentId, id);
    const row = await this.departmentRepo.update(id, { name: patch.name, parentId });
    await this.reload();
    return row!;
  }

  /** Users per department (its own members, not those of sub-departments), by id; computed by the store. */
  departmentUserCounts(): Promise<Map<string, number>> {
    return this.userRepo.countsByDepartment();
  }

  async deleteDepartment(id: string): Promise<void> {
    const current = this.department(id);
    if (!current) throw new NotFoundError(`no department ${id}`);
    if (this.departments.some((d) => d.parentId === id)) {
      throw new ConflictError("the department has sub-departments; move or delete them first");
    }
    const members = await this.userRepo.countInDepartment(id);
    const instances = this.countInstancesInDepartment(id);
    if (members > 0 || instances > 0) {
      const held = [
        ...(members > 0 ? [count(members, "user")] : []),
        ...(instances > 0 ? [count(instances, "instance")] : []),
      ];
      throw new ConflictError(
        `department "${current.name}" still has ${held.join(" and ")}; move or delete them first`,
      );
    }
    if (this.roles.some((r) => r.scopeDepartmentIds.includes(id))) {
      throw new ConflictError("a role's custom scope names this department");
    }
    await this.departmentRepo.delete(id);
    await this.reload();
  }

  private assertUniqueName(name: string, parentId: string | null, self?: string): void {
    if (this.departments.some((d) => d.id !== self && d.parentId === parentId && d.name === name)) {
      throw new ConflictError(`a department named "${name}" already exists there`);
    }
  }

  // ---- roles ----

  listRoles(): RoleRow[] {
    return this.roles;
  }

  role(id: string): RoleRow | undefined {
    return this.roles.find((r) => r.id === id);
  }

  /** Users holding each role, by id; computed by the store. */
  roleUserCounts(): Promise<Map<string, number>> {
    return this.userRepo.countsByRole();
  }

  rolesByName(names: string[]): RoleRow[] {
    const found = this.roles.filter((r) => names.includes(r.name));
    const missing = names.filter((n) => !found.some((r) => r.name === n));
    if (missing.length) throw new RuleError(`unknown role(s): ${missing.join(", ")}`, "unknown_role");
    return found;
  }

  async createRole(input: z.input<typeof roleInputSchema>): Promise<RoleRow> {
    const role = roleInputSchema.parse(input);
    this.assertScopeDepartments(role.scopeDepartmentIds);
    if (this.roles.some((r) => r.name === role.name)) throw new ConflictError(`role "${role.name}" exists`);
    const row = await this.roleRepo.insert({ ...role, builtIn: false });
    await this.reload();
    return row;
  }

  async updateRole(id: string, input: z.input<typeof rolePatchSchema>): Promise<RoleRow> {
    const patch = rolePatchSchema.parse(input);
    const current = this.role(id);
    if (!current) throw new NotFoundError(`no role ${id}`);
    if (current.builtIn) throw new ForbiddenError(`built-in role "${current.name}" cannot be changed`);
    if (patch.scopeDepartmentIds) this.assertScopeDepartments(patch.scopeDepartmentIds);
    if (patch.name && this.roles.some((r) => r.id !== id && r.name === patch.name)) {
      throw new ConflictError(`role "${patch.name}" exists`);
    }
    const row = await this.roleRepo.update(id, patch);
    await this.reload();
    return row!;
  }

  async deleteRole(id: string): Promise<void> {
    const current = this.role(id);
    if (!current) throw new NotFoundError(`no role ${id}`);
    if (current.builtIn) throw new ForbiddenError(`built-in role "${current.name}" cannot be deleted`);
    const holders = await this.userRepo.countWithRole(id);
    if (holders > 0) {
      throw new ConflictError(
        `role "${current.name}" is still held by ${count(holders, "user")}; take it from them first`,
      );
    }
    await this.roleRepo.delete(id);
    await this.reload();
  }

  private assertScopeDepartments(ids: string[]): void {
    const unknown = ids.filter((id) => !this.department(id));
    if (unknown.length)
      throw new RuleError(`unknown department(s): ${unknown.join(", ")}`, "unknown_department");
  }

  /** What a user's roles allow, with each role's data scope resolved to department ids. */
  grantsFor(roleIds: string[], departmentId: string | null): ScopeGrant[] {
    return roleIds.flatMap((roleId) => {
      const role = this.role(roleId);
      if (!role) return [];
      const permissions = new Set(role.permissions as Permission[]);
      let departments: Set<string> | null;
      switch (role.dataScope) {
        case "all":
          departments = null;
          break;
        case "dept_and_child":
          departments = departmentId ? this.subtree(departmentId) : new Set();
          break;
        case "dept":
          departments = new Set(departmentId ? [departmentId] : []);
          break;
        case "custom":
          departments = new Set(role.scopeDepartmentIds);
          break;
        default: // self
          departments = new Set();
      }
      return [{ permissions, departments }];
    });
  }
}
