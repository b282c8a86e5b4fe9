import { randomBytes } from "node:crypto";
import { z } from "zod";
import { hashTokenSecret } from "../auth/access-tokens.js";
import type { Clock } from "../auth/clock.js";
import type { ApiKeyRepository, ApiKeyRow } from "../store/account-repositories.js";
import { displayNameSchema } from "./directory.js";
import { NotFoundError } from "./errors.js";

/** Personal API keys authenticate to the admin API as their user; MCP access tokens never do. */
export const API_KEY_PREFIX = "mcpbox_ak_";

export const createApiKeySchema = z.strictObject({
  name: displayNameSchema,
  expiresInSeconds: z
    .number()
    .int()
    .positive()
    .max(2 * 365 * 86_400)
    .optional(),
});

export function presentApiKey(row: ApiKeyRow) {
  return {
    id: row.id,
    name: row.name,
    prefix: row.prefix,
    createdAt: row.createdAt.toISOString(),
    expiresAt: row.expiresAt?.toISOString() ?? null,
    revokedAt: row.revokedAt?.toISOString() ?? null,
    lastUsedAt: row.lastUsedAt?.toISOString() ?? null,
  };
}

export class ApiKeyService {
  constructor(
    private readonly repo: ApiKeyRepository,
    private readonly clock: Clock,
  ) {}

  async create(userId: string, input: z.input<typeof createApiKeySchema>) {
    const data = createApiKeySchema.parse(input);
    const secret = `${API_KEY_PREFIX}${randomBytes(32).toString("base64url")}`;
    const now = this.clock.now();
    const row = await this.repo.insert({
      userId,
      name: data.name,
      keyHash: hashTokenSecret(secret),
      prefix: secret.slice(0, API_KEY_PREFIX.length + 6),
      createdAt: now,
      expiresAt: data.expiresInSeconds ? new Date(now.getTime() + data.expiresInSeconds * 1000) : null,
    });
    return { key: row, secret };
  }

  /** The live key for this secret, or undefined (unknown, revoked or expired). */
  async verify(secret: string): Promise<ApiKeyRow | undefined> {
    const row = await this.repo.byHash(hashTokenSecret(secret));
    const now = this.clock.now();
    if (!row || row.revokedAt || (row.expiresAt && row.expiresAt <= now)) return undefined;
    if (!row.lastUsedAt || now.getTime() - row.lastUsedAt.getTime() > 60_000)
      await this.repo.touch(row.id, now);
    return row;
  }

  list(userId: string) {
    return this.repo.listOf(userId);
  }

  async revoke(userId: string, id: string): Promise<ApiKeyRow> {
    const row = await this.repo.revoke(id, userId, this.clock.now());
    if (!row) throw new NotFoundError(`no live API key ${id}`);
    return row;
  }
}
