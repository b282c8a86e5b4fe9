import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Browser, chromium, type Page } from "playwright-core";
import { REPO_ROOT } from "./conformance.js";
import { type Spawned, spawnUntil } from "./processes.js";

export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
/** CI sets MCPBOX_REQUIRE_BROWSER=1 so that a missing Chromium fails the run instead of skipping. */
export const browserAvailable = existsSync(CHROMIUM) || process.env.MCPBOX_REQUIRE_BROWSER === "1";
export const SCREENSHOTS = join(REPO_ROOT, "test-results/screenshots");

export async function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
    ],
  });
}

/** A real `mcpbox serve` child on a random port with its own data dir, and an admin password set. */
export async function serveForBrowser(options: {
  adminPassword: string;
  mcpServers?: Record<string, unknown>;
  env?: NodeJS.ProcessEnv;
}): Promise<Spawned & { url: string; dataDir: string }> {
  const dataDir = mkdtempSync(join(tmpdir(), "mcpbox-e2e-"));
  const args = [join(REPO_ROOT, "bin/mcpbox.mjs"), "serve", "--port", "0", "--data-dir", dataDir];
  if (options.mcpServers) {
    const config = join(dataDir, "servers.json");
    writeFileSync(config, JSON.stringify({ mcpServers: options.mcpServers }));
    args.push("--config", config);
  }
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    MCPBOX_ADMIN_PASSWORD: options.adminPassword,
    MCPBOX_LOG_LEVEL: "info",
    ...options.env,
  };
  delete env.MCPBOX_DATABASE_URL;
  delete env.DATABASE_URL;
  const server = await spawnUntil(process.execPath, args, /"url":"(http:\/\/127\.0\.0\.1:\d+)"/, {
    env,
    timeoutMs: 170_000,
  });
  return { ...server, url: server.match, dataDir };
}

/** Saves a full-page screenshot under test-results/screenshots (kept by CI as an artifact). */
export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

/** Signs in through the login form and waits for the signed-in frame. */
export async function signIn(page: Page, baseUrl: string, username: string, password: string, path = "/") {
  await page.goto(`${baseUrl}${path}`);
  await page.getByLabel(/Username|用户名/).fill(username);
  await page.getByLabel(/^Password$|^密码$/).fill(password);
  await page.getByRole("button", { name: /Sign in|登录/ }).click();
}
