import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RouteInfo, requiredPermissions } from "../../src/api/authn.js";
import { BUILT_IN_ROLES } from "../../src/auth/permissions.js";
import { ADMIN_PASSWORD, startBox, type TestBox } from "../helpers/box.js";
import { ConsoleClient, createSignedInUser } from "../helpers/console.js";
import { temporaryDatabase } from "../helpers/postgres.js";

/**
 * The RBAC matrix: every admin API route × every built-in role (signed in through the console, CSRF and
 * all) and an anonymous caller. A denied call must be 403 permission_denied (401 when anonymous) and must
 * change nothing; an allowed one must get past access control (its own 400/404 for the dummy input is fine).
 */
const ROLES = BUILT_IN_ROLES.map((r) => r.name);
const PASSWORD = "matrix password for every role 7";

/** Routes the matrix must reach with the access they declare (the monitoring read API, among others). */
const MUST_COVER: Record<string, string> = {
  "GET /api/v1/stats/overview": "instance:read",
  "GET /api/v1/stats/calls": "instance:read",
  "GET /api/v1/instances/:name/calls": "instance:read",
  "GET /api/v1/instances/:name/sessions": "instance:read",
};

/** Routes that end the caller's own session run last, so the rest of the row still has a session. */
const SESSION_ENDING = new Set(["POST /api/v1/auth/logout", "POST /api/v1/auth/sessions/revoke-all"]);

function concrete(route: RouteInfo): string {
  return route.url.replace(":id", randomUUID()).replace(":name", "no-such-instance");
}

function expectedAllowed(route: RouteInfo, role: string | null): boolean {
  if (route.access === "public") return true;
  if (role === null) return false;
  if (route.access === "authenticated") return true;
  const held = BUILT_IN_ROLES.find((r) => r.name === role)!.permissions;
  return requiredPermissions(route.access).every((p) => held.includes(p));
}

for (const backend of ["pglite", "postgres"] as const) {
  describe(`RBAC matrix on ${backend}`, () => {
    let box: TestBox | undefined;
    let database: Awaited<ReturnType<typeof temporaryDatabase>>;
    const clients = new Map<string, ConsoleClient>();

    beforeAll(async () => {
      if (backend === "postgres") {
        database = await temporaryDatabase();
        if (!database) return;
      }
      box = await startBox([], { loginRateLimitPerMinute: 1000, databaseUrl: database?.url });
      const admin = new ConsoleClient(box.url);
      expect((await admin.login("admin", ADMIN_PASSWORD)).status).toBe(200);
      const department = await admin.json("POST", "/departments", { name: "Matrix" }, 201);
      for (const role of ROLES) {
        const client = await createSignedInUser(
          admin,
          box.url,
          { username: `matrix-${role}`, roles: [role], departmentId: department.id },
          PASSWORD,
          `${PASSWORD}!`,
        );
        clients.set(role, client);
      }
    });
    afterAll(async () => {
      await box?.close();
      await database?.drop();
    });

    it("covers every route with every built-in role and an anonymous caller", async (ctx) => {
      if (!box) return ctx.skip("DATABASE_URL not set");
      const routes = [...box.box.apiRoutes].sort(
        (a, b) =>
          Number(SESSION_ENDING.has(`${a.method} ${a.url}`)) -
          Number(SESSION_ENDING.has(`${b.method} ${b.url}`)),
      );
      expect(routes.length).toBeGreaterThanOrEqual(30);
      const declared = Object.fromEntries(routes.map((r) => [`${r.method} ${r.url}`, r.access]));
      for (const [route, access] of Object.entries(MUST_COVER)) expect(declared[route], route).toBe(access);
      const auditBefore = (await box
        .api("GET", "/audit?action=access.denied&limit=1")
        .then((r) => r.json())) as {
        total: number;
      };
      const mismatches: string[] = [];
      let cells = 0;
      let denied = 0;
      for (const role of [...ROLES, null]) {
        const client = role ? clients.get(role)! : new ConsoleClient(box.url);
        for (const route of routes) {
          if (route.url.endsWith("/auth/login")) continue; // public; covered by the session tests
          if (role && SESSION_ENDING.has(`${route.method} ${route.url}`)) {
            await client.login(`matrix-${role}`, `${PASSWORD}!`); // the previous one ended the session
          }
          const path = concrete(route).replace(/^\/api\/v1/, "");
          const body = route.method === "GET" || route.method === "DELETE" ? undefined : {};
          const response = await client.request(route.method, path, body);
          const payload = (await response.json().catch(() => ({}))) as { error?: { code: string } };
          const refused =
            response.status === 401 ||
            (response.status === 403 && payload.error?.code === "permission_denied");
          const allowed = expectedAllowed(route, role);
          cells++;
          if (!allowed) denied++;
          if (refused === allowed) {
            mismatches.push(
              `${role ?? "anonymous"} ${route.method} ${route.url}: ${response.status} ${payload.error?.code}`,
            );
          }
          if (!allowed && role === null) expect(response.status, `${route.method} ${route.url}`).toBe(401);
        }
      }
      expect(mismatches).toEqual([]);
      // Every denial by a signed-in user is in the audit log.
      const auditAfter = (await box
        .api("GET", "/audit?action=access.denied&limit=1")
        .then((r) => r.json())) as {
        total: number;
      };
      const routesPerRow = routes.filter((r) => !r.url.endsWith("/auth/login")).length;
      const anonymousDenials = routes.filter(
        (r) => !r.url.endsWith("/auth/login") && r.access !== "public",
      ).length;
      expect(auditAfter.total - auditBefore.total).toBe(denied - anonymousDenials);
      expect(cells).toBe(routesPerRow * (ROLES.length + 1));
      console.info(
        `RBAC matrix (${backend}): ${routesPerRow} routes × ${ROLES.length + 1} callers = ${cells} cells, ${denied} denied`,
      );
    }, 120_000);

    it("lets a viewer change nothing: every write route is refused and the data is untouched", async (ctx) => {
      if (!box) return ctx.skip("DATABASE_URL not set");
      const viewer = new ConsoleClient(box.url);
      await viewer.login("matrix-viewer", `${PASSWORD}!`);
      const before = await Promise.all(
        ["/users", "/roles", "/departments", "/tokens", "/instances"].map((p) =>
          box!.api("GET", p).then((r) => r.text()),
        ),
      );
      const writes = box.box.apiRoutes.filter(
        (r) => r.method !== "GET" && r.access !== "public" && r.access !== "authenticated",
      );
      for (const route of writes) {
        const response = await viewer.request(route.method, concrete(route).replace(/^\/api\/v1/, ""), {
          name: "x",
          username: "viewer-made",
          permissions: ["user:write"],
          dataScope: "all",
          instances: null,
          admin: true,
        });
        expect(response.status, `${route.method} ${route.url}`).toBe(403);
      }
      const after = await Promise.all(
        ["/users", "/roles", "/departments", "/tokens", "/instances"].map((p) =>
          box!.api("GET", p).then((r) => r.text()),
        ),
      );
      expect(after).toEqual(before);
    });
  });
}
