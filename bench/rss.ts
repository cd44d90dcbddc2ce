// Memory of the server under test, from /proc. The server process is the one listening on the
// server's TCP port (startServer runs `node --import tsx server.ts`; older versions ran the `tsx`
// launcher, which starts the server as its child). The tree is the server and its children, plus
// the launcher above it if there is one.
import { readdirSync, readFileSync, readlinkSync } from "node:fs";

function readProc(file: string): string | undefined {
  try {
    return readFileSync(file, "utf8");
  } catch {
    return undefined; // the process has gone, or is not ours to read
  }
}

function numericDirs(): number[] {
  return readdirSync("/proc").filter((name) => /^\d+$/.test(name)).map(Number);
}

/** The pid holding the listening socket for 127.0.0.1:`port`. */
export function pidListeningOn(port: number): number {
  const local = `0100007F:${port.toString(16).toUpperCase().padStart(4, "0")}`;
  const inodes = new Set<string>();
  for (const line of (readProc("/proc/net/tcp") ?? "").split("\n").slice(1)) {
    const fields = line.trim().split(/\s+/);
    if (fields[1] === local && fields[3] === "0A") inodes.add(fields[9]);
  }
  for (const pid of numericDirs()) {
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      try {
        const match = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
        if (match && inodes.has(match[1])) return pid;
      } catch {
        // fd closed meanwhile
      }
    }
  }
  throw new Error(`no process listens on 127.0.0.1:${port}`);
}

function parentOf(pid: number): number | undefined {
  const stat = readProc(`/proc/${pid}/stat`);
  // The command name (2nd field) is in parentheses and may contain spaces.
  return stat ? Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]) : undefined;
}

/** `root` and all its descendants. */
export function processTree(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const pid of numericDirs()) {
    const parent = parentOf(pid);
    if (parent !== undefined) children.set(parent, [...(children.get(parent) ?? []), pid]);
  }
  const tree = [root];
  for (let i = 0; i < tree.length; i++) tree.push(...(children.get(tree[i]) ?? []));
  return tree;
}

/** A `Vm…:` line of /proc/<pid>/status, in kB (0 if the process is gone). */
export function statusKb(pid: number, field: "VmRSS" | "VmHWM"): number {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(readProc(`/proc/${pid}/status`) ?? "");
  return match ? Number(match[1]) : 0;
}

export interface RssPeak {
  /** Highest sampled VmRSS of the server process. */
  serverMb: number;
  /** Highest sampled sum of VmRSS over the process tree (launcher, if any, server and children). */
  treeMb: number;
}

const mb = (kb: number) => Math.round((kb / 1024) * 10) / 10;

export interface RssSampler {
  stop(): RssPeak;
}

/** Samples the server's (and its tree's) resident memory every `intervalMs` until stopped. */
export function sampleRss(serverPid: number, intervalMs = 100): RssSampler {
  // The launcher, unless the server was started directly by this process.
  const parent = parentOf(serverPid);
  const root = parent !== undefined && parent !== process.pid ? parent : serverPid;
  let serverPeak = 0;
  let treePeak = 0;
  const sample = () => {
    serverPeak = Math.max(serverPeak, statusKb(serverPid, "VmRSS"));
    const tree = processTree(root).reduce((sum, pid) => sum + statusKb(pid, "VmRSS"), 0);
    treePeak = Math.max(treePeak, tree);
  };
  sample();
  const timer = setInterval(sample, intervalMs);
  return {
    stop() {
      clearInterval(timer);
      sample();
      return { serverMb: mb(serverPeak), treeMb: mb(treePeak) };
    },
  };
}

/**
 * The server's lifetime peak (VmHWM), start-up and migrations included: summed over its worker
 * processes when it has some (each one's own peak, so an upper bound of their peak together).
 */
export function lifetimePeakMb(serverPid: number): number {
  return mb(processTree(serverPid).reduce((sum, pid) => sum + statusKb(pid, "VmHWM"), 0));
}
