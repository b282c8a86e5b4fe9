/** The shapes of the template and catalog API (src/control/template-model.ts, src/api/templates.ts). */

export const VARIABLE_TYPES = ["string", "secret", "number", "boolean", "enum"] as const;
export type VariableType = (typeof VARIABLE_TYPES)[number];

export interface Variable {
  name: string;
  type: VariableType;
  description: string;
  required: boolean;
  default?: string | number | boolean;
  /** The allowed values of an `enum` variable. */
  options?: string[];
}

/** What a template and a catalog entry share: enough to make an instance from. */
export interface InstanceSource {
  name: string;
  title: string;
  description: string;
  category: string;
  variables: Variable[];
  /** An instance definition without a name; strings may hold `{{variable}}` placeholders. */
  instance: Record<string, unknown>;
}

export interface Template extends InstanceSource {
  id: string;
  source: string;
  ownerId: string | null;
  departmentId: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface CatalogEntry extends InstanceSource {
  source: "catalog";
}

/** The list shape of the admin API. */
export interface ListPage<T> {
  items: T[];
  total: number;
  limit: number;
  offset: number;
}

/** A one-line summary of an instance definition: access mode and what it runs or reaches. */
export function describeInstance(instance: Record<string, unknown>): string {
  const upstream = (instance.upstream ?? {}) as { type?: string; command?: string; url?: string };
  const target = upstream.type === "stdio" ? upstream.command : upstream.url;
  return [instance.accessMode, upstream.type, target].filter(Boolean).join(" · ");
}
