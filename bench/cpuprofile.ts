// Summarizes a V8 .cpuprofile (node --cpu-prof) over a time window: self time by package / source file,
// the hottest functions, and inclusive time (share of samples with the frame anywhere on the stack).

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}

export interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileSummary {
  windowMs: number;
  busyMs: number;
  idleMs: number;
  /** [name, ms] sorted by ms, descending. */
  selfByCategory: [string, number][];
  selfByFunction: [string, number][];
  inclusiveByCategory: [string, number][];
  inclusiveSrcFunctions: [string, number][];
  /** Each busy sample charged to the deepest MCPBox src frame on its stack (its own code and the libraries
   * it called), or to "(no src frame) <leaf package>" for work that runs outside any MCPBox stack. */
  ownedBySrc: [string, number][];
  inclusiveByFunction: [string, number][];
  /** Each busy sample in the first bucket (in the order given) that has a matching frame on its stack. */
  buckets: [string, number][];
}

/** A named group of stack frames, matched on the frame's category (package, src file, node module). */
export interface Bucket {
  name: string;
  match: (category: string) => boolean;
}

/** Where a frame's code lives: a package, an MCPBox source file, a node internal module, or V8 itself. */
export function category(frame: CallFrame, root: string): string {
  const { url, functionName } = frame;
  if (!url) {
    if (functionName.startsWith("(")) return functionName;
    return "(native builtins)";
  }
  const path = url.replace(/^file:\/\//, "");
  const nm = path.lastIndexOf("/node_modules/");
  if (nm >= 0) {
    const rest = path.slice(nm + "/node_modules/".length).split("/");
    return rest[0].startsWith("@") ? `${rest[0]}/${rest[1]}` : rest[0];
  }
  if (path.startsWith(`${root}/`)) return path.slice(root.length + 1);
  if (path.startsWith("node:")) {
    const parts = path.slice(5).split("/");
    return `node:${parts.slice(0, parts[0] === "internal" ? 2 : 1).join("/")}`;
  }
  return path;
}

function frameName(frame: CallFrame, root: string): string {
  const where = category(frame, root);
  const name = frame.functionName || "(anonymous)";
  return where.startsWith("(") ? name : `${name} [${where}:${frame.lineNumber + 1}]`;
}

function sorted(map: Map<string, number>): [string, number][] {
  return [...map].sort((a, b) => b[1] - a[1]);
}

const IDLE = new Set(["(idle)"]);

/** Summarizes samples whose time (ms since profile start) lies in [fromMs, toMs). */
export function summarize(
  profile: CpuProfile,
  root: string,
  fromMs: number,
  toMs: number,
  bucketList: Bucket[] = [],
): ProfileSummary {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);

  const selfByCategory = new Map<string, number>();
  const selfByFunction = new Map<string, number>();
  const inclusiveByCategory = new Map<string, number>();
  const inclusiveSrc = new Map<string, number>();
  const ownedBySrc = new Map<string, number>();
  const inclusiveByFunction = new Map<string, number>();
  const buckets = new Map<string, number>();
  const add = (map: Map<string, number>, key: string, ms: number) => map.set(key, (map.get(key) ?? 0) + ms);

  let t = 0; // µs since startTime
  let busyMs = 0;
  let idleMs = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    t += profile.timeDeltas[i];
    const ms = (profile.timeDeltas[i + 1] ?? 0) / 1000;
    if (t / 1000 < fromMs || t / 1000 >= toMs) continue;
    const leaf = byId.get(profile.samples[i])!;
    if (IDLE.has(leaf.callFrame.functionName)) {
      idleMs += ms;
      continue;
    }
    busyMs += ms;
    add(selfByCategory, category(leaf.callFrame, root), ms);
    add(selfByFunction, frameName(leaf.callFrame, root), ms);
    const categories = new Set<string>();
    const srcFrames = new Set<string>();
    const functions = new Set<string>();
    let owner: string | undefined;
    for (let id: number | undefined = leaf.id; id !== undefined; id = parent.get(id)) {
      const frame = byId.get(id)!.callFrame;
      if (frame.functionName === "(root)") break;
      const where = category(frame, root);
      categories.add(where);
      functions.add(frameName(frame, root));
      if (where.startsWith("src/")) {
        srcFrames.add(frameName(frame, root));
        owner ??= frameName(frame, root);
      }
    }
    for (const key of categories) add(inclusiveByCategory, key, ms);
    for (const key of srcFrames) add(inclusiveSrc, key, ms);
    for (const key of functions) add(inclusiveByFunction, key, ms);
    add(ownedBySrc, owner ?? `(no src frame) ${category(leaf.callFrame, root)}`, ms);
    const bucket = bucketList.find((b) => [...categories].some((c) => b.match(c)));
    add(buckets, bucket?.name ?? "other", ms);
  }
  return {
    windowMs: toMs - fromMs,
    busyMs,
    idleMs,
    selfByCategory: sorted(selfByCategory),
    selfByFunction: sorted(selfByFunction),
    inclusiveByCategory: sorted(inclusiveByCategory),
    inclusiveSrcFunctions: sorted(inclusiveSrc),
    ownedBySrc: sorted(ownedBySrc),
    inclusiveByFunction: sorted(inclusiveByFunction),
    buckets: sorted(buckets),
  };
}

export function formatSummary(title: string, summary: ProfileSummary, top = 15): string {
  const pct = (ms: number) => `${((ms / summary.busyMs) * 100).toFixed(1).padStart(5)}%`;
  const list = (rows: [string, number][], count = top) =>
    rows
      .slice(0, count)
      .map(([name, ms]) => `  ${pct(ms)} ${ms.toFixed(0).padStart(6)} ms  ${name}`)
      .join("\n");
  return [
    `=== ${title}: busy ${summary.busyMs.toFixed(0)} ms, idle ${summary.idleMs.toFixed(0)} ms ` +
      `of a ${summary.windowMs.toFixed(0)} ms window (percentages are of busy time)`,
    ...(summary.buckets.length > 1
      ? ["where the time goes (each sample counted once):", list(summary.buckets)]
      : []),
    "self time by package / file:",
    list(summary.selfByCategory),
    "self time by function:",
    list(summary.selfByFunction),
    "inclusive time by package / file (on the stack):",
    list(summary.inclusiveByCategory),
    "inclusive time of MCPBox src functions:",
    list(summary.inclusiveSrcFunctions),
    "time owned by the deepest MCPBox src frame (its code + the libraries it calls):",
    list(summary.ownedBySrc),
    "inclusive time by function (any code):",
    list(summary.inclusiveByFunction.slice(0, top * 2), top * 2),
  ].join("\n");
}
