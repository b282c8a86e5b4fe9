import { z } from "zod";
import {
  displayPrefix,
  generateTokenSecret,
  hashTokenSecret,
  type TokenGrant,
} from "../auth/access-tokens.js";
import { NO_OWNER, type Ownership, type TokenRepository, type TokenRow } from "../store/repositories.js";
import { NotFoundError } from "./errors.js";
import { instanceNameSchema } from "./instance-model.js";
import { text } from "./text.js";

export const createTokenSchema = z.strictObject({
  name: text(128).pipe(z.string().min(1)),
  /** Instance names the token opens; omit (or null) for every instance. */
  instances: z.array(instanceNameSchema).min(1).max(1000).nullable().optional(),
  expiresInSeconds: z
    .number()
    .int()
    .positive()
    .max(10 * 365 * 86_400)
    .optional(),
  admin: z.boolean().default(false),
});
export type CreateTokenInput = z.input<typeof createTokenSchema>;

/** The fields of a token that may leave the server: never the secret, never its hash. */
export function presentToken(row: TokenRow) {
  return {
    id: row.id,
    name: row.name,
    prefix: row.prefix,
    admin: row.isAdmin,
    instances: row.instanceNames,
    ownerId: row.ownerId,
    departmentId: row.departmentId,
    createdAt: row.createdAt.toISOString(),
    expiresAt: row.expiresAt?.toISOString() ?? null,
    revokedAt: row.revokedAt?.toISOString() ?? null,
    lastUsedAt: row.lastUsedAt?.toISOString() ?? null,
    useCount: row.useCount,
  };
}

/**
 * Access tokens: stored as hashes; verified from an in-memory map so the gateway never queries the
 * database per request; use counts are batched and flushed off the hot path.
 */
export class TokenService {
  private readonly byHash = new Map<string, TokenGrant>();
  private readonly uses = new Map<string, { count: number; at: Date }>();
  /** Users who are disabled or deleted: their tokens stop opening anything, at once. */
  private readonly suspendedOwners = new Set<string>();
  private flusher?: NodeJS.Timeout;

  constructor(
    private readonly repo: TokenRepository,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async load(): Promise<void> {
    this.byHash.clear();
    for (const row of await this.repo.listActive()) this.byHash.set(row.tokenHash, grantOf(row));
  }

  startFlushing(intervalMs = 2000): void {
    this.flusher = setInterval(() => void this.flushUses(), intervalMs);
    this.flusher.unref();
  }

  verify(secret: string): TokenGrant | undefined {
    const grant = this.byHash.get(hashTokenSecret(secret));
    if (!grant) return undefined;
    if (grant.expiresAt && grant.expiresAt <= this.now()) return undefined;
    if (grant.ownerId && this.suspendedOwners.has(grant.ownerId)) return undefined;
    return grant;
  }

  recordUse(id: string): void {
    const entry = this.uses.get(id);
    if (entry) {
      entry.count++;
      entry.at = this.now();
    } else {
      this.uses.set(id, { count: 1, at: this.now() });
    }
  }

  async flushUses(): Promise<void> {
    const batch = [...this.uses];
    this.uses.clear();
    await Promise.allSettled(batch.map(([id, use]) => this.repo.recordUse(id, use.count, use.at)));
  }

  suspendOwner(userId: string, suspended: boolean): void {
    if (suspended) this.suspendedOwners.add(userId);
    else this.suspendedOwners.delete(userId);
  }

  async create(input: CreateTokenInput, owner: Ownership = NO_OWNER, secret = generateTokenSecret()) {
    const data = createTokenSchema.parse(input);
    const expiresAt = data.expiresInSeconds
      ? new Date(this.now().getTime() + data.expiresInSeconds * 1000)
      : null;
    const row = await this.repo.insert({
      name: data.name,
      tokenHash: hashTokenSecret(secret),
      prefix: displayPrefix(secret),
      isAdmin: data.admin,
      instanceNames: data.instances ?? null,
      expiresAt,
      ...owner,
    });
    this.byHash.set(row.tokenHash, grantOf(row));
    return { token: presentToken(row), secret };
  }

  /** Seeds the automation admin token from MCPBOX_ADMIN_TOKEN, on the first start only. */
  async seedAdmin(secret: string): Promise<boolean> {
    if (await this.repo.hasAdmin()) return false;
    await this.create({ name: "admin (MCPBOX_ADMIN_TOKEN)", admin: true }, NO_OWNER, secret);
    return true;
  }

  list(): Promise<TokenRow[]> {
    return this.repo.list();
  }

  get(id: string): Promise<TokenRow | undefined> {
    return this.repo.get(id);
  }

  async revoke(id: string) {
    const row = await this.repo.revoke(id);
    if (!row) throw new NotFoundError(`no active token with id ${id}`);
    this.byHash.delete(row.tokenHash);
    return presentToken(row);
  }

  async close(): Promise<void> {
    if (this.flusher) clearInterval(this.flusher);
    await this.flushUses();
  }
}

function grantOf(row: TokenRow): TokenGrant {
  return {
    id: row.id,
    name: row.name,
    isAdmin: row.isAdmin,
    instanceNames: row.instanceNames,
    expiresAt: row.expiresAt,
    ownerId: row.ownerId,
  };
}
