import type { Transport } from "@modelcontextprotocol/sdk/shared/transport.js";
import {
  ErrorCode,
  type JSONRPCMessage,
  type JSONRPCRequest,
  type RequestId,
} from "@modelcontextprotocol/sdk/types.js";
import { isError, isNotification, isRequest, isResponse, isResult } from "../protocol/message-kind.js";

/** Error codes the gateway itself produces (JSON-RPC server-error range). */
export const GatewayError = {
  UpstreamUnavailable: -32000,
  RequestTimeout: -32001,
  UpstreamRestarted: -32002,
} as const;

/** Methods whose calls are recorded in the call log and metrics. */
const RECORDED_METHODS = new Set(["tools/call", "resources/read", "prompts/get"]);
/** Server notifications that concern the whole session, never one request. */
const SESSION_NOTIFICATIONS = new Set([
  "notifications/tools/list_changed",
  "notifications/resources/list_changed",
  "notifications/prompts/list_changed",
  "notifications/resources/updated",
]);

export interface CallRecord {
  method: string;
  target: string | undefined;
  durationMs: number;
  outcome: "ok" | "error" | "timeout";
  errorCode?: number;
}

/** An upstream that can lose its server and come back (a restarted child): in-flight requests are lost. */
export interface ResettableTransport extends Transport {
  onreset?: (reason: string) => void;
  /** Why the upstream closed, when it knows (e.g. the instance failed), for the errors clients get. */
  closeReason?: string;
}

export interface RelayOptions {
  requestTimeoutMs: number;
  /** Bound on the initialize handshake, which includes the upstream's start-up. */
  connectTimeoutMs: number;
  onCall?: (record: CallRecord) => void;
  onClose?: () => void;
  onInitialized?: (protocolVersion: string) => void;
}

interface InFlight {
  method: string;
  target: string | undefined;
  startedAt: number;
  progressToken?: string | number;
  timer: NodeJS.Timeout;
}

/**
 * Passes JSON-RPC messages between one downstream session and its upstream, untouched but for routing:
 * responses go back on their request's stream, progress follows its token, server→client requests and log
 * messages ride the newest in-flight request's stream. Every request gets exactly one answer: the upstream's,
 * or a JSON-RPC error when it times out, restarts or goes away.
 */
export class Relay {
  private readonly inFlight = new Map<RequestId, InFlight>();
  private readonly progressOwners = new Map<string | number, RequestId>();
  /** Server→client requests (sampling, elicitation, roots) not yet answered, with the call they belong to. */
  private readonly awaitingClient = new Map<RequestId, RequestId | undefined>();
  private closed = false;

  constructor(
    private readonly downstream: Transport,
    private readonly upstream: ResettableTransport,
    private readonly options: RelayOptions,
  ) {}

  async start(): Promise<void> {
    this.downstream.onmessage = (message) => this.fromDownstream(message);
    this.upstream.onmessage = (message) => this.fromUpstream(message);
    this.upstream.onreset = (reason) => void this.failAll(GatewayError.UpstreamRestarted, reason);
    this.upstream.onclose = () => {
      // Close only once the errors are out: closing first would drop them on the floor.
      const reason = this.upstream.closeReason ?? "upstream connection closed";
      void this.failAll(GatewayError.UpstreamUnavailable, reason).then(() => this.close());
    };
    this.downstream.onclose = () => void this.close();
    this.upstream.onerror = () => {};
    this.downstream.onerror = () => {};
    await this.upstream.start();
    await this.downstream.start();
  }

