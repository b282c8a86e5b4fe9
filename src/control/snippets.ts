import { type Instance, maskValues } from "./instance-model.js";

export const CLIENTS = ["claude-desktop", "cursor", "vscode", "claude-code"] as const;
export type ClientKind = (typeof CLIENTS)[number];

const TOKEN_PLACEHOLDER = "<YOUR_MCPBOX_TOKEN>";

export interface Snippet {
  client: ClientKind;
  /** Where the JSON goes, for the person pasting it. */
  file: string;
  json: unknown;
  /** A shell command that does the same, when the client has one. */
  command?: string;
  notes: string[];
}

/**
 * What a user pastes into their MCP client to reach an instance. Hosted and proxy instances go through the
 * gateway with the user's token (the upstream's own credentials never appear); direct instances hand out
 * their upstream configuration, with placeholders where MCPBox holds credentials (env values, headers).
 */
export function snippetFor(
  client: ClientKind,
  instance: Instance,
  baseUrl: string,
  token: string | undefined,
): Snippet {
  const name = instance.name;
  if (instance.accessMode === "direct") return directSnippet(client, instance);
  const url = `${baseUrl.replace(/\/$/, "")}/mcp/${encodeURIComponent(name)}`;
  const bearer = instance.public ? undefined : `Bearer ${token ?? TOKEN_PLACEHOLDER}`;
  const headers = bearer ? { Authorization: bearer } : undefined;
  const notes =
    token || instance.public ? [] : [`Replace ${TOKEN_PLACEHOLDER} with an access token for "${name}".`];
  switch (client) {
    case "claude-desktop": {
      // Claude Desktop's config file starts local commands only; mcp-remote bridges it to the gateway.
      // biome-ignore lint/suspicious/noTemplateCurlyInString: mcp-remote expands ${MCPBOX_AUTH} from env itself
      const args = ["-y", "mcp-remote", url, ...(bearer ? ["--header", "Authorization:${MCPBOX_AUTH}"] : [])];
      return {
        client,
        file: "claude_desktop_config.json",
        json: {
          mcpServers: {
            [name]: { command: "npx", args, ...(bearer ? { env: { MCPBOX_AUTH: bearer } } : {}) },
          },
        },
        notes: [...notes, "Needs Node.js (npx) on the machine running Claude Desktop."],
      };
    }
    case "cursor":
      return {
        client,
        file: "~/.cursor/mcp.json",
        json: { mcpServers: { [name]: { url, ...(headers ? { headers } : {}) } } },
        notes,
      };
    case "vscode":
      return {
        client,
        file: ".vscode/mcp.json",
        json: { servers: { [name]: { type: "http", url, ...(headers ? { headers } : {}) } } },
        notes,
      };
    case "claude-code":
      return {
        client,
        file: ".mcp.json",
        json: { mcpServers: { [name]: { type: "http", url, ...(headers ? { headers } : {}) } } },
        command: `claude mcp add --transport http ${shellWord(name)} ${shellWord(url)}${bearer ? ` --header ${shellWord(`Authorization: ${bearer}`)}` : ""}`,
        notes,
      };
  }
}

/** Each value replaced by a placeholder naming its key: stored credentials are not handed out. */
const placeholders = (values: Record<string, string>) =>
  Object.fromEntries(
    Object.keys(values).map((key) => [key, `<YOUR_${key.toUpperCase().replace(/\W+/g, "_")}>`]),
  );

function directSnippet(client: ClientKind, instance: Instance): Snippet {
  const upstream = instance.upstream;
  const entry =
    upstream.type === "stdio"
      ? {
          command: upstream.command,
          args: upstream.args,
          ...(Object.keys(upstream.env).length ? { env: placeholders(upstream.env) } : {}),
        }
      : {
          type: upstream.type === "sse" ? "sse" : "http",
          url: upstream.url,
          ...(Object.keys(upstream.headers).length ? { headers: placeholders(upstream.headers) } : {}),
        };
  const secrets = upstream.type === "stdio" ? upstream.env : upstream.headers;
  const json =
    client === "vscode"
      ? { servers: { [instance.name]: entry } }
      : { mcpServers: { [instance.name]: entry } };
  const file = {
    "claude-desktop": "claude_desktop_config.json",
    cursor: "~/.cursor/mcp.json",
    vscode: ".vscode/mcp.json",
    "claude-code": ".mcp.json",
  }[client];
  return {
    client,
    file,
    json,
    notes: [
      "Direct instance: your client connects to the server itself, not through MCPBox.",
      ...(Object.keys(secrets).length
        ? [
            "The credentials MCPBox holds for it are not handed out: put your own in place of the placeholders.",
          ]
        : []),
    ],
  };
}

/** An instance as an mcpServers entry, settings under "mcpbox", secret values masked. */
export function exportEntry(instance: Instance): Record<string, unknown> {
  const { name: _name, upstream, ...settings } = instance;
  const entry =
    upstream.type === "stdio"
      ? {
          command: upstream.command,
          args: upstream.args,
          env: maskValues(upstream.env),
          ...(upstream.cwd ? { cwd: upstream.cwd } : {}),
        }
      : { type: upstream.type, url: upstream.url, headers: maskValues(upstream.headers) };
  return { ...entry, mcpbox: settings };
}

const shellWord = (word: string) =>
  /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, "'\\''")}'`;
