// Micro-benchmarks of single costs that BENCHMARKS.md cites ("Micro-benchmarks (bench/micro.ts)"),
// measured in this process without HTTP or a server, each bounded in count and in time:
//
//   npx tsx bench/micro.ts direct-sql|seal|statement-cache|checkpoint [--iterations=N] [--json]
//
// - direct-sql: one token login's statements — consumeLoginToken, then loginWrites run by
//   runInTransaction — on a SQLite file of 10k seeded users, sent the way lib/db/direct-sql.ts
//   sends them (the Prisma client's own driver adapter) and the way they went before it (the
//   client's raw API: $queryRawUnsafe, and the writes as one $transaction batch). N logins each.
// - seal: an SSO state cookie sealed by jose's compact JWE encryption (WebCrypto) and by
//   lib/crypto/sealed.ts (node:crypto AES-256-GCM), and unsealed by it (jose). N seals each.
// - statement-cache: a cached statement handed out by lib/db/sqlite-statement-cache.ts, next to
//   the object-of-closures view it had before f52a279, compiled here by esbuild with and without
//   keepNames (the server bundle is built with keepNames). N hand-outs each.
// - checkpoint: `PRAGMA wal_checkpoint(PASSIVE)` after --pages=P (default 1000, SQLite's
//   wal_autocheckpoint) pages of token-login commits, and fsync of a file with one dirty page
//   against 4 MB dirty, in the directory where the bench keeps its SQLite files. N of each.
//
// Variants alternate in rounds (A B A B), so a machine that gets busier mid-run slows both alike.
// Each row gives the mean, median, p99 and max of wall time per operation, and where it means
// something the process CPU (all threads: GC helpers, the libuv pool) per operation of each round.
// To measure under the V8 limits the server runs with (package.json "start"), run it as
// `node --max-old-space-size=96 --max-semi-space-size=8 --v8-pool-size=1 --import tsx bench/micro.ts …`;
// the printed command line names the flags it ran with. Every subcommand stops measuring after about 20 s
// whatever N is, and says so. --json prints the result as one JSON object instead of a table
// (test/bench-micro.test.ts runs every subcommand that way, with a tiny N).
import { closeSync, fsyncSync, openSync, writeSync } from "node:fs";
import { randomBytes, randomInt } from "node:crypto";
import os from "node:os";
import path from "node:path";
import type { SqlQuery, SqlResultSet } from "@prisma/driver-adapter-utils";
import BetterSqlite3 from "better-sqlite3";
import { transformSync } from "esbuild";
import { EncryptJWT } from "jose";
import { newAccessToken } from "../lib/auth/access-tokens";
import { newDeviceId } from "../lib/auth/devices";
import { consumeLoginToken } from "../lib/auth/login-tokens";
import { loginWrites } from "../lib/auth/login-writes";
import { parseHomeserverConfig } from "../lib/config/load-config";
import { keyForPurpose } from "../lib/config/secrets";
import { seal, unseal } from "../lib/crypto/sealed";
import { sqliteFilePath } from "../lib/db/adapter";
import { createDatabase, driverAdapterOf, setDatabase, type Database } from "../lib/db/client";
import { queryRows, runInTransaction, sql } from "../lib/db/direct-sql";
import { cachePreparedStatements } from "../lib/db/sqlite-statement-cache";
import { nearestRank, round } from "./figures";
import { issueLoginTokens, migrate, SERVER_NAME, seedUsers } from "./seed";
import { freshDatabase, TRUSTED_CLIENT_URL } from "./stack";

export const SUBCOMMANDS = ["direct-sql", "seal", "statement-cache", "checkpoint"] as const;
export type Subcommand = (typeof SUBCOMMANDS)[number];

