import type { FastifyInstance } from "fastify";
import { z } from "zod";
import { type ApiKeyService, createApiKeySchema, presentApiKey } from "../control/api-keys.js";
import type { AuditService } from "../control/audit.js";
import { RuleError } from "../control/errors.js";
import { auditSuccess } from "./authn.js";

const idParams = z.strictObject({ id: z.uuid() });

/** The caller's own personal API keys. */
export function apiKeyRoutes(deps: { apiKeys: ApiKeyService; audit: AuditService }) {
  const userOf = (principal: { userId: string | null }) => {
    if (!principal.userId)
      throw new RuleError("this credential has no user account to own API keys", "no_user");
    return principal.userId;
  };
  return async (app: FastifyInstance) => {
    app.get(
      "/api-keys",
      { config: { access: "apikey:manage", summary: "List your API keys" } },
      async (request) => ({
        items: (await deps.apiKeys.list(userOf(request.principal!))).map(presentApiKey),
      }),
    );
    app.post(
      "/api-keys",
      {
        config: {
          access: "apikey:manage",
          body: createApiKeySchema,
          summary: "Create an API key (the secret is in this response only)",
        },
      },
      async (request, reply) => {
        const { key, secret } = await deps.apiKeys.create(
          userOf(request.principal!),
          createApiKeySchema.parse(request.body),
        );
        await auditSuccess(
          deps.audit,
          request,
          "apikey.create",
          { type: "apikey", id: key.id },
          { name: key.name },
        );
        return reply.code(201).send({ ...presentApiKey(key), secret });
      },
    );
    app.delete(
      "/api-keys/:id",
      { config: { access: "apikey:manage", params: idParams, summary: "Revoke one of your API keys" } },
      async (request, reply) => {
        const { id } = idParams.parse(request.params);
        await deps.apiKeys.revoke(userOf(request.principal!), id);
        await auditSuccess(deps.audit, request, "apikey.revoke", { type: "apikey", id });
        return reply.code(204).send();
      },
    );
  };
}
