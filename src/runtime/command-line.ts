import { quote } from "shell-quote";
import type { Instance, StdioUpstream } from "../control/instance-model.js";

/** The port the bridge listens on inside a container or pod. */
export const BRIDGE_PORT = 8000;

/**
 * The bridge also takes its token from this header: through the Kubernetes API server's service proxy,
 * `Authorization` carries the cluster credentials and the API server removes it before forwarding.
 */
export const BRIDGE_TOKEN_HEADER = "x-mcpbox-bridge-token";

/** argv as one command line that `mcpbox bridge --stdio` splits back into the same argv. */
export const commandLine = (argv: string[]) => quote(argv);

/** The bridge's arguments that serve an instance's stdio server (the same for Docker and Kubernetes). */
export function bridgeArgs(instance: Instance, upstream: StdioUpstream): string[] {
  return [
    "--stdio",
    commandLine([upstream.command, ...upstream.args]),
    "--port",
    String(BRIDGE_PORT),
    "--session-policy",
    instance.sessionPolicy,
  ];
}
