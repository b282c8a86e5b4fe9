import { randomUUID } from "node:crypto";
import { SSEServerTransport } from "@modelcontextprotocol/sdk/server/sse.js";
import { isInitializeRequest } from "@modelcontextprotocol/sdk/types.js";
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { bearerFrom, grantCovers, type TokenGrant } from "../auth/access-tokens.js";
import type { Instance } from "../control/instance-model.js";
import type { Metrics } from "../observability/metrics.js";
import { UpstreamRefusedError } from "../upstream/hosted-stdio.js";
import type { Upstreams } from "../upstream/upstreams.js";
import { checkOriginAndHost, type OriginPolicy } from "./guard.js";
import { type CallRecord, Relay } from "./relay.js";
import { type GatewaySession, SessionRegistry } from "./sessions.js";
import { StreamableHttpServerTransport } from "./streamable-http.js";

export interface GatewayDeps {
  instances: { get(name: string): Instance | undefined };
  tokens: { verify(secret: string): TokenGrant | undefined; recordUse(id: string): void };
  upstreams: Upstreams;
  metrics: Metrics;
  originPolicy: OriginPolicy;
  onCall?: (call: CallRecord & { instance: string; tokenId?: string; sessionId: string }) => void;
  /** A request refused for its credentials (for the audit log). */
  onDenied?: (event: {
    reason: "unauthenticated" | "forbidden";
    instance: string;
    ip: string;
    tokenId?: string;
  }) => void;
  /** Bridge mode: serve this one instance at /mcp, /sse and /messages. */
  single?: string;
}

interface Resolved {
  instance: Instance;
  grant: TokenGrant | undefined;
}

declare module "fastify" {
  interface FastifyRequest {
    mcp?: Resolved;
  }
}

/** JSON-RPC error codes for HTTP-level refusals (no request id is known yet). */
const RpcCode = { InvalidRequest: -32600, ParseError: -32700, Refused: -32001 } as const;

export function rpcError(reply: FastifyReply, status: number, code: number, message: string, headers = {}) {
  return reply.code(status).headers(headers).send({ jsonrpc: "2.0", id: null, error: { code, message } });
}

/** JSON-RPC answers for body errors on the gateway, which MCP clients understand better than HTTP text. */
function gatewayErrorHandler(error: FastifyError, _request: FastifyRequest, reply: FastifyReply) {
  switch (error.code) {
    case "FST_ERR_CTP_BODY_TOO_LARGE":
      return rpcError(reply, 413, -32600, "Request body too large");
    case "FST_ERR_CTP_INVALID_MEDIA_TYPE":
      return rpcError(reply, 415, -32600, "Unsupported Media Type: Content-Type must be application/json");
    case "FST_ERR_CTP_INVALID_JSON_BODY":
    case "FST_ERR_CTP_EMPTY_JSON_BODY":
      return rpcError(reply, 400, -32700, "Parse error: body is not valid JSON");
  }
  if (error.statusCode && error.statusCode < 500)
    return rpcError(reply, error.statusCode, -32600, error.message);
  reply.log.error({ err: error }, "gateway error");
  return rpcError(reply, 500, -32603, "Internal error");
}

function isJsonContent(request: FastifyRequest): boolean {
  return /^application\/json\b/i.test(request.headers["content-type"] ?? "");
}

/** At the process cap, a session idle this long may be ended to make room for a new one. */
const EVICTABLE_AFTER_MS = 30_000;

const BATCH_VERSIONS = new Set(["2025-03-26", "2024-11-05"]);

