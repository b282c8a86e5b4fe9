/** The shapes of the administration API (src/api/users.ts, directory.ts, audit.ts, settings.ts). */
import { useQuery } from "@tanstack/react-query";
import { api } from "../../lib/api";

export interface ListPage<T> {
  items: T[];
  total: number;
  limit: number;
  offset: number;
}

export interface User {
  id: string;
  username: string;
  displayName: string | null;
  email: string | null;
  departmentId: string | null;
  enabled: boolean;
  source: string;
  roles: string[];
  mustChangePassword: boolean;
  twoFactorEnabled: boolean;
  locked: boolean;
  lastLoginAt: string | null;
  createdAt: string;
}

export const DATA_SCOPES = ["all", "dept_and_child", "dept", "self", "custom"] as const;
export type DataScope = (typeof DATA_SCOPES)[number];

export interface Role {
  id: string;
  name: string;
  description: string;
  builtIn: boolean;
  permissions: string[];
  dataScope: DataScope;
  scopeDepartmentIds: string[];
  requireTwoFactor: boolean;
}

export interface Department {
  id: string;
  name: string;
  parentId: string | null;
  createdAt: string;
}

export const OUTCOMES = ["success", "failure", "denied"] as const;

export interface AuditEntry {
  id: string;
  at: string;
  actorId: string | null;
  actor: string | null;
  ip: string | null;
  action: string;
  targetType: string | null;
  targetId: string | null;
  outcome: (typeof OUTCOMES)[number];
  details: Record<string, unknown>;
}

export interface Settings {
  sessionIdleMinutes: number;
  sessionAbsoluteHours: number;
  passwordMinLength: number;
  lockoutThreshold: number;
  lockoutMinutes: number;
  auditRetentionDays: number;
  callLogRetentionDays: number;
}

export const departmentsQuery = {
  queryKey: ["departments"],
  queryFn: () => api.get<{ items: Department[] }>("/departments"),
  select: (data: { items: Department[] }) => data.items,
} as const;

export const rolesQuery = {
  queryKey: ["roles"],
  queryFn: () => api.get<{ items: Role[] }>("/roles"),
  select: (data: { items: Role[] }) => data.items,
} as const;

/** Departments, for pickers and names; an empty list where the caller may not read them. */
export function useDepartments(enabled = true) {
  return useQuery({ ...departmentsQuery, enabled });
}

export function useRoles(enabled = true) {
  return useQuery({ ...rolesQuery, enabled });
}

export interface TreeRow {
  department: Department;
  depth: number;
}

/**
 * The departments depth-first, each below its parent, siblings by name. A department whose parent is
 * missing (outside what the caller sees) is shown as a root.
 */
export function departmentTree(departments: Department[]): TreeRow[] {
  const ids = new Set(departments.map((d) => d.id));
  const children = new Map<string | null, Department[]>();
  for (const d of departments) {
    const parent = d.parentId && ids.has(d.parentId) ? d.parentId : null;
    children.set(parent, [...(children.get(parent) ?? []), d]);
  }
  const rows: TreeRow[] = [];
  const visit = (parent: string | null, depth: number) => {
    const list = (children.get(parent) ?? []).sort((a, b) => a.name.localeCompare(b.name));
    for (const department of list) {
      rows.push({ department, depth });
      visit(department.id, depth + 1);
    }
  };
  visit(null, 0);
  return rows;
}

/** A department's path from the root ("Engineering / Platform"), for tables. */
export function departmentPath(departments: Department[], id: string | null): string {
  if (!id) return "";
  const byId = new Map(departments.map((d) => [d.id, d]));
  const names: string[] = [];
  for (let d = byId.get(id); d && names.length < 50; d = d.parentId ? byId.get(d.parentId) : undefined) {
    names.unshift(d.name);
  }
  return names.length ? names.join(" / ") : `${id.slice(0, 8)}…`;
}

/** "user:write" → ["user", "write"]. */
export function splitPermission(permission: string): [string, string] {
  const [resource, action = ""] = permission.split(":");
  return [resource, action];
}

/** The API's per-field messages (validation details) by field name. */
export function fieldErrors(error: unknown): Record<string, string> {
  const details = (error as { details?: { path: string; message: string }[] } | null)?.details ?? [];
  return Object.fromEntries(details.filter((d) => d.path).map((d) => [d.path.split(".")[0], d.message]));
}
