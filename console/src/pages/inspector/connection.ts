import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { Transport, TransportSendOptions } from "@modelcontextprotocol/sdk/shared/transport.js";
import {
  type CreateMessageRequest,
  CreateMessageRequestSchema,
  type CreateMessageResult,
  type ElicitRequest,
  ElicitRequestSchema,
  type ElicitResult,
  type JSONRPCMessage,
  type ServerCapabilities,
} from "@modelcontextprotocol/sdk/types.js";
import { useQueryClient } from "@tanstack/react-query";
import { useCallback, useEffect, useRef, useState } from "react";
import { api } from "../../lib/api";
import { type Me, meQuery } from "../../lib/session";

export interface LoggedMessage {
  id: number;
  at: number;
  direction: "sent" | "received";
  message: JSONRPCMessage;
}

export interface LoggedNotification {
  id: number;
  at: number;
  method: string;
  params: Record<string, unknown> | undefined;
}

export interface ConnectionState {
  status: "idle" | "connecting" | "connected" | "closed";
  /** Counts connections: what was listed in one session is not reused in the next. */
  session: number;
  instance?: string;
  error?: unknown;
  server?: { name: string; version: string };
  capabilities?: ServerCapabilities;
  instructions?: string;
}

/** A request the server sent to the client (the user answers it in the Inspector), waiting for its answer. */
export type ServerRequest = { id: number; reject(error: Error): void } & (
  | { kind: "sampling"; params: CreateMessageRequest["params"]; resolve(result: CreateMessageResult): void }
  | { kind: "elicitation"; params: ElicitRequest["params"]; resolve(result: ElicitResult): void }
);

/** How long the inspector's own access token lives: it is revoked on disconnect anyway. */
const TOKEN_SECONDS = 30 * 60;
const KEEP_MESSAGES = 1000;

/** Hands every message sent and received to `log`, then on: the raw view of the session. */
class LoggingTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: Transport["onmessage"];

  constructor(
    private readonly inner: StreamableHTTPClientTransport,
    private readonly log: (direction: LoggedMessage["direction"], message: JSONRPCMessage) => void,
  ) {}

  get sessionId() {
    return this.inner.sessionId;
  }

  setProtocolVersion(version: string) {
    this.inner.setProtocolVersion(version);
  }

  start() {
    this.inner.onmessage = (message: JSONRPCMessage) => {
      this.log("received", message);
      this.onmessage?.(message);
    };
    this.inner.onclose = () => this.onclose?.();
    this.inner.onerror = (error) => this.onerror?.(error);
    return this.inner.start();
  }

  send(message: JSONRPCMessage, options?: TransportSendOptions) {
    this.log("sent", message);
    return this.inner.send(message, options);
  }

  async close() {
    // Ends the session on the gateway (DELETE) before dropping the connection.
    await this.inner.terminateSession().catch(() => {});
    await this.inner.close();
  }
}

/** The inspector shows what servers send as they send it: output schemas are not enforced here. */
const acceptAll = {
  getValidator: () => (input: unknown) => ({
    valid: true as const,
    data: input as never,
    errorMessage: undefined,
  }),
};

/**
 * A browser MCP session with one instance through the gateway at /mcp/{name}. A non-public instance gets
 * a short-lived access token for it alone, made for the user, kept in memory and revoked on disconnect (and
 * when the page goes away).
 */
