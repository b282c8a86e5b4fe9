import type { IncomingMessage, ServerResponse } from "node:http";
import type { Transport, TransportSendOptions } from "@modelcontextprotocol/sdk/shared/transport.js";
import {
  DEFAULT_NEGOTIATED_PROTOCOL_VERSION,
  type InitializeRequest,
  isInitializeRequest,
  type JSONRPCMessage,
  type RequestId,
  SUPPORTED_PROTOCOL_VERSIONS,
} from "@modelcontextprotocol/sdk/types.js";
import { isRequest, isResponse, parseMessage } from "../protocol/message-kind.js";
import { BoundedEventStore } from "./event-store.js";

/** The SDK's batch limit. */
const MAX_BATCH_SIZE = 100;
const STANDALONE = "_GET_stream";
const SSE_HEADERS = {
  "content-type": "text/event-stream",
  "cache-control": "no-cache, no-transform",
  connection: "keep-alive",
  "x-accel-buffering": "no",
};

/** The response to one POST that carried requests, or the standalone GET stream. */
interface Stream {
  id: string;
  res?: ServerResponse;
  requestIds: RequestId[];
  batch: boolean;
  protocolVersion: string;
  /** Headers sent as text/event-stream. Until then the reply may still become a plain JSON response. */
  open: boolean;
  /** Responses that arrived before the stream was opened (batches wait for all of them). */
  held: JSONRPCMessage[];
  responses: Map<RequestId, JSONRPCMessage>;
  /** A priming event was sent: the client holds an id to resume from. */
  resumable: boolean;
  openTimer?: NodeJS.Timeout;
  keepAlive?: NodeJS.Timeout;
}

export interface StreamableHttpOptions {
  sessionIdGenerator: () => string;
  onsessioninitialized?: (sessionId: string) => void;
  onsessionclosed?: (sessionId: string) => void;
  /** A reply with no message yet after this long opens its SSE stream (priming event, keep-alive). */
  openStreamAfterMs?: number;
  keepAliveMs?: number;
  eventStore?: BoundedEventStore;
}

/** Returns undefined so that handlers can `return jsonError(...)`. */
function jsonError(res: ServerResponse, status: number, code: number, message: string): undefined {
  const json = JSON.stringify({ jsonrpc: "2.0", error: { code, message }, id: null });
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(json) });
  res.end(json);
}

/**
 * Server side of MCP Streamable HTTP (2025-11-25) on node:http, one instance per session. Same rules as the
 * SDK's transport, written for the gateway's hot path: a POST's reply is held until its first message, so a
 * call answered without notifications gets a plain JSON response (no stream, no priming event), and anything
 * else — notifications, server→client requests, or a slow call — gets an SSE stream with resumable events.
 */
export class StreamableHttpServerTransport implements Transport {
  sessionId?: string;
  onmessage?: (message: JSONRPCMessage) => void;
  onclose?: () => void;
  onerror?: (error: Error) => void;

  private readonly streams = new Map<string, Stream>();
  private readonly requestStream = new Map<RequestId, Stream>();
  private readonly events: BoundedEventStore;
  private nextStream = 0;
  private closed = false;

  constructor(private readonly options: StreamableHttpOptions) {
    this.events = options.eventStore ?? new BoundedEventStore();
  }

  async start(): Promise<void> {}

  async handleRequest(req: IncomingMessage, res: ServerResponse, body?: unknown): Promise<void> {
    if (this.closed) return jsonError(res, 404, -32001, "Session not found");
    if (req.method === "POST") return this.handlePost(req, res, body);
    if (req.method === "GET") return this.handleGet(req, res);
    if (req.method === "DELETE") return this.handleDelete(req, res);
    res.writeHead(405, { allow: "GET, POST, DELETE", "content-type": "application/json" });
    res.end(
      JSON.stringify({ jsonrpc: "2.0", error: { code: -32000, message: "Method not allowed." }, id: null }),
    );
  }

