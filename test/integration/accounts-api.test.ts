import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ADMIN_PASSWORD, startBox, type TestBox } from "../helpers/box.js";
import { ConsoleClient, createSignedInUser } from "../helpers/console.js";

/** Users, roles, departments, data scopes and the audit log through the admin API, with bad input. */
let box: TestBox;
let admin: ConsoleClient;
const logLines: string[] = [];
const PASSWORD = "scoped users password 2026";
const depts: Record<string, string> = {};

const userIn = (username: string, role: string, department: string) =>
  createSignedInUser(
    admin,
    box.url,
    { username, roles: [role], departmentId: depts[department] },
    PASSWORD,
    `${PASSWORD}!`,
  );

const proxy = (name: string, headers: Record<string, string> = {}) => ({
  name,
  accessMode: "proxy",
  upstream: { type: "streamable-http", url: "http://127.0.0.1:9/mcp", headers },
});

beforeAll(async () => {
  // Every log line of this server, at the most talkative level, for the secret-leak check.
  box = await startBox(
    [],
    { loginRateLimitPerMinute: 1000, logLevel: "trace" },
    { logSink: (line) => logLines.push(line) },
  );
  admin = new ConsoleClient(box.url);
  await admin.login("admin", ADMIN_PASSWORD);
  const eng = await admin.json("POST", "/departments", { name: "Engineering" }, 201);
  depts.eng = eng.id;
  depts.platform = (await admin.json("POST", "/departments", { name: "Platform", parentId: eng.id }, 201)).id;
  depts.sales = (await admin.json("POST", "/departments", { name: "Sales" }, 201)).id;
});
afterAll(() => box?.close());

describe("departments", () => {
  it("keeps a tree: no cycles, unique names per parent, no deleting a parent or a used department", async () => {
    const cycle = await admin.request("PATCH", `/departments/${depts.eng}`, { parentId: depts.platform });
    expect(cycle.status).toBe(400);
    expect(
      (await admin.request("POST", "/departments", { name: "Platform", parentId: depts.eng })).status,
    ).toBe(409);
    expect((await admin.request("DELETE", `/departments/${depts.eng}`)).status).toBe(409);
    const unknownParent = await admin.request("POST", "/departments", {
      name: "X",
      parentId: crypto.randomUUID(),
    });
    expect(unknownParent.status).toBe(400);
  });
});

describe("roles", () => {
  it("refuses to change or delete built-in roles, and to delete a role in use", async () => {
    const roles = await admin.json("GET", "/roles");
    const viewer = roles.items.find((r: { name: string }) => r.name === "viewer");
    expect(
      (await admin.request("PATCH", `/roles/${viewer.id}`, { permissions: ["user:write"] })).status,
    ).toBe(403);
    expect((await admin.request("DELETE", `/roles/${viewer.id}`)).status).toBe(403);
    const custom = await admin.json(
      "POST",
      "/roles",
      {
        name: "auditor",
        permissions: ["audit:read"],
        dataScope: "custom",
        scopeDepartmentIds: [depts.sales],
      },
      201,
    );
    await admin.json(
      "POST",
      "/users",
      { username: "aud1", roles: ["auditor"], departmentId: depts.sales },
      201,
    );
    expect((await admin.request("DELETE", `/roles/${custom.id}`)).status).toBe(409);
    const bad = await admin.request("POST", "/roles", {
      name: "x-bad",
      permissions: ["root:all"],
      dataScope: "all",
    });
    expect(bad.status).toBe(400);
  });

  it("does not let a user hand out more than they hold", async () => {
    await admin.json(
      "POST",
      "/roles",
      {
        name: "user-manager",
        // viewer's permissions too, so it may hand out viewer but nothing more
        permissions: [
          "user:read",
          "user:write",
          "instance:read",
          "template:read",
          "package:read",
          "token:read",
          "department:read",
        ],
        dataScope: "dept",
      },
      201,
    );
    const manager = await userIn("mgr", "user-manager", "sales");
    const escalate = await manager.request("POST", "/users", {
      username: "mgr-admin",
      roles: ["admin"],
      departmentId: depts.sales,
    });
    expect(escalate.status).toBe(403);
    const me = await manager.json("GET", "/auth/me");
    const self = await manager.request("PATCH", `/users/${me.user.id}`, { roles: ["admin"] });
    expect(self.status).toBe(403);
    const elsewhere = await manager.request("POST", "/users", {
      username: "mgr-eng",
      roles: ["viewer"],
      departmentId: depts.eng,
    });
    expect(elsewhere.status).toBe(403);
    await manager.json(
      "POST",
      "/users",
      { username: "mgr-ok", roles: ["viewer"], departmentId: depts.sales },
      201,
    );
  });
});

