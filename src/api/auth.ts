import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { z } from "zod";
import type { ConsoleSessions, LoginResult } from "../auth/console-sessions.js";
import type { AuditService } from "../control/audit.js";
import { text } from "../control/text.js";
import type { UserService } from "../control/users.js";
import { actorOf, SESSION_COOKIE } from "./authn.js";
import { sendError } from "./errors.js";

const loginSchema = z.strictObject({
  username: text(64).pipe(z.string().min(1)),
  password: z.string().min(1).max(256),
});
const secondStepSchema = z.strictObject({
  challenge: z.string().min(10).max(100),
  /** Six digits from the authenticator app, or one recovery code. */
  code: z.string().min(6).max(20),
});
const passwordChangeSchema = z.strictObject({
  currentPassword: z.string().min(1).max(256),
  newPassword: z.string().min(1).max(256),
});

export interface AuthRouteDeps {
  sessions: ConsoleSessions;
  users: UserService;
  audit: AuditService;
  absoluteHours: () => number;
  /** Requests per minute per client address on the login route. */
  loginRateLimit: number;
}

export function authRoutes(deps: AuthRouteDeps) {
  return async (app: FastifyInstance) => {
    const loginRate = { max: deps.loginRateLimit, timeWindow: 60_000 };

    /** Audits a sign-in step and answers it: the session cookie, a second-factor challenge, or an error. */
    const answer = async (
      result: LoginResult,
      attempted: string,
      request: FastifyRequest,
      reply: FastifyReply,
    ) => {
      const actor = result.user
        ? { id: result.user.id, name: result.user.username }
        : { id: null, name: attempted };
      if (!result.ok && result.reason === "two_factor_required") {
        return { twoFactorRequired: true, challenge: result.challenge };
      }
      if (!result.ok) {
        const action = result.lockedNow
          ? "login.lockout"
          : result.reason === "locked"
            ? "login.locked"
            : "login.failure";
        await deps.audit.record({
          action,
          outcome: "failure",
          actor,
          ip: request.ip,
          details: { reason: result.reason },
        });
        if (result.reason === "locked" || result.lockedNow) {
          return sendError(
            reply,
            423,
            "account_locked",
            "too many failed logins; the account is locked for a while",
          );
        }
        if (result.reason === "disabled")
          return sendError(reply, 403, "account_disabled", "the account is disabled");
        if (result.reason === "invalid_code")
          return sendError(reply, 401, "invalid_code", "wrong or used code");
        if (result.reason === "challenge_expired") {
          return sendError(reply, 401, "challenge_expired", "the sign-in took too long; start again");
        }
        return sendError(reply, 401, "invalid_credentials", "wrong username or password");
      }
      await deps.audit.record({ action: "login.success", outcome: "success", actor, ip: request.ip });
      reply.setCookie(SESSION_COOKIE, result.secret, {
        path: "/",
        httpOnly: true,
        sameSite: "lax",
        secure: request.protocol === "https",
        maxAge: deps.absoluteHours() * 3600,
      });
      return {
        user: await deps.users.present(result.user),
        csrfToken: result.session.csrfToken,
        mustChangePassword: result.user.mustChangePassword,
        expiresAt: result.session.expiresAt.toISOString(),
      };
    };

    app.post(
      "/auth/login",
      {
        config: {
          access: "public",
          rateLimit: loginRate,
          body: loginSchema,
          summary: "Sign in with a password (may ask for a second factor)",
        },
      },
      async (request, reply) => {
        const { username, password } = loginSchema.parse(request.body);
        const meta = { ip: request.ip, userAgent: request.headers["user-agent"] };
        return answer(await deps.sessions.login(username, password, meta), username, request, reply);
      },
    );

    app.post(
      "/auth/login/two-factor",
      {
        config: {
          access: "public",
          rateLimit: loginRate,
          body: secondStepSchema,
          summary: "Second sign-in step: a TOTP or recovery code",
        },
      },
      async (request, reply) => {
        const { challenge, code } = secondStepSchema.parse(request.body);
        return answer(await deps.sessions.completeTwoFactor(challenge, code), "", request, reply);
      },
    );

    app.post(
      "/auth/logout",
      { config: { access: "authenticated", duringSetup: true, summary: "Sign out" } },
      async (request, reply) => {
        if (request.principal?.sessionId) await deps.sessions.logout(request.principal.sessionId);
        await deps.audit.record({
          action: "logout",
          outcome: "success",
          actor: actorOf(request),
          ip: request.ip,
        });
        reply.clearCookie(SESSION_COOKIE, { path: "/" });
        return reply.code(204).send();
      },
    );

    app.get(
      "/auth/me",
      { config: { access: "authenticated", duringSetup: true, summary: "Who am I, with my permissions" } },
      async (request) => {
        const principal = request.principal!;
        const permissions = [...new Set(principal.grants.flatMap((g) => [...g.permissions]))].sort();
        const user = principal.userId ? await deps.users.get(principal.userId) : undefined;
        return {
          kind: principal.kind,
          user: user ? await deps.users.present(user) : null,
          username: principal.username,
          permissions,
          /** A console reloaded in the browser gets its CSRF token back here (same-origin reads only). */
          csrfToken: principal.csrfToken ?? null,
          /** The user must enrol a second factor before anything else. */
          twoFactorEnrolmentRequired: Boolean(principal.requireTwoFactor && user && !user.totpEnabled),
        };
      },
    );

    app.post(
      "/auth/password",
      {
        config: {
          access: "authenticated",
          duringSetup: true,
          body: passwordChangeSchema,
          summary: "Change my password",
        },
      },
      async (request, reply) => {
        const principal = request.principal!;
        if (!principal.userId) return sendError(reply, 400, "no_user", "this credential has no user account");
        const { currentPassword, newPassword } = passwordChangeSchema.parse(request.body);
        try {
          await deps.users.changePassword(principal.userId, currentPassword, newPassword);
        } catch (error) {
          await deps.audit.record({
            action: "user.password_change",
            outcome: "failure",
            actor: actorOf(request),
            ip: request.ip,
            target: { type: "user", id: principal.userId },
          });
          throw error;
        }
        await deps.audit.record({
          action: "user.password_change",
          outcome: "success",
          actor: actorOf(request),
          ip: request.ip,
          target: { type: "user", id: principal.userId },
        });
        return reply.code(204).send();
      },
    );

    app.get(
      "/auth/sessions",
      { config: { access: "authenticated", summary: "My live console sessions" } },
      async (request) => {
        const principal = request.principal!;
        if (!principal.userId) return { items: [] };
        const live = await deps.sessions.live(principal.userId);
        return {
          items: live.map((s) => ({
            id: s.id,
            current: s.id === principal.sessionId,
            ip: s.ip,
            userAgent: s.userAgent,
            createdAt: s.createdAt.toISOString(),
            lastSeenAt: s.lastSeenAt.toISOString(),
            expiresAt: s.expiresAt.toISOString(),
          })),
        };
      },
    );

    /** Sign out everywhere: every session of the caller, this one included. */
    app.post(
      "/auth/sessions/revoke-all",
      { config: { access: "authenticated", summary: "Sign me out everywhere" } },
      async (request, reply) => {
        const principal = request.principal!;
        const revoked = principal.userId ? await deps.sessions.revokeAll(principal.userId) : 0;
        await deps.audit.record({
          action: "session.revoke_all",
          outcome: "success",
          actor: actorOf(request),
          ip: request.ip,
          target: principal.userId ? { type: "user", id: principal.userId } : null,
          details: { revoked },
        });
        reply.clearCookie(SESSION_COOKIE, { path: "/" });
        return { revoked };
      },
    );
  };
}
