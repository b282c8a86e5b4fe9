import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ADMIN_PASSWORD, ManualClock, startBox, stdioInstance, type TestBox } from "../helpers/box.js";
import { ConsoleClient } from "../helpers/console.js";

/** Run-time settings, audit retention, refused gateway credentials in the audit log, and list queries. */
let box: TestBox;
let admin: ConsoleClient;
const clock = new ManualClock();

beforeAll(async () => {
  box = await startBox([], { loginRateLimitPerMinute: 1000 }, { clock });
  admin = new ConsoleClient(box.url);
  await admin.login("admin", ADMIN_PASSWORD);
});
afterAll(() => box?.close());

describe("settings", () => {
  it("changes session and password policy at run time, audited, and survives a validation error", async () => {
    const before = await admin.json("GET", "/settings");
    expect(before).toMatchObject({ sessionIdleMinutes: 30, passwordMinLength: 12 });
    expect((await admin.request("PATCH", "/settings", { sessionIdleMinutes: -1 })).status).toBe(400);
    expect((await admin.request("PATCH", "/settings", { unknownSetting: 1 })).status).toBe(400);
    const after = await admin.json("PATCH", "/settings", { sessionIdleMinutes: 5, passwordMinLength: 16 });
    expect(after).toMatchObject({ sessionIdleMinutes: 5, passwordMinLength: 16 });
    // The new idle timeout applies to sessions already open.
    const user = new ConsoleClient(box.url);
    await user.login("admin", ADMIN_PASSWORD);
    clock.advance(6 * 60_000);
    expect((await user.request("GET", "/auth/me")).status).toBe(401);
    await admin.login("admin", ADMIN_PASSWORD);
    const weak = await admin.request("POST", "/users", { username: "short-pw", password: "fifteen chars!!" });
    expect(weak.status).toBe(400);
    const audit = await admin.json("GET", "/audit?action=settings.update");
    expect(audit.items[0].details.changed.sessionIdleMinutes).toEqual({ from: 30, to: 5 });
    await admin.json("PATCH", "/settings", { sessionIdleMinutes: 30, passwordMinLength: 12 });
  });
});

describe("audit", () => {
  it("records refused gateway credentials once a minute per source, with a count", async () => {
    await box.box.instances.create(stdioInstance("guarded", "conformance-server.mjs"));
    const call = (token: string) =>
      fetch(`${box.url}/mcp/guarded`, {
        method: "POST",
        headers: {
          authorization: `Bearer ${token}`,
          "content-type": "application/json",
          accept: "application/json, text/event-stream",
        },
        body: "{}",
      });
    for (let i = 0; i < 5; i++) expect((await call("mcpbox_not-a-real-token")).status).toBe(401);
    await new Promise((resolve) => setTimeout(resolve, 100));
    let denied = await admin.json("GET", "/audit?action=token.denied");
    expect(denied.total).toBe(1);
    expect(denied.items[0]).toMatchObject({
      outcome: "denied",
      targetId: "guarded",
      details: { reason: "unauthenticated" },
    });
    clock.advance(61_000);
    await call("mcpbox_not-a-real-token");
    await new Promise((resolve) => setTimeout(resolve, 100));
    denied = await admin.json("GET", "/audit?action=token.denied");
    expect(denied.total).toBe(2);
    expect(denied.items[0].details.refusedSinceLastRow).toBe(4);
    const other = await box.token(["nothing-else"]).catch(() => undefined);
    expect(other).toBeUndefined(); // a token for an unknown instance is refused at creation
  });

  it("prunes rows past the retention period", async () => {
    await admin.json("PATCH", "/settings", { auditRetentionDays: 30 });
    const before = (await admin.json("GET", "/audit?limit=1")).total;
    expect(before).toBeGreaterThan(3);
    clock.advance(31 * 86_400_000);
    const fresh = new ConsoleClient(box.url);
    await fresh.login("admin", ADMIN_PASSWORD); // a new row, inside the retention period
    await box.box.maintenance();
    const after = await fresh.json("GET", "/audit?limit=500&order=oldest");
    expect(after.items[0].at >= new Date(clock.now().getTime() - 31 * 86_400_000).toISOString()).toBe(true);
    expect(after.total).toBeLessThan(before);
    expect(after.items.some((e: { action: string }) => e.action === "login.success")).toBe(true);
  });
});

describe("list queries", () => {
  it("filter, sort and page instances and tokens", async () => {
    for (const name of ["list-a", "list-b", "list-c"]) {
      await box.box.instances.create({
        name,
        accessMode: "proxy",
        upstream: { type: "sse", url: "http://127.0.0.1:9/sse" },
      });
    }
    const fresh = new ConsoleClient(box.url);
    await fresh.login("admin", ADMIN_PASSWORD);
    const page = await fresh.json("GET", "/instances?q=list-&sort=-name&limit=2");
    expect(page.total).toBe(3);
    expect(page.items.map((i: { name: string }) => i.name)).toEqual(["list-c", "list-b"]);
    const onProcess = await fresh.json("GET", "/instances?q=list-&environment=process");
    expect(onProcess.total).toBe(3);
    expect((await fresh.json("GET", "/instances?q=list-&environment=docker")).total).toBe(0);
    const sse = await fresh.json("GET", "/instances?transport=sse");
    expect(sse.items.every((i: { upstream: { type: string } }) => i.upstream.type === "sse")).toBe(true);
    for (const name of ["t-one", "t-two"])
      await fresh.json("POST", "/tokens", { name, instances: ["list-a"] }, 201);
    const tokens = await fresh.json("GET", "/tokens?q=t-&sort=name&instance=list-a");
    expect(tokens.items.map((t: { name: string }) => t.name)).toEqual(["t-one", "t-two"]);
    await fresh.json("DELETE", `/tokens/${tokens.items[0].id}`);
    const active = await fresh.json("GET", "/tokens?q=t-&active=true");
    expect(active.items.map((t: { name: string }) => t.name)).toEqual(["t-two"]);
    expect((await fresh.request("GET", "/instances?sort=password")).status).toBe(400);
  });
});
