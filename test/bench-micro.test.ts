// bench/micro.ts backs figures that BENCHMARKS.md cites; this only proves each subcommand still
// runs from a clone and reports a well-formed result (tiny counts, no server, nothing timed): a
// subcommand that throws — a lib API it drives changed, a login that did not write its token, a
// checkpoint left incomplete — or prints rows without samples fails here.
import { execFileSync, spawnSync } from "node:child_process";
import path from "node:path";
import { describe, expect, it } from "vitest";
import type { MicroResult, MicroRow } from "../bench/micro";

const ROOT = path.resolve(__dirname, "..");

function micro(args: string[]): MicroResult {
  const out = execFileSync(process.execPath, ["--import", "tsx", "bench/micro.ts", ...args, "--json"], {
    cwd: ROOT,
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
    timeout: 90_000,
    env: { ...process.env, LOG_LEVEL: "warn" },
  });
  return JSON.parse(out.trim().split("\n").at(-1)!) as MicroResult;
}

function expectWellFormed(row: MicroRow, withCpu: boolean) {
  expect(row.variant).not.toBe("");
  expect(row.samples).toBeGreaterThan(0);
  for (const value of [row.meanUs, row.medianUs, row.p99Us, row.maxUs]) expect(Number.isFinite(value) && value > 0).toBe(true);
  expect(row.medianUs).toBeLessThanOrEqual(row.p99Us);
  expect(row.p99Us).toBeLessThanOrEqual(row.maxUs);
  expect(row.meanUs).toBeLessThanOrEqual(row.maxUs);
  if (withCpu) {
    expect(row.cpuUsPerOpByRound).toHaveLength(2);
    for (const value of row.cpuUsPerOpByRound!) expect(Number.isFinite(value) && value > 0).toBe(true);
  } else {
    expect(row.cpuUsPerOpByRound).toBeUndefined();
  }
}

describe("bench/micro.ts (tiny counts)", () => {
  it.each([
    { args: ["direct-sql", "--iterations=10"], rows: 2, withCpu: true },
    { args: ["seal", "--iterations=20"], rows: 3, withCpu: true },
    { args: ["statement-cache", "--iterations=400"], rows: 6, withCpu: true },
    { args: ["checkpoint", "--iterations=2", "--pages=100"], rows: 5, withCpu: false },
  ])("$args.0 reports every variant with its samples and the command that reproduces it", { timeout: 120_000 }, ({ args, rows, withCpu }) => {
    const result = micro(args);
    expect(result.subcommand).toBe(args[0]);
    expect(result.command).toBe(`npx tsx bench/micro.ts ${args.join(" ")}`);
    expect(result.cutShort).toBe(false);
    expect(result.rows).toHaveLength(rows);
    expect(new Set(result.rows.map((row) => row.variant)).size).toBe(rows);
    for (const row of result.rows) expectWellFormed(row, withCpu);
    expect(result.notes.length).toBeGreaterThan(0);
  });

  it("refuses an unknown subcommand with its usage", () => {
    const run = spawnSync(process.execPath, ["--import", "tsx", "bench/micro.ts", "nonsense"], { cwd: ROOT, encoding: "utf8", timeout: 60_000 });
    expect(run.status).toBe(2);
    expect(run.stderr).toContain("usage: npx tsx bench/micro.ts direct-sql|seal|statement-cache|checkpoint");
  });
});
