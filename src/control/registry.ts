import { z } from "zod";
import { RuleError } from "./errors.js";
import type { TemplateInput, Variable } from "./template-model.js";

/**
 * The official MCP Registry's `server.json` (2025-09 schema, camelCase; the older snake_case names are
 * read too): `packages` run locally through their package manager, `remotes` are reached over HTTP.
 */
const inputSchema = z.looseObject({
  name: z.string().optional(),
  description: z.string().optional(),
  value: z.string().optional(),
  default: z.string().optional(),
  valueHint: z.string().optional(),
  isRequired: z.boolean().optional(),
  isSecret: z.boolean().optional(),
  type: z.string().optional(),
});
type RegistryInput = z.infer<typeof inputSchema>;

const packageSchema = z.looseObject({
  registryType: z.string().optional(),
  registry_name: z.string().optional(),
  identifier: z.string().optional(),
  name: z.string().optional(),
  version: z.string().optional(),
  runtimeHint: z.string().optional(),
  transport: z.looseObject({ type: z.string(), url: z.string().optional() }).optional(),
  runtimeArguments: z.array(inputSchema).optional(),
  packageArguments: z.array(inputSchema).optional(),
  environmentVariables: z.array(inputSchema).optional(),
  environment_variables: z.array(inputSchema).optional(),
});
const remoteSchema = z.looseObject({
  type: z.string(),
  url: z.string(),
  headers: z.array(inputSchema).optional(),
});
export const serverJsonSchema = z.looseObject({
  name: z.string().min(1).max(200),
  description: z.string().max(2000).optional(),
  title: z.string().max(200).optional(),
  version: z.string().max(100).optional(),
  packages: z.array(packageSchema).optional(),
  remotes: z.array(remoteSchema).optional(),
});

const slug = (name: string) =>
  name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 64) || "server";
const variableName = (name: string) =>
  name
    .replace(/[^A-Za-z0-9_]/g, "_")
    .replace(/^(\d)/, "_$1")
    .slice(0, 64);

/** One registry input (argument, env var, header) as a template variable. */
function variableOf(input: RegistryInput, fallbackName: string): Variable {
  // A named argument's `name` is its flag (--units); its value hint names the value.
  const label = input.type === "named" ? (input.valueHint ?? input.name) : (input.name ?? input.valueHint);
  const name = variableName(label?.replace(/^-+/, "") || fallbackName);
  return {
    name,
    type: input.isSecret ? "secret" : "string",
    description: input.description?.slice(0, 500) ?? "",
    required: input.isRequired ?? false,
    ...(input.isSecret || input.default === undefined ? {} : { default: input.default }),
  };
}

/** Arguments: fixed values stay as they are; the rest become `{{variables}}`. */
function argumentsOf(inputs: RegistryInput[] | undefined, variables: Variable[], prefix: string): string[] {
  const args: string[] = [];
  (inputs ?? []).forEach((input, index) => {
    const fixed = input.value;
    const placeholder = () => {
      const variable = variableOf(input, `${prefix}_${index + 1}`);
      variables.push(variable);
      return `{{${variable.name}}}`;
    };
    const value = fixed ?? placeholder();
    if (input.type === "named" && input.name) args.push(input.name, value);
    else args.push(value);
  });
  return args;
}

/** The templates a server.json describes: one per package and one per remote. */
export function registryTemplates(raw: unknown): TemplateInput[] {
  const parsed = serverJsonSchema.safeParse(raw);
  if (!parsed.success)
    throw new RuleError("not a server.json document", "invalid_server_json", parsed.error.issues);
  const server = parsed.data;
  const base = slug(server.name.split("/").pop() ?? server.name);
  const title = server.title ?? server.name;
  const templates: TemplateInput[] = [];
  for (const pkg of server.packages ?? []) {
    const kind = pkg.registryType ?? pkg.registry_name;
    const id = pkg.identifier ?? pkg.name;
    if (!kind || !id) continue;
    if (pkg.transport && pkg.transport.type !== "stdio") continue; // a package serving HTTP runs as a container (Docker runtime)
    const variables: Variable[] = [];
    const runtimeArgs = argumentsOf(pkg.runtimeArguments, variables, "RUNTIME_ARG");
    const packageArgs = argumentsOf(pkg.packageArguments, variables, "ARG");
    const env: Record<string, string> = {};
    for (const input of pkg.environmentVariables ?? pkg.environment_variables ?? []) {
      if (!input.name) continue;
      const variable = variableOf(input, input.name);
      variables.push(variable);
      env[input.name] = `{{${variable.name}}}`;
    }
    let command: string;
    let args: string[];
    if (kind === "npm") {
      command = pkg.runtimeHint ?? "npx";
      args = [
        ...(runtimeArgs.length ? runtimeArgs : ["-y"]),
        pkg.version ? `${id}@${pkg.version}` : id,
        ...packageArgs,
      ];
    } else if (kind === "pypi") {
      command = pkg.runtimeHint ?? "uvx";
      args = [...runtimeArgs, pkg.version ? `${id}==${pkg.version}` : id, ...packageArgs];
    } else if (kind === "oci" || kind === "docker") {
      command = "docker";
      const envFlags = Object.keys(env).flatMap((name) => ["-e", name]);
      args = [
        "run",
        "-i",
        "--rm",
        ...envFlags,
        ...runtimeArgs,
        pkg.version && !id.includes(":") ? `${id}:${pkg.version}` : id,
        ...packageArgs,
      ];
    } else {
      continue; // nuget, mcpb…: not runnable by the process runtime
    }
    templates.push({
      name: `${base}-${kind === "docker" ? "oci" : kind}`.slice(0, 64),
      title: `${title} (${kind})`,
      description: server.description ?? "",
      category: "registry",
      variables: dedupe(variables),
      instance: { accessMode: "hosted", upstream: { type: "stdio", command, args, env } },
    });
  }
  (server.remotes ?? []).forEach((remote, index) => {
    const type = remote.type === "sse" ? "sse" : "streamable-http";
    const variables: Variable[] = [];
    const headers: Record<string, string> = {};
    for (const header of remote.headers ?? []) {
      if (!header.name) continue;
      if (header.value && !header.isSecret) {
        headers[header.name] = header.value;
        continue;
      }
      const variable = variableOf(header, header.name);
      variables.push(variable);
      headers[header.name] = `{{${variable.name}}}`;
    }
    templates.push({
      name: `${base}-remote${index ? `-${index + 1}` : ""}`.slice(0, 64),
      title: `${title} (remote)`,
      description: server.description ?? "",
      category: "registry",
      variables: dedupe(variables),
      instance: { accessMode: "proxy", upstream: { type, url: remote.url, headers } },
    });
  });
  if (templates.length === 0)
    throw new RuleError("the server.json has no package or remote MCPBox can run", "nothing_to_import");
  return templates;
}

function dedupe(variables: Variable[]): Variable[] {
  const seen = new Set<string>();
  return variables.filter((v) => {
    if (seen.has(v.name)) return false;
    seen.add(v.name);
    return true;
  });
}
