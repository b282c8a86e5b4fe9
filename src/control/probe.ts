import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import type { Upstreams } from "../upstream/upstreams.js";
import type { Instance } from "./instance-model.js";

export interface ProbeResult {
  ok: boolean;
  at: string;
  /** Milliseconds: initialize, then each list call. */
  timings: {
    initializeMs?: number;
    toolsMs?: number;
    resourcesMs?: number;
    promptsMs?: number;
    totalMs: number;
  };
  server?: { name: string; version: string; protocolVersion?: string };
  capabilities?: Record<string, unknown>;
  tools: { name: string; title?: string; description?: string; inputSchema?: unknown }[];
  resources: { uri: string; name: string; mimeType?: string }[];
  prompts: { name: string; description?: string }[];
  error?: string;
}

const elapsed = (from: number) => Math.round((performance.now() - from) * 10) / 10;

/**
 * An MCP-level health check, not a TCP ping: connects with the official SDK client through the same
 * upstream path the gateway uses, initializes, lists tools (and resources and prompts when offered), times
 * each step, and keeps the last result per instance as its tool list cache.
 */
export class InstanceProbe {
  private readonly cache = new Map<string, ProbeResult>();

  constructor(private readonly upstreams: Upstreams) {}

  last(name: string): ProbeResult | undefined {
    return this.cache.get(name);
  }

  forget(name: string): void {
    this.cache.delete(name);
  }

  async probe(instance: Instance): Promise<ProbeResult> {
    const started = performance.now();
    const result: ProbeResult = {
      ok: false,
      at: new Date().toISOString(),
      timings: { totalMs: 0 },
      tools: [],
      resources: [],
      prompts: [],
    };
    if (instance.accessMode === "direct" && instance.upstream.type === "stdio") {
      result.error =
        "a direct stdio instance runs on its users' machines; MCPBox does not run it to probe it";
      return result;
    }
    const client = new Client({ name: "mcpbox-probe", version: "1.0.0" });
    const timeout = instance.connectTimeoutSeconds * 1000;
    try {
      let step = performance.now();
      await client.connect(this.upstreams.open(instance), { timeout });
      result.timings.initializeMs = elapsed(step);
      const version = client.getServerVersion();
      result.server = version && { name: version.name, version: version.version };
      const capabilities = client.getServerCapabilities() ?? {};
      result.capabilities = capabilities as Record<string, unknown>;
      if (capabilities.tools) {
        step = performance.now();
        const { tools } = await client.listTools(undefined, { timeout });
        result.timings.toolsMs = elapsed(step);
        result.tools = tools.map((t) => ({
          name: t.name,
          title: t.title,
          description: t.description,
          inputSchema: t.inputSchema,
        }));
      }
      if (capabilities.resources) {
        step = performance.now();
        const { resources } = await client.listResources(undefined, { timeout });
        result.timings.resourcesMs = elapsed(step);
        result.resources = resources.map((r) => ({ uri: r.uri, name: r.name, mimeType: r.mimeType }));
      }
      if (capabilities.prompts) {
        step = performance.now();
        const { prompts } = await client.listPrompts(undefined, { timeout });
        result.timings.promptsMs = elapsed(step);
        result.prompts = prompts.map((p) => ({ name: p.name, description: p.description }));
      }
      result.ok = true;
    } catch (error) {
      result.error = error instanceof Error ? error.message : String(error);
    } finally {
      await client.close().catch(() => {});
      result.timings.totalMs = elapsed(started);
    }
    this.cache.set(instance.name, result);
    return result;
  }
}