  private handlePost(req: IncomingMessage, res: ServerResponse, body: unknown): undefined {
    const accept = req.headers.accept ?? "";
    if (!accept.includes("application/json") || !accept.includes("text/event-stream")) {
      return jsonError(
        res,
        406,
        -32000,
        "Not Acceptable: Client must accept both application/json and text/event-stream",
      );
    }
    if (Array.isArray(body) && body.length > MAX_BATCH_SIZE) {
      return jsonError(res, 400, -32600, `Invalid Request: Batch must not exceed ${MAX_BATCH_SIZE} messages`);
    }
    const parsed = (Array.isArray(body) ? body : [body]).map(parseMessage);
    if (parsed.length === 0 || parsed.includes(undefined)) {
      return jsonError(res, 400, -32700, "Parse error: Invalid JSON-RPC message");
    }
    const messages = parsed as JSONRPCMessage[];
    const init = messages.find((m) => "method" in m && m.method === "initialize" && isInitializeRequest(m));
    if (init) {
      if (this.sessionId !== undefined) {
        return jsonError(res, 400, -32600, "Invalid Request: Server already initialized");
      }
      if (messages.length > 1) {
        return jsonError(res, 400, -32600, "Invalid Request: Only one initialization request is allowed");
      }
      this.sessionId = this.options.sessionIdGenerator();
      this.options.onsessioninitialized?.(this.sessionId);
    } else if (!this.validSession(req, res) || !this.validProtocolVersion(req, res)) {
      return;
    }

    const requests = messages.filter(isRequest);
    if (requests.length === 0) {
      for (const message of messages) this.onmessage?.(message);
      res.writeHead(202, { "content-length": 0 }).end();
      return;
    }
    const stream: Stream = {
      id: String(++this.nextStream),
      res,
      requestIds: requests.map((r) => r.id),
      batch: Array.isArray(body),
      protocolVersion: init
        ? (init as unknown as InitializeRequest).params.protocolVersion
        : String(req.headers["mcp-protocol-version"] ?? DEFAULT_NEGOTIATED_PROTOCOL_VERSION),
      open: false,
      held: [],
      responses: new Map(),
      resumable: false,
    };
    this.streams.set(stream.id, stream);
    for (const id of stream.requestIds) this.requestStream.set(id, stream);
    res.on("close", () => this.detach(stream, res));
    stream.openTimer = setTimeout(() => this.openStream(stream), this.options.openStreamAfterMs ?? 1000);
    for (const message of messages) this.onmessage?.(message);
  }

  private handleGet(req: IncomingMessage, res: ServerResponse): undefined {
    if (!(req.headers.accept ?? "").includes("text/event-stream")) {
      return jsonError(res, 406, -32000, "Not Acceptable: Client must accept text/event-stream");
    }
    if (!this.validSession(req, res) || !this.validProtocolVersion(req, res)) return;
    const lastEventId = req.headers["last-event-id"];
    if (typeof lastEventId === "string" && lastEventId) return this.replay(lastEventId, res);
    if (this.streams.get(STANDALONE)?.res) {
      return jsonError(res, 409, -32000, "Conflict: Only one SSE stream is allowed per session");
    }
    const stream: Stream = {
      id: STANDALONE,
      res,
      requestIds: [],
      batch: false,
      protocolVersion: DEFAULT_NEGOTIATED_PROTOCOL_VERSION,
      open: false,
      held: [],
      responses: new Map(),
      resumable: true,
    };
    this.streams.set(STANDALONE, stream);
    res.on("close", () => this.detach(stream, res));
    this.openStream(stream);
  }

  /** Resumes a stream after Last-Event-ID on a new GET: the missed events, then whatever still comes. */
  private replay(lastEventId: string, res: ServerResponse): undefined {
    const streamId = this.events.streamOf(lastEventId);
    if (streamId === undefined) return jsonError(res, 400, -32000, "Invalid event ID format");
    const live = this.streams.get(streamId);
    if (live?.res) {
      return jsonError(res, 409, -32000, "Conflict: Stream already has an active connection");
    }
    res.writeHead(200, this.sseHeaders()).flushHeaders();
    for (const event of this.events.after(lastEventId)) res.write(sseEvent(event.message, event.id));
    if (!live) {
      res.end(); // that stream already delivered all its responses
      return;
    }
    live.res = res;
    live.open = true;
    res.on("close", () => this.detach(live, res));
    this.startKeepAlive(live);
  }

  private async handleDelete(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (!this.validSession(req, res) || !this.validProtocolVersion(req, res)) return;
    this.options.onsessionclosed?.(this.sessionId!);
    res.writeHead(200).end();
    await this.close();
  }

  private validSession(req: IncomingMessage, res: ServerResponse): boolean {
    if (this.sessionId === undefined) {
      jsonError(res, 400, -32000, "Bad Request: Server not initialized");
      return false;
    }
    const header = req.headers["mcp-session-id"];
    if (!header) {
      jsonError(res, 400, -32000, "Bad Request: Mcp-Session-Id header is required");
      return false;
    }
    if (header !== this.sessionId) {
      jsonError(res, 404, -32001, "Session not found");
      return false;
    }
    return true;
  }

