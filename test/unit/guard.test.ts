import { describe, expect, it } from "vitest";
import { checkOriginAndHost } from "../../src/gateway/guard.js";

const loopback = { allowedOrigins: [], allowedHosts: [], listenHost: "127.0.0.1" };

describe("Origin / Host validation", () => {
  it("accepts requests without Origin and with loopback Host names", () => {
    expect(checkOriginAndHost(loopback, { host: "127.0.0.1:8800" })).toBeUndefined();
    expect(checkOriginAndHost(loopback, { host: "localhost:8800" })).toBeUndefined();
    expect(checkOriginAndHost(loopback, { host: "[::1]:8800" })).toBeUndefined();
  });

  it("refuses a rebinding Host on a loopback listener", () => {
    expect(checkOriginAndHost(loopback, { host: "evil.example:8800" })).toMatch(/Host/);
  });

  it("refuses a present foreign Origin and accepts loopback and allowlisted ones", () => {
    expect(checkOriginAndHost(loopback, { host: "localhost", origin: "https://evil.example" })).toMatch(
      /Origin/,
    );
    expect(
      checkOriginAndHost(loopback, { host: "localhost", origin: "http://localhost:3000" }),
    ).toBeUndefined();
    expect(checkOriginAndHost(loopback, { host: "localhost", origin: "null" })).toMatch(/Origin/);
    const policy = { ...loopback, allowedOrigins: ["https://console.example"] };
    expect(
      checkOriginAndHost(policy, { host: "localhost", origin: "https://console.example" }),
    ).toBeUndefined();
  });

  it("accepts the console's own origin, the Host it reached, once that Host passed its own check", () => {
    const listed = { allowedOrigins: [], allowedHosts: ["mcp.example.com"], listenHost: "0.0.0.0" };
    const own = { host: "mcp.example.com", origin: "https://mcp.example.com" };
    expect(checkOriginAndHost(listed, own)).toBeUndefined();
    expect(
      checkOriginAndHost(listed, { host: "mcp.example.com:443", origin: "https://mcp.example.com" }),
    ).toBeUndefined();
    expect(
      checkOriginAndHost(listed, { host: "mcp.example.com:8800", origin: "http://mcp.example.com:8800" }),
    ).toBeUndefined();
    // Another port or scheme-default mismatch is another origin.
    expect(
      checkOriginAndHost(listed, { host: "mcp.example.com:8800", origin: "https://mcp.example.com" }),
    ).toMatch(/Origin/);
    expect(
      checkOriginAndHost(listed, { host: "mcp.example.com", origin: "https://other.example.com" }),
    ).toMatch(/Origin/);
    // A rebinding name never gets that far on a loopback listener.
    expect(
      checkOriginAndHost(loopback, { host: "evil.example:8800", origin: "http://evil.example:8800" }),
    ).toMatch(/Host/);
  });

  it("on a public listener accepts configured hosts only when a list is given", () => {
    const open = { allowedOrigins: [], allowedHosts: [], listenHost: "0.0.0.0" };
    expect(checkOriginAndHost(open, { host: "mcp.example.com" })).toBeUndefined();
    const listed = { ...open, allowedHosts: ["mcp.example.com"] };
    expect(checkOriginAndHost(listed, { host: "mcp.example.com:443" })).toBeUndefined();
    expect(checkOriginAndHost(listed, { host: "other.example.com" })).toMatch(/Host/);
    expect(checkOriginAndHost({ ...open, allowedHosts: ["*"] }, { host: "anything" })).toBeUndefined();
  });
});
