import type { FastifyInstance } from "fastify";
import { z } from "zod";
import { type AuditService, auditCsv, presentAudit } from "../control/audit.js";
import { text } from "../control/text.js";

const filterSchema = {
  action: text(64).optional(),
  actor: text(64).optional(),
  outcome: z.enum(["success", "failure", "denied"]).optional(),
  targetType: text(32).optional(),
  targetId: text(128).optional(),
  from: z.iso.datetime({ offset: true }).optional(),
  to: z.iso.datetime({ offset: true }).optional(),
};
const listQuery = z.strictObject({
  ...filterSchema,
  limit: z.coerce.number().int().min(1).max(500).default(100),
  offset: z.coerce.number().int().min(0).max(10_000_000).default(0),
  order: z.enum(["newest", "oldest"]).default("newest"),
});
const exportQuery = z.strictObject({ ...filterSchema, format: z.enum(["csv", "json"]).default("json") });
const EXPORT_LIMIT = 100_000;

const toFilter = (q: z.infer<typeof listQuery> | z.infer<typeof exportQuery>) => ({
  ...q,
  from: q.from ? new Date(q.from) : undefined,
  to: q.to ? new Date(q.to) : undefined,
});

/** Read-only by design: the audit log has no route that changes or deletes a row. */
export function auditRoutes(audit: AuditService) {
  return async (app: FastifyInstance) => {
    app.get(
      "/audit",
      { config: { access: "audit:read", query: listQuery, summary: "Query the audit log" } },
      async (request) => {
        const query = listQuery.parse(request.query);
        const page = { limit: query.limit, offset: query.offset };
        const { items, total } = await audit.query(toFilter(query), page, query.order === "newest");
        return { items: items.map(presentAudit), total, limit: query.limit, offset: query.offset };
      },
    );

    app.get(
      "/audit/export",
      {
        config: { access: "audit:read", query: exportQuery, summary: "Export the audit log as CSV or JSON" },
      },
      async (request, reply) => {
        const query = exportQuery.parse(request.query);
        const { items } = await audit.query(toFilter(query), { limit: EXPORT_LIMIT, offset: 0 }, false);
        const stamp = new Date().toISOString().replace(/[:.]/g, "-");
        reply.header("content-disposition", `attachment; filename="mcpbox-audit-${stamp}.${query.format}"`);
        if (query.format === "csv") return reply.type("text/csv; charset=utf-8").send(auditCsv(items));
        return reply.type("application/json").send(JSON.stringify(items.map(presentAudit)));
      },
    );
  };
}