const DEFAULT_ITERATIONS: Record<Subcommand, number> = { "direct-sql": 2000, seal: 5000, "statement-cache": 100_000, checkpoint: 40 };
/** More would not fit the time budget, and direct-sql issues a login token per login beforehand. */
const MAX_ITERATIONS: Record<Subcommand, number> = { "direct-sql": 20_000, seal: 1_000_000, "statement-cache": 10_000_000, checkpoint: 1000 };
/** Login tokens issued beforehand per phase of checkpoint: more logins than fit its time budget. */
const CHECKPOINT_TOKENS_PER_PHASE = 30_000;
/** Wall time of measuring per subcommand (setup excluded: a few seconds at most). */
const BUDGET_MS = 20_000;
const ROUNDS = 2;
const USERS = 10_000;

export interface MicroRow {
  variant: string;
  samples: number;
  /** Wall time per operation: the mean includes what the median leaves out (GC pauses, fsyncs). */
  meanUs: number;
  medianUs: number;
  p99Us: number;
  maxUs: number;
  /** Process CPU (all threads) per operation, one figure per round. */
  cpuUsPerOpByRound?: number[];
}

export interface MicroResult {
  subcommand: Subcommand;
  /** The command line that reproduces this result. */
  command: string;
  iterations: number;
  rows: MicroRow[];
  /** What else was measured or checked (e.g. pages per checkpoint). */
  notes: string[];
  /** True when the time budget ended a measurement before its count. */
  cutShort: boolean;
  /** 1-minute load average at the start, against the machine's cores: others' work shows here. */
  load: { average1m: number; cores: number };
}

interface Variant {
  name: string;
  /** One operation; awaited when it returns a promise. */
  op: () => unknown;
  /** Operations per timed sample (for operations too short to time one by one). */
  batch?: number;
  /** Whether to report CPU per operation per round. */
  cpu?: boolean;
}

function rowOf(variant: string, samplesUs: number[], cpuUsPerOpByRound?: number[]): MicroRow {
  const sorted = [...samplesUs].sort((a, b) => a - b);
  const fine = (value: number) => (value < 10 ? Math.round(value * 100) / 100 : round(value));
  return {
    variant,
    samples: sorted.length,
    meanUs: fine(sorted.reduce((sum, value) => sum + value, 0) / sorted.length),
    medianUs: fine(nearestRank(sorted, 50)),
    p99Us: fine(nearestRank(sorted, 99)),
    maxUs: fine(sorted[sorted.length - 1] ?? Number.NaN),
    ...(cpuUsPerOpByRound ? { cpuUsPerOpByRound: cpuUsPerOpByRound.map(fine) } : {}),
  };
}

/** Runs the variants alternately, `iterations` operations each over ROUNDS rounds, within the budget. */
async function measure(variants: Variant[], iterations: number, warmup: number): Promise<{ rows: MicroRow[]; cutShort: boolean }> {
  const samples = variants.map(() => [] as number[]);
  const cpu = variants.map(() => [] as number[]);
  const slotMs = BUDGET_MS / (ROUNDS * variants.length);
  let cutShort = false;
  for (const variant of variants) {
    for (let i = 0; i < warmup; i++) {
      const pending = variant.op();
      if (pending instanceof Promise) await pending;
    }
  }
  for (let roundNo = 0; roundNo < ROUNDS; roundNo++) {
    for (const [v, variant] of variants.entries()) {
      const batch = variant.batch ?? 1;
      const wanted = Math.ceil(iterations / ROUNDS);
      const deadline = performance.now() + slotMs;
      const cpuBefore = process.cpuUsage();
      let done = 0;
      while (done < wanted) {
        if (performance.now() > deadline) {
          cutShort = true;
          break;
        }
        const started = performance.now();
        for (let i = 0; i < batch; i++) {
          const pending = variant.op();
          if (pending instanceof Promise) await pending;
        }
        samples[v].push(((performance.now() - started) * 1000) / batch);
        done += batch;
      }
      const used = process.cpuUsage(cpuBefore);
      if (done > 0) cpu[v].push((used.user + used.system) / done);
    }
  }
  return { rows: variants.map((variant, v) => rowOf(variant.name, samples[v], variant.cpu ? cpu[v] : undefined)), cutShort };
}

// ---- direct-sql -------------------------------------------------------------------------------

