import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { browserAvailable, launchChromium, screenshot, serveForBrowser, signIn } from "../helpers/browser.js";
import { ConsoleClient } from "../helpers/console.js";
import type { Spawned } from "../helpers/processes.js";

const PASSWORD = "e2e correct horse battery";

describe.skipIf(!browserAvailable)("web console: sign-in and session", () => {
  let server: Spawned & { url: string };
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;

  beforeAll(async () => {
    server = await serveForBrowser({ adminPassword: PASSWORD });
    browser = await launchChromium();
  }, 180_000);
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it("is served at / with a strict CSP, and deep links load the app", async () => {
    const page = await (await browser.newContext()).newPage();
    const response = await page.goto(`${server.url}/account`);
    expect(response?.status()).toBe(200);
    expect(response?.headers()["content-security-policy"]).toMatch(/script-src 'self'/);
    await expect.poll(() => page.url()).toContain("/login?next=");
    // API paths keep their JSON 404, even when a browser asks for HTML.
    const api = await page.goto(`${server.url}/api/v1/nothing-here`);
    expect(api?.status()).toBe(404);
    expect(JSON.parse(await api!.text()).error.code).toBe("not_found");
    await page.context().close();
  });

  it("signs in, forces the first password change, and comes back where the user was", async () => {
    const admin = new ConsoleClient(server.url);
    await admin.login("admin", PASSWORD);
    const created = await admin.json("POST", "/users", { username: "newbie", roles: ["viewer"] }, 201);

    context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    page = await context.newPage();
    await page.goto(`${server.url}/account`);
    await expect.poll(() => new URL(page.url()).pathname).toBe("/login");
    await screenshot(page, "login");
    // A wrong password gives the server's readable message.
    await signIn(page, server.url, "newbie", "not the password", "/login?next=%2Faccount");
    await expect(page.getByRole("alert").textContent()).resolves.toMatch(/wrong username or password/);

    await page.getByLabel("Password", { exact: true }).fill(created.temporaryPassword);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.waitForURL((url) => url.pathname === "/change-password");
    await page.getByLabel("Current password").fill(created.temporaryPassword);
    // The server's password policy speaks through the form.
    await page.getByLabel("New password", { exact: true }).fill("newbie strong passphrase");
    await page.getByLabel("Repeat the new password").fill("newbie strong passphrase");
    await page.getByRole("button", { name: "Save" }).click();
    await expect(page.getByRole("alert").textContent()).resolves.toMatch(/contains the username/);
    await page.getByLabel("New password", { exact: true }).fill("fresh strong passphrase 1");
    await page.getByLabel("Repeat the new password").fill("fresh strong passphrase 2");
    await page.getByRole("button", { name: "Save" }).click();
    await expect(page.getByRole("alert").textContent()).resolves.toMatch(/differ/);
    await page.getByLabel("Repeat the new password").fill("fresh strong passphrase 1");
    await page.getByRole("button", { name: "Save" }).click();
    await page.waitForURL((url) => url.pathname === "/account");
    await expect(page.getByTestId("current-user").textContent()).resolves.toBe("newbie");
    await expect(page.getByText("viewer", { exact: true })).toBeDefined();
  });

  it("returns to sign-in when the session ends, then back to the page the user was on", async () => {
    // Another tab signs the user out everywhere: this tab's session is gone.
    const other = new ConsoleClient(server.url);
    await other.login("newbie", "fresh strong passphrase 1");
    await other.json("POST", "/auth/sessions/revoke-all");
    await page.reload();
    await page.waitForURL((url) => url.pathname === "/login");
    expect(new URL(page.url()).searchParams.get("next")).toBe("/account");
    await signIn(page, server.url, "newbie", "fresh strong passphrase 1", page.url().replace(server.url, ""));
    await page.waitForURL((url) => url.pathname === "/account");
  });

  it("switches the language and the theme, and remembers both", async () => {
    await page.getByLabel("Language").selectOption("zh-CN");
    await page.getByRole("heading", { name: "我的账户" }).waitFor();
    expect(await page.evaluate(() => document.documentElement.lang)).toBe("zh-CN");
    const themeButton = page.getByRole("button", { name: /主题/ });
    while (!(await page.evaluate(() => document.documentElement.classList.contains("dark")))) {
      await themeButton.click();
    }
    await screenshot(page, "account-zh-dark");
    await page.reload();
    await page.getByRole("heading", { name: "我的账户" }).waitFor();
    expect(await page.evaluate(() => document.documentElement.classList.contains("dark"))).toBe(true);
    // API errors come back in the chosen language too.
    await page.goto(`${server.url}/change-password?next=%2Faccount`);
    await page.getByLabel("当前密码").fill("not my password at all");
    await page.getByLabel("新密码", { exact: true }).fill("another strong passphrase");
    await page.getByLabel("再次输入新密码").fill("another strong passphrase");
    await page.getByRole("button", { name: "保存" }).click();
    await expect(page.getByRole("alert").textContent()).resolves.toContain("密码错误");
    await page.goto(`${server.url}/account`);
    await page.getByLabel("语言").selectOption("en");
    await page.getByRole("heading", { name: "My account" }).waitFor();
  });

  it("fits a narrow screen: the navigation becomes a menu", async () => {
    await page.setViewportSize({ width: 390, height: 800 });
    await expect.poll(() => page.getByRole("link", { name: "My account" }).isVisible()).toBe(false);
    await page.getByRole("button", { name: "Menu" }).click();
    await page.getByRole("link", { name: "My account" }).waitFor();
    await screenshot(page, "account-narrow");
  });
});
