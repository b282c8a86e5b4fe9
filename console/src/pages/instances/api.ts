import { api, type Query } from "../../lib/api";

/** How the API shows write-only values (env values, headers): sending it back keeps the stored value. */
export const SECRET_MASK = "••••";

export type AccessMode = "hosted" | "proxy" | "direct";
export type Transport = "stdio" | "sse" | "streamable-http";
export const ACCESS_MODES: AccessMode[] = ["hosted", "proxy", "direct"];
export const TRANSPORTS: Transport[] = ["stdio", "sse", "streamable-http"];
/** The orderings GET /instances takes (the dashboard's sessions card links to the busiest first). */
export const INSTANCE_SORTS = ["name", "-name", "status", "-status", "sessions", "-sessions"] as const;
export type InstanceSort = (typeof INSTANCE_SORTS)[number];
/** Every status GET /instances can report. */
export const STATUSES = [
  "ready",
  "starting",
  "running",
  "restarting",
  "crashed",
  "startup-timeout",
  "running-timeout",
  "failed",
  "stopped",
  "direct",
] as const;

export type Upstream =
  | {
      type: "stdio";
      command: string;
      args: string[];
      env: Record<string, string>;
      cwd?: string;
      package?: string;
    }
  | { type: "sse" | "streamable-http"; url: string; headers: Record<string, string> };

export interface Runtime {
  environment: string;
  image?: string;
  [key: string]: unknown;
}

export interface InstanceView {
  name: string;
  description: string;
  accessMode: AccessMode;
  public: boolean;
  sessionPolicy: "per-session" | "shared";
  maxProcesses: number;
  connectTimeoutSeconds: number;
  requestTimeoutSeconds: number;
  idleTimeoutSeconds: number;
  enabled: boolean;
  runtime: Runtime;
  upstream: Upstream;
  status: string;
  statusDetail: string | null;
  processes: number;
  sessions: number;
  ownerId?: string | null;
  departmentId?: string | null;
  /** Only on GET /instances/{name}: the last stderr lines. */
  stderr?: string[];
}

export interface Page<T> {
  items: T[];
  total: number;
  limit: number;
  offset: number;
}

export interface ProbeResult {
  ok: boolean;
  at?: string;
  timings?: {
    initializeMs?: number;
    toolsMs?: number;
    resourcesMs?: number;
    promptsMs?: number;
    totalMs: number;
  };
  server?: { name: string; version: string };
  tools: { name: string; title?: string; description?: string; inputSchema?: unknown }[];
  resources: { uri: string; name: string; mimeType?: string }[];
  prompts: { name: string; description?: string }[];
  error?: string;
}

export const CLIENTS = ["claude-desktop", "cursor", "vscode", "claude-code"] as const;
export type ClientKind = (typeof CLIENTS)[number];

export interface Snippet {
  client: ClientKind;
  file: string;
  json: unknown;
  command?: string;
  notes: string[];
  tokenId?: string;
}

export const instanceKeys = {
  all: ["instances"] as const,
  list: (query: Query) => ["instances", "list", query] as const,
  one: (name: string) => ["instances", "one", name] as const,
  tools: (name: string) => ["instances", "one", name, "tools"] as const,
  calls: (name: string) => ["instances", "one", name, "calls"] as const,
  sessions: (name: string) => ["instances", "one", name, "sessions"] as const,
  snippet: (name: string, client: ClientKind) => ["instances", "one", name, "snippet", client] as const,
};

export const path = (name: string, rest = "") => `/instances/${encodeURIComponent(name)}${rest}`;

export const fetchInstance = (name: string) => api.get<InstanceView>(path(name));

/** The status shown to people: a stopped (disabled) instance is "stopped" whatever its runtime says. */
export const shownStatus = (instance: Pick<InstanceView, "enabled" | "status">) =>
  instance.enabled ? instance.status : "stopped";

/** The transport an instance's upstream speaks. */
export const transportOf = (instance: Pick<InstanceView, "upstream">): Transport => instance.upstream.type;
