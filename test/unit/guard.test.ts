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

  it("on a public listener accepts configured hosts only when a list is given", () => {
    const open = { allowedOrigins: [], allowedHosts: [], listenHost: "0.0.0.0" };
    expect(checkOriginAndHost(open, { host: "mcp.example.com" })).toBeUndefined();
    const listed = { ...open, allowedHosts: ["mcp.example.com"] };
    expect(checkOriginAndHost(listed, { host: "mcp.example.com:443" })).toBeUndefined();
    expect(checkOriginAndHost(listed, { host: "other.example.com" })).toMatch(/Host/);
    expect(checkOriginAndHost({ ...open, allowedHosts: ["*"] }, { host: "anything" })).toBeUndefined();
  });
});
