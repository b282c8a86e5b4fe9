import type { FastifyReply, FastifyRequest } from "fastify";
import { bearerFrom, type TokenGrant } from "../auth/access-tokens.js";
import { sendError } from "./errors.js";

declare module "fastify" {
  interface FastifyRequest {
    admin?: TokenGrant;
  }
}

/** Admin API access: a bearer token with the admin flag. (The control-plane issue widens this into RBAC.) */
export function requireAdmin(tokens: { verify(secret: string): TokenGrant | undefined }) {
  return async (request: FastifyRequest, reply: FastifyReply) => {
    const secret = bearerFrom(request.headers.authorization);
    const grant = secret ? tokens.verify(secret) : undefined;
    if (!grant) {
      reply.header("www-authenticate", 'Bearer realm="mcpbox-admin"');
      return sendError(reply, 401, "unauthenticated", "a valid admin bearer token is required");
    }
    if (!grant.isAdmin) return sendError(reply, 403, "forbidden", "this token is not an admin token");
    request.admin = grant;
  };
}
