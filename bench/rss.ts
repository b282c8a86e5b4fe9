// Scenario d: resident memory of an MCPBox process (a child `mcpbox serve`) before and after 1,000 idle
// Streamable HTTP sessions on a shared hosted stdio instance. Sessions are opened with raw HTTP: initialize,
// then notifications/initialized, and are left open.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort, killGroup, rssBytes, type Spawned, spawnGroup, waitForHttp } from "./procs.js";

export interface RssResult {
  sessions: number;
  failures: number;
  openWallMs: number;
  rssBeforeBytes: number;
  rssAfterBytes: number;
  deltaBytes: number;
  bytesPerSession: number;
  firstError?: string;
}

const ACCEPT = "application/json, text/event-stream";
const PROTOCOL = "2025-06-18";

async function openRawSession(url: string): Promise<string> {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", accept: ACCEPT },
    body: JSON.stringify({
      jsonrpc: "2.0",
      id: 1,
      method: "initialize",
      params: {
        protocolVersion: PROTOCOL,
        capabilities: {},
        clientInfo: { name: "mcpbox-bench-raw", version: "1.0.0" },
      },
    }),
  });
  const text = await response.text();
  const id = response.headers.get("mcp-session-id");
  if (response.status !== 200 || !id || !text.includes('"result"')) {
    throw new Error(`initialize: HTTP ${response.status} ${text.slice(0, 200)}`);
  }
  const initialized = await fetch(url, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      accept: ACCEPT,
      "mcp-session-id": id,
      "mcp-protocol-version": PROTOCOL,
    },
    body: JSON.stringify({ jsonrpc: "2.0", method: "notifications/initialized" }),
  });
  await initialized.text();
  if (initialized.status !== 202) throw new Error(`notifications/initialized: HTTP ${initialized.status}`);
  return id;
}

async function openMany(url: string, count: number, concurrency: number) {
  let next = 0;
  let failures = 0;
  let firstError: string | undefined;
  const ids: string[] = [];
  const lane = async () => {
    while (next < count) {
      next++;
      try {
        ids.push(await openRawSession(url));
      } catch (error) {
        failures++;
        firstError ??= (error as Error).message;
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, lane));
  return { ids, failures, firstError };
}

const settle = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function measureIdleSessionRss(options: {
  echoServer: string;
  tag: string;
  sessions: number;
  mcpboxBin: string;
}): Promise<RssResult> {
  const dir = mkdtempSync(join(tmpdir(), "mcpbox-bench-"));
  const configFile = join(dir, "servers.json");
  writeFileSync(
    configFile,
    JSON.stringify({
      mcpServers: {
        echo: {
          command: process.execPath,
          args: [options.echoServer, "--tag", options.tag],
          mcpbox: { sessionPolicy: "shared", public: true },
        },
      },
    }),
  );
  const port = await freePort();
  let box: Spawned | undefined;
  try {
    box = spawnGroup("mcpbox serve", process.execPath, [
      options.mcpboxBin,
      "serve",
      "--port",
      String(port),
      "--data-dir",
      join(dir, "data"),
      "--config",
      configFile,
      "--log-level",
      "silent",
    ]);
    const base = `http://127.0.0.1:${port}`;
    await waitForHttp(`${base}/healthz`, box, 60_000);
    const url = `${base}/mcp/echo`;
    // Warm-up: boot the shared child, JIT the session path, let start-up garbage settle.
    const warm = await openMany(url, 50, 10);
    if (warm.ids.length === 0) throw new Error(`cannot open sessions on ${url}: ${warm.firstError}`);
    await settle(1500);
    const rssBeforeBytes = rssBytes(box.pid);
    const started = performance.now();
    const opened = await openMany(url, options.sessions, 50);
    const openWallMs = performance.now() - started;
    await settle(1500);
    const rssAfterBytes = rssBytes(box.pid);
    const deltaBytes = rssAfterBytes - rssBeforeBytes;
    return {
      sessions: opened.ids.length,
      failures: opened.failures,
      openWallMs,
      rssBeforeBytes,
      rssAfterBytes,
      deltaBytes,
      bytesPerSession: opened.ids.length ? deltaBytes / opened.ids.length : Number.NaN,
      firstError: opened.firstError,
    };
  } finally {
    if (box) await killGroup(box);
    rmSync(dir, { recursive: true, force: true });
  }
}
