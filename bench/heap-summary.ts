// Sums a V8 heap snapshot (from the server under load: `NODE_OPTIONS="--heapsnapshot-signal=SIGUSR2
// --diagnostic-dir=<dir>" npx tsx bench/probe.ts --sequence=…`, then SIGUSR2 to the server) by
// what holds the memory: self size per node type (strings, code, objects, array-buffer data…), then
// per type and constructor or name. The live-heap figures of BENCHMARKS.md ("Changes of the evening
// of 2026-12-07") were read this way.
// Usage: npx tsx bench/heap-summary.ts <file.heapsnapshot> [--top=45]
import { readFileSync } from "node:fs";

interface Snapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[], ...unknown[]] } };
  nodes: number[];
  strings: string[];
}

// Node types whose name says what they are (a constructor, a function); for the rest (strings,
// numbers, code) the name is the value or empty, and only the type is summed.
const NAMED_TYPES = new Set(["object", "closure", "native", "hidden", "array", "object shape", "code"]);

const [file, ...rest] = process.argv.slice(2);
if (!file) {
  process.stderr.write("usage: npx tsx bench/heap-summary.ts <file.heapsnapshot> [--top=45]\n");
  process.exit(2);
}
const top = Number(rest.find((a) => a.startsWith("--top="))?.split("=")[1] ?? 45);
const snapshot = JSON.parse(readFileSync(file, "utf8")) as Snapshot;
const fields = snapshot.snapshot.meta.node_fields;
const typeNames = snapshot.snapshot.meta.node_types[0];
const [typeAt, nameAt, sizeAt] = ["type", "name", "self_size"].map((field) => fields.indexOf(field));

const byType = new Map<string, number>();
const byName = new Map<string, { bytes: number; count: number }>();
for (let i = 0; i < snapshot.nodes.length; i += fields.length) {
  const type = typeNames[snapshot.nodes[i + typeAt]];
  const size = snapshot.nodes[i + sizeAt];
  byType.set(type, (byType.get(type) ?? 0) + size);
  const key = NAMED_TYPES.has(type) ? `${type}: ${snapshot.strings[snapshot.nodes[i + nameAt]].slice(0, 80)}` : type;
  const entry = byName.get(key) ?? { bytes: 0, count: 0 };
  entry.bytes += size;
  entry.count += 1;
  byName.set(key, entry);
}

const mb = (bytes: number) => (bytes / 1e6).toFixed(2).padStart(7);
const total = [...byType.values()].reduce((sum, bytes) => sum + bytes, 0);
console.log(`live heap in the snapshot: ${mb(total).trim()} MB\n\nby node type (MB):`);
for (const [type, bytes] of [...byType].sort((a, b) => b[1] - a[1])) console.log(`${mb(bytes)}  ${type}`);
console.log(`\nby type and name (MB, nodes):`);
for (const [key, { bytes, count }] of [...byName].sort((a, b) => b[1].bytes - a[1].bytes).slice(0, top)) {
  console.log(`${mb(bytes)} ${String(count).padStart(8)}  ${key}`);
}