describe("data scopes", () => {
  it("shows each role only the instances and tokens its scope reaches", async () => {
    const devPlatform = await userIn("dev-platform", "developer", "platform");
    const devSales = await userIn("dev-sales", "developer", "sales");
    const opEng = await userIn("op-eng", "operator", "eng");
    const viewerSales = await userIn("viewer-sales", "viewer", "sales");
    await devPlatform.json("POST", "/instances", proxy("platform-svc"), 201);
    await devSales.json("POST", "/instances", proxy("sales-svc"), 201);
    const names = async (client: ConsoleClient) =>
      (await client.json("GET", "/instances")).items.map((i: { name: string }) => i.name).sort();
    expect(await names(devPlatform)).toEqual(["platform-svc"]);
    expect(await names(devSales)).toEqual(["sales-svc"]);
    expect(await names(opEng)).toEqual(["platform-svc"]); // dept_and_child: Engineering and Platform
    expect(await names(viewerSales)).toEqual(["sales-svc"]);
    expect((await devSales.request("GET", "/instances/platform-svc")).status).toBe(404);
    expect((await devSales.request("DELETE", "/instances/platform-svc")).status).toBe(403); // no instance:delete

    const refused = await devSales.request("POST", "/tokens", { name: "t", instances: ["platform-svc"] });
    expect(refused.status).toBe(403);
    const everything = await devSales.request("POST", "/tokens", { name: "t", instances: null });
    expect(everything.status).toBe(403);
    const own = await devSales.json(
      "POST",
      "/tokens",
      { name: "sales-token", instances: ["sales-svc"] },
      201,
    );
    const tokenNames = async (client: ConsoleClient) =>
      (await client.json("GET", "/tokens")).items.map((t: { name: string }) => t.name);
    expect(await tokenNames(devSales)).toContain("sales-token");
    expect(await tokenNames(devPlatform)).not.toContain("sales-token");
    expect((await devPlatform.request("DELETE", `/tokens/${own.id}`)).status).toBe(404);
    const adminToken = await devSales.request("POST", "/tokens", {
      name: "t",
      instances: ["sales-svc"],
      admin: true,
    });
    expect(adminToken.status).toBe(403);
  });
});

describe("bad input", () => {
  const INJECTIONS = ["' OR '1'='1", "'; DROP TABLE users; --", "%", "_", "\\", "admin'--", "\u0000"];

  it("treats SQL in every filter as plain text", async () => {
    for (const q of INJECTIONS) {
      const response = await admin.request("GET", `/users?q=${encodeURIComponent(q)}`);
      expect([200, 400], q).toContain(response.status);
      if (response.status === 200) expect(((await response.json()) as { total: number }).total, q).toBe(0);
      for (const field of ["action", "actor", "targetId", "targetType"]) {
        const audit = await admin.request("GET", `/audit?${field}=${encodeURIComponent(q)}`);
        expect([200, 400], `${field}=${q}`).toContain(audit.status);
      }
      for (const list of ["/instances", "/tokens", "/templates", "/catalog"]) {
        const response = await admin.request("GET", `${list}?q=${encodeURIComponent(q)}`);
        expect([200, 400], `${list} q=${q}`).toContain(response.status);
        if (response.status === 200 && q.length > 1) {
          expect(((await response.json()) as { total: number }).total, `${list} q=${q}`).toBe(0);
        }
      }
    }
    expect((await admin.json("GET", "/users?limit=500")).total).toBeGreaterThan(3); // the table is still there
    for (const username of INJECTIONS) {
      const login = await new ConsoleClient(box.url).login(username, "whatever it is");
      expect([400, 401], username).toContain(login.status);
    }
  });

  it("refuses injection, traversal, overlong and control characters in names", async () => {
    for (const username of [...INJECTIONS, "../etc/passwd", "a".repeat(65), "UPPER", "has space"]) {
      expect((await admin.request("POST", "/users", { username })).status, username).toBe(400);
    }
    for (const name of ["../x", "a/b", "x".repeat(200), "inj'--", "nul\u0000"]) {
      expect((await admin.request("POST", "/instances", proxy(name))).status, name).toBe(400);
      const read = await admin.request("GET", `/instances/${encodeURIComponent(name)}`);
      expect([400, 414], name).toContain(read.status); // 414: longer than any route parameter may be
      expect(((await read.json()) as { error: { code: string } }).error.code, name).toBeTruthy();
    }
    expect((await admin.request("POST", "/departments", { name: "bad\u0007bell" })).status).toBe(400);
    expect((await admin.request("POST", "/departments", { name: "x".repeat(101) })).status).toBe(400);
    const nulDescription = { ...proxy("nul-desc"), description: "a\u0000b" };
    expect((await admin.request("POST", "/instances", nulDescription)).status).toBe(400);
    const nulRole = { name: "nul-role", description: "\u0000", permissions: [], dataScope: "self" };
    expect((await admin.request("POST", "/roles", nulRole)).status).toBe(400);
  });

  it("refuses unknown fields, wrong types and malformed ids with the one error shape", async () => {
    const cases: [string, string, unknown][] = [
      ["POST", "/users", { username: "ok-name", isAdmin: true }],
      ["POST", "/users", { username: 42 }],
      ["PATCH", "/users/not-a-uuid", { enabled: false }],
      ["POST", "/roles", { name: "r1", permissions: "all", dataScope: "all" }],
      ["POST", "/departments", { name: "D", extra: 1 }],
      ["GET", "/users?limit=100000", undefined],
      ["GET", "/users?sort=password_hash", undefined],
      ["GET", "/audit?from=yesterday", undefined],
      ["POST", "/api-keys", { name: "k", scopes: ["all"] }],
    ];
    for (const [method, path, body] of cases) {
      const response = await admin.request(method, path, body);
      expect(response.status, `${method} ${path}`).toBe(400);
      const payload = (await response.json()) as { error: { code: string; message: string } };
      expect(payload.error.code, `${method} ${path}`).toBeTruthy();
    }
  });
});

