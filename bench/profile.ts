// `npx tsx bench/profile.ts [--out DIR]`: where MCPBox spends its CPU under the 20 × 100 load. Runs a child
// `node --cpu-prof bin/mcpbox.mjs serve` (in-memory store) with a per-session and a shared instance of the
// bench echo server, drives each policy × transport with the SDK load client, and summarizes the profile
// over each measured window. Child process groups are killed at the end, on failure too.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { type Bucket, type CpuProfile, formatSummary, summarize } from "./cpuprofile.js";
import { LoadPool } from "./load-client.js";
import {
  freePort,
  killAllGroupsNow,
  killGroup,
  type Spawned,
  spawnGroup,
  sweepTagged,
  taggedPids,
  waitForHttp,
} from "./procs.js";
import { SETTINGS } from "./settings.js";

const ROOT = fileURLToPath(new URL("..", import.meta.url)).replace(/\/$/, "");
const ECHO = join(ROOT, "bench/echo-server.mjs");
const TAG = `mcpbox-profile-${process.pid}-${Date.now()}`;
const { values } = parseArgs({
  options: {
    out: { type: "string" },
    analyze: { type: "string" },
    top: { type: "string", default: "15" },
    repeats: { type: "string", default: "3" },
    "per-session": { type: "string", default: "100" },
  },
});
const REPEATS = Number(values.repeats);
const PER_SESSION = Number(values["per-session"]);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** MCPBox's cost centres, first match wins (async continuations lose their callers: see the notes). */
const BUCKETS: Bucket[] = [
  {
    name: "call log: drizzle insert + PGlite",
    match: (c) => /^(drizzle-orm|@electric-sql\/pglite|wasm:)|call-log|repositories/.test(c),
  },
  { name: "metrics: prom-client", match: (c) => c === "prom-client" },
  {
    name: "relay + stdio upstream (src, SDK ReadBuffer, pipes)",
    match: (c) => /^src\/(upstream|gateway\/relay)/.test(c),
  },
  {
    name: "SDK HTTP transports (+ @hono/node-server, web streams)",
    match: (c) => /^(@modelcontextprotocol\/sdk|@hono\/node-server|node:internal\/webstreams)/.test(c),
  },
  {
    name: "Fastify + node:http (routing, hooks, body parsing)",
    match: (c) =>
      /^(fastify|find-my-way|secure-json-parse|avvio|node:_http|src\/gateway\/(routes|guard))/.test(c),
  },
  { name: "garbage collector", match: (c) => c === "(garbage collector)" },
];

type Window = { title: string; from: number; to: number; callsPerSec: number[] };

function report(dir: string): void {
  // The main thread's profile is the big one (helper threads write their own small files).
  const file = readdirSync(dir)
    .filter((name) => name.endsWith(".cpuprofile"))
    .sort((a, b) => statSync(join(dir, b)).size - statSync(join(dir, a)).size)[0];
  if (!file) throw new Error(`no .cpuprofile in ${dir}`);
  const profile = JSON.parse(readFileSync(join(dir, file), "utf8")) as CpuProfile;
  const windows = JSON.parse(readFileSync(join(dir, "windows.json"), "utf8")) as Window[];
  // The profile clock starts at process bootstrap, a few ms after spawn: trim the window edges.
  for (const window of windows) {
    const summary = summarize(profile, ROOT, window.from + 100, window.to - 100, BUCKETS);
    const title = `${window.title} (${window.callsPerSec.join(", ")} calls/s)`;
    console.log(`${formatSummary(title, summary, Number(values.top))}\n`);
  }
  console.log(`profile: ${join(dir, file)}`);
}

async function main(): Promise<void> {
  if (values.analyze) return report(values.analyze);
  const dir = values.out ?? mkdtempSync(join(tmpdir(), "mcpbox-profile-"));
  mkdirSync(dir, { recursive: true });
  const configFile = join(dir, "servers.json");
  const server = (policy: string) => ({
    command: process.execPath,
    args: [ECHO, "--tag", TAG],
    mcpbox: { sessionPolicy: policy, public: true },
  });
  writeFileSync(
    configFile,
    JSON.stringify({
      mcpServers: { "echo-per-session": server("per-session"), "echo-shared": server("shared") },
    }),
  );
  const port = await freePort();
  const spawnedAt = performance.now();
  let box: Spawned | undefined;
  let client: LoadPool | undefined;
  const windows: Window[] = [];
  try {
    box = spawnGroup("mcpbox serve --cpu-prof", process.execPath, [
      "--cpu-prof",
      `--cpu-prof-dir=${dir}`,
      join(ROOT, "bin/mcpbox.mjs"),
      "serve",
      "--port",
      String(port),
      "--data-dir",
      ":memory:",
      "--config",
      configFile,
      "--log-level",
      "silent",
    ]);
    const base = `http://127.0.0.1:${port}`;
    await waitForHttp(`${base}/healthz`, box, 60_000);
    client = await LoadPool.start(SETTINGS.loadProcesses);
    for (const policy of ["per-session", "shared"]) {
      for (const transport of ["streamable-http", "sse"] as const) {
        const group = `${policy}-${transport}`;
        const endpoint = { url: `${base}/mcp/echo-${policy}${transport === "sse" ? "/sse" : ""}`, transport };
        await client.open({ group, endpoint, sessions: 4 });
        await client.burst({ group, perSession: 50 });
        await client.close({ group });
        await client.open({ group, endpoint, sessions: 20 });
        await client.burst({ group, perSession: 20 });
        const from = performance.now() - spawnedAt;
        const callsPerSec: number[] = [];
        for (let i = 0; i < REPEATS; i++) {
          callsPerSec.push(Math.round((await client.burst({ group, perSession: PER_SESSION })).callsPerSec));
        }
        const to = performance.now() - spawnedAt;
        windows.push({ title: `${policy} / ${transport}`, from, to, callsPerSec });
        console.error(`[profile] ${policy} / ${transport}: ${callsPerSec.join(", ")} calls/s`);
        await client.close({ group });
        for (let i = 0; i < 50 && taggedPids(TAG).length > 1; i++) await sleep(100);
      }
    }
  } finally {
    await client?.stop();
    if (box) await killGroup(box, 10_000);
    killAllGroupsNow();
    sweepTagged(TAG);
  }
  writeFileSync(join(dir, "windows.json"), JSON.stringify(windows));
  report(dir);
}

process.on("exit", () => {
  killAllGroupsNow();
  sweepTagged(TAG);
});
main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
