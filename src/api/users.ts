import type { FastifyInstance } from "fastify";
import { z } from "zod";
import type { ConsoleSessions } from "../auth/console-sessions.js";
import { departmentsFor, heldPermissions, type Principal, type Scoped } from "../auth/permissions.js";
import type { AuditService } from "../control/audit.js";
import type { DirectoryService } from "../control/directory.js";
import { ForbiddenError } from "../control/errors.js";
import {
  presentUser,
  type UserService,
  userInputSchema,
  userListQuerySchema,
  userPatchSchema,
} from "../control/users.js";
import type { UserRow } from "../store/account-repositories.js";
import { auditSuccess } from "./authn.js";
import { byIdInScope } from "./scope.js";

const idParams = z.strictObject({ id: z.uuid() });
const resetSchema = z.strictObject({ password: z.string().max(256).optional() });

export interface UserRouteDeps {
  users: UserService;
  directory: DirectoryService;
  sessions: ConsoleSessions;
  audit: AuditService;
}

/** Users as resources: their department decides who may see or change them; their own record is theirs. */
const asScoped = (user: UserRow): Scoped => ({ ownerId: user.id, departmentId: user.departmentId });

/** The user of the route's `:id`, if the caller's scope reaches them for the permission; else a 404. */
export const userLoader = (users: UserService) =>
  byIdInScope<UserRow, "user:read" | "user:write" | "user:delete">("user", (id) => users.get(id), asScoped);

export function userRoutes(deps: UserRouteDeps) {
  /** Refuses to hand out roles holding permissions the caller lacks (no privilege escalation). */
  const assertAssignable = (principal: Principal, roleNames: string[] | undefined) => {
    if (!roleNames) return;
    const held = heldPermissions(principal);
    for (const role of deps.directory.rolesByName(roleNames)) {
      const beyond = role.permissions.filter((p) => !held.has(p as never));
      if (beyond.length) {
        throw new ForbiddenError(
          `role "${role.name}" grants permissions you do not hold: ${beyond.join(", ")}`,
        );
      }
    }
  };

  const load = userLoader(deps.users);

  return async (app: FastifyInstance) => {
    app.get(
      "/users",
      { config: { access: "user:read", query: userListQuerySchema, summary: "List users in your scope" } },
      async (request) => {
        const query = userListQuerySchema.parse(request.query);
        const scope = departmentsFor(request.principal!, "user:read");
        const { items, total } = await deps.users.list(query, scope ? [...scope] : null);
        const roles = await deps.users.roleNames(items.map((u) => u.id));
        return {
          items: items.map((u) => presentUser(u, roles.get(u.id) ?? [])),
          total,
          limit: query.limit,
          offset: query.offset,
        };
      },
    );

    app.post(
      "/users",
      { config: { access: "user:write", body: userInputSchema, summary: "Create a user" } },
      async (request, reply) => {
        const input = userInputSchema.parse(request.body);
        assertAssignable(request.principal!, input.roles);
        const scope = departmentsFor(request.principal!, "user:write");
        if (scope && (!input.departmentId || !scope.has(input.departmentId))) {
          throw new ForbiddenError("you can create users only in departments within your scope");
        }
        const { user, temporaryPassword } = await deps.users.create(input);
        await auditSuccess(
          deps.audit,
          request,
          "user.create",
          { type: "user", id: user.id },
          {
            username: user.username,
            roles: input.roles,
          },
        );
        return reply.code(201).send({ ...(await deps.users.present(user)), temporaryPassword });
      },
    );

    app.get(
      "/users/:id",
      { config: { access: "user:read", params: idParams, summary: "Get a user" } },
      async (request) => {
        const user = await load(request, "user:read");
        const live = await deps.sessions.live(user.id);
        return { ...(await deps.users.present(user)), activeSessions: live.length };
      },
    );

    app.patch(
      "/users/:id",
      {
        config: {
          access: "user:write",
          params: idParams,
          body: userPatchSchema,
          summary: "Change a user (roles, department, enabled)",
        },
      },
      async (request) => {
        const user = await load(request, "user:write");
        const patch = userPatchSchema.parse(request.body);
        assertAssignable(request.principal!, patch.roles);
        const updated = await deps.users.update(user.id, patch, request.principal!);
        await auditSuccess(
          deps.audit,
          request,
          "user.update",
          { type: "user", id: user.id },
          {
            fields: Object.keys(patch),
            ...(patch.roles ? { roles: patch.roles } : {}),
            ...(patch.enabled !== undefined ? { enabled: patch.enabled } : {}),
          },
        );
        return deps.users.present(updated);
      },
    );

    app.delete(
      "/users/:id",
      { config: { access: "user:delete", params: idParams, summary: "Delete a user" } },
      async (request, reply) => {
        const user = await load(request, "user:delete");
        await deps.users.delete(user.id, request.principal!);
        await auditSuccess(
          deps.audit,
          request,
          "user.delete",
          { type: "user", id: user.id },
          { username: user.username },
        );
        return reply.code(204).send();
      },
    );

    app.post(
      "/users/:id/reset-password",
      {
        config: {
          access: "user:write",
          params: idParams,
          body: resetSchema,
          summary: "Reset a user's password (forced change at next sign-in)",
        },
      },
      async (request) => {
        const user = await load(request, "user:write");
        const { password } = resetSchema.parse(request.body ?? {});
        const result = await deps.users.resetPassword(user.id, password);
        await auditSuccess(deps.audit, request, "user.password_reset", { type: "user", id: user.id });
        return { mustChangePassword: true, ...result };
      },
    );

    /** Admin-side "sign out everywhere" for another user. */
    app.post(
      "/users/:id/revoke-sessions",
      { config: { access: "user:write", params: idParams, summary: "Sign a user out everywhere" } },
      async (request) => {
        const user = await load(request, "user:write");
        const revoked = await deps.sessions.revokeAll(user.id);
        await auditSuccess(
          deps.audit,
          request,
          "session.revoke_all",
          { type: "user", id: user.id },
          { revoked },
        );
        return { revoked };
      },
    );
  };
}
