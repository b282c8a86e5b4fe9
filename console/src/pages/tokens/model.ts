/** An access token as the API shows it (src/control/tokens.ts presentToken): never the secret. */
export interface Token {
  id: string;
  name: string;
  /** The first characters of the secret, to recognise it by. */
  prefix: string;
  admin: boolean;
  /** The instances it opens; null for every instance. */
  instances: string[] | null;
  ownerId: string | null;
  departmentId: string | null;
  createdAt: string;
  expiresAt: string | null;
  revokedAt: string | null;
  lastUsedAt: string | null;
  useCount: number;
}

export type TokenStatus = "active" | "revoked" | "expired";

export function tokenStatus(token: Token, now = Date.now()): TokenStatus {
  if (token.revokedAt) return "revoked";
  if (token.expiresAt && new Date(token.expiresAt).getTime() <= now) return "expired";
  return "active";
}

/** Expiry choices in days; 0 is "never". */
export const EXPIRY_DAYS = [0, 1, 7, 30, 90, 365] as const;
