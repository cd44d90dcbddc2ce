// `npx tsx bench/oauth-token.ts [--backends=sqlite,postgresql] [--seconds=10]`: the OAuth 2.0 token
// endpoint (issue 18) against the production build — code exchanges and refreshes per second and
// their p99, with 1 and 16 concurrent clients, beside a bare route of the same server in the same
// run (GET /_matrix/client/versions) as the floor. Codes are made beforehand through the real
// authorization round trip (interaction, remembered consent), so only the exchange is timed.
// Prints a Markdown table for BENCHMARKS.md's notes. Not part of `npm run bench` (its own file, so
// the login matrix and its report stay as they are).
import { createHash, randomBytes } from "node:crypto";
import { performance } from "node:perf_hooks";
import { loadConfigFile } from "../lib/config/load-config";
import { startWebSession } from "../lib/web-session";
import { CookieClient } from "../test-support/cookie-client";
import { startServer, type RunningServer } from "../test-support/server";
import { createUserDirectly, disconnectAll } from "../test-support/users";
import { freshDatabase, stopPostgres, type Database } from "./stack";

const args = process.argv.slice(2);
const option = (name: string) => args.find((arg) => arg.startsWith(`--${name}=`))?.split("=")[1];
const BACKENDS = (option("backends") ?? "sqlite,postgresql").split(",") as Database["backend"][];
const SECONDS = Number(option("seconds") ?? 10);
const CODES = Number(option("codes") ?? 400);
const CONCURRENCY = [1, 16];
const REDIRECT_URI = "http://127.0.0.1:9/callback";

interface Figures {
  requests: number;
  perSecond: number;
  p50: number;
  p99: number;
}

function figures(latencies: number[], elapsedMs: number): Figures {
  const sorted = [...latencies].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
  return { requests: sorted.length, perSecond: (sorted.length * 1000) / elapsedMs, p50: at(0.5), p99: at(0.99) };
}

/** Sends the request and reads its whole answer, recording how long that took. */
async function timed(latencies: number[], request: () => Promise<Response>): Promise<{ status: number; body: string }> {
  const start = performance.now();
  const response = await request();
  const body = await response.text();
  latencies.push(performance.now() - start);
  return { status: response.status, body };
}

/** `workers` loops, each running `step` until `seconds` have passed. */
async function forDuration(workers: number, seconds: number, step: (worker: number, latencies: number[]) => Promise<void>): Promise<Figures> {
  const latencies: number[] = [];
  const until = performance.now() + seconds * 1000;
  const start = performance.now();
  await Promise.all(Array.from({ length: workers }, async (_, worker) => {
    while (performance.now() < until) await step(worker, latencies);
  }));
  return figures(latencies, performance.now() - start);
}

const form = (values: Record<string, string>) => ({
  method: "POST",
  headers: { "Content-Type": "application/x-www-form-urlencoded" },
  body: new URLSearchParams(values).toString(),
});

async function registerClient(base: string): Promise<string> {
  const response = await fetch(`${base}/oauth2/registration`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ client_name: "bench", client_uri: "https://bench.example/", application_type: "native", redirect_uris: [REDIRECT_URI], token_endpoint_auth_method: "none" }),
  });
  return ((await response.json()) as { client_id: string }).client_id;
}

/** One authorization round trip in a signed-in browser; returns the code and its PKCE verifier. */
async function newCode(base: string, browser: CookieClient, clientId: string): Promise<{ code: string; verifier: string }> {
  const verifier = randomBytes(32).toString("base64url");
  const url = new URL(`${base}/oauth2/auth`);
  url.search = new URLSearchParams({
    client_id: clientId,
    response_type: "code",
    redirect_uri: REDIRECT_URI,
    scope: `urn:matrix:client:api:* urn:matrix:client:device:BENCH${randomBytes(6).toString("hex").toUpperCase()}`,
    state: "bench",
    code_challenge: createHash("sha256").update(verifier).digest("base64url"),
    code_challenge_method: "S256",
  }).toString();
  let response = await browser.get(url.href);
  for (let hop = 0; hop < 8; hop++) {
    if (response.status === 200) {
      const action = /<form[^>]*action="([^"]+)"/.exec(await response.text())![1];
      response = await browser.postForm(`${base}${action}`, { decision: "allow" });
      continue;
    }
    const location = new URL(response.headers.get("location")!, base);
    if (location.origin !== base) return { code: location.searchParams.get("code")!, verifier };
    response = await browser.get(location.href);
  }
  throw new Error("the authorization round trip did not end at the client");
}

