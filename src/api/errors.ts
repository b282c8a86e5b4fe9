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
  const status = (error as FastifyError).statusCode;
  if (status && status >= 400 && status < 500) {
    return sendError(reply, status, (error as FastifyError).code ?? "bad_request", error.message);
  }
  reply.log.error({ err: error }, "unhandled API error");
  return sendError(reply, 500, "internal", "internal error");
}
