// A benchmark run's result, as written to bench/results/<date>.json and read back by the report.
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { BcryptRate } from "./bcrypt-rate";
import type { CpuUse } from "./cpu";
import type { Row, ScenarioId, Timing } from "./scenarios";

export interface BenchResult {
  profile: "quick" | "full" | "smoke";
  command: string;
  startedAt: string;
  finishedAt: string;
  machine: { cpu: string; cores: number; memoryGiB: number; os: string; node: string };
  build: {
    buildId: string;
    commit: string;
    uncommittedChanges: boolean;
    /** --shared-tree: when sources in the work tree last changed, after the build (others' work in progress). */
    sourcesChangedAfter?: string;
  };
  settings: {
    bcryptRounds: number;
    rcLogin: string;
    loadGenerator: string;
    timing: Timing;
  };
  /** The hashing limit, measured at the start and before each block of password scenarios. */
  bcryptSamples: (BcryptRate & { cpu: CpuUse })[];
  seeding: { backend: string; users: number; seconds: number }[];
  rows: Row[];
  /** VmHWM of each server process at the end of its run (start-up and migrations included). */
  lifetimePeakMb: Record<string, number>;
  /** Scenarios that could not be run, and why. */
  failures: string[];
  /** Parts of the full matrix this run left out. */
  notRun: string[];
}

export const ROOT = path.resolve(__dirname, "..");

/** bench/results/<date>.json, named after the run's start (UTC, ":" replaced by "-"). */
export function resultPath(result: BenchResult): string {
  return path.join("bench", "results", `${result.startedAt.replace(/:/g, "-").replace(/\.\d+Z$/, "Z")}.json`);
}

export function writeResultJson(result: BenchResult): string {
  const file = path.join(ROOT, resultPath(result));
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
  return resultPath(result);
}

/** Rows of the service itself (not the framework-floor reference). */
export const serviceRows = (result: BenchResult) => result.rows.filter((row) => row.scenario !== "framework_floor");

/** The rows of these scenarios, with that many clients if given. */
export const rowsOf = (result: BenchResult, ids: ScenarioId[], clients?: number) =>
  result.rows.filter((row) => ids.includes(row.scenario) && (clients === undefined || row.connections === clients));
