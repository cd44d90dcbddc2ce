// The measured scenarios. Each one runs a warm-up (results discarded), waits for the machine to go
// quiet (the server finishing what the warm-up left in flight, other people's processes), then
// measures for a fixed duration at a given number of concurrent clients while the server's memory
// and everyone's CPU use are sampled.
import { loginWithFetch, type FetchCookieJar } from "../test-support/oidc-provider";
import { startCpuAccounting, waitForQuiet, type CpuUse } from "./cpu";
import type { FrameworkFloor } from "./framework-floor";
import { runHttpLoad, runLoop, type LoadResult } from "./load";
import { processTree, sampleRss, type RssPeak } from "./rss";
import { issueLoginTokens, newMappingSession, newMappingSessions } from "./seed";
import { ourProcessRoots, SSO_ACCOUNTS, TRUSTED_CLIENT_URL, type BenchStack } from "./stack";

export type ScenarioId =
  | "get_login"
  | "username_check"
  | "token_login"
  | "password_login"
  | "storm_password_login"
  | "storm_get_login"
  | "pick_idp"
  | "sso_redirect"
  | "sso_redirect_idp"
  | "account_details"
  | "sso_round_trip"
  | "framework_floor";

/** What each scenario requests and which answer counts as success. */
export const SCENARIOS: Record<ScenarioId, { label: string; expected: string }> = {
  get_login: { label: "GET /_matrix/client/v3/login", expected: "200" },
  username_check: { label: "GET /_synapse/client/pick_username/check (valid session)", expected: "200" },
  token_login: { label: "POST /login m.login.token (pre-issued)", expected: "200" },
  password_login: { label: "POST /login m.login.password", expected: "200" },
  storm_password_login: { label: "POST /login m.login.password, storm (with the probe below)", expected: "200" },
  storm_get_login: { label: "GET /login, 1-client probe during the storm", expected: "200" },
  pick_idp: { label: "GET /_synapse/client/pick_idp (2 IdPs)", expected: "200" },
  sso_redirect: { label: "GET /_matrix/client/v3/login/sso/redirect (2 IdPs: 302 to the picker)", expected: "302" },
  sso_redirect_idp: { label: "GET /_matrix/client/v3/login/sso/redirect/{idp} (302 to the OP, state cookie)", expected: "302" },
  account_details: { label: "GET /_synapse/client/pick_username/account_details", expected: "200" },
  sso_round_trip: {
    label: "SSO round trip, returning user, whitelisted client (redirect → IdP → callback → token login)",
    expected: "302, IdP, 302, 200",
  },
  framework_floor: { label: "Trivial Next.js route handler, fixed JSON (bench/framework-floor, `next start`)", expected: "200" },
};

export interface Timing {
  warmupSeconds: number;
  durationSeconds: number;
  /** Password scenarios run longer: at bcrypt cost 12 a few requests per second is all there is. */
  passwordSeconds: number;
  /** How long to wait at most for the machine to go quiet before each measured run. */
  quietWaitSeconds: number;
}

export interface ScenarioContext {
  stack: BenchStack;
  databaseUrl: string;
  backend: string;
  /** Seeded users in the database (bench1..benchN). */
  users: number;
  timing: Timing;
  passwordUsers: string[];
  password: string;
}

export interface Row extends LoadResult {
  backend: string;
  users: number;
  scenario: ScenarioId;
  expected: string;
  rss: RssPeak;
  /** CPU use on the machine during the run, ours and other processes'. */
  cpu: CpuUse;
}

// Upper bounds on requests per measured second: the count bound every load has besides its duration.
const MAX_RATE = 20_000;
const MAX_TOKEN_RATE = 4_000;
const MAX_CHECK_RATE = 3_000;
const CHECKS_PER_SESSION = 20;
const MAX_PASSWORD_RATE = 1_000;
const MAX_SSO_RATE = 500;

function log(message: string): void {
  process.stdout.write(`${new Date().toISOString().slice(11, 19)} ${message}\n`);
}

