import {
  type InitializeResult,
  type JSONRPCMessage,
  LATEST_PROTOCOL_VERSION,
  type RequestId,
  SUPPORTED_PROTOCOL_VERSIONS,
} from "@modelcontextprotocol/sdk/types.js";
import type { ResettableTransport } from "../gateway/relay.js";
import { isNotification, isRequest, isResponse, isResult } from "../protocol/message-kind.js";
import type { HostedStdioSupervisor } from "./hosted-stdio.js";
import type { StdioProcessTransport } from "./stdio-process.js";

const BROADCAST = new Set([
  "notifications/tools/list_changed",
  "notifications/resources/list_changed",
  "notifications/prompts/list_changed",
  "notifications/resources/updated",
]);

const GATEWAY_CLIENT = { name: "mcpbox-gateway", version: "0.1.0" };

interface Pending {
  channel: SharedChannel;
  originalId: RequestId;
  progressToken?: { upstream: string; original: string | number };
}

/**
 * One child serving many sessions. MCPBox initializes it once and answers each session's initialize from
 * that result; request ids and progress tokens are rewritten so sessions never see each other's traffic;
 * server→client requests go to the session whose request is in flight.
 */
export class SharedStdioServer {
  private child?: StdioProcessTransport;
  private ready?: Promise<InitializeResult>;
  private readonly channels = new Set<SharedChannel>();
  private readonly pending = new Map<string, Pending>();
  private readonly progress = new Map<string, Pending>();
  private readonly serverRequests = new Map<RequestId, SharedChannel>();
  private nextId = 0;
  private attempt = 0;
  private bootWaiter?: { id: string; resolve: (r: InitializeResult) => void; reject: (e: Error) => void };
  private closed = false;

  constructor(private readonly supervisor: HostedStdioSupervisor) {}

