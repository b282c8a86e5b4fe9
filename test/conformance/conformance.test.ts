import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fixture, startBox, stdioInstance, type TestBox } from "../helpers/box.js";
import { ensureConformanceTools, REPO_ROOT, runConformance } from "../helpers/conformance.js";
import { type Spawned, spawnUntil } from "../helpers/processes.js";

/**
 * The official conformance suite (server mode, --suite all) through every gateway path. The totals are
 * written to test-results/conformance.json, from which CONFORMANCE.md is updated.
 */
const results: Record<string, { passed: number; failed: number; warnings: number }> = {};
let box: TestBox;
const upstreams: Spawned[] = [];
let bridge: Spawned;

async function httpFixture(transport: "streamable" | "sse"): Promise<Spawned> {
  const server = await spawnUntil(
    process.execPath,
    [fixture("conformance-http-server.mjs"), "--port", "0", "--transport", transport, "--quiet"],
    /LISTENING (\d+)/,
  );
  upstreams.push(server);
  return server;
}

beforeAll(async () => {
  await ensureConformanceTools();
  const [streamable, sse] = await Promise.all([httpFixture("streamable"), httpFixture("sse")]);
  box = await startBox([
    stdioInstance("per-session", "conformance-server.mjs", { public: true, maxProcesses: 200 }),
    stdioInstance("shared", "conformance-server.mjs", { public: true, sessionPolicy: "shared" }),
    {
      name: "proxy-streamable",
      accessMode: "proxy",
      public: true,
      upstream: { type: "streamable-http", url: `http://127.0.0.1:${streamable.match}/mcp`, headers: {} },
    },
    {
      name: "proxy-sse",
      accessMode: "proxy",
      public: true,
      upstream: { type: "sse", url: `http://127.0.0.1:${sse.match}/sse`, headers: {} },
    },
  ]);
  bridge = await spawnUntil(
    process.execPath,
    [
      `${REPO_ROOT}/bin/mcpbox.mjs`,
      "bridge",
      "--port",
      "0",
      "--stdio",
      `node ${fixture("conformance-server.mjs")}`,
    ],
    /listening on http:\/\/127\.0\.0\.1:(\d+)/,
  );
}, 180_000);

afterAll(async () => {
  await box?.close();
  await Promise.all([...upstreams, bridge].filter(Boolean).map((s) => s.stop()));
  mkdirSync(`${REPO_ROOT}/test-results`, { recursive: true });
  const file = `${REPO_ROOT}/test-results/conformance.json`;
  let previous = {};
  try {
    previous = JSON.parse(readFileSync(file, "utf8"));
  } catch {}
  writeFileSync(file, `${JSON.stringify({ ...previous, ...results }, null, 2)}\n`);
});

const paths: [string, () => string][] = [
  ["hosted stdio, per-session", () => box.mcpUrl("per-session")],
  ["hosted stdio, shared", () => box.mcpUrl("shared")],
  ["proxy → Streamable HTTP upstream", () => box.mcpUrl("proxy-streamable")],
  ["proxy → SSE upstream", () => box.mcpUrl("proxy-sse")],
  ["mcpbox bridge", () => `http://127.0.0.1:${bridge.match}/mcp`],
];

describe("MCP conformance suite 0.1.16 --suite all through the gateway", () => {
  it.each(paths)(
    "%s: every check passes",
    async (path, url) => {
      const result = await runConformance(url(), { suite: "all", timeoutMs: 150_000 });
      results[path] = { passed: result.passed, failed: result.failed, warnings: result.warnings ?? 0 };
      expect(result.failures).toEqual([]);
      expect(result.failed).toBe(0);
      expect(result.passed).toBeGreaterThanOrEqual(43);
    },
    180_000,
  );
});
