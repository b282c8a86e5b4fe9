import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { connect, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createServer as createTlsServer } from "node:tls";
import Docker from "dockerode";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectClient, disconnect, startBox, type TestBox } from "../helpers/box.js";
import { buildFixtureImage, dockerForTests } from "../helpers/docker-image.js";

/**
 * A Docker engine reached over TCP with mutual TLS, as a remote engine is: the local engine's socket behind a
 * TLS listener that demands a client certificate from our own CA (certificates made with openssl).
 */
const SOCKET = "/var/run/docker.sock";
let available = false;
let dir: string;
let proxy: Server;
let port: number;
let box: TestBox;
let image: string;

const pem = (name: string) => readFileSync(join(dir, name), "utf8");
const openssl = (...args: string[]) => execFileSync("openssl", args, { cwd: dir, stdio: "pipe" });

/** A self-signed certificate and key, `<name>.pem` and `<name>.key`. */
const selfSigned = (name: string) =>
  openssl(
    "req",
    "-x509",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-days",
    "1",
    "-subj",
    `/CN=${name}`,
    "-keyout",
    `${name}.key`,
    "-out",
    `${name}.pem`,
  );

/** A CA, a server certificate for 127.0.0.1, a client certificate from the CA, and one from nobody. */
function makeCertificates() {
  selfSigned("ca");
  writeFileSync(join(dir, "server.ext"), "subjectAltName=IP:127.0.0.1\n");
  for (const [name, ext] of [
    ["server", "server.ext"],
    ["client", undefined],
  ] as const) {
    openssl(
      "req",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-subj",
      `/CN=${name}`,
      "-keyout",
      `${name}.key`,
      "-out",
      `${name}.csr`,
    );
    openssl(
      "x509",
      "-req",
      "-in",
      `${name}.csr`,
      "-CA",
      "ca.pem",
      "-CAkey",
      "ca.key",
      "-CAcreateserial",
      "-days",
      "1",
      "-out",
      `${name}.pem`,
      ...(ext ? ["-extfile", ext] : []),
    );
  }
  selfSigned("stranger");
}

const environment = (name: string, client: "client" | "stranger") => ({
  name,
  kind: "docker",
  docker: {
    host: `tcp://127.0.0.1:${port}`,
    tls: { ca: pem("ca.pem"), cert: pem(`${client}.pem`), key: pem(`${client}.key`) },
  },
});

beforeAll(async () => {
  available = await dockerForTests();
  if (!available) return;
  dir = mkdtempSync(join(tmpdir(), "mcpbox-docker-tls-"));
  makeCertificates();
  proxy = createTlsServer(
    {
      ca: pem("ca.pem"),
      cert: pem("server.pem"),
      key: pem("server.key"),
      requestCert: true,
      rejectUnauthorized: true,
    },
    (socket) => {
      const engine = connect(SOCKET);
      socket.pipe(engine).pipe(socket);
      socket.on("error", () => engine.destroy());
      engine.on("error", () => socket.destroy());
    },
  );
  await new Promise<void>((resolve) => proxy.listen(0, "127.0.0.1", resolve));
  port = (proxy.address() as { port: number }).port;
  image = await buildFixtureImage();
  box = await startBox([]);
});

afterAll(async () => {
  if (!available) return;
  await box?.box.upstreams.release("over-tls");
  await box?.close();
  proxy?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("Docker environment over TCP with mutual TLS", () => {
  it("talks to the engine with the stored client certificate, and shows none of it", async (ctx) => {
    if (!available) return ctx.skip("no Docker engine");
    expect((await box.api("POST", "/environments", environment("remote-engine", "client"))).status).toBe(201);
    const tested = (await (await box.api("POST", "/environments/remote-engine/test")).json()) as {
      ok: boolean;
      version?: string;
      error?: string;
    };
    expect(tested).toMatchObject({ ok: true });
    const local = await new Docker().version();
    expect(tested.version).toBe(`Docker ${local.Version} (API ${local.ApiVersion})`);
    const shown = await (await box.api("GET", "/environments/remote-engine")).text();
    expect(shown).not.toContain("PRIVATE KEY");
    expect(shown).not.toContain("BEGIN CERTIFICATE");
  });

  it("reports the engine's refusal of a certificate it does not trust", async (ctx) => {
    if (!available) return ctx.skip("no Docker engine");
    expect((await box.api("POST", "/environments", environment("untrusted", "stranger"))).status).toBe(201);
    const tested = (await (await box.api("POST", "/environments/untrusted/test")).json()) as {
      ok: boolean;
      error?: string;
    };
    expect(tested.ok).toBe(false);
    expect(tested.error).toBeTruthy();
  });

  it("runs a hosted instance on the remote engine and relays through the gateway", async (ctx) => {
    if (!available) return ctx.skip("no Docker engine");
    await box.box.instances.create({
      name: "over-tls",
      accessMode: "hosted",
      public: true,
      connectTimeoutSeconds: 30,
      upstream: { type: "stdio", command: "node", args: ["/app/server.mjs"], env: {} },
      runtime: { environment: "remote-engine", image, cpus: 0.5, memoryMb: 256, pids: 128 },
    } as never);
    const client = await connectClient(box.mcpUrl("over-tls"));
    expect(JSON.stringify(await client.callTool({ name: "test_simple_text", arguments: {} }))).toMatch(
      /simple text/i,
    );
    await disconnect(client);
    const containers = await new Docker().listContainers({
      filters: { label: ["io.mcpbox.instance=over-tls"] },
    });
    expect(containers).toHaveLength(1);
  });
});
