import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { PGlite } from "@electric-sql/pglite";
import { afterAll, describe, expect, it } from "vitest";
import { SecretBox } from "../../src/auth/secrets.js";
import { resolveConfig } from "../../src/config/server-config.js";
import { createServer } from "../../src/server.js";
import { fixture } from "../helpers/box.js";

const run = promisify(execFile);
const BIN = join(import.meta.dirname, "../../bin/mcpbox.mjs");
const ENV_SECRET = "env-secret-value-0123456789";
const HEADER_SECRET = "Bearer header-secret-value-0123456789";
const TLS_KEY = "-----BEGIN PRIVATE KEY-----tls-key-secret-0123456789-----END PRIVATE KEY-----";
const dataDir = mkdtempSync(join(tmpdir(), "mcpbox-secrets-"));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

const start = (extra: Record<string, string> = {}) =>
  createServer(resolveConfig({ port: 0, dataDir, logLevel: "silent", ...extra }, {}));

/** What a table's column holds in the database, every row. */
async function stored(query: string): Promise<string> {
  const db = await PGlite.create(join(dataDir, "pglite"));
  try {
    return JSON.stringify((await db.query(query)).rows);
  } finally {
    await db.close();
  }
}
const storedSpecs = () => stored("select spec from instances");
const storedEnvironments = () => stored("select config from environments");

describe("secrets at rest", () => {
  it("seals env values and upstream headers with AES-256-GCM under a generated key file", async () => {
    const box = await start();
    await box.instances.create({
      name: "with-env",
      accessMode: "hosted",
      upstream: {
        type: "stdio",
        command: process.execPath,
        args: [fixture("conformance-server.mjs")],
        env: { API_KEY: ENV_SECRET },
      },
    });
    await box.instances.create({
      name: "with-header",
      accessMode: "proxy",
      upstream: {
        type: "streamable-http",
        url: "http://127.0.0.1:9/mcp",
        headers: { Authorization: HEADER_SECRET },
      },
    });
    await box.environments.create({
      name: "remote-engine",
      kind: "docker",
      docker: { host: "tcp://10.0.0.1:2376", tls: { ca: "ca-pem", cert: "cert-pem", key: TLS_KEY } },
    });
    await box.close();
    const keyFile = join(dataDir, "master.key");
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
    const stored = await storedSpecs();
    expect(stored).not.toContain(ENV_SECRET);
    expect(stored).not.toContain("header-secret-value");
    expect(stored.match(/enc:v1:/g)).toHaveLength(2);
    expect(stored).toContain("API_KEY"); // names stay readable; values do not
    expect(await storedEnvironments()).not.toContain(TLS_KEY);

    const again = await start();
    const env = again.instances.get("with-env")!.upstream as { env: Record<string, string> };
    expect(env.env.API_KEY).toBe(ENV_SECRET);
    await again.close();
  });

  it("refuses to start with the wrong master key, naming the problem", async () => {
    const wrong = Buffer.alloc(32, 7).toString("base64");
    await expect(start({ masterKey: wrong })).rejects.toThrow(/sealed with master key \w{8}/);
  });

  it("rotates the key: secrets re-sealed, the old key useless, the data intact", async () => {
    const before = readFileSync(join(dataDir, "master.key"), "utf8").trim();
    const { stdout } = await run(process.execPath, [BIN, "rotate-key", "--data-dir", dataDir], {
      env: { ...process.env, MCPBOX_MASTER_KEY: "", MCPBOX_DATABASE_URL: "" },
    });
    expect(stdout).toMatch(
      /re-encrypted the secrets of 2 instance\(s\), 1 environment\(s\) and 0 two-factor secret\(s\)/,
    );
    const after = readFileSync(join(dataDir, "master.key"), "utf8").trim();
    expect(after).not.toBe(before);
    const stored = await storedSpecs();
    const newId = new SecretBox(Buffer.from(after, "base64")).keyId;
    expect(stored.match(new RegExp(`enc:v1:${newId}:`, "g"))).toHaveLength(2);
    await expect(start({ masterKey: before })).rejects.toThrow(/master key/);
    const box = await start();
    const headers = box.instances.get("with-header")!.upstream as { headers: Record<string, string> };
    expect(headers.headers.Authorization).toBe(HEADER_SECRET);
    expect(box.environments.get("remote-engine")?.docker?.tls?.key).toBe(TLS_KEY);
    expect(await storedEnvironments()).toContain(`enc:v1:${newId}:`);
    await box.close();
  });

  it("detects a tampered secret", async () => {
    const box = new SecretBox(Buffer.alloc(32, 1));
    const sealed = box.seal("value");
    const parts = sealed.split(":");
    parts[5] = Buffer.from("other").toString("base64url");
    expect(() => box.open(parts.join(":"))).toThrow(/altered/);
    expect(box.open(sealed)).toBe("value");
    expect(box.seal("value")).not.toBe(sealed); // fresh IV every time
  });
});
