import { execFile } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectClient, fixture } from "../helpers/box.js";
import { REPO_ROOT } from "../helpers/conformance.js";
import { type Spawned, spawnUntil } from "../helpers/processes.js";

const run = promisify(execFile);
const BIN = join(REPO_ROOT, "bin/mcpbox.mjs");
const ADMIN = "cli-admin-token-0123456789abcdef";
const env: NodeJS.ProcessEnv = { ...process.env, MCPBOX_ADMIN_TOKEN: ADMIN, MCPBOX_LOG_LEVEL: "info" };
delete env.MCPBOX_DATABASE_URL;

function writeJson(dir: string, name: string, value: unknown): string {
  const file = join(dir, name);
  writeFileSync(file, JSON.stringify(value));
  return file;
}

async function serve(dataDir: string, config?: string): Promise<Spawned & { url: string }> {
  const args = [BIN, "serve", "--port", "0", "--data-dir", dataDir, ...(config ? ["--config", config] : [])];
  const server = await spawnUntil(process.execPath, args, /"url":"(http:\/\/127\.0\.0\.1:\d+)"/, { env });
  return { ...server, url: server.match };
}

async function childrenOf(pid: number): Promise<number[]> {
  const { stdout } = await run("ps", ["-eo", "pid=,ppid="]);
  return stdout
    .split("\n")
    .map((line) => line.trim().split(/\s+/).map(Number))
    .filter(([, ppid]) => ppid === pid)
    .map(([child]) => child);
}

const cli = (...args: string[]) => run(process.execPath, [BIN, ...args], { env, cwd: REPO_ROOT });

describe("mcpbox CLI", () => {
  let dir: string;
  let server: Spawned & { url: string };
  const config = () => ({
    mcpServers: {
      conf: {
        command: process.execPath,
        args: [fixture("conformance-server.mjs")],
        mcpbox: { public: true },
      },
    },
  });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "mcpbox-cli-"));
    server = await serve(join(dir, "data"), writeJson(dir, "claude_desktop_config.json", config()));
  });
  afterAll(() => server?.stop());

  it("runs through npx in the checkout", async () => {
    const { stdout } = await run("npx", ["mcpbox", "--version"], { cwd: REPO_ROOT });
    expect(stdout.trim()).toBe("0.1.0");
  });

  it("serves the instances of a Claude Desktop config file", async () => {
    const client = await connectClient(`${server.url}/mcp/conf`);
    const result = await client.callTool({ name: "test_simple_text", arguments: {} });
    expect(JSON.stringify(result)).toContain("simple text");
    await client.close();
  });

  it("creates, lists and revokes tokens against the running server", async () => {
    const created = await cli(
      "token",
      "create",
      "--url",
      server.url,
      "--token",
      ADMIN,
      "--name",
      "laptop",
      "--instance",
      "conf",
    );
    const { id, secret } = JSON.parse(created.stdout) as { id: string; secret: string };
    expect(secret).toMatch(/^mcpbox_/);
    const listed = await cli("token", "list", "--url", server.url, "--token", ADMIN);
    expect(listed.stdout).toContain("laptop");
    expect(listed.stdout).not.toContain(secret);
    const revoked = await cli("token", "revoke", id, "--url", server.url, "--token", ADMIN);
    expect(revoked.stdout).toContain(`revoked ${id}`);
    await expect(cli("token", "list", "--url", server.url, "--token", "wrong-token")).rejects.toMatchObject({
      stderr: expect.stringContaining("HTTP 401"),
    });
  });

  it("imports a config file through the API and reports conflicts", async () => {
    const file = writeJson(dir, "import.json", {
      mcpServers: {
        imported: { command: "node", args: ["x.js"], env: { API_KEY: "import-secret" } },
        conf: { command: "node" },
      },
    });
    const result = await cli("import", file, "--url", server.url, "--token", ADMIN).catch((e) => e);
    expect(result.stdout).toContain("created imported");
    expect(result.stderr).toMatch(/conf: HTTP 409/);
    expect(result.code).toBe(1);
    const response = await fetch(`${server.url}/api/v1/instances/imported`, {
      headers: { authorization: `Bearer ${ADMIN}` },
    });
    const body = await response.text();
    expect(body).toContain('"API_KEY":"••••"');
    expect(body).not.toContain("import-secret");
  });

  it("keeps instances and tokens across a restart and does not re-seed the admin token", async () => {
    await server.stop();
    server = await serve(join(dir, "data"));
    const response = await fetch(`${server.url}/api/v1/tokens`, {
      headers: { authorization: `Bearer ${ADMIN}` },
    });
    const { items } = (await response.json()) as { items: { name: string; admin: boolean }[] };
    expect(items.filter((t) => t.admin)).toHaveLength(1);
    expect(items.some((t) => t.name === "laptop")).toBe(true);
    const instances = await fetch(`${server.url}/api/v1/instances`, {
      headers: { authorization: `Bearer ${ADMIN}` },
    });
    expect(await instances.text()).toContain('"name":"imported"');
  });

  it("refuses to start with a bad config file, naming the entry and field", async () => {
    const bad = writeJson(dir, "bad.json", { mcpServers: { broken: { command: "node", argz: [] } } });
    const result = await run(
      process.execPath,
      [BIN, "serve", "--port", "0", "--data-dir", join(dir, "d2"), "--config", bad],
      {
        env,
      },
    ).catch((e) => e);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("mcpServers.broken");
    expect(result.stderr).toContain("argz");
    expect(result.stdout).not.toContain("listening");
  });

  it("stops on SIGTERM with exit code 0 and no child left", async () => {
    const client = await connectClient(`${server.url}/mcp/conf`).catch(() => undefined);
    // "conf" was loaded by the first start; the restarted server still has it from the database.
    expect(client).toBeDefined();
    await client!.callTool({ name: "test_simple_text", arguments: {} });
    const children = await childrenOf(server.child.pid!);
    expect(children.length).toBeGreaterThan(0);
    const code = await server.stop();
    expect(code).toBe(0);
    const alive = (await run("ps", ["-eo", "pid="])).stdout.split("\n").map((p) => Number(p.trim()));
    expect(children.filter((pid) => alive.includes(pid))).toEqual([]);
  });
});

describe("mcpbox bridge", () => {
  it("exposes a stdio server at /mcp and /sse", async () => {
    const bridge = await spawnUntil(
      process.execPath,
      [BIN, "bridge", "--port", "0", "--stdio", `${process.execPath} ${fixture("conformance-server.mjs")}`],
      /listening on (http:\/\/127\.0\.0\.1:\d+)/,
    );
    try {
      for (const transport of ["streamable-http", "sse"] as const) {
        const url = transport === "sse" ? bridge.match : `${bridge.match}/mcp`;
        const client = await connectClient(url, { transport });
        const tools = await client.listTools();
        expect(tools.tools.map((t) => t.name)).toContain("test_simple_text");
        await client.close();
      }
    } finally {
      expect(await bridge.stop()).toBe(0);
    }
  });

  it("refuses shell operators in --stdio", async () => {
    const result = await run(process.execPath, [
      BIN,
      "bridge",
      "--port",
      "0",
      "--stdio",
      "node a.js; rm -rf /",
    ]).catch((e) => e);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("shell operators are not supported");
  });
});
