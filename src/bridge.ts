import { parse } from "shell-quote";
import { secretsEqual } from "./auth/access-tokens.js";
import { type Instance, instanceSchema } from "./control/instance-model.js";
import { gatewayRoutes } from "./gateway/routes.js";
import { createHttpApp } from "./http-app.js";
import { createLogger, type Logger } from "./observability/logger.js";
import { Metrics } from "./observability/metrics.js";
import { BRIDGE_TOKEN_HEADER } from "./runtime/command-line.js";
import { Upstreams } from "./upstream/upstreams.js";

export interface BridgeOptions {
  command: string;
  port: number;
  host: string;
  sessionPolicy: "per-session" | "shared";
  allowedOrigins?: string[];
  allowedHosts?: string[];
  requestTimeoutSeconds?: number;
  /**
   * When set, every request needs `Authorization: Bearer <token>` or the token in `X-MCPBox-Bridge-Token`
   * (a container bridge behind MCPBox).
   */
  token?: string;
  /** Environment of the stdio server (e.g. a container's own env, handed through). */
  childEnv?: Record<string, string>;
  logger?: Logger;
}

/** Splits a command line into argv without a shell; shell operators are refused, not interpreted. */
export function commandToArgv(command: string): string[] {
  const parts = parse(command, (name) => `$${name}`);
  const argv = parts.map((part) => {
    if (typeof part !== "string") throw new Error(`shell operators are not supported in --stdio: ${command}`);
    return part;
  });
  if (argv.length === 0) throw new Error("--stdio needs a command");
  return argv;
}

/**
 * `mcpbox bridge`: one stdio server exposed over Streamable HTTP (/mcp) and legacy SSE (/sse, /messages),
 * with the gateway's own relay, supervisor and guards, and no database. This is what containers run.
 */
export async function startBridge(options: BridgeOptions): Promise<{ url: string; close(): Promise<void> }> {
  const logger = options.logger ?? createLogger("info");
  const [command, ...args] = commandToArgv(options.command);
  const instance: Instance = instanceSchema.parse({
    name: "bridge",
    accessMode: "hosted",
    public: options.token === undefined,
    sessionPolicy: options.sessionPolicy,
    requestTimeoutSeconds: options.requestTimeoutSeconds,
    upstream: { type: "stdio", command, args, env: options.childEnv ?? {} },
  });
  const grant = {
    id: "bridge",
    name: "bridge",
    isAdmin: false,
    instanceNames: null,
    expiresAt: null,
    ownerId: null,
  };
  const upstreams = new Upstreams((_, status, detail) =>
    logger.warn({ status, detail }, "bridged server status"),
  );
  const metrics = new Metrics(() => upstreams.processCounts());
  const gateway = gatewayRoutes({
    instances: { get: (name) => (name === instance.name ? instance : undefined) },
    tokens: {
      verify: (secret) =>
        options.token !== undefined && secretsEqual(secret, options.token) ? grant : undefined,
      recordUse: () => {},
    },
    upstreams,
    metrics,
    originPolicy: {
      allowedOrigins: options.allowedOrigins ?? [],
      allowedHosts: options.allowedHosts ?? [],
      listenHost: options.host,
    },
    single: instance.name,
  });
  const app = createHttpApp(logger);
  app.addHook("onRequest", async (request) => {
    const token = request.headers[BRIDGE_TOKEN_HEADER];
    if (typeof token === "string" && token) request.headers.authorization = `Bearer ${token}`;
  });
  await app.register(gateway.register);
  app.get("/healthz", async () => ({ status: "ok" }));
  app.get("/metrics", async (_request, reply) =>
    reply.type(metrics.registry.contentType).send(await metrics.registry.metrics()),
  );
  const url = await app.listen({ port: options.port, host: options.host });
  return {
    url,
    async close() {
      await gateway.sessions.closeAll();
      await upstreams.closeAll();
      app.server.closeAllConnections();
      await app.close();
    },
  };
}
