import type { FastifyInstance } from "fastify";
import { z } from "zod";
import { canOn } from "../auth/permissions.js";
import type { AuditService } from "../control/audit.js";
import { RuleError } from "../control/errors.js";
import { packageNameSchema } from "../control/instance-model.js";
import { type PackageRow, type PackageService, presentPackage } from "../control/packages.js";
import { auditSuccess } from "./authn.js";
import { byIdInScope } from "./scope.js";

const idParams = z.strictObject({ id: z.uuid() });
const fileParams = z.strictObject({ id: z.uuid(), "*": z.string().min(1).max(1024) });
const uploadQuery = z.strictObject({
  name: packageNameSchema,
  format: z.enum(["zip", "tar.gz", "mcpb"]).optional(),
  /** Run once in the package directory after upload, e.g. `npm ci --omit=dev`. */
  install: z.string().min(1).max(1000).optional(),
});
const fileBody = z.strictObject({ content: z.string().max(1024 * 1024) });
const ARCHIVE_TYPES = [
  "application/zip",
  "application/gzip",
  "application/x-gzip",
  "application/octet-stream",
];

/** zip and .mcpb start with "PK", gzip with 1f 8b; the bytes decide, not the file name. */
function sniffFormat(data: Buffer, declared?: "zip" | "tar.gz" | "mcpb"): "zip" | "tar.gz" | "mcpb" {
  const zip = data[0] === 0x50 && data[1] === 0x4b;
  const gzip = data[0] === 0x1f && data[1] === 0x8b;
  if (declared === "tar.gz" ? !gzip : declared ? !zip : !zip && !gzip) {
    throw new RuleError("the upload is not a zip, .mcpb or tar.gz archive", "invalid_archive");
  }
  return declared ?? (zip ? "zip" : "tar.gz");
}

export function packageRoutes(deps: { packages: PackageService; audit: AuditService; maxBytes: number }) {
  const load = byIdInScope<PackageRow, "package:read" | "package:write" | "package:delete">(
    "package",
    (id) => deps.packages.get(id),
    (row) => row,
  );

  return async (app: FastifyInstance) => {
    app.addContentTypeParser(
      ARCHIVE_TYPES,
      { parseAs: "buffer", bodyLimit: deps.maxBytes },
      (_request, body, done) => done(null, body),
    );

    app.get(
      "/packages",
      { config: { access: "package:read", summary: "List code packages in your scope" } },
      async (request) => ({
        items: (await deps.packages.list())
          .filter((row) => canOn(request.principal!, "package:read", row))
          .map(presentPackage),
      }),
    );

    app.post(
      "/packages",
      {
        bodyLimit: deps.maxBytes,
        config: {
          access: "package:write",
          query: uploadQuery,
          summary: "Upload a code package (zip, tar.gz or .mcpb body)",
        },
      },
      async (request, reply) => {
        const { name, format, install } = uploadQuery.parse(request.query);
        if (!Buffer.isBuffer(request.body)) {
          throw new RuleError(
            `send the archive as the body, Content-Type one of ${ARCHIVE_TYPES.join(", ")}`,
            "invalid_archive",
          );
        }
        const principal = request.principal!;
        const row = await deps.packages.upload(
          name,
          sniffFormat(request.body, format),
          request.body,
          { ownerId: principal.userId, departmentId: principal.departmentId },
          install,
        );
        await auditSuccess(
          deps.audit,
          request,
          "package.upload",
          { type: "package", id: row.id },
          {
            name: row.name,
            sha256: row.sha256,
            files: row.fileCount,
          },
        );
        return reply.code(201).send(presentPackage(row));
      },
    );

    app.get(
      "/packages/:id",
      { config: { access: "package:read", params: idParams, summary: "A package and its file tree" } },
      async (request) => {
        const row = await load(request, "package:read");
        return { ...presentPackage(row), files: await deps.packages.files(row) };
      },
    );

    app.get(
      "/packages/:id/files/*",
      { config: { access: "package:read", params: fileParams, summary: "Read a text file of a package" } },
      async (request) => {
        const row = await load(request, "package:read");
        const path = fileParams.parse(request.params)["*"];
        return { path, content: await deps.packages.readFile(row, path) };
      },
    );

    app.put(
      "/packages/:id/files/*",
      {
        config: {
          access: "package:write",
          params: fileParams,
          body: fileBody,
          summary: "Write a text file of a package",
        },
      },
      async (request) => {
        const row = await load(request, "package:write");
        const path = fileParams.parse(request.params)["*"];
        await deps.packages.writeFile(row, path, fileBody.parse(request.body).content);
        await auditSuccess(deps.audit, request, "package.edit", { type: "package", id: row.id }, { path });
        return { path };
      },
    );

    app.get(
      "/packages/:id/download",
      { config: { access: "package:read", params: idParams, summary: "The package's files as a zip" } },
      async (request, reply) => {
        const row = await load(request, "package:read");
        reply.header("content-disposition", `attachment; filename="${row.name}.zip"`);
        return reply.type("application/zip").send(await deps.packages.zip(row));
      },
    );

    app.delete(
      "/packages/:id",
      { config: { access: "package:delete", params: idParams, summary: "Delete an unused package" } },
      async (request, reply) => {
        const row = await load(request, "package:delete");
        await deps.packages.delete(row);
        await auditSuccess(
          deps.audit,
          request,
          "package.delete",
          { type: "package", id: row.id },
          { name: row.name },
        );
        return reply.code(204).send();
      },
    );
  };
}
