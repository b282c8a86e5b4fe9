import { pathToFileURL } from "node:url";
import { gzipSync } from "node:zlib";
import { Header } from "tar";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import yazl from "yazl";
import {
  ADMIN_PASSWORD,
  connectClient,
  disconnect,
  fixture,
  startBox,
  type TestBox,
} from "../helpers/box.js";
import { ConsoleClient } from "../helpers/console.js";

/** Code packages: safe extraction (zip-slip, links, bombs refused), browsing, editing, running from one. */
let box: TestBox;
let admin: ConsoleClient;

async function zip(entries: { path: string; data: Buffer | string; mode?: number }[]): Promise<Buffer> {
  const file = new yazl.ZipFile();
  for (const entry of entries) {
    file.addBuffer(Buffer.from(entry.data), entry.path, { mode: entry.mode ?? 0o100644, compress: true });
  }
  file.end();
  const chunks: Buffer[] = [];
  for await (const chunk of file.outputStream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** yazl refuses unsafe names itself: write a safe name of the same length, then patch it in the bytes. */
function rename(archive: Buffer, from: string, to: string): Buffer {
  expect(from.length).toBe(to.length);
  return Buffer.from(archive.toString("latin1").split(from).join(to), "latin1");
}

function tarGz(
  entries: { path: string; data?: string; type?: "File" | "SymbolicLink"; linkpath?: string }[],
): Buffer {
  const blocks: Buffer[] = [];
  for (const entry of entries) {
    const data = Buffer.from(entry.data ?? "");
    const header = new Header({
      path: entry.path,
      mode: 0o644,
      size: entry.type === "SymbolicLink" ? 0 : data.length,
      type: entry.type ?? "File",
      linkpath: entry.linkpath,
      mtime: new Date(),
    });
    header.encode();
    blocks.push(header.block!);
    if (entry.type !== "SymbolicLink") blocks.push(data, Buffer.alloc((512 - (data.length % 512)) % 512));
  }
  blocks.push(Buffer.alloc(1024));
  return gzipSync(Buffer.concat(blocks));
}

const upload = (name: string, body: Buffer, type = "application/zip", format?: string) =>
  fetch(`${box.url}/api/v1/packages?name=${name}${format ? `&format=${format}` : ""}`, {
    method: "POST",
    headers: { cookie: admin.cookie!, "x-csrf-token": admin.csrf!, "content-type": type },
    body: new Uint8Array(body),
  });

const errorCode = async (response: Response) =>
  ((await response.json()) as { error: { code: string; message: string } }).error;

beforeAll(async () => {
  box = await startBox([], { loginRateLimitPerMinute: 1000 });
  admin = new ConsoleClient(box.url);
  await admin.login("admin", ADMIN_PASSWORD);
});
afterAll(() => box?.close());

describe("unsafe archives", () => {
  it("refuses zip-slip, absolute paths and links in zip and tar.gz, and writes nothing", async () => {
    const slip = rename(await zip([{ path: "AA/AA/evil.txt", data: "x" }]), "AA/AA/", "../../");
    const response = await upload("slip", slip);
    expect(response.status).toBe(400);
    expect((await errorCode(response)).code).toMatch(/unsafe_archive|invalid_archive/);
    const absolute = rename(await zip([{ path: "Xetc/cron.d/x", data: "x" }]), "Xetc/", "/etc/");
    expect((await upload("absolute", absolute)).status).toBe(400);
    const link = await zip([{ path: "link", data: "/etc/passwd", mode: 0o120777 }]);
    const linkResponse = await upload("link", link);
    expect(linkResponse.status).toBe(400);
    expect((await errorCode(linkResponse)).message).toMatch(/symbolic link/);

    const tarSlip = await upload("tar-slip", tarGz([{ path: "../evil.sh", data: "x" }]), "application/gzip");
    expect((await errorCode(tarSlip)).message).toMatch(/leaves the package root/);
    const tarLink = tarGz([
      { path: "ok.txt", data: "x" },
      { path: "passwd", type: "SymbolicLink", linkpath: "/etc/passwd" },
    ]);
    expect((await errorCode(await upload("tar-link", tarLink, "application/gzip"))).message).toMatch(
      /SymbolicLink/,
    );
    expect((await upload("not-an-archive", Buffer.from("hello"), "application/octet-stream")).status).toBe(
      400,
    );
    expect((await admin.json("GET", "/packages")).items).toEqual([]);
  });

  it("refuses a decompression bomb", async () => {
    const bomb = await zip([{ path: "zeros.bin", data: Buffer.alloc(64 * 1024 * 1024) }]);
    expect(bomb.length).toBeLessThan(1024 * 1024);
    const response = await upload("bomb", bomb);
    expect(response.status).toBe(400);
    expect((await errorCode(response)).message).toMatch(/decompression bomb/);
  });
});

describe("a clean package", () => {
  it("uploads, lists, views, edits and downloads its files, and runs an instance from it", async () => {
    const server = `await import(${JSON.stringify(pathToFileURL(fixture("conformance-server.mjs")).href)});\n`;
    const archive = await zip([
      { path: "server.mjs", data: server },
      { path: "lib/README.md", data: "# package\n" },
      { path: "bin/run.sh", data: "#!/bin/sh\n", mode: 0o100755 },
    ]);
    const response = await upload("clean-pkg", archive, "application/zip", "mcpb");
    expect(response.status).toBe(201);
    const created = (await response.json()) as {
      id: string;
      fileCount: number;
      format: string;
      sha256: string;
    };
    expect(created).toMatchObject({ fileCount: 3, format: "mcpb" });
    const detail = await admin.json("GET", `/packages/${created.id}`);
    expect(detail.files.map((f: { path: string }) => f.path)).toEqual([
      "bin/run.sh",
      "lib/README.md",
      "server.mjs",
    ]);
    expect((await admin.json("GET", `/packages/${created.id}/files/lib/README.md`)).content).toBe(
      "# package\n",
    );
    await admin.json("PUT", `/packages/${created.id}/files/lib/README.md`, { content: "# edited\n" });
    const traversal = await admin.request("PUT", `/packages/${created.id}/files/..%2F..%2Fescape.txt`, {
      content: "x",
    });
    expect(traversal.status).toBe(400);
    const download = await fetch(`${box.url}/api/v1/packages/${created.id}/download`, {
      headers: { cookie: admin.cookie! },
    });
    expect(download.headers.get("content-type")).toBe("application/zip");
    const zipped = Buffer.from(await download.arrayBuffer());
    expect(zipped.subarray(0, 2).toString()).toBe("PK");

    await admin.json(
      "POST",
      "/instances",
      {
        name: "from-package",
        accessMode: "hosted",
        upstream: { type: "stdio", command: process.execPath, args: ["server.mjs"], package: "clean-pkg" },
      },
      201,
    );
    const token = await box.token(["from-package"]);
    const client = await connectClient(box.mcpUrl("from-package"), { token });
    expect((await client.listTools()).tools.length).toBeGreaterThan(0);
    await disconnect(client);

    const refused = await admin.request("DELETE", `/packages/${created.id}`);
    expect(refused.status).toBe(409);
    expect((await errorCode(refused)).message).toMatch(/from-package/);
    await admin.json("DELETE", "/instances/from-package", undefined, 204);
    await admin.json("DELETE", `/packages/${created.id}`, undefined, 204);
    expect((await admin.request("GET", `/packages/${created.id}`)).status).toBe(404);
  });

  it("runs an install step in the package directory after upload, and records how it went", async () => {
    const install = encodeURIComponent(
      `node -e "require('fs').writeFileSync('installed.txt', process.cwd())"`,
    );
    const ok = await upload(`installs&install=${install}`, await zip([{ path: "package.json", data: "{}" }]));
    expect(ok.status).toBe(201);
    const { id, installStatus } = (await ok.json()) as { id: string; installStatus: string };
    expect(installStatus).toBe("running");
    let detail: { installStatus: string; files: { path: string }[] } = {
      installStatus: "running",
      files: [],
    };
    for (let i = 0; i < 100 && detail.installStatus === "running"; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      detail = await admin.json("GET", `/packages/${id}`);
    }
    expect(detail.installStatus).toBe("ok");
    expect(detail.files.map((f) => f.path)).toContain("installed.txt");

    const failing = encodeURIComponent(`node -e "console.error('no network here'); process.exit(3)"`);
    const bad = (await (
      await upload(`fails&install=${failing}`, await zip([{ path: "a.txt", data: "a" }]))
    ).json()) as { id: string };
    let failed: { installStatus: string; installLog: string } = { installStatus: "running", installLog: "" };
    for (let i = 0; i < 100 && failed.installStatus === "running"; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      failed = await admin.json("GET", `/packages/${bad.id}`);
    }
    expect(failed.installStatus).toBe("failed");
    expect(failed.installLog).toMatch(/no network here[\s\S]*exited with 3/);
    const shell = await upload(
      `shell&install=${encodeURIComponent("echo hi | sh")}`,
      await zip([{ path: "a.txt", data: "a" }]),
    );
    expect(shell.status).toBe(400);
  });

  it("accepts tar.gz, refuses duplicate names, and refuses a missing package at run time", async () => {
    const response = await upload("tarred", tarGz([{ path: "./a/b.txt", data: "b" }]), "application/gzip");
    expect(response.status).toBe(201);
    expect((await upload("tarred", tarGz([{ path: "c.txt", data: "c" }]), "application/gzip")).status).toBe(
      409,
    );
    await admin.json(
      "POST",
      "/instances",
      {
        name: "ghost-package",
        accessMode: "hosted",
        upstream: { type: "stdio", command: "node", args: ["x.mjs"], package: "nope" },
      },
      201,
    );
    const token = await box.token(["ghost-package"]);
    await expect(connectClient(box.mcpUrl("ghost-package"), { token })).rejects.toThrow(/503|does not exist/);
  });
});
