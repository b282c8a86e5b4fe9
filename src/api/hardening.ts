import cors from "@fastify/cors";
import helmet from "@fastify/helmet";
import type { FastifyInstance } from "fastify";

/**
 * Security headers for everything but the MCP gateway (whose JSON and event streams gain nothing from
 * them and are the hot path): nosniff, frame denial, a strict CSP, no referrer, and HSTS under TLS.
 */
export async function securityHeaders(scope: FastifyInstance, tls: boolean): Promise<void> {
  await scope.register(helmet, {
    global: true,
    hsts: tls ? { maxAge: 31_536_000, includeSubDomains: true } : false,
    contentSecurityPolicy: {
      useDefaults: true,
      directives: { "upgrade-insecure-requests": tls ? [] : null },
    },
    referrerPolicy: { policy: "no-referrer" },
  });
}

/** CORS for the admin API: closed unless the origin is on the configured allowlist. */
export async function corsAllowlist(scope: FastifyInstance, origins: string[]): Promise<void> {
  const allowed = new Set(origins);
  await scope.register(cors, {
    origin: (origin, callback) => callback(null, origin !== undefined && allowed.has(origin)),
    credentials: true,
    methods: ["GET", "POST", "PATCH", "PUT", "DELETE"],
    allowedHeaders: ["content-type", "authorization", "x-csrf-token", "accept-language"],
    maxAge: 600,
  });
}
