// The performance targets, judged from a run's figures (per server configuration where a run
// measured several).
import { formatUsers, perCpuSecond, percent, round } from "./figures";
import { rowsOf, serviceRows, type BenchResult } from "./result";
import type { Row } from "./scenarios";

export interface TargetCheck {
  target: string;
  figure: string;
  /** null: not measured in this run; a string: met only in the configurations it names. */
  met: boolean | string | null;
}

const where = (row: Row) => `${row.backend} ${formatUsers(row.users)}, ${row.connections} cl.`;
const worst = (rows: Row[], key: (row: Row) => number) => rows.reduce((a, b) => (key(b) > key(a) ? b : a));
const best = (rows: Row[], key: (row: Row) => number) => rows.reduce((a, b) => (key(b) < key(a) ? b : a));

/** The reference figure beside a target: what a trivial Next.js route handler reached at 16 clients. */
function floorNote(result: BenchResult): string {
  const floor = rowsOf(result, ["framework_floor"], 16)[0];
  return floor ? `; a trivial Next.js route handler, same run: ${floor.requestsPerSecond} req/s, p99 ${floor.p99Ms} ms` : "";
}

/** "1 process", "2 processes": the server configuration a row was measured with. */
function configurationOf(row: Row): string {
  const match = /, (\d+) processes$/.exec(row.backend);
  return match ? `${match[1]} processes` : "1 process";
}

/**
 * Judges a target per server configuration (one process, several): the figure names each, and the
 * verdict says which configurations meet it.
 */
function check(target: string, rows: Row[], describe: (rows: Row[]) => string, passes: (row: Row) => boolean): TargetCheck {
  if (rows.length === 0) return { target, figure: "not measured", met: null };
  const groups = new Map<string, Row[]>();
  for (const row of rows) groups.set(configurationOf(row), [...(groups.get(configurationOf(row)) ?? []), row]);
  if (groups.size === 1) return { target, figure: describe(rows), met: rows.every(passes) };
  const verdicts = [...groups].map(([configuration, group]) => ({ configuration, met: group.every(passes), figure: describe(group) }));
  const metBy = verdicts.filter((v) => v.met).map((v) => v.configuration);
  return {
    target,
    figure: verdicts.map((v) => `${v.configuration}: ${v.figure}`).join("; "),
    met: metBy.length === verdicts.length ? true : metBy.length === 0 ? false : `with ${metBy.join(", ")} only`,
  };
}

/** "Flat": the p99 at the largest size is within +50 % or +2 ms (whichever is larger) of 10k's. */
function flatness(result: BenchResult): TargetCheck {
  const target = "Availability check flat from 10k to 1M users (16 clients: p99 at the largest size ≤ max(1.5 × p99 at 10k, p99 at 10k + 2 ms))";
  const figures: string[] = [];
  let met: boolean | null = null;
  for (const backend of new Set(result.rows.map((row) => row.backend))) {
    const rows = rowsOf(result, ["username_check"], 16).filter((row) => row.backend === backend).sort((a, b) => a.users - b.users);
    if (rows.length < 2) continue;
    const [small, large] = [rows[0], rows[rows.length - 1]];
    const ok = large.p99Ms <= Math.max(1.5 * small.p99Ms, small.p99Ms + 2);
    figures.push(`${backend}: ${rows.map((row) => `${formatUsers(row.users)} ${row.p99Ms} ms`).join(" → ")}`);
    met = (met ?? true) && ok;
  }
  return { target, figure: figures.length ? figures.join("; ") : "not measured (one user count only)", met };
}

/** The best bcrypt sample: other processes can only slow hashing down, never speed it up. */
export function hashingReference(result: BenchResult): BenchResult["bcryptSamples"][number] {
  return result.bcryptSamples.reduce((a, b) => (b.hashesPerSecondPerCore > a.hashesPerSecondPerCore ? b : a));
}

