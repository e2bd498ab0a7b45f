/**
 * Self and total time of a V8 .cpuprofile (node --cpu-prof), counting only
 * samples whose stack passes through a function whose label contains
 * `within` (default: the sync loop, "sync repository-sync.ts"), so the
 * benchmark's own setup (generating and committing files) stays out.
 *
 *   npx tsx bench/sync/profile-within.ts file.cpuprofile [top=30] [within]
 */
import { readFileSync } from "node:fs";

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

const [file, topArg, withinArg] = process.argv.slice(2);
if (!file) throw new Error("usage: profile-within.ts file.cpuprofile [top] [within]");
const profile = JSON.parse(readFileSync(file, "utf8")) as Profile;
const top = Number(topArg ?? 30);
const within = withinArg ?? "sync repository-sync.ts";
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map<number, number>();
for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
const label = (n: ProfileNode) => `${n.callFrame.functionName || "(anonymous)"} ${n.callFrame.url.replace(/^.*\/(node_modules\/)?/, "")}:${n.callFrame.lineNumber + 1}`;

const self = new Map<string, number>();
const total = new Map<string, number>();
let all = 0;
profile.samples.forEach((id, i) => {
  const stack: string[] = [];
  for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) stack.push(label(byId.get(cur)!));
  if (!stack.some((l) => l.includes(within))) return;
  const dt = profile.timeDeltas[i] ?? 0;
  all += dt;
  self.set(stack[0]!, (self.get(stack[0]!) ?? 0) + dt);
  for (const l of new Set(stack)) total.set(l, (total.get(l) ?? 0) + dt);
});
const print = (title: string, map: Map<string, number>) => {
  console.log(`\n${title} (of ${(all / 1000).toFixed(0)} ms sampled within "${within}")`);
  [...map.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .forEach(([l, t]) => console.log(`${((100 * t) / all).toFixed(1).padStart(5)}% ${(t / 1000).toFixed(0).padStart(6)} ms  ${l}`));
};
print("self time", self);
print("total time", total);
