import { execFileSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Docker from "dockerode";
import { bundleForNode } from "../../src/runtime/bridge-bundle.js";
import { fixture } from "./box.js";

/** True when a Docker engine answers on this machine. */
export async function dockerAvailable(): Promise<boolean> {
  try {
    await new Docker().ping();
    return true;
  } catch {
    return false;
  }
}

/**
 * Whether the Docker tests can run here. CI installs and starts an engine and sets MCPBOX_REQUIRE_DOCKER=1:
 * there a missing engine fails the tests instead of skipping them.
 */
export async function dockerForTests(): Promise<boolean> {
  if (await dockerAvailable()) return true;
  if (process.env.MCPBOX_REQUIRE_DOCKER === "1") {
    throw new Error("MCPBOX_REQUIRE_DOCKER=1 but no Docker engine answers");
  }
  return false;
}

/**
 * A small image built here (no registry is reachable): this machine's node binary and the shared libraries
 * it links, a non-root user, and our conformance fixture server bundled into /app, imported as a rootfs.
 */
export async function buildFixtureImage(tag = "mcpbox-test/fixture:latest"): Promise<string> {
  const root = mkdtempSync(join(tmpdir(), "mcpbox-rootfs-"));
  try {
    for (const dir of ["bin", "lib64", "etc", "tmp", "app"]) mkdirSync(join(root, dir), { recursive: true });
    const node = process.execPath;
    copyFileSync(node, join(root, "bin/node"));
    const libraries = execFileSync("ldd", [node], { encoding: "utf8" })
      .split("\n")
      .map((line) => /(\/\S+\.so[^\s]*)/.exec(line)?.[1])
      .filter((path): path is string => Boolean(path));
    for (const library of libraries) {
      const target = join(root, library);
      mkdirSync(join(target, ".."), { recursive: true });
      copyFileSync(library, target);
    }
    writeFileSync(
      join(root, "etc/passwd"),
      "root:x:0:0:root:/root:/bin/node\nmcp:x:10001:10001:mcp:/app:/bin/node\n",
    );
    writeFileSync(join(root, "etc/group"), "root:x:0:\nmcp:x:10001:\n");
    writeFileSync(join(root, "app/server.mjs"), await bundleForNode(fixture("conformance-server.mjs")));
    // Busy for a minute before anything else runs: a server that never becomes ready (startup timeout).
    writeFileSync(
      join(root, "app/hang.cjs"),
      "const end = Date.now() + 60000; while (Date.now() < end) {}\n",
    );
    execFileSync("sh", ["-c", `tar -C '${root}' -c . | docker import - '${tag}'`], { stdio: "pipe" });
    return tag;
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}
