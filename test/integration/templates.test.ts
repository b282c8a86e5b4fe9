import { createServer as createHttpServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expandEnvReferences } from "../../src/upstream/stdio-process.js";
import { ADMIN_PASSWORD, fixture, startBox, type TestBox } from "../helpers/box.js";
import { ConsoleClient } from "../helpers/console.js";

/** Templates with typed variables, the built-in catalog, and MCP Registry server.json import. */
let box: TestBox;
let admin: ConsoleClient;

const template = {
  name: "fixture-server",
  title: "Fixture server",
  category: "testing",
  variables: [
    { name: "LABEL", type: "string", description: "A label" },
    { name: "API_KEY", type: "secret" },
    { name: "RETRIES", type: "number", required: false, default: 3 },
    { name: "VERBOSE", type: "boolean", required: false, default: false },
    { name: "MODE", type: "enum", options: ["fast", "safe"], default: "safe", required: false },
  ],
  instance: {
    accessMode: "hosted",
    upstream: {
      type: "stdio",
      command: process.execPath,
      args: [fixture("conformance-server.mjs"), "--label={{LABEL}}", "--mode={{MODE}}", "${env:API_KEY}"],
      env: { API_KEY: "{{API_KEY}}", RETRIES: "{{RETRIES}}", VERBOSE: "{{VERBOSE}}" },
    },
  },
};

const SERVER_JSON = {
  $schema: "https://static.modelcontextprotocol.io/schemas/2025-09-29/server.schema.json",
  name: "io.github.example/weather",
  description: "Weather forecasts",
  version: "1.2.0",
  packages: [
    {
      registryType: "npm",
      identifier: "@example/weather-mcp",
      version: "1.2.0",
      transport: { type: "stdio" },
      packageArguments: [
        { type: "named", name: "--units", valueHint: "units", default: "metric", description: "Units" },
      ],
      environmentVariables: [
        { name: "WEATHER_API_KEY", isRequired: true, isSecret: true, description: "API key" },
      ],
    },
    { registryType: "pypi", identifier: "weather-mcp", version: "1.2.0", transport: { type: "stdio" } },
  ],
  remotes: [
    {
      type: "streamable-http",
      url: "https://weather.example.com/mcp",
      headers: [{ name: "X-API-Key", isRequired: true, isSecret: true, description: "API key" }],
    },
  ],
};

let registryServer: Server;
beforeAll(async () => {
  box = await startBox([], { loginRateLimitPerMinute: 1000 });
  admin = new ConsoleClient(box.url);
  await admin.login("admin", ADMIN_PASSWORD);
  registryServer = createHttpServer((req, res) => {
    if (req.url === "/server.json") {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ ...SERVER_JSON, name: "io.github.example/from-url" }));
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => registryServer.listen(0, "127.0.0.1", resolve));
});
afterAll(async () => {
  await box?.close();
  registryServer?.close();
});

describe("templates", () => {
  it("creates an instance from a template, checking every variable by type", async () => {
    const created = await admin.json("POST", "/templates", template, 201);
    const make = (body: unknown) => admin.request("POST", `/templates/${created.id}/instances`, body);
    const missing = await make({ name: "from-template", variables: { LABEL: "x" } });
    expect(missing.status).toBe(400);
    const problems = ((await missing.json()) as { error: { code: string; details: { variable: string }[] } })
      .error;
    expect(problems.code).toBe("invalid_variables");
    expect(problems.details.map((d) => d.variable)).toEqual(["API_KEY"]);
    const wrongTypes = await make({
      name: "from-template",
      variables: { LABEL: "x", API_KEY: "k", RETRIES: "many", VERBOSE: "yes", MODE: "turbo", EXTRA: "1" },
    });
    const details = ((await wrongTypes.json()) as { error: { details: { variable: string }[] } }).error
      .details;
    expect(details.map((d) => d.variable).sort()).toEqual(["EXTRA", "MODE", "RETRIES", "VERBOSE"]);

    await make({ name: "from-template", variables: { LABEL: "blue", API_KEY: "template-secret-1" } }).then(
      async (r) => expect(r.status, await r.text()).toBe(201),
    );
    const instance = box.box.instances.get("from-template")!;
    const upstream = instance.upstream as { args: string[]; env: Record<string, string> };
    expect(upstream.args.slice(1)).toEqual(["--label=blue", "--mode=safe", "${env:API_KEY}"]);
    expect(upstream.env).toEqual({ API_KEY: "template-secret-1", RETRIES: "3", VERBOSE: "false" });
    const shown = await admin.json("GET", "/instances/from-template");
    expect(JSON.stringify(shown)).not.toContain("template-secret-1");
    // The instance runs: the template made a real, working server.
    const token = await box.token(["from-template"]);
    const { connectClient, disconnect } = await import("../helpers/box.js");
    const client = await connectClient(box.mcpUrl("from-template"), { token });
    expect((await client.listTools()).tools.length).toBeGreaterThan(0);
    await disconnect(client);
  });

  it("refuses templates that could not make a valid instance or would expose a secret", async () => {
    const bad = (patch: Record<string, unknown>) =>
      admin.request("POST", "/templates", { ...template, name: "bad-one", ...patch });
    expect((await bad({ instance: { ...template.instance, description: "{{UNDECLARED}}" } })).status).toBe(
      400,
    );
    const secretInArgs = {
      instance: {
        accessMode: "hosted",
        upstream: { type: "stdio", command: "node", args: ["{{API_KEY}}"], env: {} },
      },
      variables: [{ name: "API_KEY", type: "secret" }],
    };
    const exposed = await bad(secretInArgs);
    expect(exposed.status).toBe(400);
    expect(JSON.stringify(await exposed.json())).toMatch(/only in env values or headers/);
    expect((await bad({ variables: [{ name: "API_KEY", type: "secret", default: "leak" }] })).status).toBe(
      400,
    );
    expect((await bad({ variables: [{ name: "M", type: "enum" }] })).status).toBe(400);
    expect(
      (await bad({ instance: { accessMode: "hosted", upstream: { type: "sse", url: "http://x" } } })).status,
    ).toBe(400);
    expect((await admin.request("POST", "/templates", template)).status).toBe(409);
  });
});