function describe(row: LoadResult): string {
  const error = row.errors > 0 ? ` (${row.errors} errors, first: ${row.firstError})` : "";
  return `${row.requestsPerSecond} req/s, p50 ${row.p50Ms} ms, p99 ${row.p99Ms} ms${error}`;
}

/** Warm-up, then the measured run with RSS sampling. `load(seconds)` runs the load once. */
async function measure(
  ctx: ScenarioContext,
  scenario: ScenarioId,
  clients: number,
  load: (seconds: number) => Promise<LoadResult>,
  seconds = ctx.timing.durationSeconds,
): Promise<Row> {
  const warmup = await load(ctx.timing.warmupSeconds);
  if (warmup.errors > 0) log(`  warm-up of ${scenario} had ${warmup.errors} errors: ${warmup.firstError}`);
  await waitForQuiet(ctx.timing.quietWaitSeconds);
  // The server and, with worker_processes, its workers.
  const accounting = startCpuAccounting(ourProcessRoots, processTree(ctx.stack.serverPid));
  const sampler = sampleRss(ctx.stack.serverPid);
  const result = await load(seconds);
  const rss = sampler.stop();
  const cpu = accounting.stop();
  log(`${ctx.backend} ${ctx.users} users, ${scenario}, ${clients} clients: ${describe(result)}, RSS ${rss.serverMb} MB, server ${cpu.subjectCores} cores, other processes ${cpu.otherCores} cores`);
  return { backend: ctx.backend, users: ctx.users, scenario, expected: SCENARIOS[scenario].expected, ...result, rss, cpu };
}

const JSON_HEADERS = { "Content-Type": "application/json" };

function getLoginLoad(ctx: ScenarioContext, clients: number, seconds: number) {
  return runHttpLoad({
    url: `${ctx.stack.baseUrl}/_matrix/client/v3/login`,
    expectedStatus: 200,
    connections: clients,
    durationSeconds: seconds,
    maxRequests: MAX_RATE * seconds,
  });
}

/** The reference: a Next.js app with one trivial route handler, under the same load as GET /login. */
export function frameworkFloor(timing: Timing, floor: FrameworkFloor, clients: number): Promise<Row> {
  const ctx = { stack: { baseUrl: floor.url, serverPid: floor.pid }, backend: "next.js alone", users: 0, timing } as ScenarioContext;
  return measure(ctx, "framework_floor", clients, (seconds) =>
    runHttpLoad({ url: floor.url, expectedStatus: 200, connections: clients, durationSeconds: seconds, maxRequests: MAX_RATE * seconds }),
  );
}

export function getLogin(ctx: ScenarioContext, clients: number): Promise<Row> {
  return measure(ctx, "get_login", clients, (seconds) => getLoginLoad(ctx, clients, seconds));
}

/**
 * Alternates a seeded (taken) name and a free one, both random, so lookups spread over the table.
 * Each mapping session checks at most CHECKS_PER_SESSION names — people typing a name each, as in
 * a sign-up rush — so that the per-session limit (a burst of 20) never answers 429.
 */
export async function usernameCheck(ctx: ScenarioContext, clients: number): Promise<Row> {
  const path = "/_synapse/client/pick_username/check";
  return measure(ctx, "username_check", clients, async (seconds) => {
    const maxRequests = MAX_CHECK_RATE * seconds;
    const secrets = await newMappingSessions(ctx.databaseUrl, "oidc-social", Math.ceil(maxRequests / CHECKS_PER_SESSION));
    let n = 0;
    return runHttpLoad({
      url: `${ctx.stack.baseUrl}${path}?username=bench1`,
      vary: () => {
        const i = 1 + Math.floor(Math.random() * ctx.users);
        const secret = secrets[Math.floor(n / CHECKS_PER_SESSION)] ?? "exhausted";
        return {
          path: `${path}?username=${n++ % 2 === 0 ? `bench${i}` : `free${i}`}`,
          headers: { Cookie: `username_mapping_session=${secret}` },
        };
      },
      expectedStatus: 200,
      connections: clients,
      durationSeconds: seconds,
      maxRequests,
    });
  });
}

