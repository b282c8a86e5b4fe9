import { z } from "zod";
import { RuleError } from "./errors.js";
import { type InstanceInput, instanceNameSchema, instanceSchema } from "./instance-model.js";
import { text } from "./text.js";

const variableName = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_]{0,63}$/, "letters, digits and _, not starting with a digit");

export const variableSchema = z
  .strictObject({
    name: variableName,
    type: z.enum(["string", "secret", "number", "boolean", "enum"]),
    description: text(500).default(""),
    required: z.boolean().default(true),
    default: z.union([z.string().max(4096), z.number(), z.boolean()]).optional(),
    /** The allowed values of an `enum` variable. */
    options: z.array(z.string().max(256)).min(1).max(100).optional(),
  })
  .superRefine((v, ctx) => {
    if (v.type === "enum" && !v.options)
      ctx.addIssue({ code: "custom", path: ["options"], message: "enum variables list their options" });
    if (v.type === "secret" && v.default !== undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["default"],
        message: "secret variables have no default: templates hold no secrets",
      });
    }
  });
export type Variable = z.infer<typeof variableSchema>;

export const templateInputSchema = z
  .strictObject({
    name: z.string().regex(/^[a-z0-9][a-z0-9-]{1,63}$/, "2–64 of a-z, 0-9 and '-'"),
    title: text(200).pipe(z.string().min(1)),
    description: text(2000).default(""),
    category: text(64).default("other"),
    variables: z.array(variableSchema).max(50).default([]),
    /** An instance definition without a name; strings may hold `{{variable}}` placeholders. */
    instance: z.record(z.string(), z.unknown()),
  })
  .superRefine((t, ctx) => {
    const names = t.variables.map((v) => v.name);
    if (new Set(names).size !== names.length)
      ctx.addIssue({ code: "custom", path: ["variables"], message: "variable names repeat" });
    const used = placeholders(t.instance);
    for (const name of used) {
      if (!names.includes(name))
        ctx.addIssue({
          code: "custom",
          path: ["instance"],
          message: `{{${name}}} is not a declared variable`,
        });
    }
    // Secrets are sealed only in env values and upstream headers: anywhere else they would be stored and shown.
    const secrets = t.variables.filter((v) => v.type === "secret").map((v) => v.name);
    const upstream = (t.instance.upstream ?? {}) as Record<string, unknown>;
    const sealed = placeholders([
      Object.values((upstream.env ?? {}) as object),
      Object.values((upstream.headers ?? {}) as object),
    ]);
    const exposed = placeholders({
      ...t.instance,
      upstream: {
        ...upstream,
        env: Object.keys((upstream.env ?? {}) as object),
        headers: Object.keys((upstream.headers ?? {}) as object),
      },
    });
    for (const name of secrets) {
      if (exposed.has(name) || !sealed.has(name)) {
        ctx.addIssue({
          code: "custom",
          path: ["variables"],
          message: `secret {{${name}}} may appear only in env values or headers (use \${env:NAME} to pass it as an argument)`,
        });
      }
    }
    // The definition must make a valid instance once filled in: try it with sample values.
    const sample = Object.fromEntries(t.variables.map((v) => [v.name, sampleValue(v)]));
    const filled = fill(t.instance, sample) as Record<string, unknown>;
    const rendered = instanceSchema.safeParse({ ...filled, name: "template-check" });
    if (!rendered.success) {
      for (const issue of rendered.error.issues) {
        ctx.addIssue({
          code: "custom",
          path: ["instance", ...issue.path.map(String)],
          message: issue.message,
        });
      }
    }
  });
export type TemplateInput = z.infer<typeof templateInputSchema>;
export const templatePatchSchema = z.record(z.string(), z.unknown());

export const instantiateSchema = z.strictObject({
  name: instanceNameSchema,
  variables: z.record(z.string(), z.union([z.string().max(32_768), z.number(), z.boolean()])).default({}),
  description: text(2000).optional(),
});

const PLACEHOLDER = /\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g;

function placeholders(value: unknown, found = new Set<string>()): Set<string> {
  if (typeof value === "string") for (const m of value.matchAll(PLACEHOLDER)) found.add(m[1]!);
  else if (Array.isArray(value)) for (const item of value) placeholders(item, found);
  else if (value && typeof value === "object")
    for (const item of Object.values(value)) placeholders(item, found);
  return found;
}

function sampleValue(v: Variable): string {
  if (v.default !== undefined) return String(v.default);
  if (v.type === "enum") return v.options?.[0] ?? "sample";
  if (v.type === "number") return "1";
  if (v.type === "boolean") return "true";
  return "sample";
}

/** Replaces placeholders in every string (keys included, for env and header names). */
function fill(value: unknown, values: Record<string, string>): unknown {
  if (typeof value === "string") return value.replace(PLACEHOLDER, (_, name: string) => values[name] ?? "");
  if (Array.isArray(value)) return value.map((item) => fill(item, values));
  if (value && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [fill(k, values), fill(v, values)]));
  }
  return value;
}

/** Checks the given values against the variables and renders the instance; errors name the variable. */
export function renderTemplate(
  template: { variables: Variable[]; instance: Record<string, unknown> },
  input: z.infer<typeof instantiateSchema>,
): InstanceInput {
  const problems: { variable: string; message: string }[] = [];
  const values: Record<string, string> = {};
  for (const v of template.variables) {
    const given = input.variables[v.name] ?? v.default;
    if (given === undefined || given === "") {
      if (v.required) problems.push({ variable: v.name, message: "is required" });
      values[v.name] = "";
      continue;
    }
    const textValue = String(given);
    if (v.type === "number" && !Number.isFinite(Number(textValue)))
      problems.push({ variable: v.name, message: "must be a number" });
    if (v.type === "boolean" && !["true", "false"].includes(textValue))
      problems.push({ variable: v.name, message: "must be true or false" });
    if (v.type === "enum" && !v.options!.includes(textValue)) {
      problems.push({ variable: v.name, message: `must be one of: ${v.options!.join(", ")}` });
    }
    if (textValue.includes("\u0000"))
      problems.push({ variable: v.name, message: "must not contain NUL characters" });
    values[v.name] = textValue;
  }
  const unknown = Object.keys(input.variables).filter((k) => !template.variables.some((v) => v.name === k));
  for (const name of unknown)
    problems.push({ variable: name, message: "is not a variable of this template" });
  if (problems.length)
    throw new RuleError(
      "the template's variables are not filled in correctly",
      "invalid_variables",
      problems,
    );
  const rendered = fill(template.instance, values) as Record<string, unknown>;
  return {
    ...rendered,
    name: input.name,
    ...(input.description !== undefined ? { description: input.description } : {}),
  } as InstanceInput;
}
