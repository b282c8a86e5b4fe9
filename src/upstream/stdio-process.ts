import { type ChildProcess, spawn } from "node:child_process";
import { serializeMessage } from "@modelcontextprotocol/sdk/shared/stdio.js";
import type { Transport } from "@modelcontextprotocol/sdk/shared/transport.js";
import type { JSONRPCMessage } from "@modelcontextprotocol/sdk/types.js";
import { parseMessage } from "../protocol/message-kind.js";
import { RingBuffer } from "./ring-buffer.js";

export interface StdioSpec {
  command: string;
  args: string[];
  env: Record<string, string>;
  cwd?: string;
}

const MAX_LINE_BYTES = 16 * 1024 * 1024;

/** Variables a child may inherit from MCPBox's own environment; everything else (secrets) stays out. */
const INHERITED_ENV = ["PATH", "HOME", "LANG", "LC_ALL", "TZ", "TMPDIR", "NODE_EXTRA_CA_CERTS", "SYSTEMROOT"];

export function minimalEnv(extra: Record<string, string>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const key of INHERITED_ENV) {
    const value = process.env[key];
    if (value !== undefined) env[key] = value;
  }
  return { ...env, ...extra };
}

/**
 * An MCP stdio server as a Transport. Spawned with argv (never a shell), in its own process group so that
 * close() kills the whole tree; stderr lines go to a ring buffer; stdout lines that are not JSON-RPC are
 * recorded there too instead of breaking the session.
 */
export class StdioProcessTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: (message: JSONRPCMessage) => void;

  readonly stderr: RingBuffer;
  private child?: ChildProcess;
  private pending: Buffer = Buffer.alloc(0);
  private drained?: Promise<void>;
  private closed = false;
  private exitInfo?: { code: number | null; signal: NodeJS.Signals | null };
  private spawnedAt?: number;

  constructor(
    private readonly spec: StdioSpec,
    stderr?: RingBuffer,
  ) {
    this.stderr = stderr ?? new RingBuffer(200);
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** When the process was spawned (epoch ms); undefined before. */
  get startedAt(): number | undefined {
    return this.spawnedAt;
  }

  get exit(): { code: number | null; signal: NodeJS.Signals | null } | undefined {
    return this.exitInfo;
  }

  start(): Promise<void> {
    return new Promise((resolve, reject) => {
      const child = spawn(this.spec.command, expandEnvReferences(this.spec.args, this.spec.env), {
        cwd: this.spec.cwd,
        env: minimalEnv(this.spec.env),
        stdio: ["pipe", "pipe", "pipe"],
        detached: true,
        shell: false,
        windowsHide: true,
      });
      this.child = child;
      child.once("error", (error) => {
        this.stderr.push(`spawn error: ${error.message}`);
        if (!this.closed) reject(error);
        this.finish();
      });
      child.once("spawn", () => {
        this.spawnedAt = Date.now();
        resolve();
      });
      child.once("exit", (code, signal) => {
        this.exitInfo = { code, signal };
        // Descendants the server left behind die with its group: no orphans, no zombies.
        this.signalGroup("SIGKILL");
        this.finish();
      });
      child.stdout!.on("data", (chunk: Buffer) => this.onStdout(chunk));
      child.stdout!.on("error", (error) => this.onerror?.(error));
      child.stdin!.on("error", (error) => this.onerror?.(error));
      let partial = "";
      child.stderr!.setEncoding("utf8");
      child.stderr!.on("data", (chunk: string) => {
        const lines = (partial + chunk).split("\n");
        partial = lines.pop() ?? "";
        for (const line of lines) if (line) this.stderr.push(line);
      });
    });
  }

  private onStdout(chunk: Buffer): void {
    this.pending = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    let newline = this.pending.indexOf(10);
    while (newline !== -1) {
      const line = this.pending.toString("utf8", 0, newline).replace(/\r$/, "");
      this.pending = this.pending.subarray(newline + 1);
      if (line.trim()) this.parseLine(line);
      newline = this.pending.indexOf(10);
    }
    if (this.pending.length > MAX_LINE_BYTES) {
      this.stderr.push(`stdout line over ${MAX_LINE_BYTES} bytes dropped`);
      this.pending = Buffer.alloc(0);
    }
  }

  private parseLine(line: string): void {
    let message: JSONRPCMessage | undefined;
    try {
      message = parseMessage(JSON.parse(line));
    } catch {}
    if (message) this.onmessage?.(message);
    // A server that prints to stdout breaks no session: the line is shown in its logs instead.
    else this.stderr.push(`ignored non-JSON-RPC stdout line: ${line.slice(0, 500)}`);
  }

  send(message: JSONRPCMessage): Promise<void> {
    const stdin = this.child?.stdin;
    if (!stdin || this.closed || !stdin.writable)
      return Promise.reject(new Error("stdio server is not running"));
    // Messages sent in one tick leave in one write; a full pipe makes every sender wait for one drain.
    if (!stdin.writableCorked) {
      stdin.cork();
      process.nextTick(() => stdin.uncork());
    }
    if (stdin.write(serializeMessage(message))) return this.drained ?? Promise.resolve();
    this.drained ??= new Promise((resolve) => {
      const done = () => {
        stdin.off("drain", done).off("close", done);
        this.drained = undefined;
        resolve();
      };
      stdin.on("drain", done).on("close", done);
    });
    return this.drained;
  }

  /** Ends stdin, then SIGTERM to the process group, then SIGKILL after graceMs. */
  async close(graceMs = 2000): Promise<void> {
    const child = this.child;
    if (!child || this.exitInfo) {
      this.finish();
      return;
    }
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    child.stdin?.end();
    this.signalGroup("SIGTERM");
    const timer = setTimeout(() => this.signalGroup("SIGKILL"), graceMs);
    await exited;
    clearTimeout(timer);
    // Grandchildren that ignored SIGTERM die with the group.
    this.signalGroup("SIGKILL");
  }

  private signalGroup(signal: NodeJS.Signals): void {
    const pid = this.child?.pid;
    if (!pid) return;
    try {
      process.kill(-pid, signal);
    } catch {
      // group already gone
    }
  }

  private finish(): void {
    if (this.closed) return;
    this.closed = true;
    this.pending = Buffer.alloc(0);
    this.onclose?.();
  }
}

/**
 * `${env:NAME}` in an argument takes the value of NAME from the instance's own environment (not MCPBox's):
 * a secret passed as an argument can then be stored sealed, like every env value.
 */
export function expandEnvReferences(args: string[], env: Record<string, string>): string[] {
  return args.map((arg) =>
    arg.replace(/\$\{env:([A-Za-z_][A-Za-z0-9_]*)\}/g, (whole, name: string) => env[name] ?? whole),
  );
}
