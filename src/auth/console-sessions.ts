import { createHash, randomBytes } from "node:crypto";
import type { UserService } from "../control/users.js";
import type { SessionRepository, SessionRow, UserRow } from "../store/account-repositories.js";
import type { Clock } from "./clock.js";
import { decoyHash, verifyPassword } from "./passwords.js";
import type { TwoFactor } from "./two-factor.js";

export interface SessionPolicy {
  idleMinutes: number;
  absoluteHours: number;
  lockoutThreshold: number;
  lockoutMinutes: number;
}

export interface LoginFailure {
  ok: false;
  reason: "invalid" | "locked" | "disabled" | "invalid_code" | "challenge_expired";
  user?: UserRow;
  lockedNow?: boolean;
}
export type LoginResult =
  | { ok: true; user: UserRow; secret: string; session: SessionRow }
  | { ok: false; reason: "two_factor_required"; user: UserRow; challenge: string }
  | LoginFailure;

/** The step between a right password and a right second factor; lives a few minutes, a few tries. */
interface Challenge {
  userId: string;
  expiresAt: number;
  attempts: number;
  meta: LoginMeta;
}
type LoginMeta = { ip?: string; userAgent?: string };
const CHALLENGE_MS = 5 * 60_000;
const CHALLENGE_ATTEMPTS = 5;

export type SessionCheck =
  | { ok: true; session: SessionRow; user: UserRow }
  | { ok: false; reason: "unknown" | "revoked" | "idle" | "expired" | "disabled" };

const hashSecret = (secret: string) => createHash("sha256").update(secret).digest("hex");
/** lastSeenAt is written at most this often; the idle timeout is minutes, so seconds do not matter. */
const TOUCH_EVERY_MS = 15_000;

/**
 * Console sessions: a random 256-bit secret in an httpOnly cookie, its SHA-256 in the store, an idle and an
 * absolute timeout, revocation (logout, sign out everywhere, account disabled). Each check reads the user,
 * so a disabled account loses its sessions on its very next request.
 */
export class ConsoleSessions {
  private readonly challenges = new Map<string, Challenge>();

  constructor(
    private readonly repo: SessionRepository,
    private readonly users: UserService,
    private readonly twoFactor: TwoFactor,
    private readonly clock: Clock,
    private readonly policy: SessionPolicy,
  ) {}

  async login(username: string, password: string, meta: LoginMeta): Promise<LoginResult> {
    const user = await this.users.byUsername(username);
    if (!user) {
      await verifyPassword(await decoyHash(), password); // same cost as a real check: no user enumeration
      return { ok: false, reason: "invalid" };
    }
    const now = this.clock.now();
    if (user.lockedUntil && user.lockedUntil > now) return { ok: false, reason: "locked", user };
    if (!(await verifyPassword(user.passwordHash, password))) {
      const lockedNow = await this.users.recordFailedLogin(
        user,
        this.policy.lockoutThreshold,
        this.policy.lockoutMinutes,
      );
      return { ok: false, reason: lockedNow ? "locked" : "invalid", user, lockedNow };
    }
    if (!user.enabled) return { ok: false, reason: "disabled", user };
    if (user.totpEnabled) {
      const challenge = randomBytes(24).toString("base64url");
      const now = this.clock.now().getTime();
      for (const [key, c] of this.challenges) if (c.expiresAt <= now) this.challenges.delete(key);
      this.challenges.set(challenge, { userId: user.id, expiresAt: now + CHALLENGE_MS, attempts: 0, meta });
      return { ok: false, reason: "two_factor_required", user, challenge };
    }
    return this.open(user, meta);
  }

  /** Second step of a sign-in: the challenge from the password step and a TOTP or recovery code. */
  async completeTwoFactor(challengeId: string, code: string): Promise<LoginResult> {
    const challenge = this.challenges.get(challengeId);
    if (!challenge || challenge.expiresAt <= this.clock.now().getTime()) {
      this.challenges.delete(challengeId);
      return { ok: false, reason: "challenge_expired" };
    }
    const user = await this.users.get(challenge.userId);
    if (!user?.enabled) return { ok: false, reason: "disabled" };
    const method = await this.twoFactor.verify(user, code);
    if (!method) {
      challenge.attempts++;
      let lockedNow = false;
      if (challenge.attempts >= CHALLENGE_ATTEMPTS) {
        this.challenges.delete(challengeId);
        lockedNow = await this.users.recordFailedLogin(
          user,
          this.policy.lockoutThreshold,
          this.policy.lockoutMinutes,
        );
      }
      return { ok: false, reason: "invalid_code", user, lockedNow };
    }
    this.challenges.delete(challengeId);
    return this.open(user, challenge.meta);
  }

  private async open(user: UserRow, meta: LoginMeta): Promise<LoginResult> {
    const now = this.clock.now();
    await this.users.recordLogin(user);
    const secret = randomBytes(32).toString("base64url");
    const session = await this.repo.insert({
      secretHash: hashSecret(secret),
      userId: user.id,
      csrfToken: randomBytes(24).toString("base64url"),
      ip: meta.ip ?? null,
      userAgent: meta.userAgent?.slice(0, 300) ?? null,
      createdAt: now,
      lastSeenAt: now,
      expiresAt: new Date(now.getTime() + this.policy.absoluteHours * 3_600_000),
    });
    return { ok: true, user, secret, session };
  }

  async check(secret: string): Promise<SessionCheck> {
    const session = await this.repo.bySecretHash(hashSecret(secret));
    if (!session) return { ok: false, reason: "unknown" };
    if (session.revokedAt) return { ok: false, reason: "revoked" };
    const now = this.clock.now();
    if (session.expiresAt <= now) return this.end(session, "expired");
    if (now.getTime() - session.lastSeenAt.getTime() > this.policy.idleMinutes * 60_000) {
      return this.end(session, "idle");
    }
    const user = await this.users.get(session.userId);
    if (!user?.enabled) return this.end(session, "disabled");
    if (now.getTime() - session.lastSeenAt.getTime() > TOUCH_EVERY_MS) await this.repo.touch(session.id, now);
    return { ok: true, session, user };
  }

  async logout(sessionId: string): Promise<void> {
    await this.repo.revoke(sessionId, this.clock.now());
  }

  revokeAll(userId: string): Promise<number> {
    return this.repo.revokeAllOf(userId, this.clock.now());
  }

  live(userId: string): Promise<SessionRow[]> {
    return this.repo.liveOf(userId, this.clock.now());
  }

  private async end(session: SessionRow, reason: "expired" | "idle" | "disabled"): Promise<SessionCheck> {
    await this.repo.revoke(session.id, this.clock.now());
    return { ok: false, reason };
  }
}
