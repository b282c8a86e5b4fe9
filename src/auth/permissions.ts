import { z } from "zod";

/** Every permission a route can require. A role holds a subset. */
export const PERMISSIONS = [
  "instance:read",
  "instance:write",
  "instance:operate",
  "instance:delete",
  "template:read",
  "template:write",
  "template:delete",
  "package:read",
  "package:write",
  "package:delete",
  "token:read",
  "token:write",
  "token:delete",
  "apikey:manage",
  "user:read",
  "user:write",
  "user:delete",
  "role:read",
  "role:write",
  "role:delete",
  "department:read",
  "department:write",
  "department:delete",
  "environment:read",
  "environment:write",
  "environment:delete",
  "audit:read",
  "settings:read",
  "settings:write",
] as const;
export type Permission = (typeof PERMISSIONS)[number];
export const permissionSchema = z.enum(PERMISSIONS);

export const DATA_SCOPES = ["all", "dept_and_child", "dept", "self", "custom"] as const;
export type DataScope = (typeof DATA_SCOPES)[number];

export interface BuiltInRole {
  name: string;
  description: string;
  permissions: Permission[];
  dataScope: DataScope;
}

const all = (resource: string) => PERMISSIONS.filter((p) => p.startsWith(`${resource}:`));

/** Created at first start and kept in step with the catalogue at every start; never editable. */
export const BUILT_IN_ROLES: BuiltInRole[] = [
  {
    name: "admin",
    description: "Everything, everywhere",
    permissions: [...PERMISSIONS],
    dataScope: "all",
  },
  {
    name: "operator",
    description: "Runs instances, templates and tokens for their department tree; reads accounts and audit",
    permissions: [
      ...all("instance"),
      ...all("template"),
      ...all("package"),
      ...all("token"),
      "apikey:manage",
      "user:read",
      "role:read",
      "department:read",
      "environment:read",
      "environment:write",
      "environment:delete",
      "audit:read",
      "settings:read",
    ],
    dataScope: "dept_and_child",
  },
  {
    name: "developer",
    description: "Creates and uses instances and tokens in their department",
    permissions: [
      "instance:read",
      "instance:write",
      "instance:operate",
      "template:read",
      "package:read",
      "package:write",
      ...all("token"),
      "apikey:manage",
      "department:read",
    ],
    dataScope: "dept",
  },
  {
    name: "viewer",
    description: "Reads instances, templates and their own tokens",
    permissions: ["instance:read", "template:read", "package:read", "token:read", "department:read"],
    dataScope: "dept",
  },
];

/** A resource as data scopes see it. */
export interface Scoped {
  ownerId: string | null;
  departmentId: string | null;
}

/** One role's grant, resolved for a user: which departments its scope reaches. */
export interface ScopeGrant {
  permissions: ReadonlySet<Permission>;
  /** null: every department (scope `all`). */
  departments: ReadonlySet<string> | null;
  /** `self` reaches only what the user owns; every scope reaches it too. */
}

/** Who is calling the admin API, with what they may do; built per request from the store. */
export interface Principal {
  kind: "session" | "api-key" | "admin-token";
  userId: string | null;
  username: string;
  departmentId: string | null;
  grants: ScopeGrant[];
  sessionId?: string;
  /** The console session's token for state-changing requests (X-CSRF-Token). */
  csrfToken?: string;
  /** One of the user's roles requires a second factor. */
  requireTwoFactor?: boolean;
}

export function can(principal: Principal, permission: Permission): boolean {
  return principal.grants.some((grant) => grant.permissions.has(permission));
}

/** Whether `permission` on this resource is within one of the principal's roles' data scopes. */
export function canOn(principal: Principal, permission: Permission, resource: Scoped): boolean {
  return principal.grants.some(
    (grant) =>
      grant.permissions.has(permission) &&
      (grant.departments === null ||
        (resource.ownerId !== null && resource.ownerId === principal.userId) ||
        (resource.departmentId !== null && grant.departments.has(resource.departmentId))),
  );
}

/** True when some role grants `permission` over every department (scope `all`). */
export function canEverywhere(principal: Principal, permission: Permission): boolean {
  return principal.grants.some((grant) => grant.permissions.has(permission) && grant.departments === null);
}

/** The departments `permission` reaches through any of the caller's roles; null when it reaches all. */
export function departmentsFor(principal: Principal, permission: Permission): Set<string> | null {
  const result = new Set<string>();
  for (const grant of principal.grants) {
    if (!grant.permissions.has(permission)) continue;
    if (grant.departments === null) return null;
    for (const id of grant.departments) result.add(id);
  }
  return result;
}

/** Permissions the caller holds; a caller can hand out (to a role or a user) no more than these. */
export function heldPermissions(principal: Principal): Set<Permission> {
  return new Set(principal.grants.flatMap((grant) => [...grant.permissions]));
}