describe("catalog", () => {
  it("ships the well-known servers and makes instances from them", async () => {
    const catalog = await admin.json("GET", "/catalog?limit=100");
    const names = catalog.items.map((e: { name: string }) => e.name);
    expect(names).toEqual(
      expect.arrayContaining(["filesystem", "fetch", "git", "github", "postgres", "memory", "everything"]),
    );
    const web = await admin.json("GET", "/catalog?category=web");
    expect(web.items.every((e: { category: string }) => e.category === "web")).toBe(true);
    await admin.json(
      "POST",
      "/catalog/github/instances",
      { name: "gh", variables: { GITHUB_TOKEN: "ghp_catalogsecret" } },
      201,
    );
    const gh = box.box.instances.get("gh")!;
    expect(gh.upstream).toMatchObject({
      type: "streamable-http",
      headers: { Authorization: "Bearer ghp_catalogsecret" },
    });
    await admin.json(
      "POST",
      "/catalog/postgres/instances",
      { name: "pg", variables: { DATABASE_URL: "postgresql://u:p@h/db" } },
      201,
    );
    expect((await admin.json("GET", "/instances/pg")).upstream.env.DATABASE_URL).toBe("••••");
    expect((await admin.request("POST", "/catalog/nope/instances", { name: "x" })).status).toBe(404);
  });
});

describe("MCP Registry import", () => {
  it("maps npm, PyPI and remote entries of a server.json to templates", async () => {
    const imported = await admin.json("POST", "/templates/import-registry", { server: SERVER_JSON }, 201);
    const byName = Object.fromEntries(imported.items.map((t: { name: string }) => [t.name, t]));
    expect(Object.keys(byName).sort()).toEqual(["weather-npm", "weather-pypi", "weather-remote"]);
    expect(byName["weather-npm"].instance.upstream).toEqual({
      type: "stdio",
      command: "npx",
      args: ["-y", "@example/weather-mcp@1.2.0", "--units", "{{units}}"],
      env: { WEATHER_API_KEY: "{{WEATHER_API_KEY}}" },
    });
    expect(byName["weather-npm"].variables).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ name: "WEATHER_API_KEY", type: "secret", required: true }),
      ]),
    );
    expect(byName["weather-pypi"].instance.upstream).toMatchObject({
      command: "uvx",
      args: ["weather-mcp==1.2.0"],
    });
    expect(byName["weather-remote"].instance).toMatchObject({
      accessMode: "proxy",
      upstream: {
        type: "streamable-http",
        url: "https://weather.example.com/mcp",
        headers: { "X-API-Key": "{{X_API_Key}}" },
      },
    });
    const url = `http://127.0.0.1:${(registryServer.address() as AddressInfo).port}`;
    const fromUrl = await admin.json(
      "POST",
      "/templates/import-registry",
      { url: `${url}/server.json` },
      201,
    );
    expect(fromUrl.items.map((t: { name: string }) => t.name)).toContain("from-url-npm");
    expect(
      (await admin.request("POST", "/templates/import-registry", { url: `${url}/missing.json` })).status,
    ).toBe(400);
    expect(
      (await admin.request("POST", "/templates/import-registry", { server: { description: "no name" } }))
        .status,
    ).toBe(400);
    expect(
      (await admin.request("POST", "/templates/import-registry", { url: "file:///etc/passwd" })).status,
    ).toBe(400);
  });
});

describe("${env:NAME} in arguments", () => {
  it("takes values from the instance's own environment only", () => {
    expect(expandEnvReferences(["a", "${env:KEY}", "x${env:KEY}y", "${env:HOME}"], { KEY: "v" })).toEqual([
      "a",
      "v",
      "xvy",
      "${env:HOME}",
    ]);
  });
});
