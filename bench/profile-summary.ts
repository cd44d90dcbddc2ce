// Summarises a .cpuprofile (from `bench/probe.ts --cpu-prof`): where the server's CPU time went,
// by package or file group and by function (self time), skipping the first `--skip=` seconds
// (start-up) and, with `--until=`, everything after that many seconds (one step of a sequence).
// Usage: npx tsx bench/profile-summary.ts <file> [--skip=8] [--until=60] [--top=30]
import { readFileSync } from "node:fs";

interface Node { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; children?: number[] }
interface Profile { nodes: Node[]; startTime: number; samples: number[]; timeDeltas: number[] }

const [file, ...rest] = process.argv.slice(2);
const opt = (name: string, fallback: number) => Number(rest.find((a) => a.startsWith(`--${name}=`))?.split("=")[1] ?? fallback);
const profile = JSON.parse(readFileSync(file, "utf8")) as Profile;
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map<number, number>();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);

function group(url: string, fn: string): string {
  if (!url) return fn.startsWith("(") ? fn : "(native/V8)";
  const nm = url.lastIndexOf("node_modules/");
  if (nm >= 0) {
    const parts = url.slice(nm + 13).split("/");
    return parts[0].startsWith("@") ? `${parts[0]}/${parts[1]}` : parts[0];
  }
  if (url.startsWith("node:")) return "node:internal";
  const m = /\/(lib\/[^/]+)\//.exec(url) ?? /\/(\.next[^/]*\/server\/chunks)/.exec(url);
  return m ? m[1] : url.replace(/^.*\/work\/main\//, "");
}

const skipUs = opt("skip", 8) * 1e6;
const untilUs = opt("until", Infinity) * 1e6;
const self = new Map<string, number>();
const groups = new Map<string, number>();
const inclusiveGroups = new Map<string, number>();
// Inclusive time per function (each function counted once per sample however deep it recurses).
const inclusiveFunctions = new Map<string, number>();
let t = profile.startTime;
let total = 0;
for (let i = 0; i < profile.samples.length; i++) {
  t += profile.timeDeltas[i];
  if (t - profile.startTime < skipUs || t - profile.startTime > untilUs) continue;
  const node = byId.get(profile.samples[i])!;
  const { functionName, url, lineNumber } = node.callFrame;
  if (functionName === "(idle)") continue;
  const dt = profile.timeDeltas[i] / 1000;
  total += dt;
  const key = `${functionName || "(anonymous)"} ${url.replace(/^.*node_modules\//, "").replace(/^.*\/work\/main\//, "")}:${lineNumber}`;
  self.set(key, (self.get(key) ?? 0) + dt);
  const g = group(url, functionName);
  groups.set(g, (groups.get(g) ?? 0) + dt);
  const seen = new Set<string>();
  for (let id: number | undefined = node.id; id !== undefined; id = parent.get(id)) {
    const f = byId.get(id)!.callFrame;
    const gg = group(f.url, f.functionName);
    if (!seen.has(gg)) { seen.add(gg); inclusiveGroups.set(gg, (inclusiveGroups.get(gg) ?? 0) + dt); }
    const fk = `${f.functionName || "(anonymous)"} ${f.url.replace(/^.*node_modules\//, "").replace(/^.*\/work\/main\//, "")}:${f.lineNumber}`;
    if (!seen.has(fk)) { seen.add(fk); inclusiveFunctions.set(fk, (inclusiveFunctions.get(fk) ?? 0) + dt); }
  }
}
const pct = (v: number) => `${((100 * v) / total).toFixed(1)}%`;
console.log(`busy ${total.toFixed(0)} ms after skipping ${skipUs / 1e6} s${untilUs < Infinity ? `, until ${untilUs / 1e6} s` : ""}`);
console.log("\nself time by group:");
for (const [k, v] of [...groups].sort((a, b) => b[1] - a[1]).slice(0, 20)) console.log(`  ${pct(v).padStart(6)}  ${k}`);
console.log("\ninclusive time by group:");
for (const [k, v] of [...inclusiveGroups].sort((a, b) => b[1] - a[1]).slice(0, 20)) console.log(`  ${pct(v).padStart(6)}  ${k}`);
console.log("\nself time by function:");
for (const [k, v] of [...self].sort((a, b) => b[1] - a[1]).slice(0, opt("top", 30))) console.log(`  ${pct(v).padStart(6)}  ${k}`);
console.log("\ninclusive time by function (synchronous call stacks only: time after an await is not under its caller):");
for (const [k, v] of [...inclusiveFunctions].sort((a, b) => b[1] - a[1]).slice(0, opt("top", 30))) console.log(`  ${pct(v).padStart(6)}  ${k}`);
