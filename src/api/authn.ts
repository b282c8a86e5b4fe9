import type {} from "@fastify/cookie";
import type {} from "@fastify/rate-limit";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { ZodType } from "zod";
import { bearerFrom, type TokenGrant } from "../auth/access-tokens.js";
import type { ConsoleSessions } from "../auth/console-sessions.js";
import { can, PERMISSIONS, type Permission, type Principal } from "../auth/permissions.js";
import { API_KEY_PREFIX, type ApiKeyService } from "../control/api-keys.js";
import type { AuditService } from "../control/audit.js";
import type { UserService } from "../control/users.js";
import { sendError } from "./errors.js";

/** What a route needs: a permission (or several, all of them), any signed-in caller, or nobody (login). */
export type RouteAccess = Permission | Permission[] | "authenticated" | "public";

/** The permissions a route access rule requires (none for "public" and "authenticated"). */
export const requiredPermissions = (access: RouteAccess): Permission[] =>
  access === "public" || access === "authenticated" ? [] : [access].flat();

declare module "fastify" {
  interface FastifyContextConfig {
    access?: RouteAccess;
    /** The schemas the handler parses with, and a one-line summary: the OpenAPI document is built from these. */
    body?: ZodType;
    query?: ZodType;
    params?: ZodType;
    summary?: string;
    /** Reachable by a user who must first change their password or enrol a second factor. */
    duringSetup?: boolean;
  }
  interface FastifyRequest {
    principal?: Principal;
  }
}

export const SESSION_COOKIE = "mcpbox_session";
const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

export interface AuthnDeps {
  sessions: ConsoleSessions;
  apiKeys: ApiKeyService;
  users: UserService;
  audit: AuditService;
  verifyAccessToken: (secret: string) => TokenGrant | undefined;
}

export interface RouteInfo {
  method: string;
  url: string;
  access: RouteAccess;
  body?: ZodType;
  query?: ZodType;
  params?: ZodType;
  summary?: string;
}

/** The admin token of MCPBOX_ADMIN_TOKEN: every permission, every department, no user behind it. */
function adminTokenPrincipal(grant: TokenGrant): Principal {
  return {
    kind: "admin-token",
    userId: null,
    username: `token:${grant.name}`,
    departmentId: null,
    grants: [{ permissions: new Set(PERMISSIONS), departments: null }],
  };
}

export const actorOf = (request: FastifyRequest) =>
  request.principal ? { id: request.principal.userId, name: request.principal.username } : null;

/** Records a successful change made by the caller of this request. */
export function auditSuccess(
  audit: AuditService,
  request: FastifyRequest,
  action: string,
  target?: { type: string; id: string },
  details?: Record<string, unknown>,
) {
  return audit.record({
    action,
    outcome: "success",
    actor: actorOf(request),
    ip: request.ip,
    target,
    details,
  });
}

/**
 * Every API route must declare `config.access`; the registry lists them all (the RBAC matrix test walks
 * it). The preHandler resolves the caller (session cookie, API key, or the admin token) and enforces it.
 */
export function installAccessControl(api: FastifyInstance, deps: AuthnDeps, registry: RouteInfo[]): void {
  api.addHook("onRoute", (route) => {
    const access = route.config?.access;
    if (!access) throw new Error(`API route ${String(route.method)} ${route.url} declares no access rule`);
    for (const method of [route.method].flat()) {
      const { body, query, params, summary } = route.config ?? {};
      if (method !== "HEAD") registry.push({ method, url: route.url, access, body, query, params, summary });
    }
  });

  api.addHook("preHandler", async (request, reply) => {
    const access = request.routeOptions.config.access;
    // No access rule: the not-found handler, which reveals nothing.
    if (access === undefined || access === "public") return;
    const resolved = await resolvePrincipal(request, reply, deps);
    if (!resolved) return reply; // an error was sent
    request.principal = resolved.principal;
    if (resolved.setup && !request.routeOptions.config.duringSetup) {
      return resolved.setup === "password"
        ? sendError(reply, 403, "password_change_required", "change your password before anything else")
        : sendError(reply, 403, "two_factor_required", "your role requires two-factor sign-in: enrol first");
    }
    const needed = requiredPermissions(access);
    const missing = needed.filter((permission) => !can(resolved.principal, permission));
    if (missing.length === 0) return;
    await deps.audit.record({
      action: "access.denied",
      outcome: "denied",
      actor: actorOf(request),
      ip: request.ip,
      details: { method: request.method, route: request.routeOptions.url, permission: missing.join(",") },
    });
    return sendError(reply, 403, "permission_denied", `this needs the ${missing.join(" and ")} permission`);
  });
}

async function resolvePrincipal(
  request: FastifyRequest,
  reply: FastifyReply,
  deps: AuthnDeps,
): Promise<{ principal: Principal; setup?: "password" | "two_factor" } | undefined> {
  const unauthenticated = (message: string, code = "unauthenticated") => {
    reply.header("www-authenticate", 'Bearer realm="mcpbox"');
    void sendError(reply, 401, code, message);
    return undefined;
  };
  const bearer = bearerFrom(request.headers.authorization);
  if (bearer?.startsWith(API_KEY_PREFIX)) {
    const key = await deps.apiKeys.verify(bearer);
    const principal = key && (await deps.users.principal(key.userId, "api-key"));
    if (!principal)
      return unauthenticated("the API key is unknown, revoked, expired, or its user is disabled");
    return { principal };
  }
  if (bearer) {
    const grant = deps.verifyAccessToken(bearer);
    if (!grant) return unauthenticated("the bearer token is unknown, revoked or expired");
    if (!grant.isAdmin) {
      void sendError(reply, 403, "forbidden", "MCP access tokens do not open the admin API; use an API key");
      return undefined;
    }
    return { principal: adminTokenPrincipal(grant) };
  }
  const cookie = request.cookies[SESSION_COOKIE];
  if (!cookie) return unauthenticated("sign in, or send an API key as a bearer token");
  const checked = await deps.sessions.check(cookie);
  if (!checked.ok) {
    reply.clearCookie(SESSION_COOKIE, { path: "/" });
    return unauthenticated(`the session has ended (${checked.reason}); sign in again`, "session_expired");
  }
  if (!SAFE_METHODS.has(request.method) && request.headers["x-csrf-token"] !== checked.session.csrfToken) {
    void sendError(reply, 403, "csrf_failed", "missing or wrong X-CSRF-Token header");
    return undefined;
  }
  const principal = await deps.users.principalOf(checked.user, "session");
  if (!principal) return unauthenticated("the account is disabled");
  principal.sessionId = checked.session.id;
  principal.csrfToken = checked.session.csrfToken;
  if (checked.user.mustChangePassword) return { principal, setup: "password" };
  if (principal.requireTwoFactor && !checked.user.totpEnabled) return { principal, setup: "two_factor" };
  return { principal };
}
