import Fastify, { type FastifyInstance, LogController } from "fastify";
import type { Logger } from "./observability/logger.js";

/** The one Fastify factory of MCPBox (server and bridge): our logger, no per-request log lines. */
export function createHttpApp(logger: Logger, bodyLimit?: number): FastifyInstance {
  return Fastify({
    loggerInstance: logger as FastifyInstance["log"],
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit,
  });
}
