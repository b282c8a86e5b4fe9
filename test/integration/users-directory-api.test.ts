import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ADMIN_PASSWORD, startBox, type TestBox } from "../helpers/box.js";
import { ConsoleClient, createSignedInUser } from "../helpers/console.js";
import { temporaryDatabase } from "../helpers/postgres.js";

/**
 * The user list's role filter, the usage counts of roles and departments (and the refusal to delete one in
 * use), and user routes held to the caller's scope; on PGlite and, with DATABASE_URL, on PostgreSQL.
 */
const PASSWORD = "directory usage password 2026";

interface Listed {
  id: string;
  name: string;
  userCount: number;
}

for (const backend of ["pglite", "postgres"] as const) {
  describe(`users and directory on ${backend}`, () => {
    let box: TestBox | undefined;
    let database: Awaited<ReturnType<typeof temporaryDatabase>>;
    let admin: ConsoleClient;
    /** `user-admin` (user:read, user:write over their own department) in Sales. */
    let salesAdmin: ConsoleClient;
    const depts: Record<string, string> = {};

    const user = (username: string, roles: string[], department: string, enabled = true) =>
      admin.json("POST", "/users", { username, roles, departmentId: depts[department], enabled }, 201);
    const usernames = async (client: ConsoleClient, query: string) => {
      const page = await client.json("GET", `/users?${query}`);
      return { total: page.total, names: page.items.map((u: { username: string }) => u.username) };
    };
    const listed = async (client: ConsoleClient, path: "/roles" | "/departments", name: string) =>
      ((await client.json("GET", path)).items as Listed[]).find((item) => item.name === name)!;

    beforeAll(async () => {
      if (backend === "postgres") {
        database = await temporaryDatabase();
        if (!database) return;
      }
      box = await startBox([], { loginRateLimitPerMinute: 1000, databaseUrl: database?.url });
      admin = new ConsoleClient(box.url);
      expect((await admin.login("admin", ADMIN_PASSWORD)).status).toBe(200);
      for (const name of ["Sales", "Engineering"]) {
        depts[name.toLowerCase()] = (await admin.json("POST", "/departments", { name }, 201)).id;
      }
      depts.platform = (
        await admin.json("POST", "/departments", { name: "Platform", parentId: depts.engineering }, 201)
      ).id;
      await admin.json(
        "POST",
        "/roles",
        { name: "user-admin", permissions: ["user:read", "user:write"], dataScope: "dept" },
        201,
      );
      salesAdmin = await createSignedInUser(
        admin,
        box.url,
        { username: "sales-user-admin", roles: ["user-admin"], departmentId: depts.sales },
        PASSWORD,
        `${PASSWORD}!`,
      );
    });
    afterAll(async () => {
      await box?.close();
      await database?.drop();
    });

    it("filters the user list by role, with q, department, enabled, sorting and paging", async (ctx) => {
      if (!box) return ctx.skip("DATABASE_URL not set");
      await user("rf-a", ["viewer"], "sales");
      await user("rf-b", ["viewer", "developer"], "sales");
      await user("rf-c", ["developer"], "sales");
      await user("rf-d", ["viewer"], "engineering");
      await user("rf-e", ["viewer"], "sales", false);
      await user("rf-f", [], "sales");

      expect(await usernames(admin, "q=rf-&role=viewer")).toEqual({
        total: 4,
        names: ["rf-a", "rf-b", "rf-d", "rf-e"],
      });
      // Holding two roles still lists a user once.
      expect(await usernames(admin, "q=rf-&role=developer")).toEqual({ total: 2, names: ["rf-b", "rf-c"] });
      expect(
        await usernames(admin, `q=rf-&role=viewer&departmentId=${depts.sales}&enabled=true&sort=-username`),
      ).toEqual({ total: 2, names: ["rf-b", "rf-a"] });
      expect(await usernames(admin, "q=rf-&role=viewer&sort=-username&limit=2&offset=1")).toEqual({
        total: 4,
        names: ["rf-d", "rf-b"],
      });
      expect(await usernames(admin, "q=rf-&role=viewer&enabled=false")).toEqual({
        total: 1,
        names: ["rf-e"],
      });
      expect((await usernames(admin, "role=admin")).names).toEqual(["admin"]);
      // A well-formed name no role has matches nobody.
      expect(await usernames(admin, "role=no-such-role")).toEqual({ total: 0, names: [] });

      // The caller's scope still applies: a department-scoped user admin sees only Sales' viewers.
      expect(await usernames(salesAdmin, "q=rf-&role=viewer")).toEqual({
        total: 3,
        names: ["rf-a", "rf-b", "rf-e"],
      });
      expect(await usernames(salesAdmin, `role=viewer&departmentId=${depts.engineering}`)).toEqual({
        total: 0,
        names: [],
      });
    });

    it("refuses malformed role filters with the one error shape, never a 500", async (ctx) => {
      if (!box) return ctx.skip("DATABASE_URL not set");
      const bad = [
        "' OR '1'='1",
        "viewer'; DROP TABLE user_roles; --",
        "viewer' OR 1=1--",
        "%",
        "_",
        "\\",
        "\u0000",
        "Viewer",
        "viewer,admin",
        "v",
        `r${"x".repeat(48)}`,
        "x".repeat(5000),
      ];
      for (const role of bad) {
        const response = await admin.request("GET", `/users?role=${encodeURIComponent(role)}`);
        expect([400, 414], role).toContain(response.status);
        if (response.status === 400) {
          const { error } = (await response.json()) as {
            error: { code: string; details?: { path: string }[] };
          };
          expect(error.code, role).toBe("validation_failed");
          expect(
            error.details?.map((d) => d.path),
            role,
          ).toContain("role");
        }
      }
      const twice = await admin.request("GET", "/users?role=viewer&role=admin");
      expect(twice.status).toBe(400);
      expect((await admin.request("GET", "/users?roles=viewer")).status).toBe(400); // unknown field
      expect((await usernames(admin, "limit=500")).total).toBeGreaterThan(6); // the tables are still there
      const check = await admin.json("GET", "/users?role=viewer&limit=1");
      expect(check.total).toBeGreaterThan(0);
    });

    it("counts the users of each role and department", async (ctx) => {
      if (!box) return ctx.skip("DATABASE_URL not set");
      await admin.json("POST", "/roles", { name: "counted", permissions: [], dataScope: "self" }, 201);
      expect((await listed(admin, "/roles", "counted")).userCount).toBe(0);
      expect((await listed(admin, "/roles", "admin")).userCount).toBe(1);
      const counted = await admin.json("POST", "/departments", { name: "Counted" }, 201);
      const child = await admin.json(
        "POST",
        "/departments",
        { name: "Counted child", parentId: counted.id },
        201,
      );
      depts.counted = counted.id;
      depts.countedChild = child.id;
      expect((await listed(admin, "/departments", "Counted")).userCount).toBe(0);
      const members = [];
      for (const name of ["cu-1", "cu-2", "cu-3"]) members.push(await user(name, ["counted"], "counted"));
      await user("cu-4", ["counted", "viewer"], "countedChild", false); // disabled users count too

      expect((await listed(admin, "/roles", "counted")).userCount).toBe(4);
      // Its own members: the sub-department's users count there, not here.
      expect((await listed(admin, "/departments", "Counted")).userCount).toBe(3);
      expect((await listed(admin, "/departments", "Counted child")).userCount).toBe(1);

      await admin.json("PATCH", `/users/${members[0].id}`, { roles: ["viewer"], departmentId: depts.sales });
      await admin.json("DELETE", `/users/${members[1].id}`, undefined, 204);
      expect((await listed(admin, "/roles", "counted")).userCount).toBe(2);
      expect((await listed(admin, "/departments", "Counted")).userCount).toBe(1);

      // In step with the user list and its filters, for every role and department.
      for (const role of (await admin.json("GET", "/roles")).items as Listed[]) {
        expect(role.userCount, role.name).toBe((await usernames(admin, `role=${role.name}&limit=1`)).total);
      }
      for (const department of (await admin.json("GET", "/departments")).items as Listed[]) {
        const members = await usernames(admin, `departmentId=${department.id}&limit=1`);
        expect(department.userCount, department.name).toBe(members.total);
      }

      // Callers with only the read permissions (operator: role:read and department:read) get them too.
      const operator = await createSignedInUser(
        admin,
        box.url,
        { username: "count-operator", roles: ["operator"], departmentId: depts.engineering },
        PASSWORD,
        `${PASSWORD}!`,
      );
      expect((await listed(operator, "/roles", "counted")).userCount).toBe(2);
      expect((await listed(operator, "/departments", "Counted child")).userCount).toBe(1);
    });

    it("refuses to delete a role or department in use with a 409 naming how many users", async (ctx) => {
      if (!box) return ctx.skip("DATABASE_URL not set");
      const refusal = async (path: string, language = "en") => {
        const response = await fetch(`${box!.url}/api/v1${path}`, {
          method: "DELETE",
          headers: { cookie: admin.cookie!, "x-csrf-token": admin.csrf!, "accept-language": language },
        });
        expect(response.status, path).toBe(409);
        const { error } = (await response.json()) as { error: { code: string; message: string } };
        expect(error.code).toBe("conflict");
        return error.message;
      };
      const role = await admin.json(
        "POST",
        "/roles",
        { name: "in-use", permissions: [], dataScope: "self" },
        201,
      );
      const occupied = await admin.json("POST", "/departments", { name: "Occupied" }, 201);
      depts.occupied = occupied.id;
      const holders = [
        await user("iu-1", ["in-use"], "occupied"),
        await user("iu-2", ["in-use"], "occupied", false),
      ];
      expect(await refusal(`/roles/${role.id}`)).toBe(
        'role "in-use" is still held by 2 users; take it from them first',
      );
      expect(await refusal(`/departments/${occupied.id}`)).toBe(
        'department "Occupied" still has 2 users; move or delete them first',
      );
      // The message follows Accept-Language like every other error, the specifics kept.
      expect(await refusal(`/roles/${role.id}`, "zh-CN")).toBe(
        '操作冲突：role "in-use" is still held by 2 users; take it from them first',
      );
      await admin.json("PATCH", `/users/${holders[0].id}`, { roles: [], departmentId: depts.sales });
      expect(await refusal(`/roles/${role.id}`)).toBe(
        'role "in-use" is still held by 1 user; take it from them first',
      );
      expect(await refusal(`/departments/${occupied.id}`)).toBe(
        'department "Occupied" still has 1 user; move or delete them first',
      );

      // Instances count too: a developer makes one in Lab, then moves to Sales.
      const lab = await admin.json("POST", "/departments", { name: "Lab" }, 201);
      const developer = await createSignedInUser(
        admin,
        box.url,
        { username: "lab-dev", roles: ["developer"], departmentId: lab.id },
        PASSWORD,
        `${PASSWORD}!`,
      );
      await developer.json(
        "POST",
        "/instances",
        { name: "lab-remote", accessMode: "proxy", upstream: { type: "sse", url: "http://127.0.0.1:9/sse" } },
        201,
      );
      expect(await refusal(`/departments/${lab.id}`)).toBe(
        'department "Lab" still has 1 user and 1 instance; move or delete them first',
      );
      const labDev = (await admin.json("GET", "/users?q=lab-dev")).items[0];
      await admin.json("PATCH", `/users/${labDev.id}`, { departmentId: depts.sales });
      expect(await refusal(`/departments/${lab.id}`)).toBe(
        'department "Lab" still has 1 instance; move or delete them first',
      );

      // Once nobody holds or belongs to them, they go.
      await admin.json("DELETE", `/users/${holders[1].id}`, undefined, 204);
      await admin.json("DELETE", `/roles/${role.id}`, undefined, 204);
      await admin.json("DELETE", `/departments/${occupied.id}`, undefined, 204);
      expect((await admin.json("GET", "/roles")).items.map((r: Listed) => r.name)).not.toContain("in-use");
    });

    it("answers 409, not 500, when the database refuses a write another server made stale", async (ctx) => {
      if (!box) return ctx.skip("DATABASE_URL not set");
      // Another MCPBox on the same database deleted the department; this one's cache still has it.
      const gone = await admin.json("POST", "/departments", { name: "Deleted elsewhere" }, 201);
      await box.box.store.db.execute(sql`delete from departments where id = ${gone.id}`);
      const response = await fetch(`${box.url}/api/v1/users`, {
        method: "POST",
        headers: { cookie: admin.cookie!, "x-csrf-token": admin.csrf!, "content-type": "application/json" },
        body: JSON.stringify({ username: "stale-dept", roles: ["viewer"], departmentId: gone.id }),
      });
      expect(response.status).toBe(409);
      expect(((await response.json()) as { error: { code: string } }).error.code).toBe("conflict");
      expect((await usernames(admin, "q=stale-dept")).total).toBe(0);
    });

    it("holds every user route to the caller's scope, the second-factor reset included", async (ctx) => {
      if (!box) return ctx.skip("DATABASE_URL not set");
      const outside = await user("scope-eng", ["viewer"], "engineering");
      const inside = await user("scope-sales", ["viewer"], "sales");
      const auditBefore = (await admin.json("GET", "/audit?action=user.two_factor_reset&limit=1")).total;
      for (const [method, path] of [
        ["GET", ""],
        ["PATCH", ""],
        ["POST", "/reset-password"],
        ["POST", "/revoke-sessions"],
        ["POST", "/reset-two-factor"],
      ] as const) {
        const body = method === "GET" ? undefined : method === "PATCH" ? { displayName: "x" } : {};
        const response = await salesAdmin.request(method, `/users/${outside.id}${path}`, body);
        expect(response.status, `${method} ${path}`).toBe(404);
        expect(((await response.json()) as { error: { message: string } }).error.message).toBe(
          `no user ${outside.id}`,
        );
      }
      expect((await admin.json("GET", "/audit?action=user.two_factor_reset&limit=1")).total).toBe(
        auditBefore,
      );
      await salesAdmin.json("POST", `/users/${inside.id}/reset-two-factor`, undefined, 204);
      expect((await admin.json("GET", "/audit?action=user.two_factor_reset&limit=1")).total).toBe(
        auditBefore + 1,
      );
      // Unknown and malformed ids read the same as ever.
      const unknown = crypto.randomUUID();
      expect((await salesAdmin.request("POST", `/users/${unknown}/reset-two-factor`)).status).toBe(404);
      expect((await salesAdmin.request("POST", "/users/not-a-uuid/reset-two-factor")).status).toBe(400);
    });
  });
}
