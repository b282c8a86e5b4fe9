import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { z } from "zod";
import { canOn, type Permission } from "../auth/permissions.js";
import { ConfigFileError, entryToInstance } from "../config/mcp-servers-file.js";
import type { AuditService } from "../control/audit.js";
import { RuleError } from "../control/errors.js";
import type { InstanceService } from "../control/instances.js";
import type { InstanceProbe } from "../control/probe.js";
import { CLIENTS, exportEntry, snippetFor } from "../control/snippets.js";
import { createTokenSchema, type TokenService } from "../control/tokens.js";
import type { Upstreams } from "../upstream/upstreams.js";
import { auditSuccess } from "./authn.js";
import { sendError } from "./errors.js";
import { instanceInScope, nameParams } from "./instances.js";
import { issueToken } from "./tokens.js";

const logsQuery = z.strictObject({
  tail: z.coerce.number().int().min(0).max(500).default(200),
  follow: z.enum(["true", "false", "1", "0"]).optional(),
});
const snippetQuery = z.strictObject({ client: z.enum(CLIENTS) });
const snippetBody = z.strictObject({
  client: z.enum(CLIENTS),
  /** Mint an access token for this instance, owned by the caller, and put it in the snippet. */
  createToken: z.literal(true),
  tokenName: z.string().min(1).max(128).optional(),
  expiresInSeconds: createTokenSchema.shape.expiresInSeconds,
});
const importBody = z.looseObject({ mcpServers: z.record(z.string(), z.unknown()) });
const exportQuery = z.strictObject({ names: z.string().max(10_000).optional() });

export interface InstanceOpsDeps {
  instances: InstanceService;
  upstreams: Upstreams;
  probe: InstanceProbe;
  tokens: TokenService;
  audit: AuditService;
  closeSessions: (name: string) => Promise<void>;
  /** The public base URL of the gateway, as clients should reach it. */
  baseUrl: () => string;
}