export function evaluateTargets(result: BenchResult): TargetCheck[] {
  const bcrypt = hashingReference(result);
  const limit = bcrypt.cores * bcrypt.hashesPerSecondPerCore;
  const rssRows = serviceRows(result);
  const errors = serviceRows(result).reduce((sum, row) => sum + row.errors, 0);
  return [
    check(
      "Every JSON endpoint p99 ≤ 25 ms at 16 clients (GET /login, token login, availability check; password login is bound by bcrypt, see below)",
      rowsOf(result, ["get_login", "token_login", "username_check"], 16),
      (rows) => { const w = worst(rows, (r) => r.p99Ms); return `worst ${w.p99Ms} ms (${w.scenario}, ${where(w)})${floorNote(result)}`; },
      (row) => row.p99Ms <= 25,
    ),
    check(
      `Token login ≥ 1,000 req/s on SQLite (issue 14: five times Synapse's 202) on a 2-core machine (this one: ${result.machine.cores} cores; best of 1/16 clients per size)`,
      bestPerGroup(rowsOf(result, ["token_login"]).filter((row) => row.backend.startsWith("sqlite"))),
      (rows) => { const w = best(rows, (r) => r.requestsPerSecond); return `lowest ${w.requestsPerSecond} req/s (${where(w)})${floorNote(result)}`; },
      (row) => row.requestsPerSecond >= 1000,
    ),
    check(
      "Availability check p99 ≤ 10 ms",
      rowsOf(result, ["username_check"]),
      (rows) => { const w = worst(rows, (r) => r.p99Ms); return `worst ${w.p99Ms} ms (${where(w)})${floorNote(result)}`; },
      (row) => row.p99Ms <= 10,
    ),
    flatness(result),
    check(
      `Password login ≥ 95 % of the hashing limit (${bcrypt.cores} cores × ${bcrypt.hashesPerSecondPerCore} hashes/s = ${round(limit)} req/s; 16 clients)`,
      rowsOf(result, ["password_login"], 16),
      (rows) =>
        rows
          .map((r) => `${r.requestsPerSecond} req/s = ${percent(r.requestsPerSecond / limit)} (${where(r)}; ${perCpuSecond(r.requestsPerSecond, r.cpu.subjectCores)} per server CPU-second)`)
          .join("; ") + `; bcrypt alone: ${perCpuSecond(bcrypt.hashesPerSecond, bcrypt.cpu.subjectCores)} hashes per CPU-second`,
      (row) => row.requestsPerSecond >= 0.95 * limit,
    ),
    check(
      "GET /login p99 ≤ 25 ms while a password-login storm (16 clients) runs (1-client probe)",
      rowsOf(result, ["storm_get_login"]),
      (rows) => rows.map((r) => `${r.p99Ms} ms (${r.backend})`).join("; "),
      (row) => row.p99Ms <= 25,
    ),
    check(
      "Peak RSS ≤ 150 MB (the server: its process, and its worker processes if any, sampled every 100 ms during the measured runs)",
      rssRows,
      (rows) => { const w = worst(rows, (r) => r.rss.treeMb); return `${w.rss.treeMb} MB (${w.scenario}, ${where(w)})`; },
      (row) => row.rss.treeMb <= 150,
    ),
    { target: "No errors", figure: `${errors} errors in ${serviceRows(result).length} measured runs${result.failures.length ? `; ${result.failures.length} scenarios failed to run` : ""}`, met: errors === 0 && result.failures.length === 0 },
  ];
}

/** The better of the 1- and 16-client runs for each backend and user count. */
function bestPerGroup(rows: Row[]): Row[] {
  const groups = new Map<string, Row>();
  for (const row of rows) {
    const key = `${row.backend}/${row.users}`;
    const current = groups.get(key);
    if (!current || row.requestsPerSecond > current.requestsPerSecond) groups.set(key, row);
  }
  return [...groups.values()];
}