/** The symbol under which lib/db/client.ts keeps a client's driver adapter for driverAdapterOf. */
const DRIVER_ADAPTER = Symbol.for("matrix-sso-login.driver-adapter");

/**
 * The path the statements took before lib/db/direct-sql.ts: the Prisma client's raw API. It stands
 * behind the interface direct-sql.ts talks to, so the very same lib functions run (the same SQL,
 * values and row handling): a statement goes through `$queryRawUnsafe`, and a transaction's
 * statements as one `$transaction` batch of `$executeRawUnsafe` when it commits.
 */
function throughPrismaRawApi(database: Database): Database {
  const adapter = {
    provider: "sqlite",
    adapterName: "bench-micro: Prisma raw API",
    async queryRaw(query: SqlQuery): Promise<SqlResultSet> {
      const objects = await database.$queryRawUnsafe<Record<string, unknown>[]>(query.sql, ...query.args);
      const columnNames = objects.length > 0 ? Object.keys(objects[0]) : [];
      return { columnNames, columnTypes: [], rows: objects.map((row) => columnNames.map((name) => row[name])) };
    },
    async startTransaction() {
      const pending: SqlQuery[] = [];
      return {
        async executeRaw(query: SqlQuery): Promise<number> {
          if (query.sql === "COMMIT") await database.$transaction(pending.map((q) => database.$executeRawUnsafe(q.sql, ...q.args)));
          else if (query.sql !== "ROLLBACK") pending.push(query);
          return 0;
        },
        async commit() {},
        async rollback() {},
      };
    },
  };
  return { [DRIVER_ADAPTER]: async () => adapter } as unknown as Database;
}

async function directSql(iterations: number): Promise<Omit<MicroResult, "command" | "load">> {
  const warmup = 200;
  const { database: target, remove } = await freshDatabase("sqlite");
  try {
    await migrate(target.url);
    await seedUsers(target.url, 1, USERS);
    const tokens = await issueLoginTokens(target.url, USERS, 2 * (iterations + warmup));
    const config = parseHomeserverConfig({ server_name: SERVER_NAME, macaroon_secret_key: randomBytes(32).toString("base64url") }, "bench/micro.ts");
    const database = createDatabase(target.url);
    const viaPrisma = throughPrismaRawApi(database);
    // As lib/auth/login.ts does for a token login without a refresh token.
    const login = (via: Database) => async () => {
      setDatabase(via);
      const consumed = await consumeLoginToken(tokens.pop()!);
      const deviceId = newDeviceId();
      const { row } = newAccessToken(config, consumed.userId, deviceId);
      await runInTransaction(via, loginWrites(consumed.userId, deviceId, { clientIp: "127.0.0.1" }, row));
    };
    try {
      const { rows, cutShort } = await measure(
        [
          { name: "Prisma raw API ($queryRawUnsafe, $transaction batch)", op: login(viaPrisma), cpu: true },
          { name: "driver adapter (lib/db/direct-sql.ts)", op: login(database), cpu: true },
        ],
        iterations,
        warmup,
      );
      // Every login wrote its access token, and used its login token up.
      const logins = warmup * 2 + rows.reduce((sum, row) => sum + row.samples, 0);
      const written = await database.accessToken.count();
      const used = await database.loginToken.count({ where: { usedAt: { not: null } } });
      if (written !== logins || used !== logins) throw new Error(`direct-sql: ${logins} logins wrote ${written} access tokens and used ${used} login tokens`);
      return {
        subcommand: "direct-sql",
        iterations,
        rows,
        cutShort,
        notes: [
          `SQLite file in ${path.dirname(path.dirname(sqliteFilePath(target.url)))} (WAL, synchronous NORMAL, automatic checkpoints every 1000 pages), ${USERS} users; ${logins} logins checked: each wrote its access token and used its login token`,
          "CPU per login is the figure comparable with the earlier 1,043–1,136 → 416–491 µs; wall p99/max include the WAL checkpoints that fall on a login",
        ],
      };
    } finally {
      setDatabase(undefined);
      await database.$disconnect();
    }
  } finally {
    await remove();
  }
}