/** Lifecycle and tooling around an instance: start/stop/restart, probe, tools, logs, snippets, import/export. */
export function instanceOpsRoutes(deps: InstanceOpsDeps) {
  const load = (request: FastifyRequest, permission: Permission) =>
    instanceInScope(deps.instances, request, permission);
  const target = (name: string) => ({ type: "instance", id: name });

  return async (app: FastifyInstance) => {
    for (const [action, summary] of [
      ["start", "Start an instance: it accepts sessions again"],
      ["stop", "Stop an instance: end its sessions and processes, refuse new ones"],
      ["restart", "Restart an instance: end its sessions and processes; the next session starts fresh"],
    ] as const) {
      app.post(
        `/instances/:name/${action}`,
        { config: { access: "instance:operate", params: nameParams, summary } },
        async (request) => {
          const instance = load(request, "instance:operate");
          if (action === "restart") await deps.instances.restart(instance.name, deps.closeSessions);
          else await deps.instances.setEnabled(instance.name, action === "start", deps.closeSessions);
          const current = deps.instances.get(instance.name)!;
          // A container is started now rather than at the first session, so its status shows at once.
          if (action !== "stop" && current.runtime.environment !== "process") {
            await deps.upstreams.startContainer(current).catch(() => {});
          }
          deps.probe.forget(instance.name);
          await auditSuccess(deps.audit, request, `instance.${action}`, target(instance.name));
          return { name: instance.name, enabled: deps.instances.get(instance.name)!.enabled };
        },
      );
    }

    app.post(
      "/instances/:name/probe",
      {
        config: {
          access: "instance:operate",
          params: nameParams,
          summary: "Probe at the MCP level: initialize and list, timed",
        },
      },
      async (request) => deps.probe.probe(load(request, "instance:operate")),
    );

    app.get(
      "/instances/:name/tools",
      {
        config: {
          access: "instance:read",
          params: nameParams,
          summary: "Tools, resources and prompts from the last probe",
        },
      },
      async (request) => {
        const instance = load(request, "instance:read");
        return (
          deps.probe.last(instance.name) ?? {
            ok: false,
            error: "not probed yet",
            tools: [],
            resources: [],
            prompts: [],
          }
        );
      },
    );

    app.get(
      "/instances/:name/logs",
      {
        config: {
          access: "instance:read",
          params: nameParams,
          query: logsQuery,
          summary: "stderr of the instance's processes; follow=true streams new lines (SSE)",
        },
      },
      async (request, reply) => {
        const instance = load(request, "instance:read");
        const { tail, follow } = logsQuery.parse(request.query);
        if (instance.runtime.environment !== "process") {
          const lines = await deps.upstreams.containerLogs(instance, tail);
          return { lines: lines.map((line) => ({ at: null, line })) };
        }
        const buffer = deps.upstreams.logs(instance);
        const recent = (buffer?.entries() ?? []).slice(tail === 0 ? Number.MAX_SAFE_INTEGER : -tail);
        const lines = recent.map((e) => ({ at: new Date(e.at).toISOString(), line: e.line }));
        if (follow !== "true" && follow !== "1") return { lines };
        return streamLogs(reply, lines, buffer);
      },
    );

    app.get(
      "/instances/:name/snippet",
      {
        config: {
          access: "instance:read",
          params: nameParams,
          query: snippetQuery,
          summary: "Client configuration snippet (token placeholder)",
        },
      },
      async (request) => {
        const instance = load(request, "instance:read");
        const { client } = snippetQuery.parse(request.query);
        return snippetFor(client, instance, deps.baseUrl(), undefined);
      },
    );

    app.post(
      "/instances/:name/snippet",
      {
        config: {
          access: ["instance:read", "token:write"],
          params: nameParams,
          body: snippetBody,
          summary: "Client snippet with a new access token for this instance",
        },
      },
      async (request, reply) => {
        const instance = load(request, "instance:read");
        const body = snippetBody.parse(request.body);
        const created = await issueToken(
          deps,
          request,
          createTokenSchema.parse({
            name: body.tokenName ?? `${instance.name} (${body.client})`,
            instances: [instance.name],
            expiresInSeconds: body.expiresInSeconds,
          }),
          "snippet",
        );
        return reply.code(201).send({
          ...snippetFor(body.client, instance, deps.baseUrl(), created.secret),
          tokenId: created.token.id,
        });
      },
    );

    app.post(
      "/instances/import",
      {
        config: {
          access: "instance:write",
          body: importBody,
          summary: "Create instances from an mcpServers JSON document",
        },
      },
      async (request, reply) => {
        const { mcpServers } = importBody.parse(request.body);
        const principal = request.principal!;
        const results: { name: string; status: "created" | "exists" | "invalid"; error?: string }[] = [];
        for (const [name, entry] of Object.entries(mcpServers)) {
          try {
            const instance = entryToInstance(name, entry);
            if (deps.instances.get(instance.name)) {
              results.push({ name, status: "exists" });
              continue;
            }
            await deps.instances.create(instance, "import", {
              ownerId: principal.userId,
              departmentId: principal.departmentId,
            });
            results.push({ name, status: "created" });
          } catch (error) {
            const message =
              error instanceof ConfigFileError ? error.issues.join("; ") : (error as Error).message;
            results.push({ name, status: "invalid", error: message });
          }
        }
        await auditSuccess(deps.audit, request, "instance.import", undefined, {
          created: results.filter((r) => r.status === "created").map((r) => r.name),
        });
        const created = results.some((r) => r.status === "created");
        if (!created && results.some((r) => r.status === "invalid")) {
          return sendError(reply, 400, "import_failed", "no instance was created", results);
        }
        const status = created ? 201 : 200;
        return reply.code(status).send({ results });
      },
    );

    app.get(
      "/instances/export",
      {
        config: {
          access: "instance:read",
          query: exportQuery,
          summary: "The instances in your scope as an mcpServers document, without secrets",
        },
      },
      async (request) => {
        const { names } = exportQuery.parse(request.query);
        const wanted = names ? new Set(names.split(",").map((n) => n.trim())) : undefined;
        const entries = deps.instances
          .list()
          .filter(
            (i) =>
              (!wanted || wanted.has(i.name)) &&
              canOn(request.principal!, "instance:read", deps.instances.ownership(i.name)),
          )
          .map((i) => [i.name, exportEntry(i)] as const);
        if (wanted && entries.length !== wanted.size) {
          const found = new Set(entries.map(([n]) => n));
          throw new RuleError(
            `unknown instance(s): ${[...wanted].filter((n) => !found.has(n)).join(", ")}`,
            "unknown_instance",
          );
        }
        return { mcpServers: Object.fromEntries(entries) };
      },
    );
  };
}

/** Server-sent events: the recent lines, then each new one, a comment every 15 s to keep proxies open. */
function streamLogs(
  reply: FastifyReply,
  lines: { at: string; line: string }[],
  buffer: ReturnType<Upstreams["logs"]>,
) {
  reply.hijack();
  const res = reply.raw;
  res.writeHead(200, {
    "content-type": "text/event-stream",
    "cache-control": "no-cache, no-transform",
    "x-accel-buffering": "no",
  });
  res.flushHeaders();
  const send = (entry: { at: string; line: string }) =>
    res.write(`event: log\ndata: ${JSON.stringify(entry)}\n\n`);
  for (const entry of lines) send(entry);
  const unsubscribe = buffer?.subscribe((e) => send({ at: new Date(e.at).toISOString(), line: e.line }));
  const keepAlive = setInterval(() => res.write(": keep-alive\n\n"), 15_000);
  keepAlive.unref();
  res.on("close", () => {
    clearInterval(keepAlive);
    unsubscribe?.();
  });
}