  get pendingRequests(): number {
    return this.inFlight.size;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const entry of this.inFlight.values()) clearTimeout(entry.timer);
    this.inFlight.clear();
    this.progressOwners.clear();
    this.awaitingClient.clear();
    await Promise.allSettled([this.upstream.close(), this.downstream.close()]);
    this.options.onClose?.();
  }

  private fromDownstream(message: JSONRPCMessage): void {
    if (isRequest(message)) {
      this.track(message);
    } else if (isResponse(message)) {
      this.clientAnswered(message.id as RequestId);
    } else if (isNotification(message) && message.method === "notifications/cancelled") {
      const id = (message.params as { requestId?: RequestId } | undefined)?.requestId;
      if (id !== undefined) this.settle(id, "error", ErrorCode.RequestTimeout);
    }
    this.upstream.send(message).catch((error: Error) => {
      if (isRequest(message)) {
        this.respondError(
          message.id,
          GatewayError.UpstreamUnavailable,
          `upstream unavailable: ${error.message}`,
        );
      }
    });
  }

  private track(request: JSONRPCRequest): void {
    const params = request.params as
      | { name?: unknown; uri?: unknown; _meta?: { progressToken?: unknown } }
      | undefined;
    const target =
      typeof params?.name === "string"
        ? params.name
        : typeof params?.uri === "string"
          ? params.uri
          : undefined;
    const token = params?._meta?.progressToken;
    const entry: InFlight = {
      method: request.method,
      target,
      startedAt: performance.now(),
      timer: this.startTimer(request.id, request.method),
    };
    if (typeof token === "string" || typeof token === "number") {
      entry.progressToken = token;
      this.progressOwners.set(token, request.id);
    }
    this.inFlight.set(request.id, entry);
  }

  private startTimer(id: RequestId, method: string): NodeJS.Timeout {
    const ms = method === "initialize" ? this.options.connectTimeoutMs : this.options.requestTimeoutMs;
    const timer = setTimeout(() => {
      const seconds = Math.round(ms / 100) / 10;
      this.respondError(
        id,
        GatewayError.RequestTimeout,
        `upstream did not answer ${method} within ${seconds}s`,
        "timeout",
      );
      this.upstream
        .send({
          jsonrpc: "2.0",
          method: "notifications/cancelled",
          params: { requestId: id, reason: "timeout" },
        })
        .catch(() => {});
    }, ms);
    timer.unref();
    return timer;
  }

  private fromUpstream(message: JSONRPCMessage): void {
    if (isResponse(message)) {
      const entry = this.inFlight.get(message.id as RequestId);
      if (!entry) return; // already answered (timeout/cancel): drop the late response
      if (isResult(message) && entry.method === "initialize") {
        const version = (message.result as { protocolVersion?: unknown }).protocolVersion;
        if (typeof version === "string") {
          this.upstream.setProtocolVersion?.(version);
          this.options.onInitialized?.(version);
        }
      }
      const errorCode = isError(message) ? message.error.code : undefined;
      this.settle(message.id as RequestId, errorCode === undefined ? "ok" : "error", errorCode);
      const sent = this.deliver(message);
      if (entry.method === "initialize" && errorCode !== undefined) void sent.finally(() => this.close());
      return;
    }
    let related: RequestId | undefined;
    if (isNotification(message)) {
      if (message.method === "notifications/progress") {
        const token = (message.params as { progressToken?: string | number }).progressToken;
        related = token === undefined ? undefined : this.progressOwners.get(token);
        if (related !== undefined) this.restartTimer(related);
      } else if (!SESSION_NOTIFICATIONS.has(message.method)) {
        related = this.newestInFlight();
      }
    } else {
      // A server→client request (JSONRPCNotification's type admits an id, so TypeScript cannot tell).
      related = this.newestInFlight();
      this.awaitClient((message as JSONRPCRequest).id, related);
    }
    this.deliver(message, related);
  }

  /**
   * A call whose server asked the client something (a person may be answering a sampling or elicitation
   * dialog) is not timed out meanwhile: its timer stops, and starts afresh once every question is answered.
   */
  private awaitClient(id: RequestId, call: RequestId | undefined): void {
    this.awaitingClient.set(id, call);
    if (call !== undefined) clearTimeout(this.inFlight.get(call)?.timer);
  }

  private clientAnswered(id: RequestId): void {
    if (!this.awaitingClient.has(id)) return;
    const call = this.awaitingClient.get(id);
    this.awaitingClient.delete(id);
    if (call !== undefined) this.restartTimer(call);
  }

  private deliver(message: JSONRPCMessage, relatedRequestId?: RequestId): Promise<void> {
    return this.downstream.send(message, { relatedRequestId }).catch(() => {
      if (relatedRequestId !== undefined) {
        // The request's stream is gone; the standalone stream may still carry it.
        return this.downstream.send(message).catch(() => this.refuse(message));
      }
      this.refuse(message);
    });
  }

  /** A server→client request nobody can receive still gets an answer, so the server does not hang. */
  private refuse(message: JSONRPCMessage): void {
    if (!isRequest(message)) return;
    this.clientAnswered(message.id as RequestId);
    this.upstream
      .send({
        jsonrpc: "2.0",
        id: message.id,
        error: {
          code: ErrorCode.InternalError,
          message: "client has no open stream to receive this request",
        },
      })
      .catch(() => {});
  }

  private newestInFlight(): RequestId | undefined {
    let newest: RequestId | undefined;
    for (const id of this.inFlight.keys()) newest = id;
    return newest;
  }

  private restartTimer(id: RequestId): void {
    const entry = this.inFlight.get(id);
    if (!entry) return;
    clearTimeout(entry.timer);
    const waitingOnClient = [...this.awaitingClient.values()].includes(id);
    if (!waitingOnClient) entry.timer = this.startTimer(id, entry.method);
  }

  private settle(id: RequestId, outcome: CallRecord["outcome"], errorCode?: number): InFlight | undefined {
    const entry = this.inFlight.get(id);
    if (!entry) return undefined;
    clearTimeout(entry.timer);
    this.inFlight.delete(id);
    if (entry.progressToken !== undefined) this.progressOwners.delete(entry.progressToken);
    if (RECORDED_METHODS.has(entry.method)) {
      this.options.onCall?.({
        method: entry.method,
        target: entry.target,
        durationMs: performance.now() - entry.startedAt,
        outcome,
        errorCode,
      });
    }
    return entry;
  }

  /** Answers a request in the upstream's stead; a failed initialize also ends the session. */
  private respondError(
    id: RequestId,
    code: number,
    message: string,
    outcome: CallRecord["outcome"] = "error",
  ): Promise<void> {
    const entry = this.settle(id, outcome, code);
    if (!entry) return Promise.resolve();
    const sent = this.deliver({ jsonrpc: "2.0", id, error: { code, message } });
    if (entry.method === "initialize") void sent.finally(() => this.close());
    return sent;
  }

  private failAll(code: number, reason: string): Promise<unknown> {
    return Promise.allSettled([...this.inFlight.keys()].map((id) => this.respondError(id, code, reason)));
  }
}
