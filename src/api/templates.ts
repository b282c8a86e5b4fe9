import type { FastifyInstance, FastifyRequest } from "fastify";
import { z } from "zod";
import { canOn, type Principal } from "../auth/permissions.js";
import type { AuditService } from "../control/audit.js";
import { RuleError } from "../control/errors.js";
import { registryTemplates } from "../control/registry.js";
import { instantiateSchema, templateInputSchema, templatePatchSchema } from "../control/template-model.js";
import { presentTemplate, type TemplateService } from "../control/templates.js";
import type { TemplateRow } from "../store/template-repository.js";
import { auditSuccess } from "./authn.js";
import { pageFields, pageOf, searchField } from "./list-query.js";
import { byIdInScope } from "./scope.js";

const idParams = z.strictObject({ id: z.uuid() });
const catalogParams = z.strictObject({ name: z.string().regex(/^[a-z0-9-]{1,64}$/) });
const listQuery = z.strictObject({
  q: searchField,
  category: z.string().max(64).optional(),
  sort: z.enum(["name", "-name", "category", "-category"]).default("name"),
  ...pageFields,
});
const registryImport = z.union([
  z.strictObject({ server: z.record(z.string(), z.unknown()) }),
  z.strictObject({ url: z.url().max(2000) }),
]);
const REGISTRY_FETCH_LIMIT = 1024 * 1024;

export interface TemplateRouteDeps {
  templates: TemplateService;
  audit: AuditService;
}

const ownerOf = (principal: Principal) => ({
  ownerId: principal.userId,
  departmentId: principal.departmentId,
});

/** A server.json from a URL: http(s) only, 10 s, 1 MiB at most. */
async function fetchServerJson(url: string): Promise<unknown> {
  if (!/^https?:$/.test(new URL(url).protocol))
    throw new RuleError("only http(s) URLs can be imported", "invalid_url");
  const response = await fetch(url, { signal: AbortSignal.timeout(10_000), redirect: "follow" }).catch(
    (error) => {
      throw new RuleError(`could not fetch ${url}: ${(error as Error).message}`, "fetch_failed");
    },
  );
  if (!response.ok) throw new RuleError(`fetching ${url} answered ${response.status}`, "fetch_failed");
  const body = await response.text();
  if (body.length > REGISTRY_FETCH_LIMIT)
    throw new RuleError("the document is larger than 1 MiB", "too_large");
  try {
    return JSON.parse(body);
  } catch {
    throw new RuleError("the document is not JSON", "invalid_server_json");
  }
}

