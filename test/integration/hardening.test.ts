import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { request as httpsRequest } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import selfsigned from "selfsigned";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resolveConfig } from "../../src/config/server-config.js";
import { ADMIN_PASSWORD, startBox, type TestBox } from "../helpers/box.js";

/** TLS, security headers, CORS and the start-up warning for an exposed plain-HTTP listener. */
const dir = mkdtempSync(join(tmpdir(), "mcpbox-tls-"));
const certFile = join(dir, "cert.pem");
const keyFile = join(dir, "key.pem");
let tlsBox: TestBox;

/** An HTTPS request that trusts our self-signed test certificate. */
function httpsCall(url: string, method: string, body?: unknown) {
  return new Promise<{
    status: number;
    headers: Record<string, string | string[] | undefined>;
    body: string;
  }>((resolve, reject) => {
    const req = httpsRequest(
      url,
      { method, rejectUnauthorized: false, headers: body ? { "content-type": "application/json" } : {} },
      (res) => {
        let text = "";
        res.on("data", (chunk) => (text += chunk));
        res.on("end", () => resolve({ status: res.statusCode!, headers: res.headers, body: text }));
      },
    );
    req.on("error", reject);
    req.end(body ? JSON.stringify(body) : undefined);
  });
}

beforeAll(async () => {
  const pems = await selfsigned.generate([{ name: "commonName", value: "127.0.0.1" }], {
    keySize: 2048,
  });
  writeFileSync(certFile, pems.cert);
  writeFileSync(keyFile, pems.private);
  tlsBox = await startBox([], { tlsCert: certFile, tlsKey: keyFile });
});
afterAll(async () => {
  await tlsBox?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("TLS", () => {
  it("serves HTTPS with HSTS and Secure session cookies", async () => {
    expect(tlsBox.url).toMatch(/^https:\/\//);
    const health = await httpsCall(`${tlsBox.url}/healthz`, "GET");
    expect(health.status).toBe(200);
    expect(health.headers["strict-transport-security"]).toMatch(/max-age=31536000/);
    const login = await httpsCall(`${tlsBox.url}/api/v1/auth/login`, "POST", {
      username: "admin",
      password: ADMIN_PASSWORD,
    });
    expect(login.status).toBe(200);
    expect(String(login.headers["set-cookie"])).toMatch(/; Secure/i);
  });

  it("refuses half a TLS configuration", () => {
    expect(() => resolveConfig({ tlsCert: certFile }, {})).toThrow(/tlsCert and tlsKey go together/);
  });
});

describe("headers and CORS", () => {
  let box: TestBox;
  beforeAll(async () => {
    box = await startBox([], { corsOrigins: ["https://console.example.com"] });
  });
  afterAll(() => box?.close());

  it("sends security headers on the API and health routes, and no HSTS over plain HTTP", async () => {
    for (const path of ["/healthz", "/api/v1/auth/me"]) {
      const response = await fetch(`${box.url}${path}`);
      expect(response.headers.get("x-content-type-options"), path).toBe("nosniff");
      expect(response.headers.get("x-frame-options"), path).toBe("SAMEORIGIN");
      expect(response.headers.get("content-security-policy"), path).toMatch(/default-src 'self'/);
      expect(response.headers.get("referrer-policy"), path).toBe("no-referrer");
      expect(response.headers.get("strict-transport-security"), path).toBeNull();
    }
  });

  it("answers CORS preflights only for allowlisted origins", async () => {
    const preflight = (origin: string) =>
      fetch(`${box.url}/api/v1/instances`, {
        method: "OPTIONS",
        headers: { origin, "access-control-request-method": "POST" },
      });
    const allowed = await preflight("https://console.example.com");
    expect(allowed.headers.get("access-control-allow-origin")).toBe("https://console.example.com");
    expect(allowed.headers.get("access-control-allow-credentials")).toBe("true");
    const foreign = await preflight("https://evil.example.net");
    expect(foreign.headers.get("access-control-allow-origin")).toBeNull();
  });

  it("warns at start when listening beyond loopback without TLS", async () => {
    const lines: string[] = [];
    const exposed = await startBox(
      [],
      { host: "0.0.0.0", logLevel: "warn" },
      { logSink: (l) => lines.push(l) },
    );
    await exposed.close();
    expect(lines.some((l) => l.includes("non-loopback address without TLS"))).toBe(true);
  });
});
