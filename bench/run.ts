// `npm run bench` (quick profile) and `npm run bench -- --full` (the whole matrix): measures the
// login endpoints against the production build and writes bench/results/<date>.json and
// BENCHMARKS.md. Options: --backends=sqlite,postgresql and --sizes=10000,100000,1000000 narrow the
// full matrix (what is left out is listed in the report).
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { hashPassword } from "../lib/auth/passwords";
import { measureBcrypt } from "./bcrypt-rate";
import { startFrameworkFloor } from "./framework-floor";
import { startCpuAccounting, waitForQuiet } from "./cpu";
import { updateBenchmarksMd } from "./report";
import { writeResultJson, type BenchResult } from "./result";
import { evaluateTargets } from "./targets";
import { lifetimePeakMb } from "./rss";
import * as scenarios from "./scenarios";
import type { Row, ScenarioContext, Timing } from "./scenarios";
import { createPasswordUsers, migrate, seedUsers } from "./seed";
import { freshDatabase, ourProcessRoots, RC_LOGIN_UNLIMITED, startStack, stopEverything, stopPostgres, type Database } from "./stack";

const args = process.argv.slice(2);
const full = args.includes("--full");
// --smoke: every scenario for a second or so, to prove the harness works (the test suite runs it);
// its figures mean nothing, and it writes only the JSON named by --out, never BENCHMARKS.md.
const smoke = args.includes("--smoke");
// --metrics: the same runs with enable_metrics and a metrics listener scraped once a second (the
// cost of metrics, BENCHMARKS.md notes); writes only its JSON in bench/results, not BENCHMARKS.md,
// whose quick section stays the default configuration.
const withMetrics = args.includes("--metrics");
// --shared-tree: run although sources changed after the build, because other people are editing the
// same work tree meanwhile; the report says so (the figures are of the build, not of the sources).
const sharedTree = args.includes("--shared-tree");
const BCRYPT_ROUNDS = smoke ? 4 : 12;
const PASSWORD = "correct horse battery staple";
const CLIENTS = [1, 16];
const FULL_SIZES = [10_000, 100_000, 1_000_000];
const BACKENDS: Database["backend"][] = ["sqlite", "postgresql"];

interface Plan {
  backend: Database["backend"];
  /** Seeded user counts, grown in this order on one database. */
  sizes: number[];
  /** Every scenario at the first size (else only the availability check and token login). */
  everything: boolean;
  /** Server processes (worker_processes); with more than one, only the JSON endpoints are run. */
  workers?: number;
  /** Concurrent clients (default 1 and 16). */
  clients?: number[];
}

/** The JSON endpoints again with two server processes: what a second core buys, and what it costs in memory. */
const twoProcesses = (backend: Database["backend"], clients: number[]): Plan => ({ backend, sizes: [10_000], everything: false, workers: 2, clients });

interface Profile {
  timing: Timing;
  bcryptSeconds: number;
  plans: Plan[];
}

const listOption = (name: string) => args.find((arg) => arg.startsWith(`--${name}=`))?.split("=")[1].split(",");

function chooseProfile(): Profile {
  if (smoke) {
    return {
      timing: { warmupSeconds: 0.5, durationSeconds: 1, passwordSeconds: 2, quietWaitSeconds: 0 },
      bcryptSeconds: 1,
      plans: [{ backend: "sqlite", sizes: [1_000], everything: true }, { ...twoProcesses("sqlite", [16]), sizes: [1_000] }],
    };
  }
  if (!full) {
    return {
      timing: { warmupSeconds: 2, durationSeconds: 5, passwordSeconds: 10, quietWaitSeconds: 3 },
      bcryptSeconds: 5,
      plans: [
        { backend: "sqlite", sizes: [10_000], everything: true },
        { backend: "postgresql", sizes: [10_000], everything: false },
      ],
    };
  }
  const sizes = (listOption("sizes") ?? FULL_SIZES.map(String)).map(Number).sort((a, b) => a - b);
  const backends = (listOption("backends") ?? BACKENDS) as Database["backend"][];
  return {
    timing: { warmupSeconds: 5, durationSeconds: 15, passwordSeconds: 20, quietWaitSeconds: 60 },
    bcryptSeconds: 10,
    plans: backends.flatMap((backend) => [{ backend, sizes, everything: true }, twoProcesses(backend, [16])]),
  };
}

function notRunIn(profile: Profile): string[] {
  const notRun: string[] = [];
  for (const backend of BACKENDS) {
    const plan = profile.plans.find((p) => p.backend === backend && (p.workers ?? 1) === 1);
    const missing = FULL_SIZES.filter((size) => !plan?.sizes.includes(size));
    if (missing.length) notRun.push(`${backend}: availability check and token login with ${missing.join(", ")} seeded users`);
    if (!plan?.everything) notRun.push(`${backend}: GET /login, password login and storm, pick_idp, the SSO redirects, account_details, SSO round trip`);
  }
  return notRun;
}

