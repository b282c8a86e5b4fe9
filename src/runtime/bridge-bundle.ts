import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const ENTRY = fileURLToPath(new URL("./bridge-main.ts", import.meta.url));

/** One self-contained ESM file for Node.js 20 from an entry module and everything it imports. */
export async function bundleForNode(entry: string): Promise<Uint8Array> {
  const result = await build({
    entryPoints: [entry],
    write: false,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    logLevel: "silent",
    // Some dependencies are CommonJS and call require(): give the ESM bundle one.
    banner: {
      js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);",
    },
  });
  return result.outputFiles[0]!.contents;
}

/**
 * Bundles `mcpbox bridge` into one ESM file (`<dir>/mcpbox-bridge.mjs`) that any image with Node.js can run:
 * containers get it as a read-only mount, so images need no MCPBox install of their own.
 */
export async function buildBridgeBundle(dir: string): Promise<string> {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "mcpbox-bridge.mjs"), await bundleForNode(ENTRY));
  return dir;
}
