import type { FastifyInstance } from "fastify";
import { z } from "zod";
import type { AuditService } from "../control/audit.js";
import {
  type EnvironmentService,
  environmentInputSchema,
  presentEnvironment,
} from "../control/environments.js";
import { NotFoundError } from "../control/errors.js";
import { environmentNameSchema } from "../control/instance-model.js";
import { auditSuccess } from "./authn.js";

const nameParams = z.strictObject({ name: environmentNameSchema });

export function environmentRoutes(deps: { environments: EnvironmentService; audit: AuditService }) {
  const { environments, audit } = deps;
  const present = (name: string) => {
    const env = environments.get(name);
    if (!env) throw new NotFoundError(`no environment "${name}"`);
    return presentEnvironment(env, environments.usedBy(name));
  };
  return async (app: FastifyInstance) => {
    app.get(
      "/environments",
      { config: { access: "environment:read", summary: "Where instances can run" } },
      async () => ({
        items: environments.list().map((e) => presentEnvironment(e, environments.usedBy(e.name))),
      }),
    );
    app.get(
      "/environments/:name",
      {
        config: {
          access: "environment:read",
          params: nameParams,
          summary: "An environment (secrets masked)",
        },
      },
      async (request) => present(nameParams.parse(request.params).name),
    );
    app.post(
      "/environments",
      {
        config: {
          access: "environment:write",
          body: environmentInputSchema,
          summary: "Add a Docker engine or a Kubernetes cluster",
        },
      },
      async (request, reply) => {
        const env = await environments.create(request.body);
        await auditSuccess(
          audit,
          request,
          "environment.create",
          { type: "environment", id: env.name },
          { kind: env.kind },
        );
        return reply.code(201).send(present(env.name));
      },
    );
    app.post(
      "/environments/:name/test",
      {
        config: {
          access: "environment:read",
          params: nameParams,
          summary: "Talk to the engine or cluster: version and latency",
        },
      },
      async (request) => environments.test(nameParams.parse(request.params).name),
    );
    app.delete(
      "/environments/:name",
      {
        config: { access: "environment:delete", params: nameParams, summary: "Delete an unused environment" },
      },
      async (request, reply) => {
        const { name } = nameParams.parse(request.params);
        await environments.delete(name);
        await auditSuccess(audit, request, "environment.delete", { type: "environment", id: name });
        return reply.code(204).send();
      },
    );
  };
}
