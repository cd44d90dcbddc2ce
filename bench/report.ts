// Report writing: the profile's section of BENCHMARKS.md (the quick and the full profile each keep
// their own section), from a run's result and its targets.
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { formatUsers } from "./figures";
import { resultPath, ROOT, rowsOf, serviceRows, type BenchResult } from "./result";
import { SCENARIOS, type Row } from "./scenarios";
import { evaluateTargets, hashingReference } from "./targets";

/** Other processes using more than this many cores during a run make its figures suspect. */
const DISTURBED_CORES = 0.2;

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
    `- Service: production build \`${result.build.buildId}\` of commit \`${result.build.commit.slice(0, 12)}\`${result.build.uncommittedChanges ? " (with uncommitted changes in the work tree)" : ""}, started by test-support/server.ts on 127.0.0.1.${result.build.sourcesChangedAfter ? ` The work tree was shared with other work in progress: its sources changed after the build (last at ${result.build.sourcesChangedAfter}); the figures are of the build.` : ""}`,
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
      "Reference, same run and same load generator: the framework's own cost, a trivial Next.js route handler. The service answers its hot routes without Next's router (server.ts, lib/routing/direct-routes.ts), so its rows can exceed this line.",
      "",
      "| Server | Users | Scenario | Expected status | Clients | req/s | p50 ms | p99 ms | Errors | Peak RSS MB (process tree) | CPU cores: server / all / others |",
      "|---|---:|---|---|---:|---:|---:|---:|---:|---:|---:|",
      ...floor.map(line),
    );
  }
  lines.push(...againstSynapse(result));
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

/**
 * Issue 14's side-by-side run (Synapse 1.67 and this service on one 2-core machine, `wrk -t2 -c16`,
 * SQLite): Synapse's requests/s, and the same as a multiple of the framework floor measured in that
 * run (~1,700 req/s). Synapse cannot run beside the bench here, so each row of this run is compared
 * by its own multiple of the floor measured in the same run.
 */
const SYNAPSE_LINES: { scenario: string; synapseRps: number; synapseFloorMultiple: number }[] = [
  { scenario: "get_login", synapseRps: 2051, synapseFloorMultiple: 1.2 },
  { scenario: "sso_redirect", synapseRps: 3830, synapseFloorMultiple: 2.2 },
  { scenario: "pick_idp", synapseRps: 3702, synapseFloorMultiple: 2.2 },
  { scenario: "sso_redirect_idp", synapseRps: 2241, synapseFloorMultiple: 1.3 },
  { scenario: "username_check", synapseRps: 1180, synapseFloorMultiple: 0.7 },
  { scenario: "token_login", synapseRps: 202, synapseFloorMultiple: 0.12 },
];

function againstSynapse(result: BenchResult): string[] {
  const floor = rowsOf(result, ["framework_floor"], 16)[0];
  if (!floor) return [];
  const rows = SYNAPSE_LINES.flatMap((line) => {
    const row = serviceRows(result).find((r) => r.backend === "sqlite" && r.scenario === line.scenario && r.connections === 16 && r.users === Math.min(...serviceRows(result).map((x) => x.users)));
    if (!row) return [];
    const multiple = row.requestsPerSecond / floor.requestsPerSecond;
    const beaten = multiple / line.synapseFloorMultiple;
    return [`| ${SCENARIOS[row.scenario].label} | ${row.requestsPerSecond} | ${row.p99Ms} | ${multiple.toFixed(2)}× | ${line.synapseFloorMultiple}× (${line.synapseRps} req/s) | ${beaten.toFixed(2)}× | ${beaten >= 1.5 ? "yes, ≥ 1.5×" : beaten > 1 ? "yes" : "**no**"} |`];
  });
  if (rows.length === 0) return [];
  return [
    "",
    `Against Synapse 1.67 (issue 14), SQLite, 16 clients: each row as a multiple of the framework floor of this run (${floor.requestsPerSecond} req/s), next to Synapse's multiple of the floor in issue 14's side-by-side run (its req/s in brackets). "Ahead" divides the two.`,
    "",
    "| Endpoint | req/s | p99 ms | × floor | Synapse × floor | ahead of Synapse | above Synapse's line |",
    "|---|---:|---:|---:|---:|---:|---|",
    ...rows,
  ];
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

Targets: every JSON endpoint p99 ≤ 25 ms at 16 clients; token login ≥ 1,000 req/s on SQLite on a
2-core machine (issue 14: five times Synapse's 202); availability check p99 ≤ 10 ms and flat from
10k to 1M users; password login ≥ 95 % of the hashing limit, and \`GET /login\` p99 still ≤ 25 ms
while a password-login storm runs; peak RSS ≤ 150 MB; no errors.
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
