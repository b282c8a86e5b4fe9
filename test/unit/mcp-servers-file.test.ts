import { describe, expect, it } from "vitest";
import { ConfigFileError, parseMcpServersDocument } from "../../src/config/mcp-servers-file.js";

describe("claude_desktop_config.json parsing", () => {
  it("maps command entries to hosted stdio and url entries to proxies", () => {
    const instances = parseMcpServersDocument({
      globalShortcut: "Ctrl+Space",
      mcpServers: {
        fs: { command: "npx", args: ["-y", "server-fs", "/tmp"], env: { DEBUG: "1" } },
        remote: { url: "https://example.com/mcp", type: "http", headers: { Authorization: "Bearer x" } },
        legacy: { url: "https://example.com/sse", transport: "sse" },
        shared: { command: "node", args: ["s.js"], mcpbox: { sessionPolicy: "shared", public: true } },
        handout: { url: "https://example.com/mcp", mcpbox: { accessMode: "direct" } },
      },
    });
    const byName = Object.fromEntries(instances.map((i) => [i.name, i]));
    expect(byName.fs).toMatchObject({
      accessMode: "hosted",
      sessionPolicy: "per-session",
      public: false,
      upstream: { type: "stdio", command: "npx", args: ["-y", "server-fs", "/tmp"], env: { DEBUG: "1" } },
    });
    expect(byName.remote).toMatchObject({
      accessMode: "proxy",
      upstream: {
        type: "streamable-http",
        url: "https://example.com/mcp",
        headers: { Authorization: "Bearer x" },
      },
    });
    expect(byName.legacy.upstream).toMatchObject({ type: "sse" });
    expect(byName.shared).toMatchObject({ sessionPolicy: "shared", public: true });
    expect(byName.handout.accessMode).toBe("direct");
  });

  it("names the entry and field of every bad entry, and keeps none", () => {
    let error: unknown;
    try {
      parseMcpServersDocument({
        mcpServers: {
          good: { command: "node" },
          typo: { command: "node", argz: [] },
          badmode: { command: "node", mcpbox: { accessMode: "proxy" } },
          badtimeout: { command: "node", mcpbox: { requestTimeoutSeconds: "soon" } },
          "bad name!": { command: "node" },
          nourl: { type: "sse" },
        },
      });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigFileError);
    const issues = (error as ConfigFileError).issues.join("\n");
    expect(issues).toContain("mcpServers.typo");
    expect(issues).toContain("argz");
    expect(issues).toContain("mcpServers.badmode.accessMode");
    expect(issues).toContain("mcpServers.badtimeout.mcpbox.requestTimeoutSeconds");
    expect(issues).toContain("mcpServers.bad name!.name");
    expect(issues).toContain("mcpServers.nourl.upstream.url");
    expect(issues).not.toContain("mcpServers.good");
  });

  it("refuses a document without mcpServers", () => {
    expect(() => parseMcpServersDocument({ servers: {} })).toThrow(/\(root\)\.mcpServers/);
    expect(() => parseMcpServersDocument([])).toThrow(ConfigFileError);
  });
});
