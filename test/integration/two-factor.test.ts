import { Secret, TOTP } from "otpauth";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ADMIN_PASSWORD, ManualClock, startBox, type TestBox } from "../helpers/box.js";
import { ConsoleClient } from "../helpers/console.js";

/** TOTP enrolment and sign-in, on a clock the test moves, as an authenticator app would compute codes. */
let box: TestBox;
const clock = new ManualClock();
const PASSWORD = "two factor users password 9";

const codeAt = (secret: string, at: Date) =>
  new TOTP({ secret: Secret.fromBase32(secret), digits: 6, period: 30, algorithm: "SHA1" }).generate({
    timestamp: at.getTime(),
  });

async function signIn(username: string, password: string, code?: string) {
  const client = new ConsoleClient(box.url);
  const first = await client.login(username, password);
  const body = (await first.json()) as { twoFactorRequired?: boolean; challenge?: string };
  if (!body.twoFactorRequired || code === undefined) return { client, first: body, status: first.status };
  const second = await client.request("POST", "/auth/login/two-factor", { challenge: body.challenge, code });
  if (second.status === 200) {
    client.cookie = /^([^;]+)/.exec(second.headers.get("set-cookie") ?? "")?.[1];
    client.csrf = ((await second.clone().json()) as { csrfToken: string }).csrfToken;
  }
  return { client, first: body, status: second.status, response: second };
}

beforeAll(async () => {
  box = await startBox([], { loginRateLimitPerMinute: 1000 }, { clock });
});
afterAll(() => box?.close());

describe("TOTP two-factor sign-in", () => {
  it("enrols, signs out, and signs in again with a code; a code works once", async () => {
    const admin = new ConsoleClient(box.url);
    await admin.login("admin", ADMIN_PASSWORD);
    await admin.json("POST", "/users", { username: "tf-user", roles: ["viewer"], password: PASSWORD }, 201);
    const user = new ConsoleClient(box.url);
    await user.login("tf-user", PASSWORD);
    await user.json(
      "POST",
      "/auth/password",
      { currentPassword: PASSWORD, newPassword: `${PASSWORD}!` },
      204,
    );

    const enrolment = await user.json("POST", "/auth/two-factor/enrol");
    expect(enrolment.otpauthUri).toMatch(/^otpauth:\/\/totp\/MCPBox:tf-user\?/);
    expect(enrolment.qrSvg).toMatch(/^<svg/);
    const wrong = await user.request("POST", "/auth/two-factor/confirm", { code: "000000" });
    expect(wrong.status).toBe(400);
    const confirmed = await user.json("POST", "/auth/two-factor/confirm", {
      code: codeAt(enrolment.secret, clock.now()),
    });
    expect(confirmed.recoveryCodes).toHaveLength(10);
    await user.json("POST", "/auth/logout", undefined, 204);

    // The password alone no longer opens a session.
    const passwordOnly = await signIn("tf-user", `${PASSWORD}!`);
    expect(passwordOnly.first.twoFactorRequired).toBe(true);
    expect(passwordOnly.client.cookie).toBeUndefined();

    clock.advance(60_000);
    const code = codeAt(enrolment.secret, clock.now());
    const ok = await signIn("tf-user", `${PASSWORD}!`, code);
    expect(ok.status).toBe(200);
    expect((await ok.client.json("GET", "/auth/me")).user.twoFactorEnabled).toBe(true);
    const replay = await signIn("tf-user", `${PASSWORD}!`, code);
    expect(replay.status).toBe(401);

    // A recovery code works once, instead of a TOTP code.
    const recovery = confirmed.recoveryCodes[0];
    expect((await signIn("tf-user", `${PASSWORD}!`, recovery)).status).toBe(200);
    expect((await signIn("tf-user", `${PASSWORD}!`, recovery)).status).toBe(401);

    // A code from an old time step is refused.
    const stale = codeAt(enrolment.secret, new Date(clock.now().getTime() - 5 * 60_000));
    expect((await signIn("tf-user", `${PASSWORD}!`, stale)).status).toBe(401);

    const audit = await admin.json("GET", "/audit?actor=tf-user&limit=50");
    const actions = audit.items.map((e: { action: string }) => e.action);
    expect(actions).toContain("user.two_factor_enable");
    expect(actions).toContain("login.failure");
  });

  it("expires the challenge, and enforces two-factor for roles that require it", async () => {
    const admin = new ConsoleClient(box.url);
    await admin.login("admin", ADMIN_PASSWORD);
    await admin.json(
      "POST",
      "/roles",
      { name: "secure-viewer", permissions: ["instance:read"], dataScope: "self", requireTwoFactor: true },
      201,
    );
    await admin.json(
      "POST",
      "/users",
      { username: "tf-forced", roles: ["secure-viewer"], password: PASSWORD },
      201,
    );
    const user = new ConsoleClient(box.url);
    await user.login("tf-forced", PASSWORD);
    await user.json(
      "POST",
      "/auth/password",
      { currentPassword: PASSWORD, newPassword: `${PASSWORD}!` },
      204,
    );
    const blocked = await user.request("GET", "/instances");
    expect(blocked.status).toBe(403);
    expect(((await blocked.json()) as { error: { code: string } }).error.code).toBe("two_factor_required");
    const enrolment = await user.json("POST", "/auth/two-factor/enrol");
    await user.json("POST", "/auth/two-factor/confirm", { code: codeAt(enrolment.secret, clock.now()) });
    expect((await user.request("GET", "/instances")).status).toBe(200);

    const pending = await signIn("tf-forced", `${PASSWORD}!`);
    clock.advance(6 * 60_000);
    const late = await new ConsoleClient(box.url).request("POST", "/auth/login/two-factor", {
      challenge: pending.first.challenge,
      code: codeAt(enrolment.secret, clock.now()),
    });
    expect(late.status).toBe(401);
    expect(((await late.json()) as { error: { code: string } }).error.code).toBe("challenge_expired");

    // An admin resets a lost device; the user signs in with the password again.
    const users = await admin.json("GET", "/users?q=tf-forced");
    await admin.json("POST", `/users/${users.items[0].id}/reset-two-factor`, undefined, 204);
    const after = await signIn("tf-forced", `${PASSWORD}!`);
    expect(after.status).toBe(200);
    expect(after.first.twoFactorRequired).toBeUndefined();
  });
});
