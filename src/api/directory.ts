import type { FastifyInstance } from "fastify";
import { z } from "zod";
import { DATA_SCOPES, heldPermissions, PERMISSIONS, type Principal } from "../auth/permissions.js";
import type { AuditService } from "../control/audit.js";
import {
  type DirectoryService,
  departmentInputSchema,
  departmentPatchSchema,
  presentDepartment,
  presentRole,
  roleInputSchema,
  rolePatchSchema,
} from "../control/directory.js";
import { ForbiddenError } from "../control/errors.js";
import { auditSuccess } from "./authn.js";

const idParams = z.strictObject({ id: z.uuid() });

/** A caller cannot create or widen a role beyond the permissions they hold themselves. */
function assertWithinHeld(principal: Principal, permissions: readonly string[] | undefined) {
  if (!permissions) return;
  const held = heldPermissions(principal);
  const beyond = permissions.filter((p) => !held.has(p as never));
  if (beyond.length) throw new ForbiddenError(`you do not hold: ${beyond.join(", ")}`);
}

export function directoryRoutes(deps: { directory: DirectoryService; audit: AuditService }) {
  const { directory, audit } = deps;
  return async (app: FastifyInstance) => {
    app.get(
      "/permissions",
      { config: { access: "role:read", summary: "The permission catalogue and data scopes" } },
      async () => ({
        permissions: PERMISSIONS,
        dataScopes: DATA_SCOPES,
      }),
    );

    app.get(
      "/roles",
      {
        config: { access: "role:read", summary: "List roles, each with how many users hold it (userCount)" },
      },
      async () => {
        const counts = await directory.roleUserCounts();
        return {
          items: directory.listRoles().map((role) => ({
            ...presentRole(role),
            userCount: counts.get(role.id) ?? 0,
          })),
        };
      },
    );
    app.post(
      "/roles",
      { config: { access: "role:write", body: roleInputSchema, summary: "Create a role" } },
      async (request, reply) => {
        const input = roleInputSchema.parse(request.body);
        assertWithinHeld(request.principal!, input.permissions);
        const role = await directory.createRole(input);
        await auditSuccess(
          audit,
          request,
          "role.create",
          { type: "role", id: role.id },
          {
            name: role.name,
            permissions: role.permissions,
            dataScope: role.dataScope,
          },
        );
        return reply.code(201).send(presentRole(role));
      },
    );
    app.patch(
      "/roles/:id",
      {
        config: {
          access: "role:write",
          params: idParams,
          body: rolePatchSchema,
          summary: "Change a custom role",
        },
      },
      async (request) => {
        const { id } = idParams.parse(request.params);
        const patch = rolePatchSchema.parse(request.body);
        assertWithinHeld(request.principal!, patch.permissions);
        const role = await directory.updateRole(id, patch);
        await auditSuccess(
          audit,
          request,
          "role.update",
          { type: "role", id },
          { fields: Object.keys(patch) },
        );
        return presentRole(role);
      },
    );
    app.delete(
      "/roles/:id",
      {
        config: {
          access: "role:delete",
          params: idParams,
          summary: "Delete a custom role nobody holds (409 says how many do)",
        },
      },
      async (request, reply) => {
        const { id } = idParams.parse(request.params);
        await directory.deleteRole(id);
        await auditSuccess(audit, request, "role.delete", { type: "role", id });
        return reply.code(204).send();
      },
    );

    app.get(
      "/departments",
      {
        config: {
          access: "department:read",
          summary: "List departments (a tree by parentId), each with its own members' count (userCount)",
        },
      },
      async () => {
        const counts = await directory.departmentUserCounts();
        return {
          items: directory.listDepartments().map((department) => ({
            ...presentDepartment(department),
            userCount: counts.get(department.id) ?? 0,
          })),
        };
      },
    );
    app.post(
      "/departments",
      { config: { access: "department:write", body: departmentInputSchema, summary: "Create a department" } },
      async (request, reply) => {
        const department = await directory.createDepartment(departmentInputSchema.parse(request.body));
        await auditSuccess(
          audit,
          request,
          "department.create",
          { type: "department", id: department.id },
          {
            name: department.name,
          },
        );
        return reply.code(201).send(presentDepartment(department));
      },
    );
    app.patch(
      "/departments/:id",
      {
        config: {
          access: "department:write",
          params: idParams,
          body: departmentPatchSchema,
          summary: "Rename or move a department",
        },
      },
      async (request) => {
        const { id } = idParams.parse(request.params);
        const department = await directory.updateDepartment(id, departmentPatchSchema.parse(request.body));
        await auditSuccess(audit, request, "department.update", { type: "department", id });
        return presentDepartment(department);
      },
    );
    app.delete(
      "/departments/:id",
      {
        config: {
          access: "department:delete",
          params: idParams,
          summary: "Delete an empty department (409 says how many users or instances it has)",
        },
      },
      async (request, reply) => {
        const { id } = idParams.parse(request.params);
        await directory.deleteDepartment(id);
        await auditSuccess(audit, request, "department.delete", { type: "department", id });
        return reply.code(204).send();
      },
    );
  };
}
