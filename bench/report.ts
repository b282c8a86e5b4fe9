// Console table, ratios against the targets, and BENCHMARKS.md.
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import type { ConnectResult, CycleResult } from "./client.js";
import type { RssResult } from "./rss.js";
import type { PhaseResult } from "./stats.js";

export interface TargetResult {
  key: string;
  gateway: string;
  transport: "Streamable HTTP" | "SSE";
  /** Median (by calls/s) of the repeated runs; the list has every run's calls/s. */
  sequential: PhaseResult;
  sequentialRuns: number[];
  burst: PhaseResult;
  burstRuns: number[];
  /** Foreign load during each b) run (share of all CPUs). */
  burstForeign: number[];
  connect: ConnectResult;
  /** Gateway process CPU (user + system) per relayed call during the 20×100 runs, in µs. */
  gatewayCpuUsPerCall: number;
  /** Load-generator CPU per call in the same runs, in µs. */
  clientCpuUsPerCall: number;
  /** CPU of the echo server process(es) per call in the same runs, in µs. */
  upstreamCpuUsPerCall: number;
  /** Highest share of all CPUs used by other people's processes during a) and c), and the reported b) runs. */
  foreignLoad: { prepare: number; burst: number };
}

export interface LeakResult extends CycleResult {
  settleMs: number;
  leftProcesses: number;
  zombies: number;
  leftSessions: number;
  supervisorProcesses: number;
}

export interface Ratio {
  label: string;
  mcpbox: number;
  peer: number;
  ratio: number;
  target: number;
}

export interface BenchReport {
  date: string;
  node: string;
  platform: string;
  cpus: string;
  memory: string;
  background: string;
  command: string;
  versions: Record<string, string>;
  settings: Record<string, number>;
  durationS: number;
  targets: TargetResult[];
  ratios: Ratio[];
  rss?: RssResult;
  leak?: LeakResult;
  failures: string[];
}

const f0 = (n: number) => (Number.isFinite(n) ? Math.round(n).toLocaleString("en-US") : "n/a");
const f2 = (n: number) => (Number.isFinite(n) ? n.toFixed(2) : "n/a");
const f1 = (n: number) => (Number.isFinite(n) ? n.toFixed(1) : "n/a");

function markdownTable(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(" | ")} |`;
  return [line(header), `| ${widths.map((w) => "-".repeat(w)).join(" | ")} |`, ...rows.map(line)].join("\n");
}

export function throughputTable(targets: TargetResult[]): string {
  return markdownTable(
    [
      "gateway",
      "transport",
      "a) calls/s",
      "a) p50 ms",
      "a) p99 ms",
      "b) calls/s",
      "b) p50 ms",
      "b) p99 ms",
      "b) CPU µs/call: gw",
      "client",
      "echo",
      "errors",
      "foreign load a,c / b",
    ],
    targets.map((t) => [
      t.gateway,
      t.transport,
      f0(t.sequential.callsPerSec),
      f2(t.sequential.p50Ms),
      f2(t.sequential.p99Ms),
      f0(t.burst.callsPerSec),
      f1(t.burst.p50Ms),
      f1(t.burst.p99Ms),
      f0(t.gatewayCpuUsPerCall),
      f0(t.clientCpuUsPerCall),
      f0(t.upstreamCpuUsPerCall),
      String(t.sequential.errors + t.burst.errors),
      [t.foreignLoad.prepare, t.foreignLoad.burst]
        .map((load) => `${Math.round(load * 100)}%${load > 0.1 ? " ⚠" : ""}`)
        .join(" / "),
    ]),
  );
}

export function connectTable(targets: TargetResult[]): string {
  return markdownTable(
    ["gateway", "transport", "sessions ok", "all 20 connected (ms)", "p50 ms", "p99 ms", "max ms"],
    targets.map((t) => [
      t.gateway,
      t.transport,
      `${t.connect.sessions}/${t.connect.sessions + t.connect.failures}`,
      f0(t.connect.wallMs),
      f1(t.connect.p50Ms),
      f1(t.connect.p99Ms),
      f1(t.connect.maxMs),
    ]),
  );
}

export function ratioTable(ratios: Ratio[]): string {
  return markdownTable(
    ["20×100 calls/s", "MCPBox", "peer", "ratio", "target", "met"],
    ratios.map((r) => [
      r.label,
      f0(r.mcpbox),
      f0(r.peer),
      `${r.ratio.toFixed(2)}×`,
      Number.isFinite(r.target) ? `≥ ${r.target}×` : "info",
      Number.isFinite(r.target) ? (r.ratio >= r.target ? "yes" : "**no**") : "",
    ]),
  );
}

export function rssText(rss: RssResult | undefined): string {
  if (!rss) return "not measured (see failures)";
  const mib = (b: number) => `${(b / 1024 / 1024).toFixed(1)} MiB`;
  return [
    `- sessions opened: ${rss.sessions} (${rss.failures} failed) in ${f0(rss.openWallMs)} ms`,
    `- RSS before: ${mib(rss.rssBeforeBytes)}, after: ${mib(rss.rssAfterBytes)}`,
    `- delta: ${mib(rss.deltaBytes)} = **${(rss.bytesPerSession / 1024).toFixed(1)} KiB per idle session**`,
    ...(rss.firstError ? [`- first error: ${rss.firstError}`] : []),
  ].join("\n");
}

export function leakText(leak: LeakResult | undefined): string {
  if (!leak) return "not measured (see failures)";
  return [
    `- cycles: ${leak.cycles} (${leak.failures} failed) in ${f0(leak.wallMs)} ms`,
    `- echo-server processes left after ${leak.settleMs} ms settle: **${leak.leftProcesses}** (expected 0)`,
    `- zombie children: ${leak.zombies}; sessions still registered: ${leak.leftSessions}; ` +
      `supervisor's live children: ${leak.supervisorProcesses}`,
    ...(leak.firstError ? [`- first error: ${leak.firstError}`] : []),
  ].join("\n");
}