function machine(): BenchResult["machine"] {
  return {
    cpu: os.cpus()[0]?.model ?? "unknown",
    cores: os.availableParallelism(),
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    os: `${os.type()} ${os.release()}`,
    node: process.version,
  };
}

/** Files whose change makes a production build stale. */
const BUILD_INPUTS = ["app", "lib", "server.ts", "proxy.ts", "next.config.js", "package-lock.json", "public", "prisma"];

function newestMtimeMs(target: string): number {
  if (!existsSync(target)) return 0;
  const stat = statSync(target);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs;
  for (const entry of readdirSync(target)) {
    // Generated Prisma clients are rewritten by `npm ci`'s postinstall, not by editing.
    if (entry === "generated" || entry === "node_modules") continue;
    newest = Math.max(newest, newestMtimeMs(path.join(target, entry)));
  }
  return newest;
}

/**
 * The production build under test, which must be newer than every source it is built from: a
 * benchmark of a stale build would report figures for code that is no longer there.
 */
function build(): BenchResult["build"] {
  const root = path.join(__dirname, "..");
  const git = (...argv: string[]) => execFileSync("git", argv, { encoding: "utf8" }).trim();
  const distDir = process.env.NEXT_DIST_DIR || ".next";
  const buildIdFile = path.join(root, distDir, "BUILD_ID");
  if (!existsSync(buildIdFile)) throw new Error(`no production build (${distDir}/BUILD_ID): run \`npm run build\` first`);
  const builtAt = statSync(buildIdFile).mtimeMs;
  const changedAt = Math.max(...BUILD_INPUTS.map((input) => newestMtimeMs(path.join(root, input))));
  const stale = changedAt > builtAt;
  if (stale && !smoke && !sharedTree) {
    throw new Error(`the production build in ${distDir} is older than the sources (built ${new Date(builtAt).toISOString()}, sources changed ${new Date(changedAt).toISOString()}): run \`npm run build\` first`);
  }
  return {
    buildId: readFileSync(buildIdFile, "utf8").trim(),
    commit: git("rev-parse", "HEAD"),
    uncommittedChanges: git("status", "--porcelain").length > 0,
    ...(stale && sharedTree ? { sourcesChangedAfter: new Date(changedAt).toISOString() } : {}),
  };
}

/** Runs one scenario; a scenario that cannot run is recorded and the rest carry on. */
async function attempt(failures: string[], name: string, run: () => Promise<Row | Row[]>): Promise<Row[]> {
  try {
    const rows = await run();
    return Array.isArray(rows) ? rows : [rows];
  } catch (error) {
    failures.push(`${name}: ${(error as Error).message.split("\n")[0]}`);
    console.error(`bench: ${name} failed:`, error);
    return [];
  }
}

async function runPlan(plan: Plan, profile: Profile, passwordHash: string, result: BenchResult): Promise<void> {
  const { database, remove } = await freshDatabase(plan.backend);
  try {
    await migrate(database.url);
    const passwordUsers = await createPasswordUsers(database.url, "pw", 16, passwordHash);
    const workers = plan.workers ?? 1;
    const stack = await startStack(database.url, BCRYPT_ROUNDS, workers, withMetrics);
    const label = workers > 1 ? `${plan.backend}, ${workers} processes` : plan.backend;
    try {
      let seeded = 0;
      for (const [index, users] of plan.sizes.entries()) {
        const seconds = await seedUsers(database.url, seeded + 1, users);
        seeded = users;
        result.seeding.push({ backend: plan.backend, users, seconds: Math.round(seconds * 10) / 10 });
        console.log(`bench: ${plan.backend} seeded to ${users} users (${seconds.toFixed(1)} s)`);
        const ctx: ScenarioContext = {
          stack,
          databaseUrl: database.url,
          backend: label,
          users,
          timing: profile.timing,
          passwordUsers,
          password: PASSWORD,
        };
        const every = plan.everything && index === 0;
        const run = async (name: string, fn: () => Promise<Row | Row[]>) =>
          result.rows.push(...(await attempt(result.failures, `${label} ${users} ${name}`, fn)));
        for (const clients of plan.clients ?? CLIENTS) {
          if (every || workers > 1) await run(`get_login/${clients}`, () => scenarios.getLogin(ctx, clients));
          await run(`username_check/${clients}`, () => scenarios.usernameCheck(ctx, clients));
          await run(`token_login/${clients}`, () => scenarios.tokenLogin(ctx, clients));
          if (every) {
            await run(`pick_idp/${clients}`, () => scenarios.pickIdp(ctx, clients));
            await run(`sso_redirect/${clients}`, () => scenarios.ssoRedirect(ctx, clients));
            await run(`sso_redirect_idp/${clients}`, () => scenarios.ssoRedirectToIdp(ctx, clients));
            await run(`account_details/${clients}`, () => scenarios.accountDetails(ctx, clients));
            await run(`sso_round_trip/${clients}`, () => scenarios.ssoRoundTrips(ctx, clients));
          }
        }
        if (every) {
          // The hashing limit again, right before the password scenarios (the best sample counts).
          result.bcryptSamples.push(await measureBcryptQuietly(profile));
          for (const clients of CLIENTS) await run(`password_login/${clients}`, () => scenarios.passwordLogin(ctx, clients));
          await run("password storm", () => scenarios.passwordStorm(ctx));
        }
      }
      result.lifetimePeakMb[label] = lifetimePeakMb(stack.serverPid);
    } finally {
      await stack.stop();
    }
  } finally {
    await remove();
  }
}