// ---- seal -------------------------------------------------------------------------------------

async function sealing(iterations: number): Promise<Omit<MicroResult, "command" | "load">> {
  const secret = randomBytes(32).toString("base64url");
  // The OIDC redirect's state cookie (lib/sso/providers/oidc/oidc-flow.ts): purpose, lifetime, fields.
  const purpose = "oidc_session";
  const lifetimeSeconds = 3600;
  const state = {
    idpId: "oidc-corp",
    state: randomBytes(32).toString("base64url"),
    nonce: randomBytes(32).toString("base64url"),
    codeVerifier: randomBytes(32).toString("base64url"),
    clientRedirectUrl: TRUSTED_CLIENT_URL,
  };
  // jose with the same key as lib/crypto/sealed.ts, imported into WebCrypto once (its best case).
  const joseKey = await crypto.subtle.importKey("raw", keyForPurpose(secret, `sealed:${purpose}`) as Uint8Array<ArrayBuffer>, { name: "AES-GCM" }, false, ["encrypt"]);
  const joseSeal = () =>
    new EncryptJWT({ ...state })
      .setProtectedHeader({ alg: "dir", enc: "A256GCM" })
      .setIssuedAt()
      .setExpirationTime(`${lifetimeSeconds}s`)
      .setAudience(purpose)
      .encrypt(joseKey);
  const sealed = await seal({ ...state }, secret, purpose, lifetimeSeconds);
  // Both writers give values the service reads back.
  for (const value of [sealed, await joseSeal()]) {
    const opened = await unseal(value, secret, purpose);
    if (JSON.stringify({ ...opened, iat: undefined, exp: undefined, aud: undefined }) !== JSON.stringify(state)) {
      throw new Error("seal: a sealed value did not unseal to its payload");
    }
  }
  const { rows, cutShort } = await measure(
    [
      { name: "jose EncryptJWT, compact JWE (WebCrypto AES-GCM)", op: joseSeal, cpu: true },
      { name: "seal, lib/crypto/sealed.ts (node:crypto AES-256-GCM)", op: () => seal({ ...state }, secret, purpose, lifetimeSeconds), cpu: true },
      { name: "unseal, lib/crypto/sealed.ts (jose jwtDecrypt)", op: () => unseal(sealed, secret, purpose), cpu: true },
    ],
    iterations,
    200,
  );
  return {
    subcommand: "seal",
    iterations,
    rows,
    cutShort,
    notes: [`payload: the OIDC state cookie's fields (${sealed.length} characters sealed); both writers' values checked to unseal to the payload`],
  };
}

// ---- statement-cache --------------------------------------------------------------------------

/**
 * lib/db/sqlite-statement-cache.ts as it was before f52a279 (its view an object of closures), in
 * JavaScript, compiled below by esbuild as the server bundle is (scripts/build-server.ts).
 */
const CLOSURE_VIEW_SOURCE = `
function view(statement, bound) {
  const withArgs = (parameters) => (bound ? [bound] : parameters);
  const self = {
    get reader() {
      return statement.reader;
    },
    run: (...parameters) => statement.run(...withArgs(parameters)),
    all: (...parameters) => statement.all(...withArgs(parameters)),
    columns: () => statement.columns(),
    raw(toggle = true) {
      statement.raw(toggle);
      return self;
    },
    bind: (parameters) => view(statement, parameters),
  };
  return self;
}
module.exports = function cachePreparedStatements(database, capacity = 256) {
  const prepare = database.prepare.bind(database);
  const cache = new Map();
  database.prepare = (sql) => {
    let statement = cache.get(sql);
    if (statement) {
      cache.delete(sql);
    } else {
      statement = prepare(sql);
      if (cache.size >= capacity) cache.delete(cache.keys().next().value);
    }
    cache.set(sql, statement);
    return view(statement);
  };
};
`;

