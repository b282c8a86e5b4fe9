import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startBox, type TestBox } from "../helpers/box.js";

let box: TestBox;
beforeAll(async () => {
  box = await startBox();
});
afterAll(() => box?.close());

describe("OpenAPI", () => {
  it("documents every admin route with its access rule and the schemas the handlers parse", async () => {
    const response = await fetch(`${box.url}/api/openapi.json`);
    expect(response.status).toBe(200);
    const doc = (await response.json()) as {
      openapi: string;
      paths: Record<
        string,
        Record<string, { "x-mcpbox-access": string; requestBody?: any; parameters: any[] }>
      >;
    };
    expect(doc.openapi).toBe("3.1.0");
    for (const route of box.box.apiRoutes) {
      const operation = doc.paths[route.url.replace(/:(\w+)/g, "{$1}")]?.[route.method.toLowerCase()];
      expect(operation, `${route.method} ${route.url}`).toBeTruthy();
      expect(operation!["x-mcpbox-access"]).toEqual(route.access);
      if (route.url.includes(":")) expect(operation!.parameters.some((p) => p.in === "path")).toBe(true);
    }
    const createUser = doc.paths["/api/v1/users"]!.post!;
    const body = createUser.requestBody.content["application/json"].schema;
    expect(body.required).toContain("username");
    expect(body.additionalProperties).toBe(false);
    const listUsers = doc.paths["/api/v1/users"]!.get!;
    expect(listUsers.parameters.map((p: { name: string }) => p.name)).toEqual(
      expect.arrayContaining(["q", "role", "departmentId", "enabled", "limit", "offset", "sort"]),
    );
  });

  it("serves interactive docs at /api/docs without any outside resource", async () => {
    const page = await fetch(`${box.url}/api/docs/static/index.html`);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toMatch(/swagger/i);
    expect(html).not.toMatch(/https?:\/\/(unpkg|cdn)/);
    const spec = await fetch(`${box.url}/api/docs/json`);
    expect(((await spec.json()) as { openapi: string }).openapi).toBe("3.1.0");
  });
});

describe("messages by Accept-Language", () => {
  it("answers errors in Simplified Chinese or English, same codes either way", async () => {
    const login = (language: string) =>
      fetch(`${box.url}/api/v1/auth/login`, {
        method: "POST",
        headers: { "content-type": "application/json", "accept-language": language },
        body: JSON.stringify({ username: "admin", password: "not the password" }),
      });
    const zh = await login("zh-CN,zh;q=0.9,en;q=0.8");
    expect(zh.headers.get("content-language")).toBe("zh-CN");
    expect(await zh.json()).toEqual({ error: { code: "invalid_credentials", message: "用户名或密码错误" } });
    const en = await login("en-US");
    expect(await en.json()).toEqual({
      error: { code: "invalid_credentials", message: "wrong username or password" },
    });
    const missing = await fetch(`${box.url}/api/v1/instances`, { headers: { "accept-language": "zh" } });
    expect(((await missing.json()) as { error: { message: string } }).error.message).toMatch(/^需要登录/);
  });
});
