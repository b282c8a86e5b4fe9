import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fixture } from "../helpers/box.js";
import { browserAvailable, launchChromium, screenshot, serveForBrowser, signIn } from "../helpers/browser.js";
import { ConsoleClient } from "../helpers/console.js";
import type { Spawned } from "../helpers/processes.js";

const PASSWORD = "e2e instances passphrase";
const NAME = "conformance";
const WAIT = { timeout: 30_000 };
/** Starting an MCP server process can be slow on a loaded machine. */
const SLOW = { timeout: 90_000 };

/** The browser's recent console messages and MCP/API responses, to explain a failure. */
const trail: string[] = [];
function watch(page: Page) {
  const keep = (line: string) => trail.push(line) > 60 && trail.shift();
  page.on("console", (m) => keep(`console ${m.type()}: ${m.text()}`));
  page.on("pageerror", (e) => keep(`page error: ${e.message}`));
  page.on("requestfailed", (r) => keep(`failed ${r.method()} ${r.url()}: ${r.failure()?.errorText}`));
  page.on("response", (r) => keep(`${r.request().method()} ${new URL(r.url()).pathname} ${r.status()}`));
}

/** Waits for `locator`; on timeout, fails with the page's error banners and what the browser saw. */
async function waitOrExplain(page: Page, locator: ReturnType<Page["locator"]>, options = SLOW) {
  try {
    await locator.waitFor(options);
  } catch (error) {
    const alerts = await page.getByRole("alert").allTextContents();
    await screenshot(page, "instances-failure");
    throw new Error(
      `${(error as Error).message}\npage alerts: ${JSON.stringify(alerts)}\n${trail.join("\n")}`,
    );
  }
}

