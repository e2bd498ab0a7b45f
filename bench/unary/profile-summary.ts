/**
 * Reads a V8 .cpuprofile (node --cpu-prof) and prints where the busy time
 * went, so a profile can be read (and two compared) without a browser:
 * self time by area (the RPC framework, protobuf, Node's HTTP/2, the
 * service's own modules...), then the functions with the most self and
 * total (inclusive) time. Percentages are of busy time (idle left out).
 *
 *   npx tsx bench/unary/profile-summary.ts file.cpuprofile [--top 25] [--filter text]
 *     [--serving-only]   count only samples after the first request was handled
 *                        (leaves out start-up: module loading, seeding the store)
 *     [--within text]    count only samples whose stack passes through a function whose
 *                        label contains `text` (e.g. "sync repository-sync.ts" for the Git
 *                        sync bench, leaving out generating and committing the files)
 *     [--rounds-ms n]    count only busy stretches (runs of samples with no idle gap of
 *                        400 ms or more) lasting 0.7n to 1.3n ms: bench/unary's measured
 *                        rounds (n = warm-up + duration: 3000 with the defaults), without the
 *                        seeding, cold start and priming passes. Under --serving-only those
 *                        passes stay in, and at a few thousand requests/s priming (one read
 *                        of every component per scenario and protocol, each converted and
 *                        encoded on first read) can outweigh the rounds themselves
 */
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const { values: args, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    top: { type: "string", default: "25" },
    filter: { type: "string" },
    "serving-only": { type: "boolean", default: false },
    within: { type: "string" },
    "rounds-ms": { type: "string" },
  },
});
const file = positionals[0];
if (!file)
  throw new Error(
    "usage: profile-summary.ts file.cpuprofile [--top n] [--filter text] [--serving-only] [--within text]" +
      " [--rounds-ms n]",
  );
const profile = JSON.parse(readFileSync(file, "utf8")) as Profile;
const top = Number(args.top);
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map<number, number>();
for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);

const IDLE = new Set(["(idle)", "(program)"]);
/**
 * The Connect-Node adapter's functions (not its module's top level, which runs at import): the first sample in one
 * marks the start of serving.
 */
const SERVING = "@connectrpc/connect-node/";

const label = (n: ProfileNode) => {
  const url = n.callFrame.url.replace(/^.*\/(node_modules\/)?/, "");
  return `${n.callFrame.functionName || "(anonymous)"} ${url}:${n.callFrame.lineNumber + 1}`;
};

/** A coarse owner of a function, for comparing two profiles at a glance. */
function area(n: ProfileNode): string {
  const url = n.callFrame.url;
  if (url === "") return n.callFrame.functionName.startsWith("(") ? n.callFrame.functionName : "native";
  if (url.startsWith("node:")) return `node:${url.slice(5).split("/")[0]}`;
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1]!;
  const local = /\/work\/[^/]+\/(.*)$/.exec(url);
  return local ? local[1]! : url;
}

const stackHasLabel = (id: number, text: string) => {
  for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
    if (label(byId.get(cur)!).includes(text)) return true;
  }
  return false;
};

const stackContains = (id: number, urlPart: string) => {
  for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
    const frame = byId.get(cur)!.callFrame;
    if (frame.functionName !== "" && frame.url.includes(urlPart)) return true;
  }
  return false;
};

/**
 * Which samples fall in a measured round (--rounds-ms): busy stretches split at idle gaps of
 * ROUND_GAP_US or more; a stretch still shorter than a round takes in the next one across a gap
 * (a round the machine stalled in) while their span stays within a round's.
 */
const ROUND_GAP_US = 400_000;
function inRounds(roundMs: number): boolean[] {
  const [shortest, longest] = [roundMs * 700, roundMs * 1_300];
  const stretches: { start: number; end: number; first: number; last: number }[] = [];
  let time = 0;
  profile.samples.forEach((id, i) => {
    time += profile.timeDeltas[i] ?? 0;
    if (IDLE.has(byId.get(id)!.callFrame.functionName)) return;
    const open = stretches.at(-1);
    const joins =
      open !== undefined &&
      (time - open.end < ROUND_GAP_US || (open.end - open.start < shortest && time - open.start <= longest));
    if (joins) {
      open.end = time;
      open.last = i;
    } else stretches.push({ start: time, end: time, first: i, last: i });
  });
  const marks = new Array<boolean>(profile.samples.length).fill(false);
  for (const { start, end, first, last } of stretches) {
    if (end - start < shortest || end - start > longest) continue;
    for (let i = first; i <= last; i++) marks[i] = true;
  }
  return marks;
}
const roundSamples = args["rounds-ms"] === undefined ? undefined : inRounds(Number(args["rounds-ms"]));

const self = new Map<string, number>();
const total = new Map<string, number>();
const areas = new Map<string, number>();
let busy = 0;
let counting = !args["serving-only"];
profile.samples.forEach((id, i) => {
  const dt = profile.timeDeltas[i] ?? 0;
  const node = byId.get(id)!;
  if (!counting && stackContains(id, SERVING)) counting = true;
  if (!counting || IDLE.has(node.callFrame.functionName)) return;
  if (roundSamples !== undefined && !roundSamples[i]) return;
  if (args.within !== undefined && !stackHasLabel(id, args.within)) return;
  busy += dt;
  self.set(label(node), (self.get(label(node)) ?? 0) + dt);
  areas.set(area(node), (areas.get(area(node)) ?? 0) + dt);
  const seen = new Set<string>();
  for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
    const l = label(byId.get(cur)!);
    if (!seen.has(l)) {
      seen.add(l);
      total.set(l, (total.get(l) ?? 0) + dt);
    }
  }
});
const print = (title: string, map: Map<string, number>) => {
  console.log(`\n${title} (of ${(busy / 1000).toFixed(0)} ms busy)`);
  [...map.entries()]
    .filter(([l]) => !args.filter || l.includes(args.filter))
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .forEach(([l, t]) => console.log(`${((100 * t) / busy).toFixed(1).padStart(5)}%  ${l}`));
};
process.stdout.on("error", () => process.exit(0));
print("self time by area", areas);
print("self time", self);
print("total time", total);
