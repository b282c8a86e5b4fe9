// Child processes of the benchmark: each in its own process group, tracked so that every group is killed at
// the end, even on failure. Upstream echo servers carry a per-run tag in their argv so they can be counted
// and, as a last resort, killed by pid without touching anybody else's processes.
import { type ChildProcess, fork, type SpawnOptions, spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { createServer } from "node:net";
import { cpus } from "node:os";

export interface Spawned {
  name: string;
  child: ChildProcess;
  pid: number;
  /** The last few KiB of its stdout and stderr, for error messages. */
  output(): string;
  exited(): boolean;
}

const groups = new Map<number, string>();

function track(name: string, child: ChildProcess): Spawned {
  if (child.pid === undefined) throw new Error(`${name}: spawn failed`);
  const pid = child.pid;
  groups.set(pid, name);
  let output = "";
  let exited = false;
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString("utf8")).slice(-4096);
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  child.once("exit", () => {
    exited = true;
  });
  return { name, child, pid, output: () => output, exited: () => exited };
}

/** Spawns a command in a new process group (detached), output captured. */
export function spawnGroup(
  name: string,
  command: string,
  args: string[],
  options: SpawnOptions = {},
): Spawned {
  const child = spawn(command, args, { detached: true, stdio: ["ignore", "pipe", "pipe"], ...options });
  return track(name, child);
}

/** Forks a TypeScript module (through tsx) in a new process group, with an IPC channel. */
export function forkGroup(name: string, modulePath: string, args: string[] = [], execArgv: string[] = []) {
  const child = fork(modulePath, args, {
    detached: true,
    execArgv: ["--import", "tsx", ...execArgv],
    stdio: ["ignore", "pipe", "pipe", "ipc"],
  });
  return track(name, child);
}

function signalGroup(pid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-pid, signal);
    return true;
  } catch {
    return false;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** SIGTERM to the group, SIGKILL after graceMs; resolves once the group leader is gone. */
export async function killGroup(spawned: Spawned, graceMs = 3000): Promise<void> {
  const { pid, child } = spawned;
  if (!spawned.exited()) {
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    signalGroup(pid, "SIGTERM");
    const timer = setTimeout(() => signalGroup(pid, "SIGKILL"), graceMs);
    await exited;
    clearTimeout(timer);
  }
  // Members of the group that outlived their leader.
  signalGroup(pid, "SIGKILL");
  groups.delete(pid);
}

/** Last resort (also from process 'exit'): SIGKILL every group this run started, synchronously. */
export function killAllGroupsNow(): void {
  for (const pid of groups.keys()) signalGroup(pid, "SIGKILL");
  groups.clear();
}

function processes(): { pid: number; cmdline: string[]; state: string; ppid: number; ticks: number }[] {
  const found = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, "utf8").split("\0").filter(Boolean);
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      // Own time plus reaped children's, except for init, which reaps everybody's orphans (ours too).
      const reaped = entry === "1" ? 0 : Number(fields[13]) + Number(fields[14]);
      const ticks = Number(fields[11]) + Number(fields[12]) + reaped;
      found.push({ pid: Number(entry), cmdline, state: fields[0], ppid: Number(fields[1]), ticks });
    } catch {
      // exited while we looked
    }
  }
  return found;
}

/** Live (non-zombie) processes whose command line runs the echo server with this exact tag. */
export function taggedPids(tag: string): number[] {
  return processes()
    .filter(
      (p) =>
        p.state !== "Z" &&
        p.cmdline.some((arg) => arg.endsWith("bench/echo-server.mjs")) &&
        p.cmdline.includes(tag),
    )
    .map((p) => p.pid);
}

/** Zombie children of this process (exited, never reaped). */
export function zombieChildren(): number {
  return processes().filter((p) => p.state === "Z" && p.ppid === process.pid).length;
}

/** Kills, by pid, echo servers of this run that survived their gateway; returns how many. */
export function sweepTagged(runTag: string): number {
  const pids = processes()
    .filter((p) => p.state !== "Z" && p.cmdline.some((arg) => arg.includes(runTag)))
    .map((p) => p.pid);
  for (const pid of pids) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // gone
    }
  }
  return pids.length;
}

export function rssBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const match = /VmRSS:\s+(\d+)\s+kB/.exec(status);
  if (!match) throw new Error(`no VmRSS for ${pid}`);
  return Number(match[1]) * 1024;
}

