// Report writing: the run's JSON under bench/results/, the targets judged from the figures, and the
// profile's section of BENCHMARKS.md (the quick and the full profile each keep their own section).
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { BcryptRate } from "./bcrypt-rate";
import type { CpuUse } from "./cpu";
import { SCENARIOS, type Row, type ScenarioId, type Timing } from "./scenarios";

export interface BenchResult {
  profile: "quick" | "full" | "smoke";
  command: string;
  startedAt: string;
  finishedAt: string;
  machine: { cpu: string; cores: number; memoryGiB: number; os: string; node: string };
  build: { buildId: string; commit: string; uncommittedChanges: boolean };
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

const ROOT = path.resolve(__dirname, "..");

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

// ---------------------------------------------------------------------------------------------
// Targets

export interface TargetCheck {
  target: string;
  figure: string;
  /** null: not measured in this run; a string: met only in the configurations it names. */
  met: boolean | string | null;
}

const where = (row: Row) => `${row.backend} ${formatUsers(row.users)}, ${row.connections} cl.`;
const rowsOf = (result: BenchResult, ids: ScenarioId[], clients?: number) =>
  result.rows.filter((row) => ids.includes(row.scenario) && (clients === undefined || row.connections === clients));
const worst = (rows: Row[], key: (row: Row) => number) => rows.reduce((a, b) => (key(b) > key(a) ? b : a));
const best = (rows: Row[], key: (row: Row) => number) => rows.reduce((a, b) => (key(b) < key(a) ? b : a));
/** Rows of the service itself (not the framework-floor reference). */
const serviceRows = (result: BenchResult) => result.rows.filter((row) => row.scenario !== "framework_floor");

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
      `Token login ≥ 770 req/s on a 2-core machine (this one: ${result.machine.cores} cores; best of 1/16 clients per backend and size)`,
      bestPerGroup(rowsOf(result, ["token_login"])),
      (rows) => { const w = best(rows, (r) => r.requestsPerSecond); return `lowest ${w.requestsPerSecond} req/s (${where(w)})${floorNote(result)}`; },
      (row) => row.requestsPerSecond >= 770,
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

// ---------------------------------------------------------------------------------------------
// Markdown

/** Other processes using more than this many cores during a run make its figures suspect. */
const DISTURBED_CORES = 0.2;

function round(value: number): number {
  return Math.round(value * 10) / 10;
}

/** Work per CPU-second of the process doing it: comparable even when other processes share the machine. */
function perCpuSecond(perSecond: number, cores: number): string {
  return cores > 0 ? String(round(perSecond / cores)) : "n/a";
}

function percent(fraction: number): string {
  return `${Math.round(fraction * 1000) / 10} %`;
}

function formatUsers(users: number): string {
  return users >= 1_000_000 ? `${users / 1_000_000}M` : users >= 1000 ? `${users / 1000}k` : String(users);
}

/** By backend (in run order), user count, scenario (in SCENARIOS order), then clients. */
function sortedRows(rows: Row[]): Row[] {
  const backends = [...new Set(rows.map((row) => row.backend))];
  const order = Object.keys(SCENARIOS);
  return [...rows].sort(
    (a, b) =>
      backends.indexOf(a.backend) - backends.indexOf(b.backend) ||
      a.users - b.users ||
      order.indexOf(a.scenario) - order.indexOf(b.scenario) ||
      a.connections - b.connections,
  );
}

function markdownSection(result: BenchResult): string {
  const bcrypt = hashingReference(result);
  const m = result.machine;
  const t = result.settings.timing;
  const lines: string[] = [];
  const title = result.profile === "quick" ? "Quick profile" : "Full matrix";
  lines.push(`## ${title} — ${result.startedAt.slice(0, 16).replace("T", " ")} UTC`, "");
  lines.push(`Produced by \`${result.command}\`; raw results in \`${resultPath(result)}\`.`, "");
  lines.push(
    `- Machine: **${m.cores} cores** (${m.cpu}), **${m.memoryGiB} GiB memory**, ${m.os}, Node.js ${m.node}.`,
    `- Service: production build \`${result.build.buildId}\` of commit \`${result.build.commit.slice(0, 12)}\`${result.build.uncommittedChanges ? " (with uncommitted changes in the work tree)" : ""}, started by test-support/server.ts on 127.0.0.1.`,
    `- Load: ${result.settings.loadGenerator}; warm-up ${t.warmupSeconds} s, then ${t.durationSeconds} s per run (password scenarios ${t.passwordSeconds} s).`,
    `- \`bcrypt_rounds: ${result.settings.bcryptRounds}\` (Synapse's default). rc_login raised for the runs: ${result.settings.rcLogin}.`,
    `- Hashing limit (same run): **${bcrypt.hashesPerSecondPerCore} bcrypt hashes/s per core** at cost ${bcrypt.rounds} (${bcrypt.hashes} hashes in ${bcrypt.seconds} s with ${bcrypt.cores} in flight = ${bcrypt.hashesPerSecond}/s; other processes meanwhile: ${bcrypt.cpu.otherCores} cores). Best of ${result.bcryptSamples.length} samples: ${result.bcryptSamples.map((b) => `${b.hashesPerSecondPerCore}`).join(", ")} hashes/s per core.`,
    `- Seeding: ${result.seeding.map((s) => `${s.backend} to ${formatUsers(s.users)} users in ${s.seconds} s`).join(", ")}.`,
    "",
  );
  lines.push("### Targets", "", "| Target | Measured | Met |", "|---|---|---|");
  for (const target of evaluateTargets(result)) {
    lines.push(`| ${target.target} | ${target.figure} | ${target.met === null ? "not measured" : target.met === true ? "met" : target.met === false ? "**not met**" : `met ${target.met}`} |`);
  }
  lines.push("", "### Figures", "");
  lines.push(
    "| Backend | Users | Scenario | Expected status | Clients | req/s | p50 ms | p99 ms | Errors | Server peak RSS MB (process tree) | CPU cores: server / all / others |",
    "|---|---:|---|---|---:|---:|---:|---:|---:|---:|---:|",
  );
  const line = (row: Row) =>
    `| ${row.backend} | ${formatUsers(row.users)} | ${SCENARIOS[row.scenario].label} | ${row.expected} | ${row.connections} | ${row.requestsPerSecond} | ${row.p50Ms} | ${row.p99Ms} | ${row.errors}${row.errors ? ` (${row.firstError})` : ""} | ${row.rss.serverMb} (${row.rss.treeMb}) | ${row.cpu.subjectCores} / ${row.cpu.machineCores} / ${row.cpu.otherCores}${row.cpu.otherCores > DISTURBED_CORES ? " ⚠" : ""} |`;
  for (const row of sortedRows(serviceRows(result))) lines.push(line(row));
  const floor = rowsOf(result, ["framework_floor"]);
  if (floor.length) {
    lines.push(
      "",
      "Reference, same run and same load generator: the framework's own cost. No endpoint served through Next.js gets above this line on this machine.",
      "",
      "| Server | Users | Scenario | Expected status | Clients | req/s | p50 ms | p99 ms | Errors | Peak RSS MB (process tree) | CPU cores: server / all / others |",
      "|---|---:|---|---|---:|---:|---:|---:|---:|---:|---:|",
      ...floor.map(line),
    );
  }
  lines.push("");
  const disturbed = serviceRows(result).filter((row) => row.cpu.otherCores > DISTURBED_CORES).length;
  lines.push(
    disturbed
      ? `⚠ ${disturbed} of ${result.rows.length} runs shared the machine with other processes using more than ${DISTURBED_CORES} cores: their figures understate the service.`
      : `No run shared the machine with other processes using more than ${DISTURBED_CORES} cores.`,
    "",
  );
  lines.push(`Server lifetime peak (VmHWM, start-up included): ${Object.entries(result.lifetimePeakMb).map(([backend, mb]) => `${backend} ${mb} MB`).join(", ")}.`, "");
  if (result.failures.length) lines.push("Scenarios that failed to run:", "", ...result.failures.map((f) => `- ${f}`), "");
  if (result.notRun.length) lines.push("Not run in this profile:", "", ...result.notRun.map((n) => `- ${n}`), "");
  return lines.join("\n");
}

const HEADER = `# Benchmarks

Throughput, latency and memory of the login endpoints against the production build, measured by
\`bench/\` (issue 8). \`npm run bench\` runs the quick profile (under 5 minutes on 2 cores);
\`npm run bench -- --full\` the whole matrix (\`--backends=sqlite,postgresql\` and
\`--sizes=10000,100000,1000000\` narrow it). Each run writes \`bench/results/<date>.json\` and
replaces its profile's section below.

How it measures:

- The bench builds nothing: it measures the production build in \`.next\` (\`npm run build\`), and
  refuses to run if that build is older than the last commit or the work tree's sources, so that a
  stale build cannot pass for the code. The service runs as \`npm start\` runs it, on 127.0.0.1,
  started by \`test-support/server.ts\`; the load generator (autocannon, or a closed loop of
  \`fetch\` for the SSO round trip) runs in the bench process **on the same machine**, so it takes
  some of the same cores.
- The framework's own cost is measured in the same run as a reference: a Next.js app with one
  route handler answering fixed JSON (\`bench/framework-floor\`, \`next start\`), under the same
  load as \`GET /login\`.
- Every run has a warm-up (discarded), then a fixed duration at 1 and at 16 concurrent clients
  (keep-alive connections); each load is also bounded in request count.
- requests/s counts every response; p50/p99 are over every response's latency. Errors are responses
  with any other status than the expected one (200 for every single request; 302 for the redirect and
  the callback inside the SSO round trip), connection errors and timeouts.
- Peak RSS is sampled every 100 ms during the measured run from /proc: the server process (the one
  listening on the port) and the process tree (with \`worker_processes: 2\`, the primary and its
  two workers). The RSS target is judged on the tree: everything the server holds.
- Rows marked "2 processes" run the JSON endpoints with \`worker_processes: 2\` (node:cluster):
  what the second core buys, and what it costs in memory.
- The machine may be shared: before each measured run the bench waits (a few seconds in the quick
  profile, up to a minute in the full one) for all CPUs to go quiet, and it records how many cores
  were busy during the run: by the server's processes, in total, and by processes other than the
  bench, the server and the PostgreSQL cluster. Runs where others took more than 0.2 cores are
  marked ⚠. The hashing limit is sampled at the start and again before the password scenarios; the
  best sample is the reference.
- Users are seeded in bulk (INSERT … SELECT over a number series, 100k rows per transaction, then
  ANALYZE); login tokens are pre-issued in bulk as SHA-256 hashes, one per request, spread over the
  seeded users; the availability check alternates a random taken name and a random free one, each
  mapping session (made by \`createMappingSession\`) checking 20 names, the per-session burst the
  service allows.
- The SSO round trip is a returning user of a whitelisted client whose IdP session is alive:
  \`/login/sso/redirect/oidc-corp\` (302) → the real OpenID Provider of test-support/oidc-provider.ts
  (in the bench process) → \`/_synapse/client/oidc/callback\` (302 with loginToken) → \`POST /login\`
  m.login.token (200); one IdP account per client.
- Databases: SQLite as the service opens it (Prisma's better-sqlite3 adapter, WAL journal,
  synchronous NORMAL); PostgreSQL 15 is the throwaway cluster of test-support/postgres.ts, which runs
  with fsync, synchronous_commit and full_page_writes **off**, so its write-heavy figures (token and
  password login) are optimistic next to a durable server.
- The 16-client password-login target compares against the hashing limit, cores × bcrypt hashes/s
  per core at the configured cost, measured in the same run with the \`bcrypt\` package (as many
  hashes in flight as cores). A p99 ≤ 25 ms is not expected of password login itself: one hash at
  cost 12 takes longer than that.
- \`npx tsx bench/probe.ts <scenario> [--cpu-prof]\` runs one scenario on its own (with a CPU
  profile of the server, summarised by \`bench/profile-summary.ts\`): the tool used for the
  before/after figures in the notes below.

Targets: every JSON endpoint p99 ≤ 25 ms at 16 clients; token login ≥ 770 req/s on a 2-core
machine; availability check p99 ≤ 10 ms and flat from 10k to 1M users; password login ≥ 95 % of the
hashing limit, and \`GET /login\` p99 still ≤ 25 ms while a password-login storm runs; peak RSS
≤ 150 MB; no errors.
`;

const markers = (profile: string) => [`<!-- bench:${profile}:start -->`, `<!-- bench:${profile}:end -->`];

function existingSection(text: string, profile: string): string | undefined {
  const [start, end] = markers(profile);
  const from = text.indexOf(start);
  const to = text.indexOf(end);
  return from >= 0 && to > from ? text.slice(from, to + end.length) : undefined;
}

/**
 * Rewrites BENCHMARKS.md: the header, this profile's new section, the other profile's last one,
 * and the hand-written notes (between <!-- bench:notes:start/end -->), kept as they are.
 */
export function updateBenchmarksMd(result: BenchResult): string {
  const file = path.join(ROOT, "BENCHMARKS.md");
  const previous = existsSync(file) ? readFileSync(file, "utf8") : "";
  const sections = (["quick", "full", "notes"] as const).map((profile) => {
    if (profile !== result.profile) return existingSection(previous, profile);
    const [start, end] = markers(profile);
    return `${start}\n${markdownSection(result)}${end}`;
  });
  writeFileSync(file, [HEADER, ...sections.filter(Boolean)].join("\n") + "\n");
  return path.relative(ROOT, file);
}