describe.skipIf(!browserAvailable)("web console: instances and the inspector", () => {
  let server: Spawned & { url: string };
  let admin: ConsoleClient;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;

  beforeAll(async () => {
    server = await serveForBrowser({ adminPassword: PASSWORD });
    admin = new ConsoleClient(server.url);
    await admin.login("admin", PASSWORD);
    browser = await launchChromium();
    context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    page = await context.newPage();
    watch(page);
  }, 180_000);
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  }, 240_000);

  it("starts empty and creates a hosted stdio instance through the form, field errors beside fields", async () => {
    await signIn(page, server.url, "admin", PASSWORD, "/instances");
    await page.waitForURL((url) => url.pathname === "/instances");
    await page.getByText("No instances yet").waitFor(WAIT);
    await page.getByRole("link", { name: "New instance" }).first().click();
    await page.waitForURL("**/instances/new");

    // Missing essentials are caught before asking the server.
    await page.getByRole("button", { name: "Create" }).click();
    await expect(page.locator("p[role=alert]").count()).resolves.toBeGreaterThanOrEqual(2);

    await page.getByLabel("Name", { exact: true }).fill(NAME);
    await page.getByLabel("Description").fill("The MCP conformance fixture");
    await page.getByLabel("Command").fill(process.execPath);
    await page.getByLabel("Arguments").fill(fixture("conformance-server.mjs"));
    await page.getByRole("button", { name: "Add" }).first().click();
    await page.getByLabel("Environment variables 1: name").fill("FIXTURE_SECRET");
    await page.getByLabel("Environment variables 1: value").fill("s3cret-value");
    // The server refuses a zero timeout: its message shows under that field.
    await page.getByLabel("Connect timeout (s)").fill("0");
    await page.getByRole("button", { name: "Create" }).click();
    const fieldError = page.locator("p[role=alert]");
    await fieldError.first().waitFor(WAIT);
    await screenshot(page, "instance-new");
    expect(await fieldError.allTextContents()).toHaveLength(1);
    expect(new URL(page.url()).pathname).toBe("/instances/new");
    await page.getByLabel("Connect timeout (s)").fill("30");
    await page.getByRole("button", { name: "Create" }).click();
    await page.waitForURL(`**/instances/${NAME}`, SLOW);

    const stored = await admin.json("GET", `/instances/${NAME}`);
    expect(stored.upstream).toMatchObject({
      type: "stdio",
      command: process.execPath,
      args: [fixture("conformance-server.mjs")],
      env: { FIXTURE_SECRET: "••••" },
    });
    expect(stored.connectTimeoutSeconds).toBe(30);
  }, 240_000);

  it("lists instances with live status and filters by name in the URL", async () => {
    // A second one from a pasted mcpServers document: a URL entry becomes a proxy.
    await page.goto(`${server.url}/instances/new`);
    await page.getByRole("tab", { name: "Import JSON" }).click();
    await page
      .getByLabel("mcpServers document")
      .fill(JSON.stringify({ mcpServers: { other: { type: "http", url: "http://127.0.0.1:9/mcp" } } }));
    await page.getByRole("button", { name: "Import", exact: true }).click();
    await page.getByRole("cell", { name: "Created" }).waitFor(WAIT);
    await page.goto(`${server.url}/instances`);
    const rows = page.getByTestId("instance-row");
    await expect.poll(() => rows.count(), WAIT).toBe(2);
    await page.getByLabel("Search").fill("conform");
    await expect.poll(() => rows.count(), WAIT).toBe(1);
    expect(new URL(page.url()).searchParams.get("q")).toBe("conform");
    await expect(rows.first().textContent()).resolves.toContain(NAME);
    await screenshot(page, "instances");

    // Links carry filters: the dashboard's /instances?accessMode=proxy shows only the proxy.
    await page.goto(`${server.url}/instances?accessMode=proxy`);
    await expect.poll(() => rows.count(), WAIT).toBe(1);
    await expect(rows.first().textContent()).resolves.toContain("other");
    await expect(page.getByLabel("Access mode").inputValue()).resolves.toBe("proxy");
    await page.goto(`${server.url}/instances?q=nothing-like-this`);
    await page.getByText("No instance matches these filters.").waitFor(WAIT);
  }, 240_000);

  it("opens the detail page, probes the instance and lists its tools", async () => {
    await page.goto(`${server.url}/instances?q=${NAME}`);
    await page.getByRole("link", { name: NAME, exact: true }).click();
    await page.waitForURL(`**/instances/${NAME}`);
    await expect(page.getByTestId("instance-status").first().textContent()).resolves.toBe("Ready");
    await page.getByRole("tab", { name: "Probe and tools" }).click();
    await page.getByText("Not probed yet", { exact: false }).waitFor(WAIT);
    await page.getByRole("button", { name: "Probe now" }).click();
    await waitOrExplain(page, page.getByTestId("probe-result").getByText("Healthy"));
    const tools = page.getByTestId("probe-tools");
    await expect(tools.textContent()).resolves.toContain("test_tool_with_progress");
    await expect(page.getByTestId("probe-result").textContent()).resolves.toMatch(/Total: [\d.]+ (ms|s)/);
    await screenshot(page, "instance-detail");
  }, 240_000);

  it("gives a client snippet, with a new token when asked", async () => {
    await page.getByRole("button", { name: "Connect" }).click();
    const dialog = page.getByRole("dialog");
    await dialog.getByRole("button", { name: "Cursor" }).click();
    const snippet = dialog.getByTestId("snippet-json");
    await expect.poll(() => snippet.textContent(), WAIT).toContain("<YOUR_MCPBOX_TOKEN>");
    await expect(snippet.textContent()).resolves.toContain(`/mcp/${NAME}`);
    await dialog.getByRole("button", { name: "Create a token and fill it in" }).click();
    await expect.poll(() => snippet.textContent(), WAIT).toMatch(/Bearer mcpbox_[\w-]{20,}/);
    await dialog.getByText("This token is shown only now", { exact: false }).waitFor();
    await screenshot(page, "connect-dialog");
    await dialog.getByRole("button", { name: "Close" }).click();
    const tokens = await admin.json("GET", `/tokens?instance=${NAME}`);
    expect(tokens.items.map((t: { name: string }) => t.name)).toContain(`${NAME} (cursor)`);
  }, 240_000);

  it("calls tools from the Inspector and shows progress and log notifications, then revokes its token", async () => {
    await page.getByRole("link", { name: "Inspect", exact: true }).click();
    await page.waitForURL(
      (url) => url.pathname === "/inspector" && url.searchParams.get("instance") === NAME,
    );
    // The Inspector's code loads with it: until then the detail page (with its own Connect) stays.
    await page.getByRole("heading", { name: "Inspector" }).waitFor(WAIT);
    await page.getByRole("button", { name: "Connect", exact: true }).click();
    await waitOrExplain(page, page.getByTestId("inspector-server").getByText("Connected"));
    await expect(page.getByTestId("inspector-server").textContent()).resolves.toContain(
      "mcpbox-conformance-fixture",
    );

    await page.getByRole("button", { name: "test_tool_with_progress" }).click();
    await page.getByRole("button", { name: "Run tool" }).click();
    const result = page.getByTestId("tool-result");
    await waitOrExplain(page, result.getByText("Progress tool completed", { exact: false }));
    await expect(result.textContent()).resolves.toContain("Success");
    const notifications = page.getByTestId("notifications");
    await expect.poll(() => notifications.textContent(), WAIT).toContain("100 of 100");
    await expect(notifications.textContent()).resolves.toContain("Completed step 50 of 100");
    await expect(page.getByTestId("tool-progress").textContent()).resolves.toContain("0 of 100");
    // The raw view has the request and its answer.
    const messages = page.getByTestId("messages");
    await expect(messages.textContent()).resolves.toMatch(/tools\/call #\d+/);
    await expect(messages.textContent()).resolves.toContain("notifications/progress");

    await page.getByRole("button", { name: "test_tool_with_logging" }).click();
    await page.getByRole("button", { name: "Run tool" }).click();
    await result.getByText("Tool with logging executed successfully").waitFor(WAIT);
    await expect.poll(() => notifications.textContent(), WAIT).toContain("Tool execution completed");

    // A form generated from the input schema: the required prompt of test_sampling must be filled.
    await page.getByRole("button", { name: "test_sampling" }).click();
    await page.getByRole("button", { name: "Run tool" }).click();
    await page.getByText("Required", { exact: true }).waitFor(WAIT);
    await page.getByLabel("prompt *").fill("What is two plus two?");
    await page.getByRole("button", { name: "Run tool" }).click();
    // The server's sampling request comes to the user, through the gateway, and their reply goes back.
    const sampling = page.getByRole("dialog", { name: /sampling/ });
    await waitOrExplain(page, sampling);
    await expect(sampling.textContent()).resolves.toContain("What is two plus two?");
    await screenshot(page, "inspector-sampling");
    await sampling.getByLabel("Reply").fill("four");
    await sampling.getByRole("button", { name: "Send reply" }).click();
    await result.getByText("LLM response: four").waitFor(WAIT);
    await screenshot(page, "inspector");

    // Elicitation: a form from the requested schema, accepted with the user's values.
    await page.getByRole("button", { name: "test_elicitation", exact: true }).click();
    await page.getByLabel("message *").fill("Who is testing?");
    await page.getByRole("button", { name: "Run tool" }).click();
    const elicitation = page.getByRole("dialog", { name: /elicitation/ });
    await waitOrExplain(page, elicitation);
    await expect(elicitation.textContent()).resolves.toContain("Who is testing?");
    await elicitation.getByLabel("username *").fill("e2e-user");
    await elicitation.getByLabel("email *").fill("e2e@example.com");
    await elicitation.getByRole("button", { name: "Accept and send" }).click();
    await result
      .getByText('User response: action=accept, content={"username":"e2e-user","email":"e2e@example.com"}')
      .waitFor(WAIT);

    const inspectorToken = async () =>
      (await admin.json("GET", `/tokens?instance=${NAME}`)).items.find((t: { name: string }) =>
        t.name.startsWith("Inspector:"),
      );
    expect((await inspectorToken()).revokedAt).toBeNull();
    await page.getByRole("button", { name: "Disconnect" }).click();
    await expect.poll(async () => (await inspectorToken()).revokedAt, WAIT).not.toBeNull();
  }, 240_000);

  it("shows the calls, sessions and live logs of the instance", async () => {
    await page.goto(`${server.url}/instances/${NAME}`);
    await page.getByRole("tab", { name: "Calls and sessions" }).click();
    const calls = page.getByTestId("call-row");
    await expect
      .poll(async () => (await calls.allTextContents()).join("\n"), SLOW)
      .toContain("test_tool_with_progress");
    await page.getByRole("tab", { name: "Logs" }).click();
    await page.getByText("Live", { exact: true }).waitFor(WAIT);
    await page.getByRole("button", { name: "Pause" }).click();
    await page.getByText("Paused", { exact: true }).waitFor(WAIT);
  }, 240_000);

  it("shows the instance and its calls on the dashboard; a count clicks through to the filtered list", async () => {
    const overview = await admin.json("GET", "/stats/overview");
    const calls = await admin.json("GET", "/stats/calls?range=1h");
    expect(calls.totals.calls).toBeGreaterThan(0);
    await page.goto(`${server.url}/`);
    const counts = page.getByTestId("counts");
    await waitOrExplain(page, counts);
    await expect(counts.getByRole("link", { name: /^Instances/ }).textContent()).resolves.toBe(
      `Instances${overview.instances.total}`,
    );
    // The call log is written in batches: compare with what the API says at the same moment.
    await expect
      .poll(async () => {
        const { totals } = await admin.json("GET", "/stats/calls?range=1h");
        const shown = await page.getByTestId("call-totals").textContent();
        return shown === `${totals.calls} calls, ${totals.errors} errors in this range`;
      }, WAIT)
      .toBe(true);
    await page.getByRole("button", { name: "24 h" }).click();
    await expect.poll(() => new URL(page.url()).searchParams.get("range")).toBe("24h");
    // Each chart draws its series (recharts paths), not just its axes.
    for (const chart of ["chart-calls", "chart-errors", "chart-latency"]) {
      const curve = page.getByTestId(chart).locator("path.recharts-curve").first();
      await curve.waitFor({ ...WAIT, state: "attached" }); // a flat zero line has no height: "hidden"
      await expect(curve.getAttribute("d")).resolves.toMatch(/^M[\d.]+,[\d.]+/);
    }
    await page.getByRole("cell", { name: "test_tool_with_progress" }).waitFor(WAIT);
    await screenshot(page, "dashboard");

    await counts.getByRole("link", { name: /^Hosted/ }).click();
    await page.waitForURL((url) => url.pathname === "/instances" && url.search.includes("accessMode=hosted"));
    await page.getByRole("link", { name: NAME, exact: true }).click();
    await page.waitForURL((url) => url.pathname === `/instances/${NAME}`);
  }, 240_000);

  it("edits the instance: the masked secret goes back masked and keeps its value", async () => {
    await page.getByRole("tab", { name: "Settings" }).click();
    const secret = page.getByLabel("Environment variables 1: value");
    await expect(secret.inputValue()).resolves.toBe("••••");
    await page.getByLabel("Description").fill("Edited through the console");
    await page.getByRole("button", { name: "Save" }).click();
    await page.getByRole("tab", { name: "Overview", selected: true }).waitFor(WAIT);
    await page.getByText("Edited through the console").first().waitFor(WAIT);
    const stored = await admin.json("GET", `/instances/${NAME}`);
    expect(stored.description).toBe("Edited through the console");
    expect(stored.upstream.env).toEqual({ FIXTURE_SECRET: "••••" });
    // Only the creation wrote the secret: the edit sent the mask back, which keeps the stored value.
    const writes = await admin.json("GET", "/audit?action=secret.write");
    expect(writes.total).toBe(1);
    const updates = await admin.json("GET", "/audit?action=instance.update");
    expect(updates.total).toBe(1);

    // A field emptied in the form is cleared, not kept from the stored definition.
    const saveSettings = async (cwd: string) => {
      await page.getByRole("tab", { name: "Settings" }).click();
      await page.getByLabel("Working directory").fill(cwd);
      await page.getByRole("button", { name: "Save" }).click();
      await page.getByRole("tab", { name: "Overview", selected: true }).waitFor(WAIT);
    };
    await saveSettings("/tmp");
    expect((await admin.json("GET", `/instances/${NAME}`)).upstream.cwd).toBe("/tmp");
    await saveSettings("");
    expect((await admin.json("GET", `/instances/${NAME}`)).upstream.cwd).toBeUndefined();
  }, 240_000);

  it("stops and deletes the instance, each after a confirmation", async () => {
    await page.getByRole("button", { name: "Stop" }).click();
    const dialog = page.getByRole("dialog");
    await dialog.getByText(`Stop ${NAME}?`).waitFor();
    await dialog.getByRole("button", { name: "Confirm" }).click();
    await expect.poll(() => page.getByTestId("instance-status").first().textContent(), WAIT).toBe("Stopped");
    expect((await admin.json("GET", `/instances/${NAME}`)).enabled).toBe(false);

    await page.getByRole("button", { name: "Delete", exact: true }).click();
    await dialog.getByRole("button", { name: "Cancel" }).click();
    expect((await admin.request("GET", `/instances/${NAME}`)).status).toBe(200);
    await page.getByRole("button", { name: "Delete", exact: true }).click();
    await dialog.getByText(`Delete ${NAME}? This cannot be undone.`).waitFor();
    await dialog.getByRole("button", { name: "Confirm" }).click();
    await page.waitForURL((url) => url.pathname === "/instances", WAIT);
    expect((await admin.request("GET", `/instances/${NAME}`)).status).toBe(404);
    await expect.poll(() => page.getByTestId("instance-row").count(), WAIT).toBe(1);
  }, 240_000);

  it("fits a narrow screen", async () => {
    await page.setViewportSize({ width: 390, height: 800 });
    await page.goto(`${server.url}/instances`);
    await expect.poll(() => page.getByTestId("instance-row").count(), WAIT).toBe(1);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    await screenshot(page, "instances-narrow");
  });
});