async function measure(database: Database): Promise<string[]> {
  const server: RunningServer = await startServer({
    databaseUrl: database.url,
    run: "production",
    // Codes are made ahead of the timed part, which can take longer than a code's usual minute.
    config: { oauth_server: { rc_client_registration: { per_second: 1000, burst_count: 1000 }, authorization_code_lifetime: "30m" } },
  });
  const rows: string[] = [];
  try {
    const base = server.baseUrl;
    const config = loadConfigFile(server.configFile);
    const userId = await createUserDirectly(database.url, { localpart: "bench", password: "bench-password" });
    const { cookie } = await startWebSession(userId, "password", null, config);
    const browser = new CookieClient();
    const [pair] = cookie.split(";");
    browser.cookies.set(pair.slice(0, pair.indexOf("=")), pair.slice(pair.indexOf("=") + 1));
    const clientId = await registerClient(base);
    const tokenUrl = `${base}/oauth2/token`;
    const row = (name: string, clients: number, result: Figures, floor: number) =>
      `| ${database.label} | ${name} | ${clients} | ${result.perSecond.toFixed(0)} | ${result.p50.toFixed(1)} | ${result.p99.toFixed(1)} | ${(floor / result.perSecond).toFixed(1)}× |`;

    for (const clients of CONCURRENCY) {
      const floor = await forDuration(clients, SECONDS / 2, async (_, latencies) => {
        await timed(latencies, () => fetch(`${base}/_matrix/client/versions`));
      });
      rows.push(`| ${database.label} | GET /versions (floor) | ${clients} | ${floor.perSecond.toFixed(0)} | ${floor.p50.toFixed(1)} | ${floor.p99.toFixed(1)} | 1× |`);

      const codes: { code: string; verifier: string }[] = [];
      for (let i = 0; i < CODES; i++) codes.push(await newCode(base, browser, clientId));
      const refreshTokens: string[] = [];
      const exchangeLatencies: number[] = [];
      const start = performance.now();
      let next = 0;
      await Promise.all(Array.from({ length: clients }, async () => {
        while (next < codes.length) {
          const { code, verifier } = codes[next++];
          const response = await timed(exchangeLatencies, () =>
            fetch(tokenUrl, form({ grant_type: "authorization_code", code, code_verifier: verifier, redirect_uri: REDIRECT_URI, client_id: clientId })),
          );
          if (response.status !== 200) throw new Error(`code exchange answered ${response.status}: ${response.body}`);
        }
      }));
      rows.push(row("code exchange", clients, figures(exchangeLatencies, performance.now() - start), floor.perSecond));

      // One refresh chain per client, each token used once (rotation).
      for (let i = 0; i < clients; i++) {
        const { code, verifier } = await newCode(base, browser, clientId);
        const response = await fetch(tokenUrl, form({ grant_type: "authorization_code", code, code_verifier: verifier, redirect_uri: REDIRECT_URI, client_id: clientId }));
        refreshTokens[i] = ((await response.json()) as { refresh_token: string }).refresh_token;
      }
      const refresh = await forDuration(clients, SECONDS, async (worker, latencies) => {
        const response = await timed(latencies, () => fetch(tokenUrl, form({ grant_type: "refresh_token", refresh_token: refreshTokens[worker], client_id: clientId })));
        if (response.status !== 200) throw new Error(`refresh answered ${response.status}`);
        refreshTokens[worker] = (JSON.parse(response.body) as { refresh_token: string }).refresh_token;
      });
      rows.push(row("refresh", clients, refresh, floor.perSecond));
    }
  } finally {
    await server.stop();
    await disconnectAll();
  }
  return rows;
}

async function main() {
  const rows = ["| Database | Request | Clients | req/s | p50 ms | p99 ms | floor ÷ this |", "|---|---|---|---|---|---|---|"];
  for (const backend of BACKENDS) {
    const { database, remove } = await freshDatabase(backend);
    try {
      rows.push(...(await measure(database)));
    } finally {
      await remove();
    }
  }
  await stopPostgres();
  process.stdout.write(`${rows.join("\n")}\n`);
}

main().catch(async (error) => {
  console.error(error);
  await stopPostgres();
  process.exit(1);
});