function closureViewCache(keepNames: boolean): typeof cachePreparedStatements {
  const { code } = transformSync(CLOSURE_VIEW_SOURCE, { loader: "js", format: "cjs", keepNames, target: `node${process.versions.node.split(".")[0]}` });
  if (keepNames !== code.includes("__name(")) throw new Error("statement-cache: esbuild's keepNames output is not what this bench expects");
  const module = { exports: {} as unknown };
  new Function("module", "exports", code)(module, module.exports);
  return module.exports as typeof cachePreparedStatements;
}

interface Connection {
  prepare(sql: string): { bind(parameters: unknown[]): { all(): unknown[] } };
}

async function statementCache(iterations: number): Promise<Omit<MicroResult, "command" | "load">> {
  // A statement of a token login, on a connection of its own per variant.
  const text = "UPDATE users SET last_login_at = ? WHERE user_id = ? RETURNING user_id";
  const connection = (install: typeof cachePreparedStatements): Connection => {
    const database = new BetterSqlite3(":memory:");
    database.exec("CREATE TABLE users (user_id TEXT PRIMARY KEY, last_login_at TEXT)");
    database.prepare("INSERT INTO users (user_id) VALUES (?)").run("@bench1:bench.local");
    install(database);
    return database as unknown as Connection;
  };
  const variants: [string, Connection][] = [
    ["class view, lib/db/sqlite-statement-cache.ts (as tsx loads it: keepNames)", connection(cachePreparedStatements)],
    ["object of closures (before f52a279), esbuild keepNames", connection(closureViewCache(true))],
    ["object of closures (before f52a279), no keepNames", connection(closureViewCache(false))],
  ];
  const args = [new Date().toISOString(), "@bench1:bench.local"];
  for (const [name, database] of variants) {
    if (JSON.stringify(database.prepare(text).bind(args).all()) !== JSON.stringify([{ user_id: "@bench1:bench.local" }])) {
      throw new Error(`statement-cache: ${name} did not run its statement`);
    }
  }
  const { rows, cutShort } = await measure(
    variants.flatMap(([name, database]) => [
      { name: `prepare(sql): ${name}`, op: () => database.prepare(text), batch: 100, cpu: true },
      { name: `prepare(sql).bind(args): ${name}`, op: () => database.prepare(text).bind(args), batch: 100, cpu: true },
    ]),
    iterations,
    10_000,
  );
  return {
    subcommand: "statement-cache",
    iterations,
    rows,
    cutShort,
    notes: [
      "each sample is the mean of 100 hand-outs of one cached statement; the adapter asks prepare(sql).bind(args) once per statement it runs",
      "every variant checked to run its statement; the closure variants are compiled by esbuild (keepNames adds one __name defineProperty per closure: five per view)",
    ],
  };
}

// ---- checkpoint -------------------------------------------------------------------------------

