import { SSEClientTransport } from "@modelcontextprotocol/sdk/client/sse.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { FetchLike, Transport } from "@modelcontextprotocol/sdk/shared/transport.js";
import type { RemoteUpstream } from "../control/instance-model.js";

/**
 * Opens the SDK client transport for a remote server, with the credentials MCPBox holds for it; `viaFetch`
 * replaces the global one for Streamable HTTP (e.g. a bridge reached through the Kubernetes API server).
 */
export function openRemoteTransport(
  upstream: RemoteUpstream,
  connectTimeoutMs: number,
  viaFetch?: FetchLike,
): Transport {
  const url = new URL(upstream.url);
  const requestInit: RequestInit = { headers: upstream.headers };
  if (upstream.type === "sse") {
    const transport = new SSEClientTransport(url, {
      requestInit,
      eventSourceInit: {
        fetch: (input, init) =>
          fetch(input, {
            ...init,
            headers: { ...(init?.headers as Record<string, string>), ...upstream.headers },
          }),
      },
    });
    return withConnectTimeout(transport, connectTimeoutMs, upstream.type);
  }
  const transport = new StreamableHTTPClientTransport(url, { requestInit, fetch: viaFetch });
  const close = transport.close.bind(transport);
  // End the upstream session too, so the remote server frees it at once.
  transport.close = async () => {
    await transport.terminateSession().catch(() => {});
    await close();
  };
  return transport;
}

function withConnectTimeout(transport: Transport, timeoutMs: number, kind: string): Transport {
  const start = transport.start.bind(transport);
  transport.start = async () => {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`${kind} upstream did not connect within ${timeoutMs / 1000}s`)),
        timeoutMs,
      );
    });
    try {
      await Promise.race([start(), timeout]);
    } catch (error) {
      await transport.close().catch(() => {});
      throw error;
    } finally {
      clearTimeout(timer);
    }
  };
  return transport;
}
