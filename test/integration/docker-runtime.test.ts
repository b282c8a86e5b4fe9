import { execFileSync } from "node:child_process";
import { chmodSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Docker from "dockerode";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import yazl from "yazl";
import type { InstanceInput } from "../../src/control/instance-model.js";
import { bundleForNode } from "../../src/runtime/bridge-bundle.js";
import { connectClient, disconnect, fixture, startBox, type TestBox } from "../helpers/box.js";
import { runConformance } from "../helpers/conformance.js";
import { buildFixtureImage, dockerForTests } from "../helpers/docker-image.js";

/**
 * Hosted stdio instances in hardened containers, against a real Docker engine. CI installs and starts one
 * and sets MCPBOX_REQUIRE_DOCKER=1, so there these tests fail rather than skip when no engine answers.
 */
const docker = new Docker();
let available = false;
let box: TestBox;
let image: string;

/** Every instance name this file uses: whatever a failed test leaves running is removed at the end. */
const used = new Set<string>();

function containerInstance(
  name: string,
  extra: Partial<InstanceInput> = {},
  runtime: Record<string, unknown> = {},
): InstanceInput {
  used.add(name);
  return {
    name,
    accessMode: "hosted",
    public: true,
    connectTimeoutSeconds: 30,
    upstream: {
      type: "stdio",
      command: "node",
      args: ["/app/server.mjs"],
      env: { FIXTURE_SECRET: "in-container" },
    },
    runtime: { environment: "docker", image, cpus: 0.5, memoryMb: 256, pids: 128, ...runtime },
    ...extra,
  } as InstanceInput;
}

async function containersOf(name: string) {
  return docker.listContainers({ all: true, filters: { label: [`io.mcpbox.instance=${name}`] } });
}

/** The instance's running container once it is another one than `previousId` (the monitor replaced it). */
async function waitForRunning(name: string, previousId: string, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const running = (await containersOf(name)).filter((c) => c.State === "running");
    if (running.length === 1 && running[0]!.Id !== previousId) return running[0]!;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`no new running container for ${name} within ${timeoutMs} ms`);
}

beforeAll(async () => {
  available = await dockerForTests();
  if (!available) return;
  image = await buildFixtureImage();
  box = await startBox([]);
}, 120_000);
afterAll(async () => {
  if (!available) return;
  await box?.close();
  for (const name of used) {
    for (const info of await containersOf(name)) await docker.getContainer(info.Id).remove({ force: true });
  }
});

