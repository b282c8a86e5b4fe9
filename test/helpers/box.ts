import { fileURLToPath } from "node:url";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { SSEClientTransport } from "@modelcontextprotocol/sdk/client/sse.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { Clock } from "../../src/auth/clock.js";
import type { ServerConfigInput } from "../../src/config/server-config.js";
import { resolveConfig } from "../../src/config/server-config.js";
import type { InstanceInput } from "../../src/control/instance-model.js";
import { createLogger } from "../../src/observability/logger.js";
import { createServer, type McpBox } from "../../src/server.js";

export const ADMIN_TOKEN = "test-admin-token-0123456789";
export const ADMIN_PASSWORD = "correct horse battery staple";

/** A clock the test moves by hand (idle and absolute session timeouts, lockout expiry). */
export class ManualClock implements Clock {
  private at = Date.now();
  now(): Date {
    return new Date(this.at);
  }
  advance(ms: number): void {
    this.at += ms;
  }
}
export const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/${name}`, import.meta.url));

/** A stdio instance definition running one of our fixture servers with plain node. */
export function stdioInstance(
  name: string,
  script: string,
  extra: Partial<InstanceInput> = {},
): InstanceInput {
  return {
    name,
    accessMode: "hosted",
    upstream: { type: "stdio", command: process.execPath, args: [fixture(script)], env: {} },
    ...extra,
  } as InstanceInput;
}

export interface TestBox {
  box: McpBox;
  url: string;
  mcpUrl(name: string): string;
  /** Creates an access token through the admin API and returns its secret. */
  token(instances?: string[] | null, extra?: Record<string, unknown>): Promise<string>;
  api(method: string, path: string, body?: unknown, token?: string): Promise<Response>;
  close(): Promise<void>;
}

/** Starts a real MCPBox on 127.0.0.1:0 with an in-memory store (or DATABASE_URL when asked). */
export async function startBox(
  instances: InstanceInput[] = [],
  config: Partial<ServerConfigInput> = {},
  options: { clock?: Clock; logSink?: (line: string) => void } = {},
): Promise<TestBox> {
  const resolved = resolveConfig(
    {
      port: 0,
      dataDir: ":memory:",
      adminToken: ADMIN_TOKEN,
      adminPassword: ADMIN_PASSWORD,
      logLevel: "silent",
      ...config,
    },
    {},
  );
  const sink = options.logSink;
  const logger = createLogger(
    resolved.logLevel,
    sink ? { write: (line: string) => void sink(line) } : undefined,
  );
  const box = await createServer(resolved, { logger, clock: options.clock });
  for (const instance of instances) await box.instances.create(instance);
  const api = (method: string, path: string, body?: unknown, token = ADMIN_TOKEN) =>
    fetch(`${box.url}/api/v1${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { "content-type": "application/json" }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  return {
    box,
    url: box.url,
    mcpUrl: (name) => `${box.url}/mcp/${name}`,
    api,
    async token(scope = null, extra = {}) {
      const response = await api("POST", "/tokens", { name: "test", instances: scope, ...extra });
      if (response.status !== 201)
        throw new Error(`token create failed: ${response.status} ${await response.text()}`);
      return ((await response.json()) as { secret: string }).secret;
    },
    close: () => box.close(),
  };
}

/** An official SDK client connected over Streamable HTTP or legacy SSE. */
export async function connectClient(
  url: string,
  options: { token?: string; transport?: "streamable-http" | "sse"; client?: Client } = {},
): Promise<Client> {
  const headers: Record<string, string> = options.token ? { authorization: `Bearer ${options.token}` } : {};
  const client = options.client ?? new Client({ name: "mcpbox-test", version: "1.0.0" });
  const transport =
    options.transport === "sse"
      ? new SSEClientTransport(new URL(`${url}/sse`), {
          requestInit: { headers },
          eventSourceInit: {
            fetch: (input, init) =>
              fetch(input, { ...init, headers: { ...(init?.headers as object), ...headers } }),
          },
        })
      : new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers } });
  await client.connect(transport);
  return client;
}

/** Ends a client's session the way a well-behaved client does: DELETE (Streamable HTTP), then close. */
export async function disconnect(client: Client): Promise<void> {
  const transport = client.transport;
  if (transport instanceof StreamableHTTPClientTransport) await transport.terminateSession().catch(() => {});
  await client.close();
}
