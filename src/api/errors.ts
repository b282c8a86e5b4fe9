import type { FastifyError, FastifyReply } from "fastify";
import { ZodError } from "zod";
import { ConflictError, ForbiddenError, NotFoundError, RuleError } from "../control/errors.js";
import { localize, pickLanguage } from "./messages.js";

/** The one error shape of the admin API; the message follows the request's Accept-Language. */
export function sendError(
  reply: FastifyReply,
  status: number,
  code: string,
  message: string,
  details?: unknown,
) {
  const language = pickLanguage(reply.request.headers["accept-language"]);
  reply.header("content-language", language);
  reply.header("vary", "Accept-Language");
  const text = localize(code, message, language);
  return reply
    .code(status)
    .send({ error: { code, message: text, ...(details === undefined ? {} : { details }) } });
}

export function zodDetails(error: ZodError) {
  return error.issues.map((issue) => ({ path: issue.path.join("."), message: issue.message }));
}

/** Maps thrown errors to the API's error shape; unknown errors become a 500 without internals. */
export function apiErrorHandler(error: FastifyError | Error, reply: FastifyReply) {
  if (error instanceof ZodError)
    return sendError(reply, 400, "validation_failed", "invalid request", zodDetails(error));
  if (error instanceof NotFoundError) return sendError(reply, 404, "not_found", error.message);
  if (error instanceof ConflictError) return sendError(reply, 409, "conflict", error.message);
  if (error instanceof RuleError) return sendError(reply, 400, error.code, error.message, error.details);
  if (error instanceof ForbiddenError) return sendError(reply, 403, "forbidden", error.message);
  // A write that lost a race with another (a role granted between the in-use check and the delete): the
  // database's constraints refuse it, and the caller gets the conflict it would have got a moment later.
  const constraint = databaseConstraint(error);
  if (constraint) return sendError(reply, 409, "conflict", constraint);
  const status = (error as FastifyError).statusCode;
  if (status && status >= 400 && status < 500) {
    return sendError(reply, status, (error as FastifyError).code ?? "bad_request", error.message);
  }
  reply.log.error({ err: error }, "unhandled API error");
  return sendError(reply, 500, "internal", "internal error");
}

const CONSTRAINT_MESSAGES: Record<string, string> = {
  "23503": "still in use, or refers to something that no longer exists",
  "23505": "already exists",
};

/** The message for a PostgreSQL integrity violation (drizzle wraps the driver's error as its cause). */
function databaseConstraint(error: unknown): string | undefined {
  for (let current = error, depth = 0; current && depth < 3; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === "string" && code in CONSTRAINT_MESSAGES) return CONSTRAINT_MESSAGES[code];
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}