async function checkpoint(iterations: number, pages: number): Promise<Omit<MicroResult, "command" | "load">> {
  const { database: target, remove } = await freshDatabase("sqlite");
  const directory = path.dirname(sqliteFilePath(target.url));
  try {
    await migrate(target.url);
    await seedUsers(target.url, 1, USERS);
    const calibration = 50;
    // Enough for both phases below at ≥ 4 pages per login (a token login writes more), or for
    // more logins than fit their time.
    const perPhase = Math.min(CHECKPOINT_TOKENS_PER_PHASE, iterations * Math.ceil(pages / 4));
    const tokens = await issueLoginTokens(target.url, USERS, calibration + 2 * perPhase);
    const config = parseHomeserverConfig({ server_name: SERVER_NAME, macaroon_secret_key: randomBytes(32).toString("base64url") }, "bench/micro.ts");
    // No checkpoint thread (the server's, lib/db/sqlite-checkpointer.ts): this measures the
    // checkpoints a connection runs itself, and the thread's would leave them nothing to do.
    const database = createDatabase(target.url, { checkpointThread: false });
    setDatabase(database);
    const adapter = await driverAdapterOf(database);
    const login = async () => {
      const started = performance.now();
      const consumed = await consumeLoginToken(tokens.pop()!);
      const deviceId = newDeviceId();
      const { row } = newAccessToken(config, consumed.userId, deviceId);
      await runInTransaction(database, loginWrites(consumed.userId, deviceId, { clientIp: "127.0.0.1" }, row));
      return (performance.now() - started) * 1000;
    };
    const passiveCheckpoint = async () => {
      const [row] = await queryRows<{ busy: unknown; log: unknown; checkpointed: unknown }>(database, sql`PRAGMA wal_checkpoint(PASSIVE)`);
      return { busy: Number(row.busy), log: Number(row.log), checkpointed: Number(row.checkpointed) };
    };
    const checkpointsUs: number[] = [];
    const frames: number[] = [];
    const loginsWithout: number[] = [];
    const loginsWith: number[] = [];
    let cutShort = false;
    try {
      // Phase 1: no automatic checkpoints; one PASSIVE checkpoint timed after every ~`pages` pages.
      await adapter.executeScript("PRAGMA wal_autocheckpoint = 0;");
      await passiveCheckpoint();
      for (let i = 0; i < calibration; i++) await login();
      let pagesPerLogin = (await passiveCheckpoint()).log / calibration;
      const phaseMs = BUDGET_MS / 3;
      let deadline = performance.now() + phaseMs;
      for (let i = 0; i < iterations; i++) {
        if (performance.now() > deadline) {
          cutShort = true;
          break;
        }
        const logins = Math.max(1, Math.min(Math.ceil(pages / 4), Math.round(pages / pagesPerLogin)));
        if (tokens.length - logins < perPhase) {
          cutShort = true;
          break;
        }
        for (let j = 0; j < logins; j++) loginsWithout.push(await login());
        const started = performance.now();
        const result = await passiveCheckpoint();
        checkpointsUs.push((performance.now() - started) * 1000);
        if (result.busy !== 0 || result.checkpointed !== result.log) throw new Error(`checkpoint: not complete (${JSON.stringify(result)}): does another connection checkpoint this file?`);
        frames.push(result.log);
        pagesPerLogin = result.log / logins;
      }
      // Phase 2: as the server runs, the committing login checkpoints every `pages` pages itself.
      await adapter.executeScript(`PRAGMA wal_autocheckpoint = ${pages};`);
      deadline = performance.now() + phaseMs;
      for (let i = 0; i < loginsWithout.length; i++) {
        if (performance.now() > deadline || tokens.length === 0) {
          cutShort = true;
          break;
        }
        loginsWith.push(await login());
      }
      const fsyncs = fsyncCost(directory, iterations, performance.now() + phaseMs);
      const meanFrames = Math.round(frames.reduce((sum, n) => sum + n, 0) / Math.max(1, frames.length));
      return {
        subcommand: "checkpoint",
        iterations,
        rows: [
          rowOf(`PRAGMA wal_checkpoint(PASSIVE) after ~${pages} pages of token-login commits`, checkpointsUs),
          rowOf("token login (driver adapter), automatic checkpoints off", loginsWithout),
          rowOf(`token login (driver adapter), automatic checkpoint every ${pages} pages`, loginsWith),
          ...fsyncs.rows,
        ],
        cutShort: cutShort || fsyncs.cutShort,
        notes: [
          `directory: ${path.dirname(directory)} (where bench/stack.ts freshDatabase puts the bench's SQLite files: os.tmpdir())`,
          `${pagesPerLogin.toFixed(1)} pages per token login (two commits); ${meanFrames} frames copied per checkpoint on average; every checkpoint complete (busy 0)`,
        ],
      };
    } finally {
      setDatabase(undefined);
      await database.$disconnect();
    }
  } finally {
    await remove();
  }
}

