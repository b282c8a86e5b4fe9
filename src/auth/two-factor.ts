import { createHash, randomBytes } from "node:crypto";
import { Secret, TOTP } from "otpauth";
import QRCode from "qrcode";
import type { UserRepository, UserRow } from "../store/account-repositories.js";
import type { Clock } from "./clock.js";
import type { SecretBox } from "./secrets.js";

const PERIOD_SECONDS = 30;
const RECOVERY_CODES = 10;
const hashCode = (code: string) => createHash("sha256").update(code.trim().toLowerCase()).digest("hex");

/** Recovery codes: 60 random bits each, as three groups of four base32 characters. */
function recoveryCode(): string {
  const alphabet = "abcdefghijklmnopqrstuvwxyz234567";
  const bytes = randomBytes(12);
  const chars = [...bytes].map((b) => alphabet[b % 32]).join("");
  return `${chars.slice(0, 4)}-${chars.slice(4, 8)}-${chars.slice(8, 12)}`;
}

/**
 * TOTP second factor (RFC 6238, SHA-1, 6 digits, 30 s: what authenticator apps expect). The shared secret
 * is sealed with the master key; each code is accepted once (the last used time step is kept); recovery
 * codes are stored as hashes and burn on use.
 */
export class TwoFactor {
  constructor(
    private readonly repo: UserRepository,
    private readonly secrets: SecretBox,
    private readonly clock: Clock,
    private readonly issuer = "MCPBox",
  ) {}

  private totp(user: UserRow, secret: string): TOTP {
    return new TOTP({
      issuer: this.issuer,
      label: user.username,
      secret: Secret.fromBase32(secret),
      algorithm: "SHA1",
      digits: 6,
      period: PERIOD_SECONDS,
    });
  }

  /** Starts (or restarts) enrolment: a new secret, not active until a code confirms it. */
  async begin(user: UserRow): Promise<{ secret: string; otpauthUri: string; qrSvg: string }> {
    const secret = new Secret({ size: 20 }).base32;
    await this.repo.update(user.id, {
      totpSecret: this.secrets.seal(secret),
      totpEnabled: false,
      totpLastStep: null,
    });
    const otpauthUri = this.totp(user, secret).toString();
    return { secret, otpauthUri, qrSvg: await QRCode.toString(otpauthUri, { type: "svg", margin: 1 }) };
  }

  /** Confirms enrolment with a first code; returns the recovery codes, shown this once. */
  async confirm(user: UserRow, code: string): Promise<string[] | undefined> {
    if (!user.totpSecret || user.totpEnabled) return undefined;
    const step = this.acceptedStep(user, code);
    if (step === undefined) return undefined;
    const codes = Array.from({ length: RECOVERY_CODES }, recoveryCode);
    await this.repo.update(user.id, {
      totpEnabled: true,
      totpLastStep: step,
      recoveryCodes: codes.map(hashCode),
    });
    return codes;
  }

  /** Checks a sign-in code (or a recovery code) for an enrolled user, and uses it up. */
  async verify(user: UserRow, code: string): Promise<"totp" | "recovery" | undefined> {
    if (!user.totpEnabled || !user.totpSecret) return undefined;
    const step = this.acceptedStep(user, code);
    if (step !== undefined) {
      await this.repo.update(user.id, { totpLastStep: step });
      return "totp";
    }
    const hash = hashCode(code);
    if (user.recoveryCodes.includes(hash)) {
      await this.repo.update(user.id, { recoveryCodes: user.recoveryCodes.filter((h) => h !== hash) });
      return "recovery";
    }
    return undefined;
  }

  async disable(userId: string): Promise<void> {
    await this.repo.update(userId, {
      totpSecret: null,
      totpEnabled: false,
      totpLastStep: null,
      recoveryCodes: [],
    });
  }

  /** The time step a six-digit code belongs to (±1 step of drift), if it is valid and not used before. */
  private acceptedStep(user: UserRow, code: string): number | undefined {
    if (!/^\d{6}$/.test(code.trim())) return undefined;
    const now = this.clock.now().getTime();
    const delta = this.totp(user, this.secrets.open(user.totpSecret!)).validate({
      token: code.trim(),
      window: 1,
      timestamp: now,
    });
    if (delta === null) return undefined;
    const step = Math.floor(now / 1000 / PERIOD_SECONDS) + delta;
    if (user.totpLastStep !== null && step <= user.totpLastStep) return undefined; // replayed code
    return step;
  }
}