  openChannel(): SharedChannel {
    const channel = new SharedChannel(this);
    this.channels.add(channel);
    return channel;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  ensureReady(): Promise<InitializeResult> {
    this.ready ??= this.boot();
    return this.ready;
  }

  private async boot(): Promise<InitializeResult> {
    const child = this.supervisor.spawn();
    this.child = child;
    child.onmessage = (message) => this.fromChild(message);
    child.onclose = () => this.childExited(child);
    await child.start();
    const id = `mcpbox-init-${++this.nextId}`;
    const result = new Promise<InitializeResult>((resolve, reject) => {
      this.bootWaiter = { id, resolve, reject };
    });
    await child.send({
      jsonrpc: "2.0",
      id,
      method: "initialize",
      params: {
        protocolVersion: LATEST_PROTOCOL_VERSION,
        capabilities: { sampling: {}, elicitation: { form: {} }, roots: { listChanged: true } },
        clientInfo: GATEWAY_CLIENT,
      },
    });
    const timeoutMs = this.supervisor.connectTimeoutMs;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        // A child that cannot initialize in time is discarded; the next session boots a fresh one.
        this.bootWaiter = undefined;
        this.child = undefined;
        this.ready = undefined;
        this.supervisor.release(child);
        void child.close();
        reject(new Error(`upstream did not answer initialize within ${timeoutMs / 1000}s`));
      }, timeoutMs);
    });
    try {
      const initialized = await Promise.race([result, timeout]);
      await child.send({ jsonrpc: "2.0", method: "notifications/initialized" });
      return initialized;
    } finally {
      clearTimeout(timer);
    }
  }

  private childExited(child: StdioProcessTransport): void {
    this.supervisor.release(child);
    if (this.closed || child !== this.child) return;
    this.bootWaiter?.reject(new Error("shared upstream process exited during initialize"));
    this.bootWaiter = undefined;
    const reason = this.supervisor.exitReason(child);
    this.pending.clear();
    this.progress.clear();
    this.serverRequests.clear();
    const delay = this.supervisor.recordCrash(child, this.attempt++);
    if (delay === undefined) {
      for (const channel of [...this.channels])
        channel.closeFromServer(`instance failed: ${this.supervisor.failure}`);
      return;
    }
    for (const channel of this.channels) channel.onreset?.(reason);
    const restart = new Promise<void>((resolve) => setTimeout(resolve, delay).unref()).then(() =>
      this.boot(),
    );
    restart.catch(() => {});
    this.ready = restart;
  }

  private fromChild(message: JSONRPCMessage): void {
    if (isResponse(message)) {
      if (this.bootWaiter && message.id === this.bootWaiter.id) {
        const waiter = this.bootWaiter;
        this.bootWaiter = undefined;
        if (isResult(message)) waiter.resolve(message.result as InitializeResult);
        else waiter.reject(new Error(`upstream refused initialize: ${message.error.message}`));
        return;
      }
      const key = String(message.id);
      const entry = this.pending.get(key);
      if (!entry) return;
      this.forget(key, entry);
      entry.channel.deliver({ ...message, id: entry.originalId });
      return;
    }
    if (isRequest(message)) {
      const owner = this.newestPending()?.channel ?? this.channels.values().next().value;
      if (!owner) {
        void this.child?.send({
          jsonrpc: "2.0",
          id: message.id,
          error: { code: -32603, message: "no client session can answer this request" },
        });
        return;
      }
      this.serverRequests.set(message.id, owner);
      owner.deliver(message);
      return;
    }
    if (isNotification(message)) {
      if (message.method === "notifications/progress") {
        const params = message.params as { progressToken: string | number };
        const entry = this.progress.get(String(params.progressToken));
        entry?.channel.deliver({
          ...message,
          params: { ...params, progressToken: entry.progressToken!.original },
        });
        return;
      }
      const owner = this.newestPending()?.channel;
      if (BROADCAST.has(message.method) || !owner) {
        for (const channel of this.channels) channel.deliver(message);
      } else {
        owner.deliver(message);
      }
    }
  }

  private newestPending(): Pending | undefined {
    let newest: Pending | undefined;
    for (const entry of this.pending.values()) newest = entry;
    return newest;
  }

  private forget(key: string, entry: Pending): void {
    this.pending.delete(key);
    if (entry.progressToken) this.progress.delete(entry.progressToken.upstream);
    entry.channel.outgoing.delete(entry.originalId);
  }

  async fromChannel(channel: SharedChannel, message: JSONRPCMessage): Promise<void> {
    if (isRequest(message)) {
      if (message.method === "initialize") {
        const result = await this.ensureReady();
        const requested = (message.params as { protocolVersion?: string } | undefined)?.protocolVersion;
        const protocolVersion =
          requested && SUPPORTED_PROTOCOL_VERSIONS.includes(requested) ? requested : LATEST_PROTOCOL_VERSION;
        channel.deliver({ jsonrpc: "2.0", id: message.id, result: { ...result, protocolVersion } });
        return;
      }
      await this.ensureReady();
      const upstreamId = `${++this.nextId}`;
      const entry: Pending = { channel, originalId: message.id };
      let params = message.params;
      const token = (params as { _meta?: { progressToken?: string | number } } | undefined)?._meta
        ?.progressToken;
      if (token !== undefined) {
        entry.progressToken = { upstream: `p${upstreamId}`, original: token };
        params = { ...params, _meta: { ...params!._meta, progressToken: entry.progressToken.upstream } };
        this.progress.set(entry.progressToken.upstream, entry);
      }
      this.pending.set(upstreamId, entry);
      channel.outgoing.set(message.id, upstreamId);
      await this.child!.send({ ...message, id: upstreamId, params });
      return;
    }
    if (isNotification(message)) {
      if (message.method === "notifications/initialized") return;
      if (message.method === "notifications/cancelled") {
        const params = message.params as { requestId: RequestId; reason?: string };
        const upstreamId = channel.outgoing.get(params.requestId);
        if (upstreamId === undefined) return;
        const entry = this.pending.get(upstreamId);
        if (entry) this.forget(upstreamId, entry);
        await this.child?.send({ ...message, params: { ...params, requestId: upstreamId } });
        return;
      }
      await this.ensureReady();
      await this.child!.send(message);
      return;
    }
    // A client's answer to a server→client request: only the session that was asked may answer it.
    const answerId = (message as { id?: RequestId }).id;
    if (answerId !== undefined && this.serverRequests.get(answerId) === channel) {
      this.serverRequests.delete(answerId);
      await this.child?.send(message);
    }
  }

  detach(channel: SharedChannel): void {
    this.channels.delete(channel);
    for (const [key, entry] of [...this.pending]) if (entry.channel === channel) this.forget(key, entry);
    for (const [id, owner] of [...this.serverRequests]) if (owner === channel) this.serverRequests.delete(id);
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const channel of [...this.channels]) channel.closeFromServer();
    await this.child?.close();
  }
}

class SharedChannel implements ResettableTransport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: (message: JSONRPCMessage) => void;
  onreset?: (reason: string) => void;
  closeReason?: string;
  /** This session's request id → the id it carries upstream. */
  readonly outgoing = new Map<RequestId, string>();
  private closed = false;

  constructor(private readonly server: SharedStdioServer) {}

  async start(): Promise<void> {
    await this.server.ensureReady();
  }

  send(message: JSONRPCMessage): Promise<void> {
    if (this.closed) return Promise.reject(new Error("session closed"));
    return this.server.fromChannel(this, message);
  }

  deliver(message: JSONRPCMessage): void {
    if (!this.closed) this.onmessage?.(message);
  }

  closeFromServer(reason = "shared upstream stopped"): void {
    if (this.closed) return;
    this.closed = true;
    this.closeReason = reason;
    this.server.detach(this);
    this.onclose?.();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.server.detach(this);
  }
}