/** fsync of a 4 MB file after rewriting one 4 KB page of it, and after rewriting all of it, alternately. */
function fsyncCost(directory: string, iterations: number, deadline: number): { rows: MicroRow[]; cutShort: boolean } {
  const size = 4 * 1024 * 1024;
  const page = 4096;
  const whole = randomBytes(size);
  const file = path.join(directory, "fsync-probe");
  const fd = openSync(file, "w+");
  const onePage: number[] = [];
  const fourMb: number[] = [];
  let cutShort = false;
  try {
    writeSync(fd, whole, 0, size, 0);
    fsyncSync(fd);
    const timedFsync = () => {
      const started = performance.now();
      fsyncSync(fd);
      return (performance.now() - started) * 1000;
    };
    for (let i = 0; i < iterations; i++) {
      if (performance.now() > deadline) {
        cutShort = true;
        break;
      }
      writeSync(fd, randomBytes(page), 0, page, randomInt(size / page) * page);
      onePage.push(timedFsync());
      writeSync(fd, whole, 0, size, 0);
      fourMb.push(timedFsync());
    }
  } finally {
    closeSync(fd);
  }
  return { rows: [rowOf("fsync, 1 dirty page (4 KB) of a 4 MB file", onePage), rowOf("fsync, 4 MB dirty", fourMb)], cutShort };
}

// ---- command line -----------------------------------------------------------------------------

function option(args: string[], name: string): string | undefined {
  return args.find((arg) => arg.startsWith(`--${name}=`))?.slice(name.length + 3);
}

function positiveInteger(value: string | undefined, name: string, fallback: number, max: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > max) throw new Error(`--${name} must be an integer from 1 to ${max}, got "${value}"`);
  return n;
}

export async function runMicro(subcommand: Subcommand, args: { iterations?: number; pages?: number } = {}): Promise<MicroResult> {
  const iterations = args.iterations ?? DEFAULT_ITERATIONS[subcommand];
  const pages = args.pages ?? 1000;
  const load = { average1m: Math.round(os.loadavg()[0] * 100) / 100, cores: os.availableParallelism() };
  // V8 flags given to node (npm start's heap limits, say) belong to the command that reproduces it.
  const v8Flags = process.execArgv.filter((flag) => /^--(max-old-space-size|max-semi-space-size|v8-pool-size|single-threaded)/.test(flag));
  const launcher = v8Flags.length > 0 ? `node ${v8Flags.join(" ")} --import tsx` : "npx tsx";
  const command = `${launcher} bench/micro.ts ${subcommand} --iterations=${iterations}${subcommand === "checkpoint" ? ` --pages=${pages}` : ""}`;
  const run = {
    "direct-sql": () => directSql(iterations),
    seal: () => sealing(iterations),
    "statement-cache": () => statementCache(iterations),
    checkpoint: () => checkpoint(iterations, pages),
  }[subcommand];
  return { ...(await run()), command, load };
}

function table(result: MicroResult): string {
  const lines = [
    `$ ${result.command}`,
    `load average ${result.load.average1m} on ${result.load.cores} cores${result.cutShort ? "; the time budget ended a measurement before its count" : ""}`,
    "",
    "| variant | samples | mean µs | median µs | p99 µs | max µs | CPU µs per op, by round |",
    "|---|---|---|---|---|---|---|",
    ...result.rows.map(
      (row) => `| ${row.variant} | ${row.samples} | ${row.meanUs} | ${row.medianUs} | ${row.p99Us} | ${row.maxUs} | ${row.cpuUsPerOpByRound?.join(", ") ?? ""} |`,
    ),
    "",
    ...result.notes.map((note) => `- ${note}`),
  ];
  return lines.join("\n") + "\n";
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const subcommand = args[0] as Subcommand;
  if (!SUBCOMMANDS.includes(subcommand)) {
    process.stderr.write(`usage: npx tsx bench/micro.ts ${SUBCOMMANDS.join("|")} [--iterations=N] [--pages=P (checkpoint)] [--json]\n`);
    process.exit(2);
  }
  const result = await runMicro(subcommand, {
    iterations: positiveInteger(option(args, "iterations"), "iterations", DEFAULT_ITERATIONS[subcommand], MAX_ITERATIONS[subcommand]),
    pages: positiveInteger(option(args, "pages"), "pages", 1000, 100_000),
  });
  process.stdout.write(args.includes("--json") ? JSON.stringify(result) + "\n" : table(result));
}

if (require.main === module) {
  main().then(
    () => process.exit(0),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}
