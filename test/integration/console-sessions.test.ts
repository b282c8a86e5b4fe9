import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resolveConfig } from "../../src/config/server-config.js";
import { createLogger } from "../../src/observability/logger.js";
import { createServer } from "../../src/server.js";
import { ADMIN_PASSWORD, ManualClock, startBox, type TestBox } from "../helpers/box.js";
import { ConsoleClient } from "../helpers/console.js";

/** Console sign-in, session timeouts on a hand-moved clock, lockout, CSRF, and losing access at once. */
let box: TestBox;
const clock = new ManualClock();
const STRONG = "a long and unusual passphrase 42";

async function signedInAdmin(): Promise<ConsoleClient> {
  const admin = new ConsoleClient(box.url);
  expect((await admin.login("admin", ADMIN_PASSWORD)).status).toBe(200);
  return admin;
}

/** Creates a user through the API and has them set their own password. Returns their signed-in client. */
async function newUser(admin: ConsoleClient, username: string, roles: string[]): Promise<ConsoleClient> {
  const created = await admin.json("POST", "/users", { username, roles }, 201);
  expect(created.temporaryPassword).toMatch(/^[\w-]{20,}$/);
  const user = new ConsoleClient(box.url);
  const login = await user.login(username, created.temporaryPassword);
  expect(((await login.json()) as { mustChangePassword: boolean }).mustChangePassword).toBe(true);
  await user.json(
    "POST",
    "/auth/password",
    { currentPassword: created.temporaryPassword, newPassword: STRONG },
    204,
  );
  return user;
}

beforeAll(async () => {
  box = await startBox(
    [],
    { sessionIdleMinutes: 30, sessionAbsoluteHours: 12, lockoutThreshold: 3, loginRateLimitPerMinute: 1000 },
    { clock },
  );
});
afterAll(() => box?.close());

describe("console sign-in", () => {
  it("signs in with an httpOnly SameSite cookie, answers /auth/me, and signs out", async () => {
    const admin = new ConsoleClient(box.url);
    const response = await admin.login("admin", ADMIN_PASSWORD);
    expect(response.status).toBe(200);
    const cookie = response.headers.get("set-cookie")!;
    expect(cookie).toMatch(/mcpbox_session=/);
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Lax/i);
    const me = await admin.json("GET", "/auth/me");
    expect(me.user.username).toBe("admin");
    expect(me.permissions).toContain("user:write");
    // A reloaded console gets the same CSRF token back from /auth/me, and it works.
    const reloaded = new ConsoleClient(box.url);
    reloaded.cookie = admin.cookie;
    reloaded.csrf = (await reloaded.json("GET", "/auth/me")).csrfToken;
    expect(reloaded.csrf).toBe((await response.clone().json()).csrfToken);
    expect(me.twoFactorEnrolmentRequired).toBe(false);
    await reloaded.json("POST", "/auth/logout", undefined, 204);
    expect((await admin.request("GET", "/auth/me")).status).toBe(401);
  });

  it("refuses wrong passwords and unknown users alike, without saying which", async () => {
    const wrong = await new ConsoleClient(box.url).login("admin", "not the password at all");
    const unknown = await new ConsoleClient(box.url).login("nobody-here", "not the password at all");
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(await wrong.json()).toEqual(await unknown.json());
  });

  it("forces a password change first, and applies the password policy", async () => {
    const admin = await signedInAdmin();
    const created = await admin.json("POST", "/users", { username: "forced", roles: ["viewer"] }, 201);
    const user = new ConsoleClient(box.url);
    await user.login("forced", created.temporaryPassword);
    const blocked = await user.request("GET", "/instances");
    expect(blocked.status).toBe(403);
    expect(((await blocked.json()) as { error: { code: string } }).error.code).toBe(
      "password_change_required",
    );
    for (const weak of ["short", "password1234", "forced-and-more-chars", "aaaaaaaaaaaaaaaa"]) {
      const refused = await user.request("POST", "/auth/password", {
        currentPassword: created.temporaryPassword,
        newPassword: weak,
      });
      expect(refused.status, weak).toBe(400);
      expect(((await refused.json()) as { error: { code: string } }).error.code).toBe("weak_password");
    }
    await user.json(
      "POST",
      "/auth/password",
      { currentPassword: created.temporaryPassword, newPassword: STRONG },
      204,
    );
    expect((await user.request("GET", "/instances")).status).toBe(200);
  });
});