describe("Docker runtime", () => {
  it("runs a hosted stdio server in a hardened container and relays through the gateway", async (ctx) => {
    if (!available) return ctx.skip("no Docker engine");
    await box.box.instances.create(containerInstance("in-docker"));
    const started = Date.now();
    const client = await connectClient(box.mcpUrl("in-docker"));
    const readyMs = Date.now() - started;
    const result = await client.callTool({ name: "test_simple_text", arguments: {} });
    expect(JSON.stringify(result)).toMatch(/simple text/i);
    console.info(`container start-to-ready (first session through the gateway): ${readyMs} ms`);

    const [info] = await containersOf("in-docker");
    const inspected = await docker.getContainer(info!.Id).inspect();
    const host = inspected.HostConfig;
    expect(inspected.Config.User).toBe("10001:10001");
    expect(host.ReadonlyRootfs).toBe(true);
    expect(host.CapDrop).toEqual(["ALL"]);
    expect(host.SecurityOpt).toEqual(["no-new-privileges"]);
    expect(host.Tmpfs).toEqual({ "/tmp": "rw,noexec,nosuid,size=64m" });
    expect(host.NanoCpus).toBe(500_000_000);
    expect(host.Memory).toBe(256 * 1024 * 1024);
    expect(host.PidsLimit).toBe(128);
    expect(host.NetworkMode).toBe("mcpbox");
    expect(host.Privileged).toBe(false);
    expect(inspected.Config.Labels["io.mcpbox.instance"]).toBe("in-docker");
    expect(inspected.Mounts.find((m) => m.Destination === "/mcpbox")?.RW).toBe(false);
    // Every process in the container runs as the unprivileged user.
    const top = await docker.getContainer(info!.Id).top({ ps_args: "-o pid,uid,comm" });
    const uidColumn = top.Titles.indexOf("UID");
    const uids = top.Processes.map((row: string[]) => row[uidColumn]);
    expect(uids.length).toBeGreaterThanOrEqual(2); // the bridge and the MCP server
    expect(new Set(uids)).toEqual(new Set(["10001"]));
    await disconnect(client);
  });

  it("starts a new container when the old one was killed behind its back", async (ctx) => {
    if (!available) return ctx.skip("no Docker engine");
    const [before] = await containersOf("in-docker");
    await docker.getContainer(before!.Id).kill();
    const client = await connectClient(box.mcpUrl("in-docker"));
    await client.callTool({ name: "test_simple_text", arguments: {} });
    await disconnect(client);
    const after = await containersOf("in-docker");
    expect(after).toHaveLength(1);
    expect(after[0]!.Id).not.toBe(before!.Id);
    expect(after[0]!.State).toBe("running");
  });

  it("has the monitor restart a crashed container by itself, and audits the status changes", async (ctx) => {
    if (!available) return ctx.skip("no Docker engine");
    const [before] = await containersOf("in-docker");
    await docker.getContainer(before!.Id).kill();
    const deadline = Date.now() + 20_000;
    let after: Docker.ContainerInfo[] = [];
    const status = async () =>
      ((await (await box.api("GET", "/instances/in-docker")).json()) as { status: string }).status;
    while (Date.now() < deadline) {
      after = (await containersOf("in-docker")).filter((c) => c.State === "running");
      if (after.length === 1 && after[0]!.Id !== before!.Id && (await status()) === "running") break;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    expect(after.map((c) => c.Id)).not.toContain(before!.Id);
    expect(after).toHaveLength(1);
    const audit = await box.api(
      "GET",
      "/audit?action=instance.status&targetId=in-docker&order=oldest&limit=50",
    );
    const transitions = ((await audit.json()) as { items: { details: { to: string } }[] }).items.map(
      (e) => e.details.to,
    );
    expect(transitions).toEqual(expect.arrayContaining(["running", "crashed", "restarting"]));
    const shown = (await (await box.api("GET", "/instances/in-docker")).json()) as {
      status: string;
      processes: number;
    };
    expect(shown).toMatchObject({ status: "running", processes: 1 });
  });

  it("stops a container that runs past its time limit, and removes a stopped instance's container", async (ctx) => {
    if (!available) return ctx.skip("no Docker engine");
    await box.box.instances.create(containerInstance("time-limited", {}, { maxRunSeconds: 2 }));
    expect((await box.api("POST", "/instances/time-limited/start")).status).toBe(200);
    expect(await containersOf("time-limited")).toHaveLength(1);
    const deadline = Date.now() + 15_000;
    let status = "";
    while (Date.now() < deadline && status !== "running-timeout") {
      status = ((await (await box.api("GET", "/instances/time-limited")).json()) as { status: string })
        .status;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    expect(status).toBe("running-timeout");
    expect(await containersOf("time-limited")).toHaveLength(0);

    expect((await box.api("POST", "/instances/in-docker/stop")).status).toBe(200);
    expect(await containersOf("in-docker")).toHaveLength(0);
    expect((await box.api("POST", "/instances/in-docker/start")).status).toBe(200);
    expect((await containersOf("in-docker")).filter((c) => c.State === "running")).toHaveLength(1);
    const logs = (await (await box.api("GET", "/instances/in-docker/logs?tail=20")).json()) as {
      lines: { line: string }[];
    };
    expect(logs.lines.some((l) => /mcpbox bridge listening/.test(l.line))).toBe(true);
  });

  it("passes the conformance suite through a container", async (ctx) => {
    if (!available) return ctx.skip("no Docker engine");
    await box.box.instances.create(containerInstance("conformance-docker", { sessionPolicy: "shared" }));
    const result = await runConformance(box.mcpUrl("conformance-docker"), {
      suite: "all",
      timeoutMs: 150_000,
    });
    console.info(
      `conformance through a container: ${result.passed} passed, ${result.failed} failed, ${result.warnings} warnings`,
    );
    expect(result.failures).toEqual([]);
    expect(result.passed).toBeGreaterThanOrEqual(43);
  }, 180_000);

  it("gives up on a container that is not ready within the connect timeout, and removes it", async (ctx) => {
    if (!available) return ctx.skip("no Docker engine");
    const hung = containerInstance("never-ready", { connectTimeoutSeconds: 3 });
    (hung.upstream as { env: Record<string, string> }).env = { NODE_OPTIONS: "--require /app/hang.cjs" };
    await box.box.instances.create(hung);
    const started = Date.now();
    await expect(connectClient(box.mcpUrl("never-ready"))).rejects.toThrow();
    expect(Date.now() - started).toBeLessThan(10_000);
    const shown = (await (await box.api("GET", "/instances/never-ready")).json()) as {
      status: string;
      statusDetail: string;
    };
    expect(shown.status).toBe("startup-timeout");
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await containersOf("never-ready")).toHaveLength(0);
  });

  it("runs an instance on a configured Docker environment, and tests its engine", async (ctx) => {
    if (!available) return ctx.skip("no Docker engine");
    const created = await box.api("POST", "/environments", {
      name: "local-socket",
      kind: "docker",
      docker: { host: "unix:///var/run/docker.sock" },
    });
    expect(created.status).toBe(201);
    const tested = (await (await box.api("POST", "/environments/local-socket/test")).json()) as {
      ok: boolean;
      version: string;
    };
    expect(tested.ok).toBe(true);
    expect(tested.version).toMatch(/^Docker /);
    await box.box.instances.create(containerInstance("on-socket", {}, { environment: "local-socket" }));
    const client = await connectClient(box.mcpUrl("on-socket"));
    await client.callTool({ name: "test_simple_text", arguments: {} });
    await disconnect(client);
    expect(await containersOf("on-socket")).toHaveLength(1);
    expect((await box.api("DELETE", "/environments/local-socket")).status).toBe(409);
    await box.box.upstreams.release("on-socket");
    expect(await containersOf("on-socket")).toHaveLength(0);
  });

  it("mounts allowlisted host paths and named volumes, and refuses others", async (ctx) => {
    if (!available) return ctx.skip("no Docker engine");
    const shared = mkdtempSync(join(tmpdir(), "mcpbox-share-"));
    writeFileSync(join(shared, "hello.txt"), "from the host");
    chmodSync(shared, 0o755);
    const outside = mkdtempSync(join(tmpdir(), "mcpbox-outside-"));
    symlinkSync(outside, join(shared, "escape"));
    const withVolumes = await startBox([], { hostPathAllowlist: [shared] });
    try {
      const volumes = [
        { type: "bind", source: shared, target: "/data", readOnly: true },
        { type: "volume", name: "mcpbox-test-cache", target: "/cache" },
      ];
      await withVolumes.box.instances.create(containerInstance("with-volumes", {}, { volumes }));
      const client = await connectClient(withVolumes.mcpUrl("with-volumes"));
      const [info] = await containersOf("with-volumes");
      const run = (code: string) =>
        execFileSync("docker", ["exec", info!.Id, "node", "-e", code], {
          encoding: "utf8",
          stdio: ["ignore", "pipe", "pipe"],
        });
      expect(run("process.stdout.write(require('fs').readFileSync('/data/hello.txt','utf8'))")).toBe(
        "from the host",
      );
      expect(() => run("require('fs').writeFileSync('/data/x','y')")).toThrow(/EROFS|read-only/);
      expect(() => run("require('fs').writeFileSync('/etc/x','y')")).toThrow(/EROFS|read-only/);
      const volume = await docker.getVolume("mcpbox-test-cache").inspect();
      expect(volume.Labels).toMatchObject({ "io.mcpbox": "true" });
      await disconnect(client);

      const refuse = async (source: string) => {
        const attempt = containerInstance(
          `refused-${Math.random().toString(36).slice(2, 8)}`,
          {},
          {
            volumes: [{ type: "bind", source, target: "/data" }],
          },
        );
        await expect(withVolumes.box.instances.create(attempt)).rejects.toThrow(/allowlist/);
      };
      await refuse("/etc");
      await refuse(outside);
      await refuse(join(shared, "escape")); // a link out of the allowed directory
      const reserved = containerInstance(
        "reserved-target",
        {},
        { volumes: [{ type: "volume", name: "v", target: "/mcpbox" }] },
      );
      await expect(withVolumes.box.instances.create(reserved)).rejects.toThrow(/reserved/);
    } finally {
      await withVolumes.box.upstreams.release("with-volumes");
      await withVolumes.close();
      await docker
        .getVolume("mcpbox-test-cache")
        .remove()
        .catch(() => {});
      rmSync(shared, { recursive: true, force: true });
      rmSync(outside, { recursive: true, force: true });
    }
  });

  it("runs an instance from a code package mounted read-only at /app", async (ctx) => {
    if (!available) return ctx.skip("no Docker engine");
    const bundled = await bundleForNode(fixture("conformance-server.mjs"));
    const archive = new yazl.ZipFile();
    archive.addBuffer(Buffer.from(bundled), "packaged-server.mjs");
    archive.end();
    const chunks: Buffer[] = [];
    for await (const chunk of archive.outputStream) chunks.push(chunk as Buffer);
    const row = await box.box.packages.upload("containerized", "zip", Buffer.concat(chunks), {
      ownerId: null,
      departmentId: null,
    });
    expect(row.fileCount).toBe(1);
    const instance = containerInstance("from-package-docker");
    (instance.upstream as { args: string[]; package?: string }).args = ["packaged-server.mjs"];
    (instance.upstream as { package?: string }).package = "containerized";
    await box.box.instances.create(instance);
    const client = await connectClient(box.mcpUrl("from-package-docker"));
    expect(JSON.stringify(await client.callTool({ name: "test_simple_text", arguments: {} }))).toMatch(
      /simple text/i,
    );
    const [info] = await containersOf("from-package-docker");
    const inspected = await docker.getContainer(info!.Id).inspect();
    expect(inspected.Config.WorkingDir).toBe("/app");
    expect(inspected.Mounts.find((m) => m.Destination === "/app")?.RW).toBe(false);
    await disconnect(client);

    // The monitor's restart of a crashed container mounts the package again.
    await docker.getContainer(info!.Id).kill();
    const restarted = await waitForRunning("from-package-docker", info!.Id);
    const again = await docker.getContainer(restarted.Id).inspect();
    expect(again.Mounts.find((m) => m.Destination === "/app")?.RW).toBe(false);
    const after = await connectClient(box.mcpUrl("from-package-docker"));
    expect(JSON.stringify(await after.callTool({ name: "test_simple_text", arguments: {} }))).toMatch(
      /simple text/i,
    );
    await disconnect(after);
    await box.box.upstreams.release("from-package-docker");
  });

  it("after a restart of MCPBox, watches the containers it left running and removes a stopped instance's", async (ctx) => {
    if (!available) return ctx.skip("no Docker engine");
    const survivor = containerInstance("survivor");
    const stopped = containerInstance("left-behind");
    const before = await startBox([survivor, stopped]);
    for (const name of ["survivor", "left-behind"]) {
      await disconnect(await connectClient(before.mcpUrl(name)));
    }
    await before.close();
    // Containers outlive the server that made them.
    const [left] = await containersOf("survivor");
    expect(left?.State).toBe("running");
    expect(await containersOf("left-behind")).toHaveLength(1);

    const after = await startBox([survivor, { ...stopped, enabled: false }]);
    try {
      const deadline = Date.now() + 30_000;
      while (Date.now() < deadline && (await containersOf("left-behind")).length > 0) {
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
      expect(await containersOf("left-behind")).toHaveLength(0);
      // The survivor is watched again: killed, it is restarted without any session asking for it.
      await docker.getContainer(left!.Id).kill();
      await waitForRunning("survivor", left!.Id);
    } finally {
      await after.box.upstreams.release("survivor");
      await after.close();
    }
    expect(await containersOf("survivor")).toHaveLength(0);
  });

  it("refuses images outside the allowlist", async (ctx) => {
    if (!available) return ctx.skip("no Docker engine");
    const strict = await startBox([], { imageAllowlist: ["registry.example.com/"] });
    try {
      await strict.box.instances.create(containerInstance("not-allowed"));
      await expect(connectClient(strict.mcpUrl("not-allowed"))).rejects.toThrow(/allowlist|50\d/);
      expect(await containersOf("not-allowed")).toHaveLength(0);
    } finally {
      await strict.close();
    }
  });
});