export function templateRoutes(deps: TemplateRouteDeps) {
  const load = byIdInScope<TemplateRow, "template:read" | "template:write" | "template:delete">(
    "template",
    (id) => deps.templates.get(id),
    (row) => row,
  );

  /** Makes an instance from a template or catalog entry, owned by the caller, and audits it. */
  const instantiate = async (
    request: FastifyRequest,
    source: { variables: unknown[]; instance: Record<string, unknown> },
    origin: { template: string } | { catalog: string },
  ) => {
    const body = instantiateSchema.parse(request.body);
    const instance = await deps.templates.instantiate(source, body, ownerOf(request.principal!));
    await auditSuccess(
      deps.audit,
      request,
      "instance.create",
      { type: "instance", id: instance.name },
      origin,
    );
    return { name: instance.name, accessMode: instance.accessMode, ...origin };
  };

  return async (app: FastifyInstance) => {
    app.get(
      "/templates",
      { config: { access: "template:read", query: listQuery, summary: "List templates in your scope" } },
      async (request) => {
        const query = listQuery.parse(request.query);
        const needle = query.q?.toLowerCase();
        const rows = (await deps.templates.list())
          .filter((row) => canOn(request.principal!, "template:read", row))
          .filter(
            (row) =>
              (!needle || `${row.name} ${row.title} ${row.description}`.toLowerCase().includes(needle)) &&
              (!query.category || row.category === query.category),
          )
          .map(presentTemplate);
        return pageOf(rows, query, { name: (t) => t.name, category: (t) => t.category });
      },
    );

    app.post(
      "/templates",
      {
        config: {
          access: "template:write",
          body: templateInputSchema,
          summary: "Create a template with typed variables",
        },
      },
      async (request, reply) => {
        const row = await deps.templates.create(request.body, ownerOf(request.principal!));
        await auditSuccess(
          deps.audit,
          request,
          "template.create",
          { type: "template", id: row.id },
          { name: row.name },
        );
        return reply.code(201).send(presentTemplate(row));
      },
    );

    app.get(
      "/templates/:id",
      { config: { access: "template:read", params: idParams, summary: "Get a template" } },
      async (request) => presentTemplate(await load(request, "template:read")),
    );

    app.patch(
      "/templates/:id",
      {
        config: {
          access: "template:write",
          params: idParams,
          body: templatePatchSchema,
          summary: "Change a template",
        },
      },
      async (request) => {
        const row = await load(request, "template:write");
        const updated = await deps.templates.update(row.id, templatePatchSchema.parse(request.body));
        await auditSuccess(deps.audit, request, "template.update", { type: "template", id: row.id });
        return presentTemplate(updated);
      },
    );

    app.delete(
      "/templates/:id",
      { config: { access: "template:delete", params: idParams, summary: "Delete a template" } },
      async (request, reply) => {
        const row = await load(request, "template:delete");
        await deps.templates.delete(row.id);
        await auditSuccess(
          deps.audit,
          request,
          "template.delete",
          { type: "template", id: row.id },
          { name: row.name },
        );
        return reply.code(204).send();
      },
    );

    app.post(
      "/templates/:id/instances",
      {
        config: {
          access: ["template:read", "instance:write"],
          params: idParams,
          body: instantiateSchema,
          summary: "Create an instance from a template",
        },
      },
      async (request, reply) => {
        const row = await load(request, "template:read");
        return reply.code(201).send(await instantiate(request, row, { template: row.name }));
      },
    );

    app.post(
      "/templates/import-registry",
      {
        config: {
          access: "template:write",
          body: registryImport,
          summary: "Create templates from an MCP Registry server.json (document or URL)",
        },
      },
      async (request, reply) => {
        const body = registryImport.parse(request.body);
        const document = "server" in body ? body.server : await fetchServerJson(body.url);
        const created = [];
        for (const template of registryTemplates(document)) {
          created.push(
            presentTemplate(await deps.templates.create(template, ownerOf(request.principal!), "registry")),
          );
        }
        await auditSuccess(deps.audit, request, "template.import", undefined, {
          names: created.map((t) => t.name),
        });
        return reply.code(201).send({ items: created });
      },
    );

    app.get(
      "/catalog",
      {
        config: {
          access: "template:read",
          query: listQuery,
          summary: "The built-in catalog of well-known servers",
        },
      },
      async (request) => {
        const query = listQuery.parse(request.query);
        const needle = query.q?.toLowerCase();
        const entries = deps.templates.catalog.filter(
          (e) =>
            (!needle || `${e.name} ${e.title} ${e.description}`.toLowerCase().includes(needle)) &&
            (!query.category || e.category === query.category),
        );
        return pageOf(entries, query, { name: (e) => e.name, category: (e) => e.category });
      },
    );

    app.post(
      "/catalog/:name/instances",
      {
        config: {
          access: ["template:read", "instance:write"],
          params: catalogParams,
          body: instantiateSchema,
          summary: "Create an instance from a catalog entry",
        },
      },
      async (request, reply) => {
        const entry = deps.templates.catalogEntry(catalogParams.parse(request.params).name);
        return reply.code(201).send(await instantiate(request, entry, { catalog: entry.name }));
      },
    );
  };
}
