// Copies SQLite's write-ahead log back into the database file from a worker thread.
//
// In WAL mode the connection that commits also checkpoints: every `wal_autocheckpoint` pages (1,000
// by default) it copies the log into the database file and fsyncs both, synchronously, on the event
// loop. Under token-login load that was 13–22 ms every ~125 logins during which no request moved,
// and it set token login's p99 (BENCHMARKS.md, "WAL checkpoints"). Here a worker thread with its
// own connection runs PASSIVE checkpoints whenever the log has grown, so nearly all the copying and
// the fsyncs happen off the event loop.
//
// The server's connection keeps an automatic checkpoint, at a higher threshold
// (SERVER_AUTOCHECKPOINT_PAGES). The log starts over from its beginning only when a transaction
// begins after a checkpoint has reached the very end of the log (and no other connection holds a
// read mark on it), and under unbroken writes the thread's checkpoints never do: each takes most of
// the time until the next one, and the server commits new frames meanwhile. The committing
// connection's own checkpoint, right after its commit, does (unless the thread is checkpointing at
// that moment: then it is tried again after the next commit). It finds nearly every page already
// copied, but it still copies the rest and fsyncs the log and the database file on the event loop:
// 10–50 ms on this kind of machine once the tables outgrow the page cache (token logins on a
// 1M-user file write ~12 pages each). At 8,000 pages that came every ~650 logins, often enough to
// set token login's p99 (BENCHMARKS.md, "the server's own checkpoint"); at 32,000 it comes every
// ~2,700. The thread also flushes the database file as it goes (below), so that fsync finds little
// left to write. The threshold bounds the log at ~128 MB of disk (4 KiB pages), loosely: the log
// grows on while the server's checkpoint cannot reach its end, and the file keeps its largest size
// until the last connection closes. The log is written with pwrite, not mapped, so none of it is the
// server's memory (its index, the -shm file, is mapped: ~8 bytes a page). If the thread cannot run,
// the server's connection checkpoints at SQLite's default threshold, as without it.
import { openSync } from "node:fs";
import { Worker } from "node:worker_threads";
import { logger } from "../logging/logger";
import { betterSqlite3Path } from "./driver-packages";

/** The server connection's `wal_autocheckpoint` while the thread runs (SQLite's default is 1,000). */
export const SERVER_AUTOCHECKPOINT_PAGES = 32_000;

/** How soon the thread looks again after finding new pages in the log, and at most when it is idle. */
const BUSY_INTERVAL_MS = 10;
const IDLE_INTERVAL_MS = 500;
/** How often, at most, the thread flushes the pages it copied into the database file. */
const SYNC_INTERVAL_MS = 20;

// SQLite fsyncs the database file only after a checkpoint that ends at the end of the log, and
// under unbroken writes the thread's never do (above): the pages they copy stay in the kernel's
// cache until the server's own checkpoint fsyncs the file, on the event loop, and then has to write
// back every page copied since the log last started over. So the thread flushes the file itself
// after the checkpoints that copied something. It does so through a descriptor of its own that
// stays open for the life of the process: closing any descriptor of a file drops every POSIX lock
// the process holds on that file, SQLite's own included.
// If the file cannot be opened, the thread only checkpoints, as before.
const databaseDescriptors = new Map<string, number>();
function databaseDescriptor(file: string): number | null {
  let fd = databaseDescriptors.get(file);
  if (fd === undefined) {
    try {
      fd = openSync(file, "r");
    } catch {
      return null;
    }
    databaseDescriptors.set(file, fd);
  }
  return fd;
}

/** Positions of the thread's counters in its shared activity array. */
const COPIED = 0;
const FLUSHED = 1;

