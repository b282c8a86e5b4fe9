import { readFileSync } from "node:fs";
import { Command, Option } from "commander";
import { startBridge } from "../bridge.js";
import { ConfigFileError, parseMcpServersDocument } from "../config/mcp-servers-file.js";
import { resolveConfig } from "../config/server-config.js";
import { createServer } from "../server.js";
import { ApiClient, ApiRequestError } from "./api-client.js";
import { offlineCommands } from "./offline.js";

const program = new Command("mcpbox")
  .description("Self-hosted manager and gateway for MCP servers")
  .version("0.1.0");

function collect(value: string, previous: string[] = []) {
  return [...previous, ...value.split(",").map((v) => v.trim())];
}

function onSignals(close: () => Promise<void>) {
  let stopping = false;
  for (const signal of ["SIGTERM", "SIGINT"] as const) {
    process.on(signal, () => {
      if (stopping) process.exit(1);
      stopping = true;
      close().then(
        () => process.exit(0),
        () => process.exit(1),
      );
    });
  }
}

program
  .command("serve")
  .description("start MCPBox: gateway, admin API and monitoring on one port")
  .option("-p, --port <port>", "port to listen on (default 8800)")
  .option("-H, --host <host>", "address to bind (default 127.0.0.1)")
  .option("-d, --data-dir <dir>", "data directory for the embedded database (default ./data)")
  .option("-c, --config <file>", "claude_desktop_config.json-style file of mcpServers to load at start")
  .option("--database-url <url>", "PostgreSQL URL (default: embedded PGlite in the data dir)")
  .option("--allowed-origin <origin>", "browser origin allowed to reach the gateway (repeatable)", collect)
  .option("--allowed-host <host>", "Host header value to accept, or * (repeatable)", collect)
  .option("--log-level <level>", "fatal|error|warn|info|debug|trace|silent")
  .option("--tls-cert <file>", "PEM certificate: serve HTTPS (with --tls-key)")
  .option("--tls-key <file>", "PEM private key for --tls-cert")
  .option("--cors-origin <origin>", "browser origin allowed to call the admin API (repeatable)", collect)
  .action(async (flags) => {
    const config = resolveConfig({
      tlsCert: flags.tlsCert,
      tlsKey: flags.tlsKey,
      corsOrigins: flags.corsOrigin,
      port: flags.port,
      host: flags.host,
      dataDir: flags.dataDir,
      config: flags.config,
      databaseUrl: flags.databaseUrl,
      allowedOrigins: flags.allowedOrigin,
      allowedHosts: flags.allowedHost,
      logLevel: flags.logLevel,
    });
    const box = await createServer(config);
    box.logger.info({ url: box.url, store: box.store.kind }, "MCPBox is listening");
    onSignals(() => box.close());
  });

program
  .command("bridge")
  .description("expose one stdio MCP server over Streamable HTTP (/mcp) and SSE (/sse)")
  .requiredOption(
    "--stdio <command>",
    'the server command line, e.g. "npx -y @modelcontextprotocol/server-everything"',
  )
  .option("-p, --port <port>", "port to listen on", "8000")
  .option("-H, --host <host>", "address to bind", "127.0.0.1")
  .addOption(
    new Option("--session-policy <policy>", "one child per session, or one shared")
      .choices(["per-session", "shared"])
      .default("per-session"),
  )
  .option("--allowed-host <host>", "Host header value to accept, or * (repeatable)", collect)
  .action(async (flags) => {
    const bridge = await startBridge({
      command: flags.stdio,
      port: Number(flags.port),
      host: flags.host,
      sessionPolicy: flags.sessionPolicy,
      allowedHosts: flags.allowedHost,
    });
    console.error(`mcpbox bridge listening on ${bridge.url} (/mcp, /sse)`);
    onSignals(() => bridge.close());
  });

const remote = (cmd: Command) =>
  cmd
    .option("--url <url>", "MCPBox server URL", process.env.MCPBOX_URL ?? "http://127.0.0.1:8800")
    .option("--token <token>", "admin token (or MCPBOX_TOKEN)", process.env.MCPBOX_TOKEN);

const token = program.command("token").description("manage access tokens on a running server");
remote(token.command("create"))
  .description("create a token; the secret is printed once")
  .requiredOption("--name <name>", "what the token is for")
  .option("--instance <name>", "instance the token opens (repeatable; default all)", collect)
  .option("--expires-in <seconds>", "lifetime in seconds")
  .option("--admin", "allow the admin API", false)
  .action(async (flags) => {
    const api = new ApiClient(flags.url, flags.token);
    const created = await api.request<{ id: string; secret: string }>("POST", "/tokens", {
      name: flags.name,
      instances: flags.instance,
      expiresInSeconds: flags.expiresIn ? Number(flags.expiresIn) : undefined,
      admin: flags.admin,
    });
    console.log(JSON.stringify(created, null, 2));
  });
remote(token.command("list"))
  .description("list tokens")
  .action(async (flags) => {
    const api = new ApiClient(flags.url, flags.token);
    const { items } = await api.request<{ items: Record<string, unknown>[] }>("GET", "/tokens");
    console.table(
      items.map(({ id, name, prefix, instances, expiresAt, revokedAt, useCount }) => ({
        id,
        name,
        prefix,
        instances: JSON.stringify(instances),
        expiresAt,
        revokedAt,
        useCount,
      })),
    );
  });
remote(token.command("revoke <id>"))
  .description("revoke a token")
  .action(async (id, flags) => {
    await new ApiClient(flags.url, flags.token).request("DELETE", `/tokens/${encodeURIComponent(id)}`);
    console.log(`revoked ${id}`);
  });

remote(program.command("import <file>"))
  .description("create instances from a claude_desktop_config.json-style file on a running server")
  .action(async (file, flags) => {
    const instances = parseMcpServersDocument(JSON.parse(readFileSync(file, "utf8")));
    const api = new ApiClient(flags.url, flags.token);
    let failed = 0;
    for (const instance of instances) {
      try {
        await api.request("POST", "/instances", instance);
        console.log(`created ${instance.name}`);
      } catch (error) {
        failed++;
        console.error(`${instance.name}: ${(error as Error).message}`);
      }
    }
    if (failed > 0) process.exitCode = 1;
  });

offlineCommands(program);

program.parseAsync(process.argv).catch((error: unknown) => {
  if (error instanceof ConfigFileError || error instanceof ApiRequestError || error instanceof Error) {
    console.error(`mcpbox: ${error.message}`);
  }
  process.exit(1);
});
