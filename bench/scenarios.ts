// The measured scenarios. Every gateway endpoint is first prepared on its own (warm-up, a, c) and keeps its
// 20 sessions open; the b) runs are then interleaved round-robin across all endpoints, so that a burst of
// load from elsewhere on the machine does not land on one gateway only. Plus the leak check (e).
import { realpathSync } from "node:fs";
import { join } from "node:path";
import type { InstanceInput } from "../src/control/instance-model.js";
import type { McpBox } from "../src/server.js";
import type { ConnectResult, Endpoint } from "./client.js";
import type { LoadPool } from "./load-client.js";
import {
  cpuMs,
  cpuOfPids,
  foreignLoadMeter,
  freePort,
  killGroup,
  spawnGroup,
  sweepTagged,
  taggedPids,
  waitForHttp,
  waitForQuiet,
  zombieChildren,
} from "./procs.js";
import type { LeakResult, TargetResult } from "./report.js";
import { ECHO, log, ROOT, RUN_TAG, SETTINGS, sleep } from "./settings.js";
import { medianRun, type PhaseResult } from "./stats.js";

export interface Target {
  key: string;
  gateway: string;
  transport: TargetResult["transport"];
  endpoint: Endpoint;
  /** CPU ms consumed so far by the gateway process. */
  cpu: () => number;
  /** Tag of the echo children spawned for this target. */
  tag: string;
  /** One echo child for all sessions (else one per session, waited on after sessions close). */
  sharedChild: boolean;
}

export interface Prepared {
  target: Target;
  sequential: PhaseResult[];
  connect: ConnectResult;
  bursts: PhaseResult[];
  /** Foreign load during each b) run, same order as bursts. */
  burstForeign: number[];
  cpu: { gateway: number; client: number; upstream: number };
  /** Highest foreign load during a) and c). */
  foreignLoad: number;
}

/** A b) run during which other people's processes used more than this share of the CPUs is "contended". */
export const CONTENDED = 0.1;

export function cleanRuns(prepared: Prepared): number {
  return prepared.burstForeign.filter((load) => load <= CONTENDED).length;
}

/** Total time the run may spend waiting for other people's load to pass (keeps the bench near 3 minutes). */
let quietBudgetMs = 45_000;

async function quiet(): Promise<void> {
  const started = Date.now();
  const busy = await waitForQuiet(0.15, Math.max(0, Math.min(15_000, quietBudgetMs)));
  quietBudgetMs -= Date.now() - started;
  if (busy >= 0.15) log(`warning: machine ${Math.round(busy * 100)}% busy with other processes`);
}

async function measured<T>(prepared: { foreignLoad: number }, work: () => Promise<T>): Promise<T> {
  const meter = foreignLoadMeter(RUN_TAG);
  const result = await work();
  prepared.foreignLoad = Math.max(prepared.foreignLoad, meter());
  return result;
}

async function waitForNoChildren(target: Target, timeoutMs = 5000): Promise<void> {
  if (target.sharedChild) return;
  const deadline = Date.now() + timeoutMs;
  while (taggedPids(target.tag).length > 0 && Date.now() < deadline) await sleep(100);
}

/** Warm-up, a) sequential runs, c) connect; leaves the target's 20 sessions open (group = key) and warm. */
export async function prepareTarget(client: LoadPool, target: Target): Promise<Prepared> {
  const { endpoint, key: group } = target;
  const state = { foreignLoad: 0 };
  await quiet();
  log(
    `${target.gateway} / ${target.transport}: warm-up, a) ${SETTINGS.sequentialCalls} sequential × ${SETTINGS.repeats}`,
  );
  await client.open({ group, endpoint, sessions: 1 });
  await client.sequential({ group, calls: 100 });
  await client.close({ group });
  await client.open({ group, endpoint, sessions: 4 });
  await client.burst({ group, perSession: 50 });
  await client.close({ group });
  await waitForNoChildren(target);

  await client.open({ group, endpoint, sessions: 1 });
  const sequential = [];
  for (let i = 0; i < SETTINGS.repeats; i++) {
    sequential.push(
      await measured(state, () => client.sequential({ group, calls: SETTINGS.sequentialCalls })),
    );
  }
  await client.close({ group });
  await waitForNoChildren(target);

  log(`${target.gateway} / ${target.transport}: c) connect ${SETTINGS.sessions} sessions at once`);
  const connect = await measured(state, () => client.open({ group, endpoint, sessions: SETTINGS.sessions }));
  await client.burst({ group, perSession: SETTINGS.perSession }); // unmeasured: warms 20 fresh children
  return {
    target,
    sequential,
    connect,
    bursts: [],
    burstForeign: [],
    cpu: { gateway: 0, client: 0, upstream: 0 },
    foreignLoad: state.foreignLoad,
  };
}

/** One b) run: every session issues its calls at once, all sessions in parallel. */
export async function burstRound(client: LoadPool, prepared: Prepared): Promise<void> {
  const { target } = prepared;
  await quiet();
  const upstreams = taggedPids(target.tag);
  const gateway = target.cpu();
  const clientCpu = cpuOfPids(client.pids);
  const upstream = cpuOfPids(upstreams);
  const meter = foreignLoadMeter(RUN_TAG);
  const run = await client.burst({ group: target.key, perSession: SETTINGS.perSession });
  const foreign = meter();
  prepared.cpu.gateway += target.cpu() - gateway;
  prepared.cpu.client += cpuOfPids(client.pids) - clientCpu;
  prepared.cpu.upstream += cpuOfPids(upstreams) - upstream;
  prepared.bursts.push(run);
  prepared.burstForeign.push(foreign);
  const note = foreign > CONTENDED ? ` (contended: ${Math.round(foreign * 100)}% foreign load)` : "";
  log(`${target.gateway} / ${target.transport}: b) ${Math.round(run.callsPerSec)} calls/s${note}`);
}