export function tokenLogin(ctx: ScenarioContext, clients: number): Promise<Row> {
  return measure(ctx, "token_login", clients, async (seconds) => {
    const count = MAX_TOKEN_RATE * seconds;
    const tokens = await issueLoginTokens(ctx.databaseUrl, ctx.users, count);
    return runHttpLoad({
      url: `${ctx.stack.baseUrl}/_matrix/client/v3/login`,
      method: "POST",
      headers: JSON_HEADERS,
      vary: () => ({ body: JSON.stringify({ type: "m.login.token", token: tokens.pop() ?? "exhausted" }) }),
      expectedStatus: 200,
      connections: clients,
      durationSeconds: seconds,
      maxRequests: count,
    });
  });
}

/**
 * 16 (or `clients`) workers send password logins back to back; a login started before the deadline
 * is waited for and counted, and the time runs until the last answer. That is how bcrypt-rate.ts
 * measures the hashing limit these logins are compared with. (autocannon stops at the deadline and
 * drops what is in flight: with logins of ~1.8 s at 16 clients, up to three part-done hashes, about
 * 2 % of a 10-second run's work, were lost from this side of the comparison only.)
 */
function passwordLoad(ctx: ScenarioContext, clients: number, seconds: number) {
  let n = 0;
  const url = `${ctx.stack.baseUrl}/_matrix/client/v3/login`;
  return runLoop({
    concurrency: clients,
    durationSeconds: seconds,
    maxIterations: MAX_PASSWORD_RATE * seconds,
    timeoutSeconds: 60,
    iteration: async () => {
      const user = ctx.passwordUsers[n++ % ctx.passwordUsers.length];
      const body = JSON.stringify({ type: "m.login.password", identifier: { type: "m.id.user", user }, password: ctx.password });
      const response = await fetch(url, { method: "POST", headers: JSON_HEADERS, body });
      await response.arrayBuffer();
      if (response.status !== 200) throw new Error(`status ${response.status}`);
    },
  });
}

export function passwordLogin(ctx: ScenarioContext, clients: number): Promise<Row> {
  return measure(ctx, "password_login", clients, (seconds) => passwordLoad(ctx, clients, seconds), ctx.timing.passwordSeconds);
}

/** A 16-client password-login storm with a 1-client GET /login probe running alongside; two rows. */
export async function passwordStorm(ctx: ScenarioContext): Promise<Row[]> {
  let probe: Promise<LoadResult> | undefined;
  const storm = await measure(
    ctx,
    "storm_password_login",
    16,
    async (seconds) => {
      probe = getLoginLoad(ctx, 1, seconds);
      const [result] = await Promise.all([passwordLoad(ctx, 16, seconds), probe]);
      return result;
    },
    ctx.timing.passwordSeconds,
  );
  const probeResult = await probe!;
  log(`${ctx.backend} ${ctx.users} users, storm_get_login, 1 client: ${describe(probeResult)}`);
  return [storm, { ...storm, ...probeResult, scenario: "storm_get_login", expected: SCENARIOS.storm_get_login.expected }];
}

export function pickIdp(ctx: ScenarioContext, clients: number): Promise<Row> {
  return measure(ctx, "pick_idp", clients, (seconds) =>
    runHttpLoad({
      url: `${ctx.stack.baseUrl}/_synapse/client/pick_idp?${new URLSearchParams({ redirectUrl: TRUSTED_CLIENT_URL })}`,
      expectedStatus: 200,
      connections: clients,
      durationSeconds: seconds,
      maxRequests: MAX_RATE * seconds,
    }),
  );
}

/** The SSO redirect without an IdP: with several configured, a 302 to the picker. */
export function ssoRedirect(ctx: ScenarioContext, clients: number): Promise<Row> {
  return redirectLoad(ctx, "sso_redirect", clients, "/_matrix/client/v3/login/sso/redirect");
}

