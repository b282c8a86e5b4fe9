import type { FastifyInstance, FastifyRequest } from "fastify";
import { z } from "zod";
import { canOn, type Permission } from "../auth/permissions.js";
import type { AuditService } from "../control/audit.js";
import {
  type Instance,
  instanceNameSchema,
  instanceSchema,
  mapSecretValues,
  maskValues,
  secretValues,
} from "../control/instance-model.js";
import type { InstanceService } from "../control/instances.js";
import type { UpstreamStatus } from "../upstream/upstreams.js";
import { auditSuccess } from "./authn.js";
import { pageFields, pageOf, searchField } from "./list-query.js";
import { inScope } from "./scope.js";

export const nameParams = z.strictObject({ name: instanceNameSchema });

/** The instance of the route's `:name` if the caller's scope reaches it for `permission`; else a 404. */
export function instanceInScope(instances: InstanceService, request: FastifyRequest, permission: Permission) {
  return namedInstanceInScope(instances, request, nameParams.parse(request.params).name, permission);
}

/** The named instance if the caller's scope reaches it for `permission`; otherwise it does not exist. */
export function namedInstanceInScope(
  instances: InstanceService,
  request: FastifyRequest,
  name: string,
  permission: Permission,
) {
  return inScope(
    request,
    permission,
    instances.get(name),
    () => instances.ownership(name),
    `no instance named "${name}"`,
  );
}

/** Every instance the caller's scope reaches for `permission`. */
export function instancesInScope(
  instances: InstanceService,
  request: FastifyRequest,
  permission: Permission,
) {
  return instances.list().filter((i) => canOn(request.principal!, permission, instances.ownership(i.name)));
}
const instanceListQuery = z.strictObject({
  q: searchField,
  accessMode: z.enum(["hosted", "proxy", "direct"]).optional(),
  transport: z.enum(["stdio", "sse", "streamable-http"]).optional(),
  /** One status, or several separated by commas (e.g. every failure state). */
  status: z
    .string()
    .max(128)
    .optional()
    .transform((value) => (value ? value.split(",").map((s) => s.trim()) : undefined)),
  enabled: z.enum(["true", "false"]).optional(),
  environment: z.string().max(48).optional(),
  sort: z.enum(["name", "-name", "status", "-status", "sessions", "-sessions"]).default("name"),
  ...pageFields,
});
/**
 * Top-level fields of an instance; `upstream` merges field by field, `runtime` replaces the stored one, and
 * `null` clears a field (see InstanceService.update). The merged result is validated whole by the service.
 */
const instancePatchSchema = z.record(z.string(), z.unknown());

/** What leaves the server about an instance: upstream env values and headers are write-only. */
export function presentInstance(instance: Instance, runtime?: UpstreamStatus, sessions = 0) {
  return {
    ...mapSecretValues(instance, maskValues),
    status: !instance.enabled
      ? "stopped"
      : (runtime?.status ?? (instance.accessMode === "direct" ? "direct" : "ready")),
    statusDetail: runtime?.detail ?? null,
    processes: runtime?.processes ?? 0,
    sessions,
  };
}

/** Names (never values) of the env values / headers that a change added, altered or removed. */
function changedSecretNames(before: Instance, after: Instance): string[] {
  const [a, b] = [secretValues(before.upstream), secretValues(after.upstream)];
  return [...new Set([...Object.keys(a), ...Object.keys(b)])].filter((key) => a[key] !== b[key]).sort();
}

export interface InstanceRouteDeps {
  instances: InstanceService;
  audit: AuditService;
  runtime: (name: string) => UpstreamStatus | undefined;
  sessionCount: (name: string) => number;
  closeSessions: (name: string) => Promise<void>;
}

export function instanceRoutes(deps: InstanceRouteDeps) {
  const present = (instance: Instance) => ({
    ...presentInstance(instance, deps.runtime(instance.name), deps.sessionCount(instance.name)),
    ...deps.instances.ownership(instance.name),
  });
  const load = (request: FastifyRequest, permission: Permission) =>
    instanceInScope(deps.instances, request, permission);
  return async (app: FastifyInstance) => {
    app.get(
      "/instances",
      {
        config: {
          access: "instance:read",
          query: instanceListQuery,
          summary: "List the instances in your scope (filter, sort, page)",
        },
      },
      async (request) => {
        const query = instanceListQuery.parse(request.query);
        const needle = query.q?.toLowerCase();
        const rows = deps.instances
          .list()
          .filter((i) => canOn(request.principal!, "instance:read", deps.instances.ownership(i.name)))
          .map(present)
          .filter(
            (i) =>
              (!needle ||
                i.name.toLowerCase().includes(needle) ||
                i.description.toLowerCase().includes(needle)) &&
              (!query.accessMode || i.accessMode === query.accessMode) &&
              (!query.transport || i.upstream.type === query.transport) &&
              (!query.status || query.status.includes(i.status)) &&
              (query.enabled === undefined || String(i.enabled) === query.enabled) &&
              (!query.environment || i.runtime.environment === query.environment),
          );
        return pageOf(rows, query, {
          name: (i) => i.name,
          status: (i) => i.status,
          sessions: (i) => i.sessions,
        });
      },
    );
    app.post(
      "/instances",
      { config: { access: "instance:write", body: instanceSchema, summary: "Create an instance" } },
      async (request, reply) => {
        const principal = request.principal!;
        const created = await deps.instances.create(instanceSchema.parse(request.body), "api", {
          ownerId: principal.userId,
          departmentId: principal.departmentId,
        });
        await auditSuccess(
          deps.audit,
          request,
          "instance.create",
          { type: "instance", id: created.name },
          {
            accessMode: created.accessMode,
            upstream: created.upstream.type,
          },
        );
        const secrets = Object.keys(secretValues(created.upstream));
        if (secrets.length) {
          await auditSuccess(
            deps.audit,
            request,
            "secret.write",
            { type: "instance", id: created.name },
            { names: secrets },
          );
        }
        return reply.code(201).send(present(created));
      },
    );
    app.get(
      "/instances/:name",
      {
        config: { access: "instance:read", params: nameParams, summary: "Get an instance (secrets masked)" },
      },
      async (request) => {
        const instance = load(request, "instance:read");
        return { ...present(instance), stderr: deps.runtime(instance.name)?.stderr ?? [] };
      },
    );
    app.patch(
      "/instances/:name",
      {
        config: {
          access: "instance:write",
          params: nameParams,
          body: instancePatchSchema,
          summary:
            "Change an instance (partial; null clears a field or restores its default; secrets sent back masked keep their value)",
        },
      },
      async (request) => {
        const instance = load(request, "instance:write");
        const patch = instancePatchSchema.parse(request.body);
        const updated = await deps.instances.update(instance.name, patch, deps.closeSessions);
        const target = { type: "instance", id: instance.name };
        await auditSuccess(deps.audit, request, "instance.update", target, { fields: Object.keys(patch) });
        const secrets = changedSecretNames(instance, updated);
        if (secrets.length)
          await auditSuccess(deps.audit, request, "secret.write", target, { names: secrets });
        return present(updated);
      },
    );
    app.delete(
      "/instances/:name",
      {
        config: {
          access: "instance:delete",
          params: nameParams,
          summary: "Delete an instance and end its sessions",
        },
      },
      async (request, reply) => {
        const instance = load(request, "instance:delete");
        await deps.instances.delete(instance.name, deps.closeSessions);
        await auditSuccess(deps.audit, request, "instance.delete", { type: "instance", id: instance.name });
        return reply.code(204).send();
      },
    );
  };
}
