import type { FastifyInstance } from "fastify";
import { z } from "zod";
import { verifyPassword } from "../auth/passwords.js";
import type { TwoFactor } from "../auth/two-factor.js";
import type { AuditService } from "../control/audit.js";
import { RuleError } from "../control/errors.js";
import type { UserService } from "../control/users.js";
import { auditSuccess } from "./authn.js";
import { userLoader } from "./users.js";

const codeSchema = z.strictObject({ code: z.string().regex(/^\d{6}$/, "six digits") });
const passwordSchema = z.strictObject({ password: z.string().min(1).max(256) });
const idParams = z.strictObject({ id: z.uuid() });

/** Enrolment in TOTP for the caller, and an admin's reset of another user's second factor. */
export function twoFactorRoutes(deps: { twoFactor: TwoFactor; users: UserService; audit: AuditService }) {
  const self = async (userId: string | null) => {
    const user = userId ? await deps.users.get(userId) : undefined;
    if (!user) throw new RuleError("this credential has no user account", "no_user");
    return user;
  };
  const loadUser = userLoader(deps.users);
  return async (app: FastifyInstance) => {
    app.post(
      "/auth/two-factor/enrol",
      {
        config: {
          access: "authenticated",
          duringSetup: true,
          summary: "Start TOTP enrolment (otpauth URI and QR code)",
        },
      },
      async (request) => {
        const user = await self(request.principal!.userId);
        if (user.totpEnabled)
          throw new RuleError("two-factor sign-in is already on; turn it off first", "already_enrolled");
        return deps.twoFactor.begin(user);
      },
    );

    app.post(
      "/auth/two-factor/confirm",
      {
        config: {
          access: "authenticated",
          duringSetup: true,
          body: codeSchema,
          summary: "Confirm TOTP enrolment; returns recovery codes once",
        },
      },
      async (request) => {
        const user = await self(request.principal!.userId);
        const codes = await deps.twoFactor.confirm(user, codeSchema.parse(request.body).code);
        if (!codes) throw new RuleError("wrong code, or no enrolment in progress", "invalid_code");
        await auditSuccess(deps.audit, request, "user.two_factor_enable", { type: "user", id: user.id });
        return { enabled: true, recoveryCodes: codes };
      },
    );

    app.delete(
      "/auth/two-factor",
      {
        config: {
          access: "authenticated",
          body: passwordSchema,
          summary: "Turn two-factor sign-in off (needs the password)",
        },
      },
      async (request, reply) => {
        const user = await self(request.principal!.userId);
        if (!(await verifyPassword(user.passwordHash, passwordSchema.parse(request.body).password))) {
          throw new RuleError("the password is wrong", "wrong_password");
        }
        await deps.twoFactor.disable(user.id);
        await auditSuccess(deps.audit, request, "user.two_factor_disable", { type: "user", id: user.id });
        return reply.code(204).send();
      },
    );

    /** For a user who lost their device and their recovery codes. */
    app.post(
      "/users/:id/reset-two-factor",
      { config: { access: "user:write", params: idParams, summary: "Reset a user's second factor" } },
      async (request, reply) => {
        // Held to the caller's scope like every other change to a user.
        const { id } = await loadUser(request, "user:write");
        await deps.twoFactor.disable(id);
        await auditSuccess(deps.audit, request, "user.two_factor_reset", { type: "user", id });
        return reply.code(204).send();
      },
    );
  };
}
