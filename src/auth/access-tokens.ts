import { createHash, randomBytes, timingSafeEqual } from "node:crypto";

export const TOKEN_PREFIX = "mcpbox_";

/** What a verified token allows; the gateway holds these in memory, keyed by the secret's hash. */
export interface TokenGrant {
  id: string;
  name: string;
  isAdmin: boolean;
  /** null: every instance. */
  instanceNames: string[] | null;
  expiresAt: Date | null;
  /** The user who created it; null for the seeded admin token and tokens made with it. */
  ownerId: string | null;
}

export function generateTokenSecret(): string {
  return `${TOKEN_PREFIX}${randomBytes(32).toString("base64url")}`;
}

/** Tokens carry 256 random bits, so a plain SHA-256 is a safe at-rest form (no offline guessing). */
export function hashTokenSecret(secret: string): string {
  return createHash("sha256").update(secret, "utf8").digest("hex");
}

export function displayPrefix(secret: string): string {
  return secret.slice(0, TOKEN_PREFIX.length + 6);
}

export function grantCovers(grant: TokenGrant, instance: string): boolean {
  return grant.instanceNames === null || grant.instanceNames.includes(instance);
}

/** Constant-time comparison for secrets compared as strings (e.g. a seeded admin token). */
export function secretsEqual(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

export function bearerFrom(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1];
}
