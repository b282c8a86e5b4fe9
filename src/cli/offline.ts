import { existsSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { gunzipSync, gzipSync } from "node:zlib";
import type { Command } from "commander";
import {
  generateMasterKey,
  loadMasterKey,
  masterKeyFile,
  parseMasterKey,
  SecretBox,
  writeKeyFile,
} from "../auth/secrets.js";
import { resolveConfig } from "../config/server-config.js";
import { UserRepository } from "../store/account-repositories.js";
import { exportData, importData } from "../store/backup.js";
import { openStore } from "../store/db.js";
import { EnvironmentRepository } from "../store/environment-repository.js";
import { InstanceRepository } from "../store/repositories.js";

/** Commands that work on the data directory / database directly, with the server stopped. */
export function offlineCommands(program: Command): void {
  program
    .command("backup <file>")
    .description("write all platform data to a file (secrets stay encrypted; keep the master key with it)")
    .option("-d, --data-dir <dir>", "data directory (default ./data)")
    .option("--database-url <url>", "PostgreSQL URL (default: embedded PGlite in the data dir)")
    .action(async (file: string, flags) => {
      const config = resolveConfig({ dataDir: flags.dataDir, databaseUrl: flags.databaseUrl });
      const key = new SecretBox(loadMasterKey(config.masterKey, config.dataDir).key);
      const store = await openStore({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
      try {
        const doc = await exportData(store.db, key.keyId);
        const json = Buffer.from(JSON.stringify(doc));
        writeFileSync(file, file.endsWith(".gz") ? gzipSync(json) : json, { mode: 0o600 });
        const counts = Object.entries(doc.tables).map(([table, rows]) => `${table} ${rows.length}`);
        console.log(`backed up to ${file}: ${counts.join(", ")} (master key ${key.keyId})`);
      } finally {
        await store.close();
      }
    });

  program
    .command("restore <file>")
    .description("load a backup into an empty data dir or database (stop the server first)")
    .option("-d, --data-dir <dir>", "data directory (default ./data)")
    .option("--database-url <url>", "PostgreSQL URL (default: embedded PGlite in the data dir)")
    .option("--replace", "empty a database that already holds data first")
    .action(async (file: string, flags) => {
      const config = resolveConfig({ dataDir: flags.dataDir, databaseUrl: flags.databaseUrl });
      const raw = readFileSync(file);
      const doc = JSON.parse((raw[0] === 0x1f && raw[1] === 0x8b ? gunzipSync(raw) : raw).toString("utf8"));
      const key = new SecretBox(loadMasterKey(config.masterKey, config.dataDir).key);
      if (doc.masterKeyId !== key.keyId) {
        throw new Error(
          `the backup's secrets are sealed with master key ${doc.masterKeyId}, but this data dir uses ${key.keyId}: ` +
            "copy the original master.key into the data dir (or set MCPBOX_MASTER_KEY) first",
        );
      }
      const store = await openStore({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
      try {
        const counts = await importData(store.db, doc, { replace: Boolean(flags.replace) });
        console.log(
          `restored ${Object.entries(counts)
            .map(([t, n]) => `${t} ${n}`)
            .join(", ")}`,
        );
      } finally {
        await store.close();
      }
    });

  program
    .command("rotate-key")
    .description("re-encrypt every stored secret under a new master key (stop the server first)")
    .option("-d, --data-dir <dir>", "data directory (default ./data)")
    .option("--database-url <url>", "PostgreSQL URL (default: embedded PGlite in the data dir)")
    .option("--new-key <key>", "the new key, base64 or hex (default: generated)")
    .action(async (flags) => {
      const config = resolveConfig({ dataDir: flags.dataDir, databaseUrl: flags.databaseUrl });
      if (config.dataDir === ":memory:") throw new Error("an in-memory data dir has nothing to rotate");
      const current = loadMasterKey(config.masterKey, config.dataDir);
      const nextText = flags.newKey ?? generateMasterKey();
      const from = new SecretBox(current.key);
      const to = new SecretBox(parseMasterKey(nextText));
      // The new key is on disk before any secret depends on it; it replaces the old one only after commit.
      const file = masterKeyFile(config.dataDir);
      const staged = `${file}.next`;
      if (current.origin !== "env") writeKeyFile(staged, nextText);
      const store = await openStore({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
      try {
        const count = await new InstanceRepository(store.db, from).reseal(from, to);
        const totp = await new UserRepository(store.db).resealTotp(from, to);
        const environments = await new EnvironmentRepository(store.db).reseal(from, to);
        console.log(
          `re-encrypted the secrets of ${count} instance(s), ${environments} environment(s) and ${totp} two-factor secret(s): key ${from.keyId} → ${to.keyId}`,
        );
      } finally {
        await store.close();
      }
      if (current.origin === "env") {
        console.log(`set MCPBOX_MASTER_KEY to the new key before the next start:\n${nextText}`);
      } else if (existsSync(staged)) {
        renameSync(staged, file);
        console.log(`wrote the new key to ${file}`);
      }
    });
}