/** CPU time (user + system) of a process in ms, from /proc (clock ticks of 10 ms). */
export function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/** Busy CPU ticks of the whole machine (all CPUs, anybody's processes), from /proc/stat. */
export function machineBusyTicks(): number {
  const fields = readFileSync("/proc/stat", "utf8")
    .split("\n")[0]
    .trim()
    .split(/\s+/)
    .slice(1, 9)
    .map(Number);
  return fields.reduce((sum, value) => sum + value, 0) - fields[3] - fields[4];
}

/** Pids of this process's tree, and CPU ticks (own + reaped children) of every other user-space process. */
function snapshot(marker?: string): { ours: Set<number>; others: Map<number, number> } {
  const all = processes();
  const children = new Map<number, number[]>();
  for (const p of all) children.set(p.ppid, [...(children.get(p.ppid) ?? []), p.pid]);
  const ours = new Set<number>();
  const stack = [process.pid];
  while (stack.length > 0) {
    const pid = stack.pop()!;
    ours.add(pid);
    stack.push(...(children.get(pid) ?? []));
  }
  const others = new Map<number, number>();
  for (const p of all) names.set(p.pid, p.cmdline.join(" ").slice(0, 120));
  for (const p of all) {
    if (ours.has(p.pid) || p.cmdline.length === 0) continue;
    // Our echo servers orphaned by a gateway's group kill are re-parented to init: still ours.
    if (marker && p.cmdline.some((arg) => arg.includes(marker))) continue;
    others.set(p.pid, p.ticks);
  }
  return { ours, others };
}

const TICKS_PER_SECOND = 100;
const names = new Map<number, string>();

/**
 * Watches the machine while we measure: the share of all CPUs used by other people's processes (per-process
 * accounting from /proc, so our own loopback/softirq work is not counted; processes that exit during the
 * window show up in their parent's reaped-children time). `marker` names our processes by argv.
 */
export function foreignLoadMeter(marker?: string): () => number {
  const started = performance.now();
  const before = snapshot(marker);
  return () => {
    const seconds = (performance.now() - started) / 1000;
    let ticks = 0;
    const top: [number, number][] = [];
    for (const [pid, now] of snapshot(marker).others) {
      if (before.ours.has(pid)) continue; // was ours when the window opened (an orphan now)
      // A process that started during the window spent all of its time in it.
      const delta = Math.max(0, now - (before.others.get(pid) ?? 0));
      ticks += delta;
      if (delta > 0) top.push([pid, delta]);
    }
    const load = ticks / (seconds * TICKS_PER_SECOND * cpus().length);
    if (process.env.BENCH_DEBUG && load > 0.1) {
      for (const [pid, delta] of top.sort((a, b) => b[1] - a[1]).slice(0, 3))
        console.error(`  foreign: ${delta * 10} ms cpu, pid ${pid}: ${names.get(pid)}`);
    }
    return load;
  };
}

/** Busy share of all CPUs over sampleMs: how loaded the machine is by anybody. */
export async function machineBusy(sampleMs = 1000): Promise<number> {
  const before = machineBusyTicks();
  await new Promise((resolve) => setTimeout(resolve, sampleMs));
  return (machineBusyTicks() - before) / ((sampleMs / 1000) * TICKS_PER_SECOND * cpus().length);
}

/** Waits (up to maxWaitMs) until the machine is less than `threshold` busy; returns the last busy share. */
export async function waitForQuiet(threshold = 0.15, maxWaitMs = 30_000): Promise<number> {
  const deadline = Date.now() + maxWaitMs;
  let busy = await machineBusy(500);
  while (busy >= threshold && Date.now() < deadline) busy = await machineBusy(500);
  return busy;
}

/** Summed CPU ms of these processes (one that has exited counts as 0, so compare the same set). */
export function cpuOfPids(pids: number[]): number {
  let total = 0;
  for (const pid of pids) {
    try {
      total += cpuMs(pid);
    } catch {
      // exited
    }
  }
  return total;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Polls a URL until the server answers anything at all. */
export async function waitForHttp(url: string, spawned: Spawned, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (spawned.exited()) throw new Error(`${spawned.name} exited during start:\n${spawned.output()}`);
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(1000) });
      await response.body?.cancel();
      return;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  throw new Error(`${spawned.name} not reachable at ${url} within ${timeoutMs} ms:\n${spawned.output()}`);
}

export function procAvailable(): boolean {
  return existsSync(`/proc/${process.pid}/status`);
}

export { alive };
