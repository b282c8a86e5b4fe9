/**
 * A form model for a tool's JSON Schema input: the basics (string, number, integer, boolean, enum, object,
 * arrays of those) become fields; anything else (oneOf, $ref, nested arrays…) is edited as raw JSON.
 */

export interface Schema {
  type?: string | string[];
  title?: string;
  description?: string;
  properties?: Record<string, Schema>;
  required?: string[];
  enum?: unknown[];
  items?: Schema;
  default?: unknown;
  [key: string]: unknown;
}

export type Kind = "string" | "number" | "integer" | "boolean" | "enum" | "object" | "array" | "json";

/** What the form holds per field: text as typed, nested state for objects and arrays. */
export type FieldState = string | FieldState[] | { [key: string]: FieldState };

const PRIMITIVE = new Set<Kind>(["string", "number", "integer", "boolean", "enum"]);

function typeOf(schema: Schema): string | undefined {
  if (Array.isArray(schema.type)) return schema.type.find((t) => t !== "null");
  return schema.type;
}

export function kindOf(schema: Schema | undefined): Kind {
  if (!schema || typeof schema !== "object") return "json";
  if (Array.isArray(schema.enum) && schema.enum.length > 0) return "enum";
  const type = typeOf(schema);
  if (type === "string" || type === "number" || type === "integer" || type === "boolean") return type;
  if (type === "object" && schema.properties && !schema.oneOf && !schema.anyOf) return "object";
  if (type === "array" && PRIMITIVE.has(kindOf(schema.items))) return "array";
  return "json";
}

/** True when the schema has no properties: the tool takes no arguments (or only free-form ones). */
export const takesNoFields = (schema: Schema | undefined) =>
  !schema || kindOf(schema) !== "object" || Object.keys(schema.properties ?? {}).length === 0;

export function initialState(schema: Schema): FieldState {
  const fallback = schema.default;
  switch (kindOf(schema)) {
    case "string":
      return typeof fallback === "string" ? fallback : "";
    case "number":
    case "integer":
      return typeof fallback === "number" ? String(fallback) : "";
    case "boolean":
      return typeof fallback === "boolean" ? String(fallback) : "";
    case "enum": {
      const index = fallback === undefined ? -1 : schema.enum!.indexOf(fallback);
      return index >= 0 ? String(index) : "";
    }
    case "object":
      return Object.fromEntries(
        Object.entries(schema.properties ?? {}).map(([key, sub]) => [key, initialState(sub)]),
      );
    case "array":
      return Array.isArray(fallback)
        ? fallback.map((item) => initialState({ ...schema.items, default: item }))
        : [];
    default:
      return fallback === undefined ? "" : JSON.stringify(fallback, null, 2);
  }
}

export class FieldError extends Error {
  constructor(
    readonly path: string,
    readonly reason: "required" | "number" | "integer" | "json",
    detail?: string,
  ) {
    super(detail ?? reason);
  }
}

/**
 * The JSON value of a field, or undefined when left empty and optional; throws FieldError (with the
 * field's path) when required and empty or not parseable.
 */
export function toValue(schema: Schema, state: FieldState, path: string, required: boolean): unknown {
  const kind = kindOf(schema);
  if (typeof state === "string" && state.trim() === "" && kind !== "object" && kind !== "array") {
    if (required) throw new FieldError(path, "required");
    return undefined;
  }
  switch (kind) {
    case "string":
      return state;
    case "number":
    case "integer": {
      const n = Number(state);
      if (!Number.isFinite(n)) throw new FieldError(path, "number");
      if (kind === "integer" && !Number.isInteger(n)) throw new FieldError(path, "integer");
      return n;
    }
    case "boolean":
      return state === "true";
    case "enum":
      return schema.enum![Number(state)];
    case "object": {
      const values = (state ?? {}) as Record<string, FieldState>;
      const required = new Set(schema.required ?? []);
      const out: Record<string, unknown> = {};
      for (const [key, sub] of Object.entries(schema.properties ?? {})) {
        const value = toValue(
          sub,
          values[key] ?? initialState(sub),
          path ? `${path}.${key}` : key,
          required.has(key),
        );
        if (value !== undefined) out[key] = value;
      }
      // An optional nested object left empty is left out.
      return path && !required && Object.keys(out).length === 0 ? undefined : out;
    }
    case "array": {
      const items = (state as FieldState[]).map((item, i) =>
        toValue(schema.items!, item, `${path}.${i}`, true),
      );
      if (items.length === 0 && !required) return undefined;
      return items;
    }
    default:
      try {
        return JSON.parse(state as string);
      } catch (error) {
        throw new FieldError(path, "json", (error as Error).message);
      }
  }
}