describe("session timeouts", () => {
  it("ends a session idle longer than the idle timeout, but not an active one", async () => {
    const admin = await signedInAdmin();
    clock.advance(20 * 60_000);
    expect((await admin.request("GET", "/auth/me")).status).toBe(200); // activity resets the idle clock
    clock.advance(20 * 60_000);
    expect((await admin.request("GET", "/auth/me")).status).toBe(200);
    clock.advance(31 * 60_000);
    const expired = await admin.request("GET", "/auth/me");
    expect(expired.status).toBe(401);
    expect(((await expired.json()) as { error: { code: string } }).error.code).toBe("session_expired");
  });

  it("ends any session at the absolute timeout, however active", async () => {
    const admin = await signedInAdmin();
    for (let step = 0; step < 35; step++) {
      clock.advance(20 * 60_000);
      expect((await admin.request("GET", "/auth/me")).status, `after ${step * 20 + 20} min`).toBe(200);
    }
    clock.advance(21 * 60_000); // 12 h 1 min since sign-in, 20 min since the last request
    expect((await admin.request("GET", "/auth/me")).status).toBe(401);
  });
});

describe("lockout", () => {
  it("locks an account after repeated failures, audits it, and lets it in after the lockout", async () => {
    const admin = await signedInAdmin();
    const user = await newUser(admin, "lockme", ["viewer"]);
    expect(user.cookie).toBeTruthy();
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++)
      statuses.push((await new ConsoleClient(box.url).login("lockme", "wrong wrong wrong")).status);
    expect(statuses).toEqual([401, 401, 423]);
    // Even the right password is refused while locked.
    expect((await new ConsoleClient(box.url).login("lockme", STRONG)).status).toBe(423);
    clock.advance(16 * 60_000);
    expect((await new ConsoleClient(box.url).login("lockme", STRONG)).status).toBe(200);
    const audit = await admin.json("GET", "/audit?actor=lockme&limit=20");
    const actions = audit.items.map((e: { action: string }) => e.action);
    expect(actions).toEqual(
      expect.arrayContaining(["login.failure", "login.lockout", "login.locked", "login.success"]),
    );
  });
});

describe("CSRF and revocation", () => {
  it("refuses a state-changing request without the CSRF header", async () => {
    const admin = await signedInAdmin();
    const forged = await admin.request("POST", "/departments", { name: "Forged" }, { csrf: false });
    expect(forged.status).toBe(403);
    expect(((await forged.json()) as { error: { code: string } }).error.code).toBe("csrf_failed");
    const listed = await admin.json("GET", "/departments");
    expect(listed.items.some((d: { name: string }) => d.name === "Forged")).toBe(false);
  });

  it("cuts a disabled user off at once: live session and MCP tokens", async () => {
    const admin = await signedInAdmin();
    await admin.json(
      "POST",
      "/instances",
      {
        name: "dis-echo",
        accessMode: "proxy",
        upstream: { type: "streamable-http", url: "http://127.0.0.1:9/mcp" },
      },
      201,
    );
    const dev = await newUser(admin, "soon-disabled", ["developer"]);
    const me = await dev.json("GET", "/auth/me");
    const token = await dev.json("POST", "/tokens", { name: "t", instances: ["dis-echo"] }, 403);
    expect(token.error.message).toMatch(/dis-echo/); // not in the developer's department
    const own = await dev.json("POST", "/tokens", { name: "t", instances: [] }, 400);
    expect(own.error.code).toBe("validation_failed");
    await admin.json("PATCH", `/users/${me.user.id}`, { enabled: false });
    const after = await dev.request("GET", "/auth/me");
    expect(after.status).toBe(401);
    expect((await new ConsoleClient(box.url).login("soon-disabled", STRONG)).status).toBe(403);
  });

  it("signs a user out everywhere, from their side and from an admin's", async () => {
    const admin = await signedInAdmin();
    const first = await newUser(admin, "many-sessions", ["viewer"]);
    const second = new ConsoleClient(box.url);
    const l2 = await second.login("many-sessions", STRONG);
    expect(l2.status, await l2.clone().text()).toBe(200);
    const sessions = await second.json("GET", "/auth/sessions");
    expect(sessions.items.length).toBeGreaterThanOrEqual(2);
    const revoked = await second.json("POST", "/auth/sessions/revoke-all");
    expect(revoked.revoked).toBeGreaterThanOrEqual(2);
    expect((await first.request("GET", "/auth/me")).status).toBe(401);
    const third = new ConsoleClient(box.url);
    await third.login("many-sessions", STRONG);
    const me = await third.json("GET", "/auth/me");
    await admin.json("POST", `/users/${me.user.id}/revoke-sessions`);
    expect((await third.request("GET", "/auth/me")).status).toBe(401);
  });
});

