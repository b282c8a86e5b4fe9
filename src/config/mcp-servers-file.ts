import { readFileSync } from "node:fs";
import { z } from "zod";
import { type Instance, instanceSchema, instanceSettingsSchema } from "../control/instance-model.js";

/** One `mcpServers` entry, as Claude Desktop / Cursor / VS Code write it, plus our optional `mcpbox` key. */
const entrySchema = z.strictObject({
  command: z.string().optional(),
  args: z.array(z.string()).optional(),
  env: z.record(z.string(), z.string()).optional(),
  cwd: z.string().optional(),
  url: z.string().optional(),
  type: z.enum(["stdio", "sse", "streamable-http", "http"]).optional(),
  transport: z.enum(["stdio", "sse", "streamable-http", "http"]).optional(),
  headers: z.record(z.string(), z.string()).optional(),
  mcpbox: instanceSettingsSchema.partial().optional(),
});

const fileSchema = z.looseObject({ mcpServers: z.record(z.string(), z.unknown()) });

export class ConfigFileError extends Error {
  constructor(
    message: string,
    readonly issues: string[],
  ) {
    super(`${message}:\n  ${issues.join("\n  ")}`);
    this.name = "ConfigFileError";
  }
}

function describe(prefix: string, error: z.ZodError): string[] {
  return error.issues.map((issue) => {
    const path = [prefix, ...issue.path.map(String)].join(".");
    return `${path}: ${issue.message}`;
  });
}

/** Turns one mcpServers entry into an instance; throws a ConfigFileError naming the entry and field. */
export function entryToInstance(name: string, raw: unknown): Instance {
  const where = `mcpServers.${name}`;
  const entry = entrySchema.safeParse(raw);
  if (!entry.success) throw new ConfigFileError(`invalid entry "${name}"`, describe(where, entry.error));
  const { mcpbox = {}, ...server } = entry.data;
  const kind = server.type ?? server.transport ?? (server.url ? "streamable-http" : "stdio");
  let upstream: unknown;
  if (kind === "stdio") {
    upstream = {
      type: "stdio",
      command: server.command,
      args: server.args,
      env: server.env,
      cwd: server.cwd,
    };
  } else {
    upstream = { type: kind === "http" ? "streamable-http" : kind, url: server.url, headers: server.headers };
  }
  const accessMode = mcpbox.accessMode ?? (kind === "stdio" ? "hosted" : "proxy");
  const parsed = instanceSchema.safeParse({ ...mcpbox, accessMode, name, upstream });
  if (!parsed.success) throw new ConfigFileError(`invalid entry "${name}"`, describe(where, parsed.error));
  return parsed.data;
}

/** Parses a whole claude_desktop_config.json-style document; every bad entry is reported, none is kept. */
export function parseMcpServersDocument(document: unknown): Instance[] {
  const file = fileSchema.safeParse(document);
  if (!file.success) throw new ConfigFileError("invalid config file", describe("(root)", file.error));
  const instances: Instance[] = [];
  const issues: string[] = [];
  for (const [name, raw] of Object.entries(file.data.mcpServers)) {
    try {
      instances.push(entryToInstance(name, raw));
    } catch (error) {
      if (error instanceof ConfigFileError) issues.push(...error.issues);
      else throw error;
    }
  }
  if (issues.length > 0) throw new ConfigFileError("invalid mcpServers entries", issues);
  return instances;
}

export function readMcpServersFile(path: string): Instance[] {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    throw new ConfigFileError(`cannot read config file ${path}`, [(error as Error).message]);
  }
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (error) {
    throw new ConfigFileError(`config file ${path} is not valid JSON`, [(error as Error).message]);
  }
  return parseMcpServersDocument(document);
}