/** The SSO redirect to one IdP: discovery cached, state sealed into a cookie, a 302 to the OP. */
export function ssoRedirectToIdp(ctx: ScenarioContext, clients: number): Promise<Row> {
  return redirectLoad(ctx, "sso_redirect_idp", clients, `/_matrix/client/v3/login/sso/redirect/${ctx.stack.ssoIdpId}`);
}

function redirectLoad(ctx: ScenarioContext, scenario: ScenarioId, clients: number, path: string): Promise<Row> {
  return measure(ctx, scenario, clients, (seconds) =>
    runHttpLoad({
      url: `${ctx.stack.baseUrl}${path}?${new URLSearchParams({ redirectUrl: TRUSTED_CLIENT_URL })}`,
      expectedStatus: 302,
      connections: clients,
      durationSeconds: seconds,
      maxRequests: MAX_RATE * seconds,
    }),
  );
}

export async function accountDetails(ctx: ScenarioContext, clients: number): Promise<Row> {
  const secret = await newMappingSession(ctx.databaseUrl, "oidc-social");
  return measure(ctx, "account_details", clients, (seconds) =>
    runHttpLoad({
      url: `${ctx.stack.baseUrl}/_synapse/client/pick_username/account_details`,
      headers: { Cookie: `username_mapping_session=${secret}` },
      expectedStatus: 200,
      connections: clients,
      durationSeconds: seconds,
      maxRequests: MAX_RATE * seconds,
    }),
  );
}

function expectStatus(response: Response, status: number, step: string): void {
  if (response.status !== status) throw new Error(`${step}: status ${response.status}, expected ${status}`);
}

/**
 * One browser's whole SSO login, as a returning user whose IdP session is still alive (the jar
 * keeps the IdP's cookies between iterations; the first iteration signs in with the form).
 */
async function ssoRoundTrip(ctx: ScenarioContext, idpJar: FetchCookieJar, worker: number): Promise<void> {
  const base = ctx.stack.baseUrl;
  const account = SSO_ACCOUNTS[worker % SSO_ACCOUNTS.length];
  const timeout = () => AbortSignal.timeout(15_000);

  const start = await fetch(
    `${base}/_matrix/client/v3/login/sso/redirect/${ctx.stack.ssoIdpId}?${new URLSearchParams({ redirectUrl: TRUSTED_CLIENT_URL })}`,
    { redirect: "manual", signal: timeout() },
  );
  await start.body?.cancel();
  expectStatus(start, 302, "redirect");
  // Our server's state cookie for the callback (name=value pairs only).
  const cookie = start.headers.getSetCookie().map((header) => header.split(";")[0]).join("; ");

  const callbackUrl = await loginWithFetch(start.headers.get("location")!, account.sub, account.password, { cookies: idpJar });
  const callback = await fetch(callbackUrl, { redirect: "manual", headers: { cookie }, signal: timeout() });
  await callback.body?.cancel();
  expectStatus(callback, 302, "callback");
  const loginToken = new URL(callback.headers.get("location") ?? "", base).searchParams.get("loginToken");
  if (!loginToken) throw new Error(`callback: no loginToken in ${callback.headers.get("location")}`);

  const login = await fetch(`${base}/_matrix/client/v3/login`, {
    method: "POST",
    headers: JSON_HEADERS,
    body: JSON.stringify({ type: "m.login.token", token: loginToken }),
    signal: timeout(),
  });
  await login.body?.cancel();
  expectStatus(login, 200, "token login");
}

export function ssoRoundTrips(ctx: ScenarioContext, clients: number): Promise<Row> {
  const jars = Array.from({ length: clients }, () => new Map<string, string>());
  return measure(ctx, "sso_round_trip", clients, (seconds) =>
    runLoop({
      concurrency: clients,
      durationSeconds: seconds,
      maxIterations: MAX_SSO_RATE * seconds,
      iteration: (worker) => ssoRoundTrip(ctx, jars[worker], worker),
    }),
  );
}