export function printReport(report: BenchReport): void {
  const out = [
    "",
    `Throughput and latency (a: ${report.settings.sequentialCalls} sequential calls on one session; ` +
      `b: ${report.settings.sessions} sessions × ${report.settings.perSession} concurrent calls; ` +
      `median of ${report.settings.repeats}+ runs, uncontended ones when available)`,
    throughputTable(report.targets),
    "",
    `c) Session connect, ${report.settings.sessions} simultaneous sessions`,
    connectTable(report.targets),
    "",
    "Ratios",
    ratioTable(report.ratios),
    "",
    `d) RSS of an MCPBox process, ${report.settings.rssSessions} idle sessions (shared instance)`,
    rssText(report.rss),
    "",
    `e) ${report.settings.cycles} connect/disconnect cycles, MCPBox per-session`,
    leakText(report.leak),
    "",
    ...(report.failures.length ? ["Failures:", ...report.failures.map((f) => `- ${f}`), ""] : []),
    `${report.background}`,
    `total ${report.durationS.toFixed(0)} s`,
  ];
  console.log(out.join("\n"));
}

const NOTES_MARKER = "<!-- hand-written notes below this line are kept by `npm run bench` -->";

export function writeMarkdown(path: string, report: BenchReport): void {
  const previous = existsSync(path) ? readFileSync(path, "utf8") : "";
  const notesAt = previous.indexOf(NOTES_MARKER);
  const notes = notesAt >= 0 ? previous.slice(notesAt + NOTES_MARKER.length).trim() : "";
  const targeted = report.ratios.filter((r) => Number.isFinite(r.target));
  const met = targeted.filter((r) => r.ratio >= r.target).length;
  const doc = `# Benchmarks

Generated by \`${report.command}\` (bench/run.ts) on ${report.date}; do not edit above the notes marker.

- machine: ${report.cpus}, ${report.memory}, ${report.platform}
- background: ${report.background}
- node ${report.node}; ${Object.entries(report.versions)
    .map(([k, v]) => `${k} ${v}`)
    .join(", ")}
- whole run: ${report.durationS.toFixed(0)} s; targets met: ${met}/${targeted.length}

## Set-up

One upstream for everybody: \`bench/echo-server.mjs\` (SDK \`McpServer\` over stdio, one \`echo\` tool). Every
measurement uses the official SDK \`Client\` (\`StreamableHTTPClientTransport\` or \`SSEClientTransport\`) from
${report.settings.loadProcesses} load-generator processes (\`bench/client.ts\`), so client work never shares a thread with a
gateway, and one single-threaded client (~0.5 ms of CPU per call) is not the ceiling of every gateway alike:
a gateway's sessions are spread over them, sequential calls and cycles run on the first.

- **MCPBox** runs in the bench process (\`createServer\`, in-memory store, log level silent) with two public
  hosted stdio instances: \`per-session\` (one child per session) and \`shared\` (one child for all).
- **supergateway** \`--stdio … --outputTransport streamableHttp --stateful\` (one child per session).
- **mcp-proxy** \`--port N -- node bench/echo-server.mjs\` (one child; \`/mcp\` and \`/sse\` both measured).

Each gateway endpoint is first prepared on its own: warm-up (100 sequential calls, then 4 sessions × 50
concurrent calls), a) ${report.settings.sequentialCalls} sequential \`tools/call\` on one session, ${report.settings.repeats}×; c) ${report.settings.sessions} sessions opened at
once, which stay open and run one unmeasured b) burst as warm-up. Then b) runs in ${report.settings.repeats} rounds, each round running once on every
endpoint (rotating order): each of the ${report.settings.sessions} sessions issues ${report.settings.perSession} calls at once, all sessions in parallel
(${report.settings.sessions * report.settings.perSession} calls in flight). Interleaving spreads any outside load over all gateways; a b) run during which
other people's processes used more than 10% of the CPUs is re-run (up to 3 extra rounds, 40 s at most) and
the median is then taken over the uncontended runs only (all runs are in the raw JSON). The median run (by
calls/s) of a) and of b) is reported; latency is per call, client side.
"CPU µs/call" is user+system CPU time during the b) runs divided by the calls, for the gateway process ("gw":
the bench process for MCPBox, which is otherwise idle then), the load generators ("client", summed) and the echo
server process(es) ("echo"). On a 2-core machine all three compete for the same cores, so b) throughput is
roughly bounded by 2 s / (gw + client + echo) per call; the gateway column is the gateway's own efficiency.
"foreign load" is the highest share of all CPUs used by processes outside this benchmark (per-process
accounting from /proc) during the row's a) and c) phases, and during its reported b) runs; above 10% (⚠)
those numbers were measured on a contended machine. Before each phase the bench waits (15 s at most, 45 s in all) for the
machine to be below 15% busy.

## a) sequential and b) 20 × 100 concurrent

${throughputTable(report.targets)}

## Ratios (b)

MCPBox rows are its Streamable HTTP endpoints, as the targets are defined; the last row (info) compares the
best MCPBox endpoint of any transport.

${ratioTable(report.ratios)}

## c) Session connect: ${report.settings.sessions} simultaneous sessions

${connectTable(report.targets)}

## d) Memory: ${report.settings.rssSessions} idle sessions

A child \`node bin/mcpbox.mjs serve\` (PGlite data dir, \`--config\` with one shared public instance); VmRSS
from /proc after a warm-up of 50 sessions, then after opening ${report.settings.rssSessions} more with raw HTTP
(initialize + notifications/initialized, 50 at a time), each read after a 1.5 s settle (no forced GC).

${rssText(report.rss)}

## e) Child processes after ${report.settings.cycles} connect/disconnect cycles (MCPBox per-session)

SDK client connect, \`terminateSession()\` (DELETE), \`close()\`, ${report.settings.cycleConcurrency} cycles at a time; then count
processes whose command line runs \`bench/echo-server.mjs\` with this instance's tag.

${leakText(report.leak)}
${report.failures.length ? `\n## Failures\n\n${report.failures.map((f) => `- ${f}`).join("\n")}\n` : ""}
## Raw results

<details><summary>JSON</summary>

\`\`\`json
${JSON.stringify(report, null, 2)}
\`\`\`

</details>

${NOTES_MARKER}
${notes ? `\n${notes}\n` : ""}`;
  writeFileSync(path, doc);
}