describe("API keys", () => {
  it("authenticate as their user until revoked, and are shown once", async () => {
    const admin = await signedInAdmin();
    const created = await admin.json("POST", "/api-keys", { name: "ci" }, 201);
    expect(created.secret).toMatch(/^mcpbox_ak_/);
    const listed = await admin.json("GET", "/api-keys");
    expect(JSON.stringify(listed)).not.toContain(created.secret);
    const withKey = (path: string) =>
      fetch(`${box.url}/api/v1${path}`, { headers: { authorization: `Bearer ${created.secret}` } });
    const me = (await (await withKey("/auth/me")).json()) as { kind: string; username: string };
    expect(me).toMatchObject({ kind: "api-key", username: "admin" });
    await admin.json("DELETE", `/api-keys/${created.id}`, undefined, 204);
    expect((await withKey("/auth/me")).status).toBe(401);
  });
});

describe("login rate limit", () => {
  it("answers 429 in the one error shape once a client address exceeds the limit", async () => {
    const limited = await startBox([], { loginRateLimitPerMinute: 3 });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 5; i++) {
        statuses.push((await new ConsoleClient(limited.url).login("admin", "wrong wrong wrong")).status);
      }
      expect(statuses).toEqual([401, 401, 401, 429, 429]);
      const refused = await new ConsoleClient(limited.url).login("admin", ADMIN_PASSWORD);
      expect(refused.status).toBe(429);
      expect(((await refused.json()) as { error: { code: string } }).error.code).toBe("rate_limited");
    } finally {
      await limited.close();
    }
  });
});

describe("first start", () => {
  it("creates the admin with a generated password, logs it once, and never resets it", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "mcpbox-first-start-"));
    const start = async () => {
      const lines: string[] = [];
      const logger = createLogger("info", { write: (line: string) => void lines.push(line) });
      const config = resolveConfig({ port: 0, dataDir, logLevel: "info" }, {});
      return { server: await createServer(config, { logger }), lines };
    };
    try {
      const first = await start();
      const announced = first.lines.find((line) => line.includes("generated password"));
      const password = /admin password: (\S+)/.exec(JSON.parse(announced!).msg)?.[1];
      expect(password).toMatch(/^[\w-]{20,}$/);
      const login = await new ConsoleClient(first.server.url).login("admin", password!);
      expect(login.status).toBe(200);
      expect(((await login.json()) as { mustChangePassword: boolean }).mustChangePassword).toBe(true);
      await first.server.close();

      const second = await start();
      expect(second.lines.join("\n")).not.toContain(password!);
      expect(second.lines.some((line) => line.includes("generated password"))).toBe(false);
      expect((await new ConsoleClient(second.server.url).login("admin", password!)).status).toBe(200);
      await second.server.close();
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
