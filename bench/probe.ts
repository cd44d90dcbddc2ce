// One scenario, quickly, for working on its speed: `npx tsx bench/probe.ts <scenario> [options]`
// with scenario get_login | token_login | username_check | sso_redirect_idp | pick_idp (the last two
// with the bench's two OpenID Providers, bench/stack.ts), and options --backend=sqlite|postgresql,
// --clients=16, --seconds=5, --users=10000, --workers=1 (worker_processes), --metrics (enable_metrics with a
// metrics listener, scraped once a second during the run, as a busy Prometheus would), --cpu-prof (writes the server's CPU profile to
// bench/results/profiles/ when it stops). Prints requests/s, p50, p99 and errors; writes nothing
// else. The measured run is preceded by a warm-up of the same length. For reported figures use
// `npm run bench`.
//
// --sequence=get_login,account_details,sso_round_trip,password_login runs bench/scenarios.ts's
// scenarios in turn against one server with the bench's stack (two OpenID Providers, bcrypt 12), as
// `npm run bench` does, each at --clients or at the count after an @ (password_login@16): memory is cumulative (a route loaded stays loaded), so a
// peak is only seen in such a sequence. One line per scenario (peak RSS sampled during its measured
// run, server CPU per request, and seconds since the server started when the step ended), then the
// server's lifetime peak (VmHWM). With --cpu-prof the whole sequence is one profile: pick a step with
// bench/profile-summary.ts's --skip and --until (its measured run is its last --seconds).
import { mkdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { freePort, startServer } from "../test-support/server";
import { startPostgres } from "../test-support/postgres";
import { runHttpLoad, type LoadResult } from "./load";
import { createPasswordUsers, issueLoginTokens, migrate, newMappingSessions, seedUsers, SERVER_NAME } from "./seed";
import { benchConfig, RC_LOGIN_UNLIMITED, TRUSTED_CLIENT_URL } from "./stack";
import { startOidcProvider } from "../test-support/oidc-provider";
import { lifetimePeakMb, pidListeningOn, processTree } from "./rss";
import { hashPassword } from "../lib/auth/passwords";
import * as scenarios from "./scenarios";
import type { Row, ScenarioContext } from "./scenarios";
import { freshDatabase, startStack, stopEverything } from "./stack";

const args = process.argv.slice(2);
const option = (name: string, fallback: string) => args.find((a) => a.startsWith(`--${name}=`))?.split("=")[1] ?? fallback;
const scenario = args.find((a) => !a.startsWith("--")) ?? "token_login";
const backend = option("backend", "sqlite");
const clients = Number(option("clients", "16"));
const seconds = Number(option("seconds", "5"));
const users = Number(option("users", "10000"));
const workers = Number(option("workers", "1"));
const profileDir = path.resolve(__dirname, "results", "profiles");

/** User + system CPU time of a process so far, in ms (from /proc; 100 ticks per second on Linux). */
function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

const SEQUENCE_STEPS: Record<string, (ctx: ScenarioContext, clients: number) => Promise<Row | Row[]>> = {
  get_login: scenarios.getLogin,
  username_check: scenarios.usernameCheck,
  token_login: scenarios.tokenLogin,
  pick_idp: scenarios.pickIdp,
  sso_redirect: scenarios.ssoRedirect,
  sso_redirect_idp: scenarios.ssoRedirectToIdp,
  account_details: scenarios.accountDetails,
  sso_round_trip: scenarios.ssoRoundTrips,
  password_login: scenarios.passwordLogin,
  password_storm: (ctx) => scenarios.passwordStorm(ctx),
};

/** With --cpu-prof, the server's environment loads the profiler (the server only, not this process). */
function profilingEnv(): Record<string, string> {
  if (!args.includes("--cpu-prof")) return {};
  mkdirSync(profileDir, { recursive: true });
  return { NODE_OPTIONS: `--require ${path.join(__dirname, "cpu-profile-preload.cjs")}`, CPU_PROFILE_DIR: profileDir };
}

async function runSequence(steps: string[]): Promise<void> {
  const unknown = steps.filter((step) => !SEQUENCE_STEPS[step.split("@")[0]]);
  if (unknown.length > 0) throw new Error(`unknown scenario ${unknown.join(", ")} (known: ${Object.keys(SEQUENCE_STEPS).join(", ")})`);
  const bcryptRounds = 12;
  const password = "correct horse battery staple";
  const { database, remove } = await freshDatabase(backend === "postgresql" ? "postgresql" : "sqlite");
  try {
    await migrate(database.url);
    const passwordUsers = await createPasswordUsers(database.url, "pw", 16, await hashPassword(password, { pepper: "", rounds: bcryptRounds }));
    // Taken before the stack starts, as the server's profile counts from its own start.
    const stackStarted = performance.now();
    const stack = await startStack(database.url, bcryptRounds, 1, false, profilingEnv());
    try {
      await seedUsers(database.url, 1, users);
      const ctx: ScenarioContext = {
        stack,
        databaseUrl: database.url,
        backend,
        users,
        // No wait for a quiet machine: on a shared machine it would only add time; compare rounds instead.
        timing: { warmupSeconds: 2, durationSeconds: seconds, passwordSeconds: 2 * seconds, quietWaitSeconds: 0 },
        passwordUsers,
        password,
      };
      for (const step of steps) {
        const [name, at] = step.split("@");
        const stepClients = at ? Number(at) : clients;
        const result = await SEQUENCE_STEPS[name](ctx, stepClients);
        for (const row of Array.isArray(result) ? result : [result]) {
          // The server's CPU over the measured run, per response.
          const serverCpuMsPerRequest = Math.round(((row.cpu.subjectCores * row.seconds * 1000) / Math.max(1, row.requests)) * 1000) / 1000;
          console.log(JSON.stringify({ scenario: row.scenario, clients: stepClients, requestsPerSecond: row.requestsPerSecond, errors: row.errors, serverCpuMsPerRequest, peakRssMb: row.rss.serverMb, otherCores: row.cpu.otherCores, endedAtSeconds: Math.round((performance.now() - stackStarted) / 1000) }));
        }
      }
      console.log(JSON.stringify({ lifetimePeakMb: lifetimePeakMb(stack.serverPid) }));
    } finally {
      await stack.stop();
    }
  } finally {
    await remove();
    await stopEverything();
  }
}

async function main(): Promise<void> {
  const sequence = option("sequence", "");
  if (sequence) return runSequence(sequence.split(","));
  const postgres = backend === "postgresql" ? await startPostgres() : undefined;
  const databaseUrl = postgres?.url;
  const metricsPort = args.includes("--metrics") ? await freePort() : undefined;
  // The SSO scenarios need the bench's identity providers (their callback is on the server's port).
  const sso = scenario === "sso_redirect_idp" || scenario === "pick_idp";
  const port = await freePort();
  const callback = `http://127.0.0.1:${port}/_synapse/client/oidc/callback`;
  const idps = sso
    ? await Promise.all([
        startOidcProvider({ accounts: [], clients: [{ client_id: "homeserver", client_secret: "corp-secret", redirect_uris: [callback] }] }),
        startOidcProvider({ accounts: [], clients: [{ client_id: "homeserver-social", client_secret: "social-secret", redirect_uris: [callback] }] }),
      ])
    : undefined;
  // As `npm start` runs it (the compiled server under plain node, with its heap limits), like the bench.
  const server = await startServer({
    run: "production",
    databaseUrl,
    port,
    config: {
      ...(idps ? benchConfig(idps[0], idps[1], 12) : {}),
      server_name: SERVER_NAME,
      worker_processes: workers,
      ...(metricsPort ? { enable_metrics: true, listeners: [{ type: "metrics", port: metricsPort, bind_addresses: ["127.0.0.1"] }] } : {}),
      rc_login: { address: RC_LOGIN_UNLIMITED, account: RC_LOGIN_UNLIMITED, failed_attempts: RC_LOGIN_UNLIMITED },
    },
    env: profilingEnv(),
  });
  try {
    await migrate(server.databaseUrl);
    await seedUsers(server.databaseUrl, 1, users);
    const run = async (): Promise<LoadResult> => {
      const base = `${server.baseUrl}`;
      if (scenario === "get_login") {
        return runHttpLoad({ url: `${base}/_matrix/client/v3/login`, expectedStatus: 200, connections: clients, durationSeconds: seconds, maxRequests: 5000 * seconds });
      }
      if (scenario === "token_login") {
        const tokens = await issueLoginTokens(server.databaseUrl, users, 2000 * seconds);
        return runHttpLoad({
          url: `${base}/_matrix/client/v3/login`,
          method: "POST",
          headers: { "Content-Type": "application/json" },
          vary: () => ({ body: JSON.stringify({ type: "m.login.token", token: tokens.pop() ?? "exhausted" }) }),
          expectedStatus: 200,
          connections: clients,
          durationSeconds: seconds,
          maxRequests: 2000 * seconds,
        });
      }
      if (scenario === "username_check") {
        // 20 checks per mapping session, the per-session burst (see bench/scenarios.ts).
        const secrets = await newMappingSessions(server.databaseUrl, "oidc-social", 250 * seconds);
        let n = 0;
        return runHttpLoad({
          url: `${base}/_synapse/client/pick_username/check?username=bench1`,
          vary: () => ({
            path: `/_synapse/client/pick_username/check?username=${n % 2 ? "bench" : "free"}${1 + Math.floor(Math.random() * users)}`,
            headers: { Cookie: `username_mapping_session=${secrets[Math.floor(n++ / 20)] ?? "exhausted"}` },
          }),
          expectedStatus: 200,
          connections: clients,
          durationSeconds: seconds,
          maxRequests: 5000 * seconds // = 250 sessions × 20 per second,
        });
      }
      if (scenario === "sso_redirect_idp" || scenario === "pick_idp") {
        const path = scenario === "pick_idp" ? "/_synapse/client/pick_idp" : "/_matrix/client/v3/login/sso/redirect/oidc-corp";
        return runHttpLoad({
          url: `${base}${path}?${new URLSearchParams({ redirectUrl: TRUSTED_CLIENT_URL })}`,
          expectedStatus: scenario === "pick_idp" ? 200 : 302,
          connections: clients,
          durationSeconds: seconds,
          maxRequests: 5000 * seconds,
        });
      }
      throw new Error(`unknown scenario ${scenario}`);
    };
    await run();
    const pid = pidListeningOn(Number(new URL(server.baseUrl).port));
    const pids = processTree(pid);
    const serverCpu = () => pids.reduce((sum, p) => sum + cpuMs(p), 0);
    const before = serverCpu();
    // With --metrics, a scrape a second during the measured run (its cost is part of the figure).
    let scrapes = 0;
    const scraper = metricsPort
      ? setInterval(() => {
          void fetch(`http://127.0.0.1:${metricsPort}/_synapse/metrics`).then((response) => response.text()).then(() => scrapes++);
        }, 1000)
      : undefined;
    const result = await run();
    if (scraper) clearInterval(scraper);
    // Server CPU per request holds up on a busy machine, where requests/s does not.
    const serverCpuMsPerRequest = Math.round(((serverCpu() - before) / result.requests) * 1000) / 1000;
    // The server's resident memory: now, and its peak since start (VmHWM; start-up included).
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? 0);
    const rssMb = Math.round(kb("VmRSS") / 102.4) / 10;
    const peakRssMb = Math.round(kb("VmHWM") / 102.4) / 10;
    console.log(JSON.stringify({ scenario, backend, clients, metrics: metricsPort !== undefined, scrapes, ...result, serverCpuMsPerRequest, rssMb, peakRssMb, latencies: undefined }));
  } finally {
    await server.stop();
    for (const idp of idps ?? []) await idp.stop();
    await postgres?.stop();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
