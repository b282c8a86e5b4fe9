import type { Browser, Locator, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { browserAvailable, launchChromium, screenshot, serveForBrowser, signIn } from "../helpers/browser.js";
import type { Spawned } from "../helpers/processes.js";

const PASSWORD = "e2e correct horse battery staple";
const VERA_PASSWORD = "a viewer's own strong passphrase";

/** The value of the option whose text contains `text` (department options carry tree indentation). */
async function optionValue(select: Locator, text: string): Promise<string> {
  const value = await select.locator("option", { hasText: text }).first().getAttribute("value");
  if (!value) throw new Error(`no option ${text}`);
  return value;
}

/** Waits until the page has its heading and no spinner left. */
async function settled(page: Page): Promise<void> {
  await page.getByRole("heading", { level: 1 }).first().waitFor();
  await expect.poll(() => page.getByRole("status").count(), { timeout: 15_000 }).toBe(0);
}

describe.skipIf(!browserAvailable)("web console: administration", () => {
  let server: Spawned & { url: string };
  let browser: Browser;
  let page: Page;
  let veraFirstPassword = "";

  beforeAll(async () => {
    server = await serveForBrowser({ adminPassword: PASSWORD });
    browser = await launchChromium();
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    page = await context.newPage();
    await signIn(page, server.url, "admin", PASSWORD, "/admin/departments");
    await page.waitForURL((url) => url.pathname === "/admin/departments");
  }, 180_000);
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it("builds a department tree and shows the API's refusals (cycle, not empty)", async () => {
    await page.getByRole("button", { name: "New department" }).first().click();
    let dialog = page.getByRole("dialog", { name: "New department" });
    await dialog.getByLabel("Name").fill("Research");
    await dialog.getByRole("button", { name: "Create" }).click();
    await page.getByTestId("department-Research").waitFor();

    await page.getByRole("button", { name: "Add a department below Research" }).click();
    dialog = page.getByRole("dialog", { name: "New department" });
    await dialog.getByLabel("Name").fill("Lab");
    await dialog.getByRole("button", { name: "Create" }).click();
    await page.getByTestId("department-Lab").waitFor();
    // Lab sits below Research: indented further.
    const indent = (name: string) =>
      page
        .getByTestId(`department-${name}`)
        .evaluate((li) => Number.parseFloat(getComputedStyle(li).paddingLeft));
    expect(await indent("Lab")).toBeGreaterThan(await indent("Research"));

    // Moving Research below its own child is a cycle: the dialog shows the API's message.
    await page.getByTestId("department-Research").getByRole("button", { name: "Rename or move" }).click();
    dialog = page.getByRole("dialog", { name: "Rename or move Research" });
    const parent = dialog.getByLabel("Parent department");
    await parent.selectOption(await optionValue(parent, "Lab"));
    await dialog.getByRole("button", { name: "Save" }).click();
    await expect(dialog.getByRole("alert").textContent()).resolves.toMatch(/below itself/);
    await dialog.getByRole("button", { name: "Cancel" }).click();

    // A department with a sub-department cannot be deleted.
    await page
      .getByTestId("department-Research")
      .getByRole("button", { name: /^Delete/ })
      .click();
    dialog = page.getByRole("dialog", { name: "Delete department" });
    await dialog.getByRole("button", { name: "Confirm" }).click();
    await expect(dialog.getByRole("alert").textContent()).resolves.toMatch(/sub-departments/);
    await dialog.getByRole("button", { name: "Cancel" }).click();
    await screenshot(page, "departments");
  });

  it("creates vera, a viewer in Lab, and shows her one-time password once", async () => {
    await page.getByRole("link", { name: "Users" }).click();
    await page.waitForURL((url) => url.pathname === "/admin/users");
    await page.getByTestId("user-admin").waitFor();
    await page.getByRole("button", { name: "New user" }).first().click();
    const dialog = page.getByRole("dialog", { name: "New user" });
    await dialog.getByLabel("Username").fill("vera");
    await dialog.getByLabel("Display name").fill("Vera Viewer");
    await dialog.getByLabel("E-mail").fill("vera@example.com");
    const department = dialog.getByLabel("Department");
    await department.selectOption(await optionValue(department, "Lab"));
    await dialog.getByRole("checkbox", { name: "viewer", exact: true }).check();
    await dialog.getByRole("button", { name: "Create" }).click();

    const secret = page.getByRole("dialog", { name: "User created" });
    veraFirstPassword = (await secret.getByTestId("one-time-password").textContent()) ?? "";
    expect(veraFirstPassword).toMatch(/^[\w-]{20,}$/);
    await secret.getByRole("button", { name: "Copy" }).waitFor();
    await screenshot(page, "user-created");
    await secret.getByRole("button", { name: "I have copied it" }).click();
    await expect(secret.count()).resolves.toBe(0);

    const row = page.getByTestId("user-vera");
    await expect(row.textContent()).resolves.toMatch(
      /Vera Viewer.*Research \/ Lab.*viewer.*Must change password/s,
    );
    // The search goes to the API: a name nobody has leaves an explanation, not an empty table.
    await page.getByLabel("Search").fill("nobody-by-that-name");
    await page.getByText("No user matches these filters.").waitFor();
    await page.getByLabel("Search").fill("ver");
    await row.waitFor();
    await expect(page.getByTestId("user-admin").count()).resolves.toBe(0);
    await page.getByLabel("Search").fill("");
    await page.getByTestId("user-admin").waitFor();
    await screenshot(page, "users");
  });

  it("creates a custom role from the permission grid; built-in roles stay read-only", async () => {
    await page.getByRole("link", { name: "Roles" }).click();
    await page.getByTestId("role-viewer").waitFor();
    await page.getByTestId("role-admin").getByRole("button", { name: "View" }).click();
    let dialog = page.getByRole("dialog", { name: "admin" });
    await expect(dialog.getByRole("checkbox", { name: "settings:write" }).isChecked()).resolves.toBe(true);
    await expect(dialog.getByRole("checkbox", { name: "settings:write" }).isDisabled()).resolves.toBe(true);
    await expect(dialog.getByRole("button", { name: "Save" }).count()).resolves.toBe(0);
    await dialog.getByRole("button", { name: "Close" }).first().click();

    await page.getByRole("button", { name: "New role" }).click();
    dialog = page.getByRole("dialog", { name: "New role" });
    await dialog.getByLabel("Name").fill("lab-auditor");
    await dialog.getByLabel("Description").fill("Reads Lab's instances and the audit log");
    await dialog.getByLabel("Data scope").selectOption("custom");
    await dialog.getByRole("checkbox", { name: "Lab" }).check();
    await dialog.getByRole("checkbox", { name: "instance:read" }).check();
    await dialog.getByRole("checkbox", { name: "audit:read" }).check();
    await dialog.getByRole("button", { name: "Create" }).click();
    const row = page.getByTestId("role-lab-auditor");
    await expect(row.textContent()).resolves.toMatch(/custom.*Chosen departments.*2 permissions/s);
    await screenshot(page, "roles");
  });

  it("validates and saves a setting, which survives a reload", async () => {
    await page.getByRole("link", { name: "Settings" }).click();
    const idle = page.getByLabel("Idle timeout (minutes)");
    await idle.waitFor();
    const save = page.getByRole("button", { name: "Save" });
    await idle.fill("0");
    await page.getByText("Must be greater than 0.").waitFor();
    await expect(save.isDisabled()).resolves.toBe(true);
    await idle.fill("45");
    await save.click();
    await page.getByText("Settings saved").waitFor();
    await page.reload();
    await expect(page.getByLabel("Idle timeout (minutes)").inputValue()).resolves.toBe("45");
    await screenshot(page, "settings");
  });

  it("filters the audit log down to the user's creation, with details and export links", async () => {
    await page.getByRole("link", { name: "Audit log" }).click();
    await page.getByTestId("audit-row").first().waitFor();
    await page.getByLabel("Action", { exact: true }).fill("user.create");
    await page.getByLabel("Actor", { exact: true }).fill("admin");
    await page.getByRole("button", { name: "Apply filters" }).click();
    await expect.poll(() => page.getByTestId("audit-row").count()).toBe(1);
    const row = page.getByTestId("audit-row");
    await expect(row.textContent()).resolves.toMatch(/admin.*user\.create.*user: .*Success/s);
    await row.getByRole("button", { name: "Details" }).click();
    await expect(page.locator("pre").textContent()).resolves.toMatch(/"username": "vera"/);
    const csv = await page.getByRole("link", { name: "Export CSV" }).getAttribute("href");
    expect(csv).toMatch(/^\/api\/v1\/audit\/export\?.*action=user\.create/);
    expect(csv).toContain("format=csv");
    // The link carries the filters, and the session cookie goes along.
    const exported = await page.request.get(`${server.url}${csv}`);
    expect(exported.status()).toBe(200);
    const lines = (await exported.text()).trim().split(/\r\n/);
    expect(lines).toHaveLength(2);
    expect(lines[1]).toContain("user.create");
    await screenshot(page, "audit");
  });

  it("lets vera in, forces her password change, hides write actions, and the API refuses them", async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const vera = await context.newPage();
    await signIn(vera, server.url, "vera", veraFirstPassword, "/login");
    await vera.waitForURL((url) => url.pathname === "/change-password");
    await vera.getByLabel("Current password").fill(veraFirstPassword);
    await vera.getByLabel("New password", { exact: true }).fill(VERA_PASSWORD);
    await vera.getByLabel("Repeat the new password").fill(VERA_PASSWORD);
    await vera.getByRole("button", { name: "Save" }).click();
    await vera.waitForURL((url) => url.pathname === "/");
    await expect(vera.getByTestId("current-user").textContent()).resolves.toBe("Vera Viewer");

    // No administration in her navigation; the users page itself says her role does not allow it.
    await expect(vera.getByRole("link", { name: "Users" }).count()).resolves.toBe(0);
    await vera.goto(`${server.url}/admin/users`);
    await vera.getByText("Your role does not allow this.").waitFor();
    const writeActions = /\b(create|new|delete|add|import)\b/i;
    await expect(vera.getByRole("button", { name: writeActions }).count()).resolves.toBe(0);

    for (const path of ["/instances", "/tokens"]) {
      await vera.goto(`${server.url}${path}`);
      await settled(vera);
      await expect(vera.getByRole("button", { name: writeActions }).count()).resolves.toBe(0);
      await expect(vera.getByRole("link", { name: writeActions }).count()).resolves.toBe(0);
      if (path === "/instances") await screenshot(vera, "viewer-instances");
    }

    // With her own session and CSRF token, the API refuses the writes her role lacks.
    const refused = await vera.evaluate(async () => {
      const me = await (await fetch("/api/v1/auth/me")).json();
      const post = async (path: string, body: unknown) => {
        const response = await fetch(path, {
          method: "POST",
          headers: { "content-type": "application/json", "x-csrf-token": me.csrfToken },
          body: JSON.stringify(body),
        });
        return { status: response.status, code: (await response.json()).error?.code };
      };
      return {
        me: me.permissions as string[],
        instance: await post("/api/v1/instances", { name: "sneaky", command: "node", args: [] }),
        user: await post("/api/v1/users", { username: "sneaky", roles: ["admin"] }),
      };
    });
    expect(refused.me).not.toContain("instance:write");
    expect(refused.instance).toEqual({ status: 403, code: "permission_denied" });
    expect(refused.user).toEqual({ status: 403, code: "permission_denied" });
    await context.close();
  }, 120_000);
});
