import type { FastifyInstance, FastifyRequest } from "fastify";
import { z } from "zod";
import { canEverywhere, canOn, PERMISSIONS, type Principal } from "../auth/permissions.js";
import type { AuditService } from "../control/audit.js";
import { ForbiddenError } from "../control/errors.js";
import { instanceNameSchema } from "../control/instance-model.js";
import type { InstanceService } from "../control/instances.js";
import { createTokenSchema, presentToken, type TokenService } from "../control/tokens.js";
import type { TokenRow } from "../store/repositories.js";
import { auditSuccess } from "./authn.js";
import { pageFields, pageOf, searchField } from "./list-query.js";
import { byIdInScope } from "./scope.js";

const idParams = z.strictObject({ id: z.uuid() });
const tokenListQuery = z.strictObject({
  q: searchField,
  instance: instanceNameSchema.optional(),
  active: z.enum(["true", "false"]).optional(),
  sort: z
    .enum(["createdAt", "-createdAt", "name", "-name", "lastUsedAt", "-lastUsedAt", "useCount", "-useCount"])
    .default("-createdAt"),
  ...pageFields,
});

export interface TokenRouteDeps {
  tokens: TokenService;
  instances: InstanceService;
  audit: AuditService;
}

/** A token opens no more than its creator could read: listed instances in scope, "all" only for scope all. */
function assertGrantable(
  principal: Principal,
  input: z.infer<typeof createTokenSchema>,
  instances: InstanceService,
) {
  if (input.admin && !PERMISSIONS.every((p) => canEverywhere(principal, p))) {
    throw new ForbiddenError("only an administrator can create admin tokens");
  }
  if (!input.instances) {
    if (!canEverywhere(principal, "instance:read")) {
      throw new ForbiddenError("name the instances the token opens; you cannot grant every instance");
    }
    return;
  }
  const outside = input.instances.filter(
    (name) => !instances.get(name) || !canOn(principal, "instance:read", instances.ownership(name)),
  );
  if (outside.length) throw new ForbiddenError(`not instances you can use: ${outside.join(", ")}`);
}

/** Creates a token the caller may grant, owned by the caller, and audits it; the one way tokens are made. */
export async function issueToken(
  deps: TokenRouteDeps,
  request: FastifyRequest,
  input: z.infer<typeof createTokenSchema>,
  via?: string,
) {
  const principal = request.principal!;
  assertGrantable(principal, input, deps.instances);
  const created = await deps.tokens.create(input, {
    ownerId: principal.userId,
    departmentId: principal.departmentId,
  });
  const { name, instances, admin } = created.token;
  await auditSuccess(
    deps.audit,
    request,
    "token.create",
    { type: "token", id: created.token.id },
    {
      name,
      instances,
      admin,
      ...(via ? { via } : {}),
    },
  );
  return created;
}

export function tokenRoutes(deps: TokenRouteDeps) {
  const load = byIdInScope<TokenRow, "token:read" | "token:delete">(
    "token",
    (id) => deps.tokens.get(id),
    (row) => row,
  );
  return async (app: FastifyInstance) => {
    app.post(
      "/tokens",
      {
        config: {
          access: "token:write",
          body: createTokenSchema,
          summary: "Create an MCP access token (the secret is in this response only)",
        },
      },
      async (request, reply) => {
        const created = await issueToken(deps, request, createTokenSchema.parse(request.body));
        return reply.code(201).send({ ...created.token, secret: created.secret });
      },
    );
    app.get(
      "/tokens",
      {
        config: {
          access: "token:read",
          query: tokenListQuery,
          summary: "List the access tokens in your scope (filter, sort, page)",
        },
      },
      async (request) => {
        const principal = request.principal!;
        const query = tokenListQuery.parse(request.query);
        const needle = query.q?.toLowerCase();
        const rows = (await deps.tokens.list())
          .filter((row) => canOn(principal, "token:read", row))
          .map(presentToken)
          .filter(
            (t) =>
              (!needle || t.name.toLowerCase().includes(needle) || t.prefix.startsWith(query.q!)) &&
              (!query.instance || t.instances === null || t.instances.includes(query.instance)) &&
              (query.active === undefined || (t.revokedAt === null) === (query.active === "true")),
          );
        return pageOf(rows, query, {
          createdAt: (t) => t.createdAt,
          name: (t) => t.name,
          lastUsedAt: (t) => t.lastUsedAt,
          useCount: (t) => t.useCount,
        });
      },
    );
    app.get(
      "/tokens/:id",
      { config: { access: "token:read", params: idParams, summary: "Get an access token" } },
      async (request) => presentToken(await load(request, "token:read")),
    );
    app.delete(
      "/tokens/:id",
      { config: { access: "token:delete", params: idParams, summary: "Revoke an access token" } },
      async (request) => {
        const row = await load(request, "token:delete");
        const revoked = await deps.tokens.revoke(row.id);
        await auditSuccess(
          deps.audit,
          request,
          "token.revoke",
          { type: "token", id: row.id },
          { name: row.name },
        );
        return revoked;
      },
    );
  };
}
