import type { FastifyInstance } from "fastify";
import { z } from "zod";
import { type Instance, instanceNameSchema, instanceSchema } from "../control/instance-model.js";
import { type InstanceService, NotFoundError } from "../control/instances.js";
import type { UpstreamStatus } from "../upstream/upstreams.js";

const nameParams = z.strictObject({ name: instanceNameSchema });
const SECRET_MASK = "••••";

/** What leaves the server about an instance: upstream env values and headers are write-only. */
export function presentInstance(instance: Instance, runtime?: UpstreamStatus, sessions = 0) {
  const upstream =
    instance.upstream.type === "stdio"
      ? { ...instance.upstream, env: mask(instance.upstream.env) }
      : { ...instance.upstream, headers: mask(instance.upstream.headers) };
  return {
    ...instance,
    upstream,
    status: runtime?.status ?? (instance.accessMode === "direct" ? "direct" : "ready"),
    statusDetail: runtime?.detail ?? null,
    processes: runtime?.processes ?? 0,
    sessions,
  };
}

function mask(values: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.keys(values).map((key) => [key, SECRET_MASK]));
}

export interface InstanceRouteDeps {
  instances: InstanceService;
  runtime: (name: string) => UpstreamStatus | undefined;
  sessionCount: (name: string) => number;
  closeSessions: (name: string) => Promise<void>;
}

export function instanceRoutes(deps: InstanceRouteDeps) {
  const present = (instance: Instance) =>
    presentInstance(instance, deps.runtime(instance.name), deps.sessionCount(instance.name));
  return async (app: FastifyInstance) => {
    app.get("/instances", async () => ({ items: deps.instances.list().map(present) }));
    app.post("/instances", async (request, reply) => {
      const created = await deps.instances.create(instanceSchema.parse(request.body));
      return reply.code(201).send(present(created));
    });
    app.get("/instances/:name", async (request) => {
      const { name } = nameParams.parse(request.params);
      const instance = deps.instances.get(name);
      if (!instance) throw new NotFoundError(`no instance named "${name}"`);
      return { ...present(instance), stderr: deps.runtime(name)?.stderr ?? [] };
    });
    app.delete("/instances/:name", async (request, reply) => {
      const { name } = nameParams.parse(request.params);
      await deps.instances.delete(name, deps.closeSessions);
      return reply.code(204).send();
    });
  };
}
