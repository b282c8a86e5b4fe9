// The load generator: a separate process (forked by bench/run.ts) so that client-side work never shares a
// CPU thread with the gateway under test. Every measurement goes through the official SDK Client.
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { SSEClientTransport } from "@modelcontextprotocol/sdk/client/sse.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { type PhaseResult, summarize } from "./stats.js";

export type TransportKind = "streamable-http" | "sse";

/** Where to connect: the Streamable HTTP endpoint, or the legacy SSE endpoint (GET …/sse). */
export interface Endpoint {
  url: string;
  transport: TransportKind;
}

export interface ConnectResult {
  sessions: number;
  /** Each session's connect time (ms), for merging the results of several load processes. */
  samples?: number[];
  failures: number;
  wallMs: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  firstError?: string;
}

export interface CycleResult {
  cycles: number;
  failures: number;
  wallMs: number;
  firstError?: string;
}

interface Session {
  client: Client;
  transport: StreamableHTTPClientTransport | SSEClientTransport;
}

/** Sessions are kept in named groups, so that several gateways can hold their sessions open at once. */
export type ClientOps = {
  open(args: { group: string; endpoint: Endpoint; sessions: number }): Promise<ConnectResult>;
  sequential(args: { group: string; calls: number }): Promise<PhaseResult>;
  burst(args: { group: string; perSession: number }): Promise<PhaseResult & { samples: number[] }>;
  close(args: { group: string }): Promise<{ closed: number }>;
  cycles(args: { endpoint: Endpoint; cycles: number; concurrency: number }): Promise<CycleResult>;
};

const groups = new Map<string, Session[]>();
const group = (name: string) => groups.get(name) ?? [];
let counter = 0;

async function connect(endpoint: Endpoint): Promise<Session> {
  const client = new Client({ name: "mcpbox-bench", version: "1.0.0" });
  const transport =
    endpoint.transport === "sse"
      ? new SSEClientTransport(new URL(endpoint.url))
      : new StreamableHTTPClientTransport(new URL(endpoint.url));
  await client.connect(transport);
  return { client, transport };
}

async function disconnect(session: Session): Promise<void> {
  if (session.transport instanceof StreamableHTTPClientTransport) {
    await session.transport.terminateSession().catch(() => {});
  }
  await session.client.close().catch(() => {});
}

/** One echo call; resolves to its latency in ms, or throws (wrong answers count as errors too). */
async function echo(session: Session): Promise<number> {
  const text = `bench-${++counter}`;
  const started = performance.now();
  const result = await session.client.callTool({ name: "echo", arguments: { text } });
  const elapsed = performance.now() - started;
  const content = result.content as { type: string; text?: string }[] | undefined;
  if (result.isError || content?.[0]?.text !== text) {
    throw new Error(`unexpected echo result: ${JSON.stringify(result).slice(0, 200)}`);
  }
  return elapsed;
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

const ops: ClientOps = {
  async open({ group: name, endpoint, sessions: count }) {
    const started = performance.now();
    const times: number[] = [];
    let failures = 0;
    let firstError: string | undefined;
    const opened = await Promise.all(
      Array.from({ length: count }, async () => {
        const t0 = performance.now();
        try {
          const session = await connect(endpoint);
          times.push(performance.now() - t0);
          return session;
        } catch (error) {
          failures++;
          firstError ??= errorText(error);
          return undefined;
        }
      }),
    );
    const wallMs = performance.now() - started;
    groups.set(name, [...group(name), ...opened.filter((s): s is Session => s !== undefined)]);
    const summary = summarize(times, failures, wallMs, firstError);
    return {
      sessions: times.length,
      samples: times,
      failures,
      wallMs,
      p50Ms: summary.p50Ms,
      p99Ms: summary.p99Ms,
      maxMs: summary.maxMs,
      firstError,
    };
  },

  async sequential({ group: name, calls }) {
    const session = group(name)[0];
    if (!session) throw new Error("no open session");
    const latencies: number[] = [];
    let errors = 0;
    let firstError: string | undefined;
    const started = performance.now();
    for (let i = 0; i < calls; i++) {
      try {
        latencies.push(await echo(session));
      } catch (error) {
        errors++;
        firstError ??= errorText(error);
      }
    }
    return summarize(latencies, errors, performance.now() - started, firstError);
  },

  async burst({ group: name, perSession }) {
    const sessions = group(name);
    if (sessions.length === 0) throw new Error("no open session");
    const latencies: number[] = [];
    let errors = 0;
    let firstError: string | undefined;
    const started = performance.now();
    await Promise.all(
      sessions.flatMap((session) =>
        Array.from({ length: perSession }, () =>
          echo(session).then(
            (ms) => void latencies.push(ms),
            (error) => {
              errors++;
              firstError ??= errorText(error);
            },
          ),
        ),
      ),
    );
    return { ...summarize(latencies, errors, performance.now() - started, firstError), samples: latencies };
  },

  async close({ group: name }) {
    const closing = group(name);
    groups.delete(name);
    await Promise.all(closing.map(disconnect));
    return { closed: closing.length };
  },

  async cycles({ endpoint, cycles, concurrency }) {
    let next = 0;
    let failures = 0;
    let firstError: string | undefined;
    const started = performance.now();
    const lane = async () => {
      while (next < cycles) {
        next++;
        try {
          const session = await connect(endpoint);
          await disconnect(session);
        } catch (error) {
          failures++;
          firstError ??= errorText(error);
        }
      }
    };
    await Promise.all(Array.from({ length: concurrency }, lane));
    return { cycles, failures, wallMs: performance.now() - started, firstError };
  },
};

interface Request {
  id: number;
  op: keyof ClientOps;
  args: unknown;
}

process.on("message", (request: Request) => {
  const op = ops[request.op] as (args: unknown) => Promise<unknown>;
  op(request.args).then(
    (result) => process.send?.({ id: request.id, ok: true, result }),
    (error: unknown) => process.send?.({ id: request.id, ok: false, error: errorText(error) }),
  );
});
process.on("disconnect", () => process.exit(0));
process.send?.({ id: 0, ok: true, result: "ready" });
