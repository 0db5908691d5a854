/**
 * Summarises a V8 CPU profile of the gateway bundle: self time by source module (esbuild keeps a
 * `// path` comment before each module it bundles) and the heaviest functions, self and total,
 * in µs per request when told how many requests the profile covers.
 *
 *   node --import tsx bench/profile-summary.ts bench/.out/profiles/CPU.….cpuprofile 123456 [regex]
 *
 * With a regex, only functions whose "name module" matches it are listed (e.g. `pipeline|records`).
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
  startTime: number;
  endTime: number;
}

const [file, requestsArgument, filter] = process.argv.slice(2);
if (!file) throw new Error("usage: profile-summary.ts <file.cpuprofile> [requests]");
const requests = Number(requestsArgument ?? 0);
const profile = JSON.parse(readFileSync(file, "utf8")) as Profile;

const moduleStarts: { line: number; name: string }[] = [];
const bundles = new Map<string, typeof moduleStarts>();
function moduleOf(url: string, line: number): string {
  if (url === "") return "(native/gc)";
  if (!url.endsWith("floopy.mjs")) {
    const packageMatch = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
    if (packageMatch) return `npm:${packageMatch[1]}`;
    return url.startsWith("node:") ? url : `node:${url.split("/").at(-1)}`;
  }
  let starts = bundles.get(url);
  if (!starts) {
    starts = [];
    const lines = readFileSync(new URL(url), "utf8").split("\n");
    for (const [index, text] of lines.entries()) {
      const match = /^\/\/ (\S+\.(?:ts|js|mjs|cjs))$/.exec(text);
      if (match?.[1]) starts.push({ line: index, name: match[1].replace(/^packages\/gateway\/src\//, "") });
    }
    bundles.set(url, starts);
  }
  let name = "(bundle)";
  for (const start of starts) {
    if (start.line > line) break;
    name = start.name;
  }
  return name;
}

const byId = new Map(profile.nodes.map((node) => [node.id, node]));
const parent = new Map<number, number>();
for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
const selfUs = new Map<number, number>();
for (const [index, sample] of profile.samples.entries()) {
  selfUs.set(sample, (selfUs.get(sample) ?? 0) + (profile.timeDeltas[index] ?? 0));
}
const total = [...selfUs.values()].reduce((sum, value) => sum + value, 0);
const idle = [...selfUs.entries()]
  .filter(([id]) => byId.get(id)?.callFrame.functionName === "(idle)")
  .reduce((sum, [, value]) => sum + value, 0);
const busy = total - idle;

const byModule = new Map<string, number>();
const selfByFunction = new Map<string, number>();
const totalByFunction = new Map<string, number>();
for (const [id, us] of selfUs) {
  const node = byId.get(id);
  if (!node || node.callFrame.functionName === "(idle)") continue;
  const frame = node.callFrame;
  const module = moduleOf(frame.url, frame.lineNumber);
  byModule.set(module, (byModule.get(module) ?? 0) + us);
  const key = `${frame.functionName || "(anonymous)"} ${module}`;
  selfByFunction.set(key, (selfByFunction.get(key) ?? 0) + us);
  // Total time: every distinct function on the stack gets the sample once.
  const seen = new Set<string>();
  for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
    const ancestor = byId.get(at);
    if (!ancestor) break;
    const name = `${ancestor.callFrame.functionName || "(anonymous)"} ${moduleOf(ancestor.callFrame.url, ancestor.callFrame.lineNumber)}`;
    if (seen.has(name)) continue;
    seen.add(name);
    totalByFunction.set(name, (totalByFunction.get(name) ?? 0) + us);
  }
}

const per = (us: number) =>
  requests > 0 ? `${(us / requests).toFixed(1)} µs/req` : `${(us / 1000).toFixed(0)} ms`;
const top = (map: Map<string, number>, count: number) =>
  [...map.entries()].sort((a, b) => b[1] - a[1]).slice(0, count);
const print = (title: string, rows: [string, number][]) => {
  process.stdout.write(`\n${title}\n`);
  for (const [name, us] of rows) {
    process.stdout.write(
      `  ${per(us).padStart(14)}  ${((us / busy) * 100).toFixed(1).padStart(5)} %  ${name}\n`,
    );
  }
};
process.stdout.write(`busy ${per(busy)} (${(busy / 1e6).toFixed(2)} s), idle ${(idle / 1e6).toFixed(2)} s\n`);
print("self time by module", top(byModule, 40));
print("self time by function", top(selfByFunction, 40));
const matching = (map: Map<string, number>) =>
  filter ? new Map([...map].filter(([name]) => new RegExp(filter).test(name))) : map;
print("total time by function", top(matching(totalByFunction), filter ? 200 : 60));
