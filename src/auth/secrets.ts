import { createCipheriv, createDecipheriv, createHash, randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";

const PREFIX = "enc:v1:";
const KEY_FILE = "master.key";

/** Thrown when stored secrets cannot be decrypted: the wrong master key, or tampered data. */
export class SecretKeyError extends Error {}

/** A 256-bit master key from base64 or hex text (what MCPBOX_MASTER_KEY and the key file hold). */
export function parseMasterKey(text: string): Buffer {
  const trimmed = text.trim();
  const key = /^[0-9a-f]{64}$/i.test(trimmed) ? Buffer.from(trimmed, "hex") : Buffer.from(trimmed, "base64");
  if (key.length !== 32)
    throw new SecretKeyError("the master key must be 32 bytes, as base64 or 64 hex digits");
  return key;
}

export const generateMasterKey = () => randomBytes(32).toString("base64");

/** A short public fingerprint of a key, stored with each value so a wrong key is named, not guessed. */
const keyId = (key: Buffer) => createHash("sha256").update(key).digest("hex").slice(0, 8);

/**
 * AES-256-GCM for secrets at rest. Each value gets its own 96-bit IV; the stored form is
 * `enc:v1:<key id>:<iv>:<tag>:<ciphertext>` (base64url parts), so values say which key sealed them.
 */
export class SecretBox {
  private readonly id: string;

  constructor(private readonly key: Buffer) {
    this.id = keyId(key);
  }

  get keyId(): string {
    return this.id;
  }

  static isSealed(value: string): boolean {
    return value.startsWith(PREFIX);
  }

  seal(plaintext: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv("aes-256-gcm", this.key, iv);
    const data = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
    const parts = [iv, cipher.getAuthTag(), data].map((b) => b.toString("base64url"));
    return `${PREFIX}${this.id}:${parts.join(":")}`;
  }

  open(value: string): string {
    if (!SecretBox.isSealed(value)) return value; // written before encryption existed: sealed on next write
    const [id, iv, tag, data] = value.slice(PREFIX.length).split(":");
    if (id !== this.id) {
      throw new SecretKeyError(`a secret was sealed with master key ${id}, but the key in use is ${this.id}`);
    }
    try {
      const decipher = createDecipheriv("aes-256-gcm", this.key, Buffer.from(iv!, "base64url"));
      decipher.setAuthTag(Buffer.from(tag!, "base64url"));
      return Buffer.concat([decipher.update(Buffer.from(data!, "base64url")), decipher.final()]).toString(
        "utf8",
      );
    } catch {
      throw new SecretKeyError("a stored secret failed authentication: it was altered or the key is wrong");
    }
  }

  sealValues(values: Record<string, string>): Record<string, string> {
    return Object.fromEntries(Object.entries(values).map(([k, v]) => [k, this.seal(v)]));
  }

  openValues(values: Record<string, string>): Record<string, string> {
    return Object.fromEntries(Object.entries(values).map(([k, v]) => [k, this.open(v)]));
  }
}

export interface MasterKeySource {
  key: Buffer;
  /** Where it came from, for the start-up log (never the key itself). */
  origin: "env" | "file" | "generated-file" | "ephemeral";
  file?: string;
}

/**
 * MCPBOX_MASTER_KEY when set; else `<data dir>/master.key`, generated (mode 0600) on first start. An
 * in-memory data dir gets an ephemeral key, since nothing it seals outlives the process.
 */
export function loadMasterKey(envKey: string | undefined, dataDir: string): MasterKeySource {
  if (envKey) return { key: parseMasterKey(envKey), origin: "env" };
  if (dataDir === ":memory:") return { key: randomBytes(32), origin: "ephemeral" };
  const file = join(resolve(dataDir), KEY_FILE);
  if (existsSync(file)) return { key: parseMasterKey(readFileSync(file, "utf8")), origin: "file", file };
  writeKeyFile(file, generateMasterKey());
  return { key: parseMasterKey(readFileSync(file, "utf8")), origin: "generated-file", file };
}

/** Writes a key file atomically, readable by its owner only. */
export function writeKeyFile(file: string, key: string): void {
  mkdirSync(dirname(file), { recursive: true });
  const temporary = `${file}.tmp-${process.pid}`;
  writeFileSync(temporary, `${key}\n`, { mode: 0o600 });
  chmodSync(temporary, 0o600);
  renameSync(temporary, file);
}

export const masterKeyFile = (dataDir: string) => join(resolve(dataDir), KEY_FILE);