export function useMcpConnection() {
  const queryClient = useQueryClient();
  const [state, setState] = useState<ConnectionState>({ status: "idle", session: 0 });
  const [messages, setMessages] = useState<LoggedMessage[]>([]);
  const [notifications, setNotifications] = useState<LoggedNotification[]>([]);
  const [requests, setRequests] = useState<ServerRequest[]>([]);
  const pending = useRef<ServerRequest[]>([]);
  const client = useRef<Client | null>(null);
  const tokenId = useRef<string | null>(null);
  const sequence = useRef(0);

  const revokeToken = useCallback(async () => {
    const id = tokenId.current;
    tokenId.current = null;
    if (id) await api.delete(`/tokens/${id}`).catch(() => {});
  }, []);

  /** Queues a server request for the user; settles when they answer, or when the server cancels it. */
  const ask = useCallback(
    <R>(kind: ServerRequest["kind"], params: unknown, signal: AbortSignal) =>
      new Promise<R>((resolve, reject) => {
        const id = ++sequence.current;
        const settle = () => {
          pending.current = pending.current.filter((r) => r.id !== id);
          setRequests(pending.current);
        };
        const request = {
          id,
          kind,
          params,
          resolve: (result: R) => {
            settle();
            resolve(result);
          },
          reject: (error: Error) => {
            settle();
            reject(error);
          },
        } as unknown as ServerRequest;
        signal.addEventListener("abort", () => request.reject(new Error("cancelled by the server")));
        pending.current = [...pending.current, request];
        setRequests(pending.current);
      }),
    [],
  );

  const disconnect = useCallback(async () => {
    const current = client.current;
    client.current = null;
    for (const request of pending.current) request.reject(new Error("the Inspector disconnected"));
    await current?.close().catch(() => {});
    await revokeToken();
    setState((s) => ({ ...s, status: s.status === "idle" ? "idle" : "closed" }));
  }, [revokeToken]);

  const connect = useCallback(
    async (instance: { name: string; public: boolean }) => {
      await disconnect();
      setMessages([]);
      setNotifications([]);
      const session = ++sequence.current;
      setState({ status: "connecting", session, instance: instance.name });
      const record = (direction: LoggedMessage["direction"], message: JSONRPCMessage) => {
        const entry = { id: ++sequence.current, at: Date.now(), direction, message };
        setMessages((prev) => [...prev.slice(-(KEEP_MESSAGES - 1)), entry]);
        if (direction === "received" && "method" in message && !("id" in message)) {
          const params = message.params as Record<string, unknown> | undefined;
          setNotifications((prev) => [
            ...prev.slice(-(KEEP_MESSAGES - 1)),
            { id: entry.id, at: entry.at, method: message.method, params },
          ]);
        }
      };
      try {
        const headers: Record<string, string> = {};
        if (!instance.public) {
          const token = await api.post<{ id: string; secret: string }>("/tokens", {
            name: `Inspector: ${instance.name}`,
            instances: [instance.name],
            expiresInSeconds: TOKEN_SECONDS,
          });
          tokenId.current = token.id;
          headers.authorization = `Bearer ${token.secret}`;
        }
        const url = new URL(`/mcp/${encodeURIComponent(instance.name)}`, window.location.origin);
        const transport = new LoggingTransport(
          new StreamableHTTPClientTransport(url, { requestInit: { headers } }),
          record,
        );
        const next = new Client(
          { name: "mcpbox-inspector", version: "1.0.0" },
          { capabilities: { sampling: {}, elicitation: {} }, jsonSchemaValidator: acceptAll },
        );
        // Sampling and elicitation come to the user, who answers them in a dialog.
        next.setRequestHandler(CreateMessageRequestSchema, (request, extra) =>
          ask<CreateMessageResult>("sampling", request.params, extra.signal),
        );
        next.setRequestHandler(ElicitRequestSchema, (request, extra) =>
          ask<ElicitResult>("elicitation", request.params, extra.signal),
        );
        // Notifications are shown from the raw stream; these only keep the SDK from complaining.
        next.fallbackNotificationHandler = async () => {};
        next.onclose = () => {
          if (client.current !== next) return;
          client.current = null;
          void revokeToken();
          setState((s) => ({ ...s, status: "closed" }));
        };
        client.current = next;
        await next.connect(transport);
        const version = next.getServerVersion();
        setState({
          status: "connected",
          session,
          instance: instance.name,
          server: version && { name: version.name, version: version.version },
          capabilities: next.getServerCapabilities(),
          instructions: next.getInstructions(),
        });
      } catch (error) {
        client.current = null;
        await revokeToken();
        setState({ status: "idle", session, instance: instance.name, error });
      }
    },
    [ask, disconnect, revokeToken],
  );

  // Leaving the page or the console: end the session and revoke the token, even mid-unload.
  useEffect(() => {
    const onHide = () => {
      const id = tokenId.current;
      if (!id) return;
      tokenId.current = null;
      const me = queryClient.getQueryData<Me>(meQuery.queryKey);
      void fetch(`/api/v1/tokens/${id}`, {
        method: "DELETE",
        keepalive: true,
        credentials: "same-origin",
        headers: me?.csrfToken ? { "x-csrf-token": me.csrfToken } : {},
      }).catch(() => {});
    };
    window.addEventListener("pagehide", onHide);
    return () => {
      window.removeEventListener("pagehide", onHide);
      void disconnect();
    };
  }, [disconnect, queryClient]);

  return {
    state,
    messages,
    notifications,
    requests,
    client: client.current,
    connect,
    disconnect,
    clearMessages: () => {
      setMessages([]);
      setNotifications([]);
    },
  };
}