export function gatewayRoutes(deps: GatewayDeps) {
  const sessions = new SessionRegistry((session, delta) => {
    deps.metrics.sessions.inc({ instance: session.instance, transport: session.transport }, delta);
  });
  sessions.startReaper();
  const base = deps.single ? "" : "/mcp/:name";
  const nameOf = (request: FastifyRequest) => deps.single ?? (request.params as { name: string }).name;

  async function resolve(request: FastifyRequest, reply: FastifyReply) {
    const refusal = checkOriginAndHost(deps.originPolicy, request.headers);
    if (refusal) {
      deps.metrics.rejected.inc({ reason: "origin" });
      return rpcError(reply, 403, RpcCode.Refused, `Forbidden: ${refusal}`);
    }
    const name = nameOf(request);
    const instance = deps.instances.get(name);
    if (!instance) return rpcError(reply, 404, RpcCode.Refused, `No MCP instance named "${name}"`);
    if (instance.accessMode === "direct") {
      return rpcError(
        reply,
        404,
        RpcCode.Refused,
        `Instance "${name}" is direct: MCPBox does not proxy it; connect to its upstream as configured`,
      );
    }
    if (!instance.enabled) {
      return rpcError(reply, 503, RpcCode.Refused, `Instance "${name}" is stopped`);
    }
    let grant: TokenGrant | undefined;
    if (!instance.public) {
      const secret = bearerFrom(request.headers.authorization);
      grant = secret ? deps.tokens.verify(secret) : undefined;
      if (!grant) {
        deps.metrics.rejected.inc({ reason: "unauthenticated" });
        deps.onDenied?.({ reason: "unauthenticated", instance: name, ip: request.ip });
        const error = secret ? ', error="invalid_token"' : "";
        return rpcError(reply, 401, RpcCode.Refused, "Unauthorized: a valid bearer token is required", {
          "www-authenticate": `Bearer realm="mcpbox"${error}`,
        });
      }
      if (!grantCovers(grant, name)) {
        deps.metrics.rejected.inc({ reason: "forbidden" });
        deps.onDenied?.({ reason: "forbidden", instance: name, ip: request.ip, tokenId: grant.id });
        return rpcError(
          reply,
          403,
          RpcCode.Refused,
          `Forbidden: this token does not grant access to "${name}"`,
        );
      }
      deps.tokens.recordUse(grant.id);
    }
    request.mcp = { instance, grant };
  }

  /** The session a request names, if it belongs to this instance and the same token. */
  function sessionFor(request: FastifyRequest, id: string | undefined): GatewaySession | undefined {
    if (!id) return undefined;
    const session = sessions.get(id);
    const { instance, grant } = request.mcp!;
    if (!session || session.instance !== instance.name || session.tokenId !== grant?.id) return undefined;
    session.lastActivity = Date.now();
    return session;
  }

  async function newRelay(
    request: FastifyRequest,
    downstream: ConstructorParameters<typeof Relay>[0],
    id: () => string,
  ) {
    const { instance, grant } = request.mcp!;
    if (deps.upstreams.isFull(instance)) {
      await sessions.evictIdlest(instance.name, Date.now(), EVICTABLE_AFTER_MS);
    }
    const upstream = deps.upstreams.open(instance);
    return new Relay(downstream, upstream, {
      requestTimeoutMs: instance.requestTimeoutSeconds * 1000,
      connectTimeoutMs: instance.connectTimeoutSeconds * 1000,
      onCall: (call) => {
        deps.metrics.calls.inc({ instance: instance.name, method: call.method, outcome: call.outcome });
        deps.metrics.callDuration.observe(
          { instance: instance.name, method: call.method },
          call.durationMs / 1000,
        );
        deps.onCall?.({ ...call, instance: instance.name, tokenId: grant?.id, sessionId: id() });
      },
      onClose: () => sessions.remove(id()),
    });
  }

  function upstreamFailure(reply: FastifyReply, error: unknown) {
    const message = error instanceof Error ? error.message : String(error);
    if (error instanceof UpstreamRefusedError) {
      return rpcError(reply, 503, -32000, `Instance unavailable: ${message}`);
    }
    return rpcError(reply, 502, -32000, `Upstream unavailable: ${message}`);
  }

  async function register(app: FastifyInstance) {
    app.setErrorHandler(gatewayErrorHandler);
    app.addHook("onClose", () => sessions.closeAll());

    app.post(`${base}${deps.single ? "/mcp" : ""}`, { preHandler: resolve }, async (request, reply) => {
      if (!isJsonContent(request)) {
        return rpcError(
          reply,
          415,
          RpcCode.InvalidRequest,
          "Unsupported Media Type: Content-Type must be application/json",
        );
      }
      const body = request.body;
      const header = request.headers["mcp-session-id"];
      const sessionId = typeof header === "string" ? header : undefined;
      if (typeof body !== "object" || body === null) {
        return rpcError(
          reply,
          400,
          RpcCode.InvalidRequest,
          "Invalid Request: body must be a JSON-RPC message",
        );
      }
      if (Array.isArray(body)) {
        const version = request.headers["mcp-protocol-version"] ?? "2025-03-26";
        if (!BATCH_VERSIONS.has(String(version)) || body.some((m) => isInitializeRequest(m))) {
          return rpcError(
            reply,
            400,
            RpcCode.InvalidRequest,
            `Invalid Request: batches are not allowed here`,
          );
        }
      }
      if (sessionId !== undefined) {
        const session = sessionFor(request, sessionId);
        if (!session) return rpcError(reply, 404, RpcCode.Refused, "Session not found");
        reply.hijack();
        return session.handle(request.raw, reply.raw, body);
      }
      if (!isInitializeRequest(body)) {
        return rpcError(reply, 400, RpcCode.InvalidRequest, "Bad Request: Mcp-Session-Id header is required");
      }
      let relay: Relay;
      const transport = new StreamableHttpServerTransport({
        sessionIdGenerator: () => randomUUID(),
        onsessioninitialized: (id) => {
          sessions.add({
            id,
            instance: request.mcp!.instance.name,
            tokenId: request.mcp!.grant?.id,
            transport: "streamable-http",
            relay,
            idleTimeoutMs: request.mcp!.instance.idleTimeoutSeconds * 1000,
            startedAt: Date.now(),
            lastActivity: Date.now(),
            handle: (req, res, parsed) => transport.handleRequest(req, res, parsed),
          });
        },
        onsessionclosed: () => void relay.close(),
      });
      try {
        relay = await newRelay(request, transport, () => transport.sessionId ?? "");
        await relay.start();
      } catch (error) {
        await transport.close().catch(() => {});
        return upstreamFailure(reply, error);
      }
      reply.hijack();
      await transport.handleRequest(request.raw, reply.raw, body);
    });

    const sessionRequest = async (request: FastifyRequest, reply: FastifyReply) => {
      const header = request.headers["mcp-session-id"];
      if (typeof header !== "string") {
        return rpcError(reply, 400, RpcCode.InvalidRequest, "Bad Request: Mcp-Session-Id header is required");
      }
      const session = sessionFor(request, header);
      if (session?.transport !== "streamable-http") {
        return rpcError(reply, 404, RpcCode.Refused, "Session not found");
      }
      reply.hijack();
      await session.handle(request.raw, reply.raw);
    };
    app.get(`${base}${deps.single ? "/mcp" : ""}`, { preHandler: resolve }, sessionRequest);
    app.delete(`${base}${deps.single ? "/mcp" : ""}`, { preHandler: resolve }, sessionRequest);

    app.get(`${base}/sse`, { preHandler: resolve }, async (request, reply) => {
      const endpoint = deps.single
        ? "/messages"
        : `/mcp/${encodeURIComponent(request.mcp!.instance.name)}/messages`;
      reply.hijack();
      const transport = new SSEServerTransport(endpoint, reply.raw);
      let relay: Relay;
      try {
        relay = await newRelay(request, transport, () => transport.sessionId);
        sessions.add({
          id: transport.sessionId,
          instance: request.mcp!.instance.name,
          tokenId: request.mcp!.grant?.id,
          transport: "sse",
          relay,
          idleTimeoutMs: request.mcp!.instance.idleTimeoutSeconds * 1000,
          startedAt: Date.now(),
          lastActivity: Date.now(),
          handle: (req, res, parsed) => transport.handlePostMessage(req, res, parsed),
        });
        await relay.start();
      } catch (error) {
        sessions.remove(transport.sessionId);
        reply.raw.writeHead(error instanceof UpstreamRefusedError ? 503 : 502, {
          "content-type": "application/json",
        });
        reply.raw.end(
          JSON.stringify({
            jsonrpc: "2.0",
            id: null,
            error: { code: -32000, message: `Upstream unavailable: ${(error as Error).message}` },
          }),
        );
      }
    });

    app.post(`${base}/messages`, { preHandler: resolve }, async (request, reply) => {
      if (!isJsonContent(request)) {
        return rpcError(
          reply,
          415,
          RpcCode.InvalidRequest,
          "Unsupported Media Type: Content-Type must be application/json",
        );
      }
      const id = (request.query as { sessionId?: string }).sessionId;
      if (!id)
        return rpcError(
          reply,
          400,
          RpcCode.InvalidRequest,
          "Bad Request: sessionId query parameter is required",
        );
      const session = sessionFor(request, id);
      if (session?.transport !== "sse") return rpcError(reply, 404, RpcCode.Refused, "Session not found");
      if (Array.isArray(request.body)) {
        return rpcError(reply, 400, RpcCode.InvalidRequest, "Invalid Request: batches are not allowed here");
      }
      reply.hijack();
      await session.handle(request.raw, reply.raw, request.body);
    });
  }

  return { register, sessions };
}
