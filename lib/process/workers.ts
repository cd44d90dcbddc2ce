// Several server processes on one port (`worker_processes` in homeserver.yaml), with node:cluster.
//
// One Node.js event loop serves about one core (see BENCHMARKS.md): on a machine with more, the
// primary process forks workers that each run the whole service, and the kernel's listening
// socket, owned by the primary, hands each new connection to one of them in turn. Everything the
// workers must agree on already lives in the database (sessions, tokens, hand-offs, and — through
// lib/ratelimit/shared-buckets.ts — rate-limit buckets), so no state is passed between them.
//
// The primary does what must happen once (config check, migrations) before forking, replaces a
// worker that dies, and stops them all on SIGTERM/SIGINT. A worker exits by itself if the primary
// dies (node:cluster closes its IPC channel), so a killed primary leaves no orphans.
import cluster, { type Worker } from "node:cluster";
import { logger } from "../logging/logger";

/** A worker that dies sooner than this after starting counts as failing to start. */
const STARTUP_GRACE_MS = 10_000;
/** Replacements of workers that failed to start, in a row, before the primary gives up. */
const MAX_STARTUP_FAILURES = 3;

export function isWorkerProcess(): boolean {
  return cluster.isWorker;
}

/**
 * Forks `count` workers running this same script and keeps that many running until SIGTERM or
 * SIGINT, then stops them and exits. Returns once the first set has been forked.
 */
export function superviseWorkers(count: number): void {
  let stopping = false;
  let exitCode = 0;
  let startupFailures = 0;
  const startedAt = new Map<Worker, number>();

  const fork = () => {
    const worker = cluster.fork();
    startedAt.set(worker, Date.now());
    worker.once("listening", () => {
      startupFailures = 0;
    });
  };

  cluster.on("exit", (worker, code, signal) => {
    const lived = Date.now() - (startedAt.get(worker) ?? 0);
    startedAt.delete(worker);
    if (stopping) {
      if (startedAt.size === 0) process.exit(exitCode);
      return;
    }
    const how = signal ? `signal ${signal}` : `code ${code}`;
    if (lived < STARTUP_GRACE_MS && ++startupFailures >= MAX_STARTUP_FAILURES) {
      logger.error(`worker process ${worker.process.pid} exited (${how}) during start-up, ${startupFailures} times in a row: stopping`);
      stopping = true;
      exitCode = 1;
      for (const other of startedAt.keys()) other.process.kill("SIGTERM");
      if (startedAt.size === 0) process.exit(exitCode);
      return;
    }
    logger.warn(`worker process ${worker.process.pid} exited (${how}); starting a new one`);
    fork();
  });

  const stop = () => {
    if (stopping) return;
    stopping = true;
    for (const worker of startedAt.keys()) worker.process.kill("SIGTERM");
    if (startedAt.size === 0) process.exit(0);
    // Workers close their servers and exit; do not wait forever for one that hangs.
    setTimeout(() => {
      for (const worker of startedAt.keys()) worker.process.kill("SIGKILL");
      process.exit(exitCode);
    }, 10_000).unref();
  };
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);

  for (let i = 0; i < count; i++) fork();
}