/** Closes the target's sessions and reduces its runs to one result row. */
export async function finishTarget(client: LoadPool, prepared: Prepared): Promise<TargetResult> {
  const { target, bursts, burstForeign, cpu } = prepared;
  // The median of the uncontended runs when there is one, else of all runs.
  const clean = bursts.filter((_, i) => burstForeign[i] <= CONTENDED);
  const selected = clean.length > 0 ? clean : bursts;
  const selectedForeign = burstForeign.filter((_, i) => selected.includes(bursts[i]));
  await client.close({ group: target.key });
  await waitForNoChildren(target);
  const calls = bursts.reduce((sum, run) => sum + run.calls, 0);
  const perCall = (ms: number) => (calls ? (ms * 1000) / calls : Number.NaN);
  return {
    key: target.key,
    gateway: target.gateway,
    transport: target.transport,
    sequential: medianRun(prepared.sequential),
    sequentialRuns: prepared.sequential.map((r) => Math.round(r.callsPerSec)),
    burst: medianRun(selected),
    burstRuns: bursts.map((r) => Math.round(r.callsPerSec)),
    burstForeign: burstForeign.map((load) => Math.round(load * 100) / 100),
    connect: prepared.connect,
    gatewayCpuUsPerCall: perCall(cpu.gateway),
    clientCpuUsPerCall: perCall(cpu.client),
    upstreamCpuUsPerCall: perCall(cpu.upstream),
    foreignLoad: { prepare: prepared.foreignLoad, burst: Math.max(0, ...selectedForeign) },
  };
}

export function hosted(name: string, tag: string, sessionPolicy: "per-session" | "shared"): InstanceInput {
  return {
    name,
    accessMode: "hosted",
    public: true,
    sessionPolicy,
    upstream: { type: "stdio", command: process.execPath, args: [ECHO, "--tag", tag], env: {} },
  };
}

const selfCpuMs = () => {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1000;
};

/** MCPBox's four endpoints: per-session and shared instances, each over Streamable HTTP and SSE. */
export async function mcpboxTargets(box: McpBox): Promise<Target[]> {
  const targets: Target[] = [];
  for (const policy of ["per-session", "shared"] as const) {
    const tag = `${RUN_TAG}-${policy}`;
    await box.instances.create(hosted(`echo-${policy}`, tag, policy));
    for (const sse of [false, true]) {
      targets.push({
        key: `mcpbox-${policy}-${sse ? "sse" : "http"}`,
        gateway: `MCPBox ${policy}`,
        transport: sse ? "SSE" : "Streamable HTTP",
        endpoint: {
          url: `${box.url}/mcp/echo-${policy}${sse ? "/sse" : ""}`,
          transport: sse ? "sse" : "streamable-http",
        },
        cpu: selfCpuMs,
        tag,
        sharedChild: policy === "shared",
      });
    }
  }
  return targets;
}

export interface Peer {
  targets: Target[];
  stop(): Promise<void>;
}

/** Starts a peer gateway (an npm bin) in its own process group on a free port. */
export async function startPeer(
  name: string,
  args: (port: number, tag: string) => string[],
  modes: { key: string; transport: TargetResult["transport"]; path: string }[],
  perSessionChild: boolean,
): Promise<Peer> {
  const port = await freePort();
  const tag = `${RUN_TAG}-${name}`;
  const bin = realpathSync(join(ROOT, "node_modules/.bin", name));
  const proc = spawnGroup(name, process.execPath, [bin, ...args(port, tag)]);
  const stop = async () => {
    await killGroup(proc);
    sweepTagged(tag);
  };
  try {
    await waitForHttp(`http://127.0.0.1:${port}/`, proc);
  } catch (error) {
    await stop();
    throw error;
  }
  const targets = modes.map(
    (mode): Target => ({
      key: mode.key,
      gateway: perSessionChild ? `${name} --stateful` : name,
      transport: mode.transport,
      endpoint: {
        url: `http://127.0.0.1:${port}${mode.path}`,
        transport: mode.transport === "SSE" ? "sse" : "streamable-http",
      },
      cpu: () => cpuMs(proc.pid),
      tag,
      sharedChild: !perSessionChild,
    }),
  );
  return { targets, stop };
}

/** e) connect / terminateSession / close cycles against a per-session instance, then count its children. */
export async function leakCheck(client: LoadPool, box: McpBox): Promise<LeakResult> {
  const tag = `${RUN_TAG}-cycle`;
  await box.instances.create(hosted("echo-cycle", tag, "per-session"));
  log(`e) ${SETTINGS.cycles} connect/disconnect cycles against MCPBox per-session`);
  const cycles = await client.cycles({
    endpoint: { url: `${box.url}/mcp/echo-cycle`, transport: "streamable-http" },
    cycles: SETTINGS.cycles,
    concurrency: SETTINGS.cycleConcurrency,
  });
  const settleMs = 2000;
  await sleep(settleMs);
  return {
    ...cycles,
    settleMs,
    leftProcesses: taggedPids(tag).length,
    zombies: zombieChildren(),
    leftSessions: box.sessions.forInstance("echo-cycle").length,
    supervisorProcesses: box.upstreams.status("echo-cycle")?.processes ?? 0,
  };
}