// The worker's source: plain CommonJS given to the Worker as text, so that no bundler (Next's,
// esbuild's for server.ts) has to find or rewrite a second entry file. It backs off while the log
// stands still, so an idle server is not woken 100 times a second.
const WORKER_SOURCE = `
const { parentPort, workerData } = require("node:worker_threads");
const { fdatasyncSync } = require("node:fs");
const Database = require(workerData.driver);
const connection = new Database(workerData.file, { timeout: 0 });
connection.pragma("cache_size = 16");
const checkpoint = connection.prepare("PRAGMA wal_checkpoint(PASSIVE)");
const activity = new Uint32Array(workerData.activity);
let delay = workerData.idleMs;
let lastLog = -1;
let lastCheckpointed = -1;
let unsynced = false;
let lastSync = 0;
let timer;
function tick() {
  try {
    const { log, checkpointed } = checkpoint.get();
    if (checkpointed > 0 && checkpointed !== lastCheckpointed) {
      unsynced = true;
      Atomics.add(activity, ${COPIED}, 1);
    }
    lastCheckpointed = checkpointed;
    if (unsynced && workerData.databaseFd !== null && Date.now() - lastSync >= workerData.syncMs) {
      fdatasyncSync(workerData.databaseFd);
      Atomics.add(activity, ${FLUSHED}, 1);
      unsynced = false;
      lastSync = Date.now();
    }
    const moved = log !== lastLog || checkpointed < log;
    lastLog = log;
    delay = moved ? workerData.busyMs : Math.min(workerData.idleMs, delay * 2);
  } catch (error) {
    // A checkpoint that finds another running (the server's own) answers a row of -1s rather than
    // throwing; a locked database still throws. Either way: try again soon.
    if (!error || (error.code !== "SQLITE_BUSY" && error.code !== "SQLITE_LOCKED")) {
      parentPort.postMessage({ failed: String(error && error.message) });
      connection.close();
      return;
    }
    delay = workerData.busyMs;
  }
  timer = setTimeout(tick, delay);
}
tick();
parentPort.on("message", (message) => {
  if (message !== "stop") return;
  clearTimeout(timer);
  connection.close();
  parentPort.close();
});
`;

interface RunningCheckpointer {
  worker: Worker;
  /** Counters the thread bumps (COPIED, FLUSHED): shared memory, read only when asked for. */
  activity: Uint32Array;
  users: number;
  /** What each connection sharing the thread does if it stops: checkpoint often again itself. */
  onStopped: Set<() => void>;
}

const running = new Map<string, RunningCheckpointer>();

/** A handle on the thread for one database file; release() when the connection closes. */
export interface SqliteCheckpointer {
  release(): Promise<void>;
}

/**
 * Starts the checkpointing thread for a database file, or shares the one already running for it in
 * this process. The thread never keeps the process alive.
 */
export function startSqliteCheckpointer(file: string, onStopped?: () => void): SqliteCheckpointer {
  let entry = running.get(file);
  if (!entry) {
    const activity = new Uint32Array(new SharedArrayBuffer(2 * Uint32Array.BYTES_PER_ELEMENT));
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: {
        file,
        driver: betterSqlite3Path(),
        busyMs: BUSY_INTERVAL_MS,
        idleMs: IDLE_INTERVAL_MS,
        syncMs: SYNC_INTERVAL_MS,
        databaseFd: databaseDescriptor(file),
        activity: activity.buffer,
      },
      // One prepared statement: a small heap is plenty, and its memory is the server's.
      resourceLimits: { maxOldGenerationSizeMb: 8, maxYoungGenerationSizeMb: 1, stackSizeMb: 1 },
      stdout: false,
      stderr: false,
    });
    const started: RunningCheckpointer = { worker, activity, users: 0, onStopped: new Set() };
    const stopped = (why: string) => {
      if (running.get(file) !== started) return;
      running.delete(file);
      logger.warn(`database: the WAL checkpoint thread stopped (${why}); the server's connection checkpoints on its own`);
      for (const callback of started.onStopped) callback();
    };
    worker.on("message", (message: { failed?: string }) => {
      if (message.failed) stopped(message.failed);
    });
    worker.on("error", (error) => stopped(error.message));
    // A thread that ends without an error (nothing does today) leaves the log to the server too;
    // release() takes the entry out first, so its own ending is not reported.
    worker.on("exit", (code) => stopped(`exited with code ${code}`));
    // Listeners hold a reference to the worker; drop it after the last one is added.
    worker.unref();
    running.set(file, started);
    entry = started;
  }
  const held = entry;
  held.users += 1;
  if (onStopped) held.onStopped.add(onStopped);
  let released = false;
  return {
    async release() {
      if (released) return;
      released = true;
      if (onStopped) held.onStopped.delete(onStopped);
      held.users -= 1;
      if (held.users > 0) return;
      if (running.get(file) === held) running.delete(file);
      held.worker.postMessage("stop");
      await held.worker.terminate();
    },
  };
}

/**
 * What the thread for a file has done so far (null if none runs): its checkpoints that copied pages
 * into the database file, and its flushes of that file. For tests and diagnostics.
 */
export function checkpointerActivity(file: string): { copyingCheckpoints: number; flushes: number } | null {
  const entry = running.get(file);
  if (!entry) return null;
  // Flushes first: a flush follows the copy it is for, so read in this order the flushes never
  // outnumber the copies, however the thread moves between the two reads.
  const flushes = Atomics.load(entry.activity, FLUSHED);
  return { copyingCheckpoints: Atomics.load(entry.activity, COPIED), flushes };
}

/** Files with a checkpoint thread running in this process (for tests and diagnostics). */
export function checkpointedFiles(): string[] {
  return [...running.keys()];
}
