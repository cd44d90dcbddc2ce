// Preloaded into the server to see where its event loop stops: `NODE_OPTIONS="--require
// ./bench/stall-preload.cjs" npx tsx bench/probe.ts …` (the probe's server inherits NODE_OPTIONS).
// Every WINDOW_MS it appends one JSON line per thread to $STALL_LOG_DIR/stalls-<pid>.jsonl (the
// system's temporary directory by default): the garbage collections of the window by kind (V8's
// numbering: 1 scavenge, 4 mark-sweep-compact, 8 incremental marking) with their count, total and
// longest pause, and every stall of the event loop, a timer 2 ms apart that ran more than
// STALL_MS late, as [ms since the thread started, length in ms]. A stall that lines up with no
// collection is the event loop's own work or a synchronous call (the server's SQLite statements
// and checkpoints are synchronous): what BENCHMARKS.md's "the server's own checkpoint" was found by.
const { PerformanceObserver } = require("node:perf_hooks");
const { appendFileSync } = require("node:fs");
const { isMainThread, threadId } = require("node:worker_threads");
const os = require("node:os");
const path = require("node:path");

const WINDOW_MS = 19_000;
const TICK_MS = 2;
const STALL_MS = 15;
const file = path.join(process.env.STALL_LOG_DIR || os.tmpdir(), `stalls-${process.pid}.jsonl`);

const collections = {};
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) {
    const kind = String(entry.detail?.kind ?? entry.kind);
    const sum = (collections[kind] ??= { count: 0, totalMs: 0, longestMs: 0 });
    sum.count += 1;
    sum.totalMs += entry.duration;
    sum.longestMs = Math.max(sum.longestMs, entry.duration);
  }
}).observe({ entryTypes: ["gc"] });

let stalls = [];
let last = performance.now();
setInterval(() => {
  const now = performance.now();
  if (now - last > TICK_MS + STALL_MS) stalls.push([Math.round(last), Math.round((now - last) * 10) / 10]);
  last = now;
}, TICK_MS).unref();

setInterval(() => {
  const gc = Object.fromEntries(
    Object.entries(collections).map(([kind, sum]) => [kind, { count: sum.count, totalMs: Math.round(sum.totalMs), longestMs: Math.round(sum.longestMs * 10) / 10 }]),
  );
  const line = { at: Math.round(performance.now()), thread: isMainThread ? "main" : `worker ${threadId}`, heapUsedMb: Math.round(process.memoryUsage().heapUsed / 1e6), gc, stalls };
  appendFileSync(file, `${JSON.stringify(line)}\n`);
  for (const kind of Object.keys(collections)) delete collections[kind];
  stalls = [];
}, WINDOW_MS).unref();
