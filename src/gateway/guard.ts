import { isIP } from "node:net";

const LOOPBACK_NAMES = new Set(["localhost", "127.0.0.1", "[::1]", "::1"]);

export interface OriginPolicy {
  /** Exact origins (scheme://host[:port]) allowed besides loopback ones. */
  allowedOrigins: string[];
  /** Host names allowed in the Host header besides loopback names; "*" allows any. */
  allowedHosts: string[];
  /** The address the server listens on: when it is loopback, only loopback Host names are accepted. */
  listenHost: string;
}

function hostname(hostHeader: string): string {
  if (hostHeader.startsWith("[")) return hostHeader.slice(0, hostHeader.indexOf("]") + 1).toLowerCase();
  return hostHeader.split(":")[0].toLowerCase();
}

/** The Host header as URL.host would spell it for this scheme (default ports dropped, lower case). */
function normalizedHost(protocol: string, hostHeader: string): string {
  const host = hostHeader.toLowerCase();
  const defaultPort = protocol === "https:" ? ":443" : protocol === "http:" ? ":80" : undefined;
  return defaultPort && host.endsWith(defaultPort) ? host.slice(0, -defaultPort.length) : host;
}

function isLoopbackListen(host: string): boolean {
  return LOOPBACK_NAMES.has(host) || host.startsWith("127.");
}

/**
 * DNS-rebinding defence: a browser page on another origin must not reach the gateway. Returns a reason when
 * the request must be refused (403), undefined when it may pass.
 */
export function checkOriginAndHost(
  policy: OriginPolicy,
  headers: { origin?: string; host?: string },
): string | undefined {
  const host = headers.host ? hostname(headers.host) : undefined;
  if (host !== undefined && !policy.allowedHosts.includes("*")) {
    const allowed =
      LOOPBACK_NAMES.has(host) ||
      policy.allowedHosts.map((h) => h.toLowerCase()).includes(host) ||
      (!isLoopbackListen(policy.listenHost) && (isIP(host) !== 0 || policy.allowedHosts.length === 0));
    if (!allowed) return `Host "${headers.host}" is not allowed`;
  }
  const origin = headers.origin;
  if (origin === undefined) return undefined;
  if (policy.allowedOrigins.includes(origin)) return undefined;
  let parsed: URL;
  try {
    parsed = new URL(origin);
  } catch {
    return `Origin "${origin}" is not allowed`;
  }
  if (LOOPBACK_NAMES.has(parsed.hostname) || parsed.hostname.startsWith("127.")) return undefined;
  // The console's own pages (the Inspector) call the gateway same-origin. The Host check above already
  // refused rebinding names, so a page whose origin is the Host it reached is MCPBox's own.
  if (headers.host && parsed.host.toLowerCase() === normalizedHost(parsed.protocol, headers.host)) {
    return undefined;
  }
  return `Origin "${origin}" is not allowed`;
}
