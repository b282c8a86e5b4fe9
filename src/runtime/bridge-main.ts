// The entry point of the bridge bundle that containers run (`node mcpbox-bridge.mjs`): the `mcpbox bridge`
// command without the server's database and console, so it bundles into one file.
import { parseArgs } from "node:util";
import { startBridge } from "../bridge.js";
import { createLogger } from "../observability/logger.js";

const { values } = parseArgs({
  options: {
    stdio: { type: "string" },
    port: { type: "string", default: "8000" },
    host: { type: "string", default: "0.0.0.0" },
    "session-policy": { type: "string", default: "per-session" },
  },
});
if (!values.stdio) {
  console.error(
    "usage: mcpbox-bridge --stdio <command> [--port 8000] [--host 0.0.0.0] [--session-policy per-session|shared]",
  );
  process.exit(2);
}
// The container's environment, minus the bridge's own settings, is the MCP server's environment.
const childEnv = Object.fromEntries(
  Object.entries(process.env).filter(([key, value]) => value !== undefined && !key.startsWith("MCPBOX_")),
) as Record<string, string>;
const bridge = await startBridge({
  command: values.stdio,
  port: Number(values.port),
  host: values.host!,
  sessionPolicy: values["session-policy"] === "shared" ? "shared" : "per-session",
  allowedHosts: ["*"],
  token: process.env.MCPBOX_BRIDGE_TOKEN || undefined,
  childEnv,
  logger: createLogger(process.env.MCPBOX_LOG_LEVEL ?? "warn"),
});
console.error(`mcpbox bridge listening on ${bridge.url}`);
for (const signal of ["SIGTERM", "SIGINT"] as const) {
  process.on(signal, () => void bridge.close().then(() => process.exit(0)));
}
