import type { FastifyRequest } from "fastify";
import { z } from "zod";
import { canOn, type Permission, type Scoped } from "../auth/permissions.js";
import { NotFoundError } from "../control/errors.js";

/**
 * `resource` if it exists and the caller's data scope reaches it for `permission`; otherwise a 404 with
 * `notFound`. A resource outside the scope reads as absent, so ids and names cannot be probed.
 */
export function inScope<T>(
  request: FastifyRequest,
  permission: Permission,
  resource: T | undefined,
  scoped: (resource: T) => Scoped,
  notFound: string,
): T {
  if (resource === undefined || !canOn(request.principal!, permission, scoped(resource))) {
    throw new NotFoundError(notFound);
  }
  return resource;
}

/** Not strict: a route may have more parameters (a package file's path). */
const idParam = z.object({ id: z.uuid() });

/**
 * A loader for the resource named by the route's `:id` (a UUID): read with `get`, then held to the caller's
 * scope as `inScope` does; "no <noun> <id>" otherwise.
 */
export function byIdInScope<T, P extends Permission = Permission>(
  noun: string,
  get: (id: string) => Promise<T | undefined>,
  scoped: (resource: T) => Scoped,
) {
  return async (request: FastifyRequest, permission: P): Promise<T> => {
    const { id } = idParam.parse(request.params);
    return inScope(request, permission, await get(id), scoped, `no ${noun} ${id}`);
  };
}
