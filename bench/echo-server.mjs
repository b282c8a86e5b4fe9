#!/usr/bin/env node
// The benchmark's upstream: an SDK McpServer over stdio with one `echo` tool that returns its text argument.
// Extra argv (the bench passes `--tag <run id>`) is ignored; it only marks the process for counting/cleanup.
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import { z } from "zod";

const server = new McpServer({ name: "bench-echo", version: "1.0.0" });
server.registerTool(
  "echo",
  { description: "Returns its text argument", inputSchema: { text: z.string() } },
  async ({ text }) => ({ content: [{ type: "text", text }] }),
);
await server.connect(new StdioServerTransport());