describe("pagination, filtering and sorting", () => {
  it("apply to the user list", async () => {
    for (let i = 0; i < 7; i++) {
      await admin.json(
        "POST",
        "/users",
        { username: `page-${i}`, roles: ["viewer"], departmentId: depts.sales },
        201,
      );
    }
    const first = await admin.json("GET", "/users?q=page-&limit=3&offset=0&sort=-username");
    const second = await admin.json("GET", "/users?q=page-&limit=3&offset=3&sort=-username");
    expect(first.total).toBe(7);
    expect(first.items.map((u: { username: string }) => u.username)).toEqual(["page-6", "page-5", "page-4"]);
    expect(second.items.map((u: { username: string }) => u.username)).toEqual(["page-3", "page-2", "page-1"]);
    const sales = await admin.json(`GET`, `/users?departmentId=${depts.sales}&limit=500`);
    expect(sales.items.every((u: { departmentId: string }) => u.departmentId === depts.sales)).toBe(true);
  });
});

describe("audit log", () => {
  it("records changes with who, where and outcome, filters them, and exports CSV safely", async () => {
    await admin.json("POST", "/departments", { name: '=HYPERLINK("http://evil")' }, 201);
    const page = await admin.json("GET", "/audit?action=department.&limit=50");
    expect(page.items.length).toBeGreaterThanOrEqual(4);
    for (const entry of page.items) {
      expect(entry).toMatchObject({ actor: "admin", outcome: "success" });
      expect(entry.ip).toBeTruthy();
      expect(entry.action.startsWith("department.")).toBe(true);
    }
    const csv = await admin.request("GET", "/audit/export?format=csv&action=department.create");
    expect(csv.headers.get("content-type")).toMatch(/text\/csv/);
    const text = await csv.text();
    expect(text.split("\r\n")[0]).toBe("id,at,actor,ip,action,targetType,targetId,outcome,details");
    expect(text).not.toMatch(/(^|,)=HYPERLINK/m);
    const json = await admin.json("GET", "/audit/export?format=json&outcome=denied");
    expect(Array.isArray(json)).toBe(true);
    // No route changes or deletes audit rows.
    expect((await admin.request("DELETE", "/audit")).status).toBe(404);
  });

  it("never lets a secret reach a response, the audit log or a log line", async () => {
    const secretHeader = "Bearer upstream-secret-value-123456";
    await admin.json("POST", "/instances", proxy("secretive", { Authorization: secretHeader }), 201);
    const created = await admin.json("POST", "/users", { username: "temp-pw", roles: ["viewer"] }, 201);
    const key = await admin.json("POST", "/api-keys", { name: "leak-check" }, 201);
    const responses = await Promise.all(
      [
        "/instances",
        "/instances/secretive",
        "/users?limit=500",
        "/api-keys",
        "/audit?limit=500",
        "/tokens",
      ].map((p) => admin.request("GET", p).then((r) => r.text())),
    );
    const exported = await admin.request("GET", "/audit/export?format=csv").then((r) => r.text());
    const everything = [...responses, exported, ...logLines].join("\n");
    for (const secret of [
      secretHeader,
      "upstream-secret-value",
      created.temporaryPassword,
      key.secret,
      ADMIN_PASSWORD,
      PASSWORD,
    ]) {
      expect(everything.includes(secret), `leaked ${secret.slice(0, 12)}…`).toBe(false);
    }
    expect(everything).not.toMatch(/\$argon2id\$/);
  });
});
