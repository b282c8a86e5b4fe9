import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectClient, disconnect, fixture } from "../helpers/box.js";
import { browserAvailable, launchChromium, screenshot, serveForBrowser, signIn } from "../helpers/browser.js";
import { ConsoleClient } from "../helpers/console.js";
import type { Spawned } from "../helpers/processes.js";

const PASSWORD = "e2e library battery staple";
const SECRET_VALUE = "s3cret-api-key-value";
const INSTANCE = "fixture-one";
/** Each step drives several pages and server round trips; a loaded machine needs more than 30 s. */
const STEP_TIMEOUT = 120_000;

describe.skipIf(!browserAvailable)("web console: templates, catalog and tokens", () => {
  let server: Spawned & { url: string };
  let browser: Browser;
  let page: Page;
  let admin: ConsoleClient;
  let tokenSecret: string;

  beforeAll(async () => {
    server = await serveForBrowser({ adminPassword: PASSWORD });
    browser = await launchChromium();
    admin = new ConsoleClient(server.url);
    await admin.login("admin", PASSWORD);
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    page = await context.newPage();
  }, 180_000);
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it(
    "creates a template with a text and a secret variable through the form",
    async () => {
      await signIn(page, server.url, "admin", PASSWORD, "/templates");
      await page.waitForURL((url) => url.pathname === "/templates");
      await page.getByText("No templates yet").waitFor();
      await page.getByRole("link", { name: "New template" }).first().click();
      await page.waitForURL("**/templates/new");

      await page.getByLabel("Name", { exact: true }).fill("conformance");
      await page.getByLabel("Title").fill("Conformance fixture");
      await page.getByLabel("Category").fill("testing");
      await page.getByRole("button", { name: "Add variable" }).click();
      const first = page.getByRole("group", { name: "Variable 1" });
      await first.getByLabel("Variable name").fill("GREETING");
      await first.getByLabel("Description").fill("What the server is told");
      await first.getByLabel("Default").fill("hi");
      await page.getByRole("button", { name: "Add variable" }).click();
      const second = page.getByRole("group", { name: "Variable 2" });
      await second.getByLabel("Variable name").fill("API_KEY");
      await second.getByLabel("Type").selectOption("secret");
      await expect(second.getByLabel("Default").isDisabled()).resolves.toBe(true);

      await page.getByLabel("Command").fill(process.execPath);
      await page
        .getByLabel("Arguments")
        .fill(`${fixture("conformance-server.mjs")}\n--greeting={{GREETING}}`);
      // A secret used outside env values is refused by the server with a readable reason.
      await page.getByLabel("Environment").fill("API_KEY={{API_KEY}}");
      await page.getByLabel("Arguments").fill(`${fixture("conformance-server.mjs")}\n--key={{API_KEY}}`);
      await page.getByRole("button", { name: "Create", exact: true }).click();
      await expect(page.getByRole("alert").first().textContent()).resolves.toMatch(/secret \{\{API_KEY\}\}/);

      await page
        .getByLabel("Arguments")
        .fill(`${fixture("conformance-server.mjs")}\n--greeting={{GREETING}}`);
      await page.getByLabel("Environment").fill("API_KEY={{API_KEY}}");
      await page.getByRole("button", { name: "Create", exact: true }).click();
      await page.waitForURL((url) => url.pathname === "/templates");
      const row = page.getByTestId("template-conformance");
      await expect(row.textContent()).resolves.toMatch(/Conformance fixture.*GREETING.*API_KEY/s);

      const [stored] = (await admin.json("GET", "/templates")).items;
      expect(stored.variables).toEqual([
        {
          name: "GREETING",
          type: "string",
          description: "What the server is told",
          required: true,
          default: "hi",
        },
        { name: "API_KEY", type: "secret", description: "", required: true },
      ]);
      expect(stored.instance.upstream).toMatchObject({
        type: "stdio",
        command: process.execPath,
        args: [fixture("conformance-server.mjs"), "--greeting={{GREETING}}"],
        env: { API_KEY: "{{API_KEY}}" },
      });
      await screenshot(page, "templates");
    },
    STEP_TIMEOUT,
  );

  it(
    "searches templates and edits one",
    async () => {
      await page.getByRole("searchbox", { name: "Search templates" }).fill("nothing-like-this");
      await page.getByText("Nothing matches").waitFor();
      await page.getByRole("searchbox", { name: "Search templates" }).fill("conform");
      await page.getByTestId("template-conformance").waitFor();
      await page.getByRole("link", { name: "Edit conformance" }).click();
      await expect(page.getByLabel("Title").inputValue()).resolves.toBe("Conformance fixture");
      await page.getByLabel("Title").fill("Conformance fixture server");
      await page.getByRole("button", { name: "Save" }).click();
      await page.waitForURL((url) => url.pathname === "/templates");
      // The list shows its cached page at once, then the refetched one.
      await expect
        .poll(() => page.getByTestId("template-conformance").textContent(), { timeout: 10_000 })
        .toMatch(/Conformance fixture server/);
    },
    STEP_TIMEOUT,
  );

  it(
    "creates an instance from the template by filling in its variables",
    async () => {
      await page.getByTestId("template-conformance").getByRole("button", { name: "Create instance" }).click();
      const dialog = page.getByRole("dialog");
      await expect(dialog.getByLabel("GREETING *").inputValue()).resolves.toBe("hi");
      const secret = dialog.getByLabel("API_KEY *");
      await expect(secret.getAttribute("type")).resolves.toBe("password");
      // Required and empty: refused before it reaches the server.
      await dialog.getByRole("button", { name: "Create instance" }).click();
      await dialog.getByText("Required", { exact: true }).first().waitFor();

      await dialog.getByLabel("GREETING *").fill("hello");
      await secret.fill(SECRET_VALUE);
      // A name the server refuses: its error lands on the name field.
      await dialog.getByLabel("Instance name").fill("bad name!");
      await dialog.getByRole("button", { name: "Create instance" }).click();
      await dialog
        .getByRole("alert")
        .filter({ hasText: /letter or digit/ })
        .first()
        .waitFor();
      await dialog.getByLabel("Instance name").fill(INSTANCE);
      await screenshot(page, "template-instance-form");
      await dialog.getByRole("button", { name: "Create instance" }).click();
      await page.waitForURL((url) => url.pathname === `/instances/${INSTANCE}`);

      const instance = await admin.json("GET", `/instances/${INSTANCE}`);
      expect(instance.upstream.args).toEqual([fixture("conformance-server.mjs"), "--greeting=hello"]);
      expect(instance.upstream.env).toEqual({ API_KEY: "••••" });
      expect(JSON.stringify(instance)).not.toContain(SECRET_VALUE);
      expect(await page.content()).not.toContain(SECRET_VALUE);
    },
    STEP_TIMEOUT,
  );

  it(
    "browses and searches the catalog",
    async () => {
      await page.goto(`${server.url}/catalog`);
      await page.getByTestId("catalog-filesystem").waitFor();
      await page.getByRole("searchbox", { name: "Search the catalog" }).fill("github");
      await page.getByTestId("catalog-filesystem").waitFor({ state: "detached" });
      await page.getByRole("button", { name: "Details of GitHub" }).click();
      const details = page.getByRole("dialog", { name: "GitHub" });
      await expect(details.textContent()).resolves.toMatch(/GITHUB_TOKEN.*Secret/s);
      await details.getByRole("button", { name: "Close", exact: true }).last().click();
      await page.getByRole("searchbox", { name: "Search the catalog" }).fill("");
      await page.getByTestId("catalog-filesystem").waitFor();
      await screenshot(page, "catalog");

      // The same variable form makes an instance from a catalog entry; the server checks what it needs.
      await page.getByRole("button", { name: "Create an instance of Filesystem" }).click();
      const dialog = page.getByRole("dialog");
      await expect(dialog.getByLabel("Instance name").inputValue()).resolves.toBe("filesystem");
      await dialog.getByRole("button", { name: "Create instance" }).click();
      await dialog.getByText("Required", { exact: true }).first().waitFor();
      await dialog.getByRole("button", { name: "Cancel" }).click();
    },
    STEP_TIMEOUT,
  );

  it(
    "creates a token scoped to the instance and shows its secret once",
    async () => {
      await page.goto(`${server.url}/tokens`);
      await page.getByText("No tokens yet").waitFor();
      await page.getByRole("button", { name: "New token" }).first().click();
      const dialog = page.getByRole("dialog", { name: "New token" });
      await dialog.getByLabel("Name", { exact: true }).fill("e2e client");
      await dialog.getByRole("button", { name: "Create", exact: true }).click();
      await dialog.getByText("Pick at least one instance.").waitFor();
      await dialog.getByRole("checkbox", { name: INSTANCE }).check();
      await dialog.getByRole("button", { name: "Create", exact: true }).click();

      const shown = page.getByRole("dialog", { name: "Token e2e client created" });
      tokenSecret = (await shown.getByTestId("token-secret").textContent())!.trim();
      expect(tokenSecret).toMatch(/^mcpbox_/);
      await shown.getByText(/only time it is shown/).waitFor();
      await screenshot(page, "token-created");
      await shown.getByRole("button", { name: "I have saved it" }).click();
      await shown.waitFor({ state: "detached" });

      const row = page.getByTestId("token-e2e client");
      await expect(row.getByTestId("use-count").textContent()).resolves.toBe("0");
      await expect(row.getByTestId("token-status").textContent()).resolves.toBe("Active");
      await expect(row.textContent()).resolves.toContain(INSTANCE);
      expect(await page.content()).not.toContain(tokenSecret);
      await page.reload();
      await page.getByTestId("token-e2e client").waitFor();
      expect(await page.content()).not.toContain(tokenSecret);
      const listed = await admin.json("GET", "/tokens");
      expect(JSON.stringify(listed)).not.toContain(tokenSecret);
      await screenshot(page, "tokens");
    },
    STEP_TIMEOUT,
  );

  it(
    "counts the token's uses, then revokes it and the gateway refuses it",
    async () => {
      const client = await connectClient(`${server.url}/mcp/${INSTANCE}`, { token: tokenSecret });
      const tools = await client.listTools();
      expect(tools.tools.map((t) => t.name)).toContain("test_simple_text");
      await disconnect(client);

      // Uses are flushed to the database every 2 s: reload until the list shows them.
      const row = page.getByTestId("token-e2e client");
      await expect
        .poll(
          async () => {
            await page.reload();
            return Number(await row.getByTestId("use-count").textContent());
          },
          { timeout: 20_000, interval: 1000 },
        )
        .toBeGreaterThan(0);
      await expect(row.getByTestId("last-used").textContent()).resolves.not.toBe("never");

      await page.getByRole("button", { name: "Revoke e2e client" }).click();
      await page.getByRole("dialog", { name: "Revoke" }).getByRole("button", { name: "Confirm" }).click();
      await expect
        .poll(() => row.getByTestId("token-status").textContent(), { timeout: 10_000 })
        .toBe("Revoked");
      await expect(page.getByRole("button", { name: "Revoke e2e client" }).count()).resolves.toBe(0);

      await expect(
        connectClient(`${server.url}/mcp/${INSTANCE}`, { token: tokenSecret }),
      ).rejects.toMatchObject({
        code: 401,
      });
      const response = await fetch(`${server.url}/mcp/${INSTANCE}`, {
        method: "POST",
        headers: {
          authorization: `Bearer ${tokenSecret}`,
          "content-type": "application/json",
          accept: "application/json, text/event-stream",
        },
        body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "ping" }),
      });
      expect(response.status).toBe(401);
    },
    STEP_TIMEOUT,
  );

  it(
    "fits a narrow screen",
    async () => {
      await page.setViewportSize({ width: 390, height: 800 });
      await page.goto(`${server.url}/templates`);
      await page.getByTestId("template-conformance").waitFor();
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      expect(overflow).toBeLessThanOrEqual(1);
      await page.goto(`${server.url}/tokens`);
      await page.getByRole("button", { name: "New token" }).click();
      await page.getByRole("dialog", { name: "New token" }).waitFor();
    },
    STEP_TIMEOUT,
  );
});
