// CPU accounting from /proc, because the machine may be shared: waiting for it to go quiet before a
// measured run (which also lets the server finish what a warm-up left in flight — with bcrypt at
// cost 12, seconds of work), and measuring how much CPU other processes took during a run.
import { readFileSync } from "node:fs";
import { processTree } from "./rss";

const TICKS_PER_SECOND = 100; // USER_HZ on Linux

/** Busy ticks summed over all CPUs (user, nice, system, irq, softirq, steal), from /proc/stat. */
function machineBusyTicks(): number {
  const fields = readFileSync("/proc/stat", "utf8").split("\n")[0].trim().split(/\s+/).slice(1).map(Number);
  const [user, nice, system, , , irq, softirq, steal] = fields;
  return user + nice + system + irq + softirq + (steal ?? 0);
}

/** utime + stime of one process (its threads included), 0 if it has gone. */
function processTicks(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return 0;
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Waits until the whole machine has used under 15 % of one core for a 500 ms window, or `maxSeconds`
 * have passed; returns the seconds waited.
 */
export async function waitForQuiet(maxSeconds: number): Promise<number> {
  const windowMs = 500;
  const quietTicks = (0.15 * windowMs * TICKS_PER_SECOND) / 1000;
  const begin = Date.now();
  let previous = machineBusyTicks();
  while (Date.now() - begin < maxSeconds * 1000) {
    await sleep(windowMs);
    const current = machineBusyTicks();
    if (current - previous <= quietTicks) break;
    previous = current;
  }
  return (Date.now() - begin) / 1000;
}

export interface CpuUse {
  /** Average cores busy on the whole machine during the run. */
  machineCores: number;
  /** Average cores used by processes other than ours (the bench process tree and the PostgreSQL cluster). */
  otherCores: number;
  /** Average cores used by the process under test (the server, or the bench process for bcrypt). */
  subjectCores: number;
}

/**
 * Starts accounting; `ourRoots` are the roots of our process trees (this process, the postmaster),
 * `subject` the processes whose own use is reported separately (a server and its worker processes,
 * or the bench process alone for bcrypt).
 */
export function startCpuAccounting(ourRoots: () => number[], subject: number[]): { stop(): CpuUse } {
  const ours = () => ourRoots().flatMap((root) => processTree(root));
  const snapshot = () => new Map(ours().map((pid) => [pid, processTicks(pid)]));
  const startTicks = snapshot();
  const startBusy = machineBusyTicks();
  const subjectTicks = () => subject.reduce((sum, pid) => sum + processTicks(pid), 0);
  const startSubject = subjectTicks();
  const begin = performance.now();
  return {
    stop() {
      const seconds = (performance.now() - begin) / 1000;
      const busy = machineBusyTicks() - startBusy;
      let own = 0;
      for (const [pid, ticks] of snapshot()) own += ticks - (startTicks.get(pid) ?? 0);
      const cores = (ticks: number) => Math.round((ticks / TICKS_PER_SECOND / seconds) * 100) / 100;
      return {
        machineCores: cores(busy),
        otherCores: Math.max(0, cores(busy - own)),
        subjectCores: cores(subjectTicks() - startSubject),
      };
    },
  };
}
