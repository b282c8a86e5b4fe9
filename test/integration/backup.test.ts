import { execFile } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { resolveConfig } from "../../src/config/server-config.js";
import { createServer, type McpBox } from "../../src/server.js";
import { ADMIN_PASSWORD, fixture } from "../helpers/box.js";
import { ConsoleClient } from "../helpers/console.js";

const run = promisify(execFile);
const BIN = join(import.meta.dirname, "../../bin/mcpbox.mjs");
const root = mkdtempSync(join(tmpdir(), "mcpbox-backup-"));
const [source, target, keyless] = ["source", "target", "keyless"].map((d) => join(root, d));
const file = join(root, "backup.json.gz");
const ENV_SECRET = "restored-secret-value-42";
afterAll(() => rmSync(root, { recursive: true, force: true }));

const cli = (...args: string[]) =>
  run(process.execPath, [BIN, ...args], {
    env: { ...process.env, MCPBOX_MASTER_KEY: "", MCPBOX_DATABASE_URL: "" },
  });
const start = (dataDir: string): Promise<McpBox> =>
  createServer(resolveConfig({ port: 0, dataDir, logLevel: "silent", adminPassword: ADMIN_PASSWORD }, {}));

describe("backup and restore", () => {
  it("restores everything into a fresh data dir", async () => {
    const box = await start(source);
    const admin = new ConsoleClient(box.url);
    await admin.login("admin", ADMIN_PASSWORD);
    const parent = await admin.json("POST", "/departments", { name: "Parent" }, 201);
    await admin.json("POST", "/departments", { name: "Child", parentId: parent.id }, 201);
    await admin.json(
      "POST",
      "/users",
      { username: "kept", roles: ["developer"], departmentId: parent.id },
      201,
    );
    await admin.json(
      "POST",
      "/instances",
      {
        name: "kept-instance",
        accessMode: "hosted",
        upstream: {
          type: "stdio",
          command: process.execPath,
          args: [fixture("conformance-server.mjs")],
          env: { TOKEN: ENV_SECRET },
        },
      },
      201,
    );
    const token = await admin.json(
      "POST",
      "/tokens",
      { name: "kept-token", instances: ["kept-instance"] },
      201,
    );
    const auditBefore = (await admin.json("GET", "/audit?limit=1")).total;
    await box.close();

    const backup = await cli("backup", file, "--data-dir", source);
    expect(backup.stdout).toMatch(/backed up to .*users 2, user_roles 2, instances 1, .*access_tokens 1/);

    const refused = cli("restore", file, "--data-dir", keyless);
    await expect(refused).rejects.toThrow(/master key/);

    mkdirSync(target, { recursive: true });
    copyFileSync(join(source, "master.key"), join(target, "master.key"));
    await cli("restore", file, "--data-dir", target);
    const restored = await start(target);
    try {
      const again = new ConsoleClient(restored.url);
      expect((await again.login("admin", ADMIN_PASSWORD)).status).toBe(200);
      const users = await again.json("GET", "/users?limit=500");
      expect(users.items.map((u: { username: string }) => u.username).sort()).toEqual(["admin", "kept"]);
      const departments = await again.json("GET", "/departments");
      expect(departments.items.map((d: { name: string }) => d.name).sort()).toEqual(["Child", "Parent"]);
      const env = restored.instances.get("kept-instance")!.upstream as { env: Record<string, string> };
      expect(env.env.TOKEN).toBe(ENV_SECRET);
      expect(restored.tokens.verify(token.secret)?.name).toBe("kept-token");
      expect((await again.json("GET", "/audit?limit=1")).total).toBeGreaterThanOrEqual(auditBefore);
      // New audit rows continue the id sequence instead of colliding with restored ones.
      await again.json("POST", "/departments", { name: "After restore" }, 201);
    } finally {
      await restored.close();
    }
    await expect(cli("restore", file, "--data-dir", target)).rejects.toThrow(/not empty/);
    const replaced = await cli("restore", file, "--data-dir", target, "--replace");
    expect(replaced.stdout).toMatch(/restored departments 2/);
  }, 240_000);
});