async function measureBcryptQuietly(profile: Profile): Promise<BenchResult["bcryptSamples"][number]> {
  await waitForQuiet(profile.timing.quietWaitSeconds);
  const accounting = startCpuAccounting(ourProcessRoots, [process.pid]);
  const rate = await measureBcrypt(BCRYPT_ROUNDS, profile.bcryptSeconds);
  const sample = { ...rate, cpu: accounting.stop() };
  console.log(`bench: bcrypt cost ${BCRYPT_ROUNDS}: ${sample.hashesPerSecondPerCore} hashes/s per core (other processes ${sample.cpu.otherCores} cores)`);
  return sample;
}

async function measureFrameworkFloor(profile: Profile): Promise<Row[]> {
  const floor = await startFrameworkFloor();
  try {
    const rows: Row[] = [];
    for (const clients of CLIENTS) rows.push(await scenarios.frameworkFloor(profile.timing, floor, clients));
    return rows;
  } finally {
    await floor.stop();
  }
}

async function main(): Promise<void> {
  const profile = chooseProfile();
  const result: BenchResult = {
    profile: smoke ? "smoke" : full ? "full" : "quick",
    command: `npm run bench${args.length ? ` -- ${args.join(" ")}` : ""}`,
    startedAt: new Date().toISOString(),
    finishedAt: "",
    machine: machine(),
    build: build(),
    settings: {
      bcryptRounds: BCRYPT_ROUNDS,
      rcLogin: `address, account and failed_attempts each per_second ${RC_LOGIN_UNLIMITED.per_second}, burst_count ${RC_LOGIN_UNLIMITED.burst_count}`,
      loadGenerator: "autocannon 9.0.0 (programmatic API) in the bench process, same machine",
      timing: profile.timing,
    },
    bcryptSamples: [await measureBcryptQuietly(profile)],
    seeding: [],
    rows: [],
    lifetimePeakMb: {},
    failures: [],
    notRun: notRunIn(profile),
  };
  const passwordHash = await hashPassword(PASSWORD, { pepper: "", rounds: BCRYPT_ROUNDS });
  result.rows.push(...(await attempt(result.failures, "framework floor", () => measureFrameworkFloor(profile))));
  try {
    for (const plan of profile.plans) {
      try {
        await runPlan(plan, profile, passwordHash, result);
      } catch (error) {
        result.failures.push(`${plan.backend}: ${(error as Error).message.split("\n")[0]}`);
        console.error(`bench: ${plan.backend} failed:`, error);
      }
    }
  } finally {
    await stopPostgres();
  }
  result.finishedAt = new Date().toISOString();
  if (smoke) {
    const out = listOption("out")?.join(",") ?? path.join(os.tmpdir(), "bench-smoke.json");
    writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
    console.log(`bench: wrote ${out}`);
    return;
  }
  const json = writeResultJson(result);
  if (withMetrics) {
    console.log(`bench: wrote ${json} (metrics on; BENCHMARKS.md left as it is)`);
    return;
  }
  const markdown = updateBenchmarksMd(result);
  console.log(`bench: wrote ${json} and ${markdown}`);
  for (const target of evaluateTargets(result)) {
    const verdict = target.met === null ? "not measured" : target.met === true ? "met" : target.met === false ? "NOT MET" : `met ${target.met}`;
    console.log(`  ${verdict.padEnd(12)} ${target.target}: ${target.figure}`);
  }
}

// Ctrl-C / kill: stop the servers, IdPs and PostgreSQL cluster before leaving.
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    console.error(`bench: ${signal} received: stopping servers, IdPs and PostgreSQL; no results written`);
    void stopEverything().finally(() => process.exit(130));
  });
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
