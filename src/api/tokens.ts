import type { FastifyInstance } from "fastify";
import { z } from "zod";
import { createTokenSchema, type TokenService } from "../control/tokens.js";

const idParams = z.strictObject({ id: z.uuid() });

export function tokenRoutes(tokens: TokenService) {
  return async (app: FastifyInstance) => {
    app.post("/tokens", async (request, reply) => {
      const created = await tokens.create(createTokenSchema.parse(request.body));
      return reply.code(201).send({ ...created.token, secret: created.secret });
    });
    app.get("/tokens", async () => ({ items: await tokens.list() }));
    app.delete("/tokens/:id", async (request) => tokens.revoke(idParams.parse(request.params).id));
  };
}
