import { readFileSync } from "node:fs";
import Fastify, { type FastifyError, type FastifyInstance, type FastifyReply, LogController } from "fastify";
import type { Logger } from "./observability/logger.js";

export interface TlsFiles {
  cert: string;
  key: string;
}

/** The one Fastify factory of MCPBox (server and bridge): our logger, no per-request log lines, HTTPS on request. */
export function createHttpApp(logger: Logger, bodyLimit?: number, tls?: TlsFiles): FastifyInstance {
  const https = tls ? { cert: readFileSync(tls.cert), key: readFileSync(tls.key) } : null;
  return Fastify({
    https,
    loggerInstance: logger as FastifyInstance["log"],
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit,
    // Malformed or overlong URLs fail before any route: answer in the shape of the face that was asked.
    frameworkErrors: (error: FastifyError, request, rawReply) => {
      const reply = rawReply as unknown as FastifyReply;
      const status = error.statusCode ?? 400;
      reply.code(status).type("application/json");
      if (
        request.url.startsWith("/mcp") ||
        request.url.startsWith("/sse") ||
        request.url.startsWith("/messages")
      ) {
        return reply.send({ jsonrpc: "2.0", id: null, error: { code: -32600, message: error.message } });
      }
      return reply.send({
        error: { code: status === 414 ? "uri_too_long" : "bad_url", message: error.message },
      });
    },
  }) as unknown as FastifyInstance;
}