  private validProtocolVersion(req: IncomingMessage, res: ServerResponse): boolean {
    const version = req.headers["mcp-protocol-version"];
    if (version === undefined || SUPPORTED_PROTOCOL_VERSIONS.includes(String(version))) return true;
    jsonError(
      res,
      400,
      -32000,
      `Bad Request: Unsupported protocol version: ${version} (supported versions: ${SUPPORTED_PROTOCOL_VERSIONS.join(", ")})`,
    );
    return false;
  }

  async send(message: JSONRPCMessage, options?: TransportSendOptions): Promise<void> {
    const response = isResponse(message);
    const requestId = response ? (message as { id: RequestId }).id : options?.relatedRequestId;
    if (requestId === undefined) {
      if (response) throw new Error("Cannot send a response on the standalone SSE stream");
      const eventId = this.events.store(STANDALONE, message);
      this.streams.get(STANDALONE)?.res?.write(sseEvent(message, eventId));
      return;
    }
    const stream = this.requestStream.get(requestId);
    if (!stream) throw new Error(`No connection established for request ID: ${String(requestId)}`);
    if (!response) {
      if (!stream.res && !stream.resumable) {
        throw new Error(`The client closed the connection of request ID: ${String(requestId)}`);
      }
      this.openStream(stream);
      this.write(stream, message);
      return;
    }
    stream.responses.set(requestId, message);
    const complete = stream.responses.size === stream.requestIds.length;
    if (!stream.open) {
      stream.held.push(message);
      if (complete) this.finish(stream);
      return;
    }
    this.write(stream, message);
    if (complete) this.finish(stream);
  }

  /** All responses of a stream are in: reply with JSON if nothing was streamed yet, else end the stream. */
  private finish(stream: Stream): void {
    clearTimeout(stream.openTimer);
    clearInterval(stream.keepAlive);
    this.streams.delete(stream.id);
    for (const id of stream.requestIds) this.requestStream.delete(id);
    const res = stream.res;
    stream.res = undefined;
    if (!res) return;
    if (stream.open) {
      res.end();
      return;
    }
    const ordered = stream.requestIds.map((id) => stream.responses.get(id));
    const json = JSON.stringify(stream.batch ? ordered : ordered[0]);
    res.writeHead(200, {
      "content-type": "application/json",
      "content-length": Buffer.byteLength(json),
      "mcp-session-id": this.sessionId!,
    });
    res.end(json);
  }

  private openStream(stream: Stream): void {
    if (stream.open) return;
    stream.open = true;
    clearTimeout(stream.openTimer);
    if (!stream.res) return;
    stream.res.writeHead(200, this.sseHeaders()).flushHeaders();
    if (stream.id !== STANDALONE && stream.protocolVersion >= "2025-11-25") {
      stream.res.write(`id: ${this.events.store(stream.id)}\ndata: \n\n`);
      stream.resumable = true;
    }
    for (const message of stream.held.splice(0)) this.write(stream, message);
    this.startKeepAlive(stream);
  }

  private write(stream: Stream, message: JSONRPCMessage): void {
    const eventId = stream.resumable ? this.events.store(stream.id, message) : undefined;
    stream.res?.write(sseEvent(message, eventId));
  }

  private startKeepAlive(stream: Stream): void {
    const every = this.options.keepAliveMs ?? 15_000;
    stream.keepAlive = setInterval(() => stream.res?.write(": keepalive\n\n"), every);
    stream.keepAlive.unref();
  }

  /** The client went away: later events are kept for a resume when the stream was primed. */
  private detach(stream: Stream, res: ServerResponse): void {
    if (stream.res !== res) return;
    stream.res = undefined;
    clearInterval(stream.keepAlive);
    if (stream.id === STANDALONE) this.streams.delete(STANDALONE);
  }

  private sseHeaders(): Record<string, string> {
    return this.sessionId ? { ...SSE_HEADERS, "mcp-session-id": this.sessionId } : SSE_HEADERS;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const stream of this.streams.values()) {
      clearTimeout(stream.openTimer);
      clearInterval(stream.keepAlive);
      const res = stream.res;
      stream.res = undefined;
      if (!res) continue;
      if (res.headersSent) res.end();
      else jsonError(res, 404, -32001, "Session not found");
    }
    this.streams.clear();
    this.requestStream.clear();
    this.onclose?.();
  }
}

function sseEvent(message: JSONRPCMessage, eventId?: string): string {
  return eventId === undefined
    ? `event: message\ndata: ${JSON.stringify(message)}\n\n`
    : `event: message\nid: ${eventId}\ndata: ${JSON.stringify(message)}\n\n`;
}
