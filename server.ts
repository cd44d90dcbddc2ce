// The service's entry point (`npm start`, `npm run dev`): validates homeserver.yaml, applies
// pending database migrations, then serves the Next.js app. Doing both before listening means a
// bad config or an unmigrated database stops start-up with a clear message instead of failing
// on the first request.
//
// `npm run dev` runs this file from source under tsx; `npm run build` compiles it (with the lib/
// code it imports) to <distDir>/homeserver/server.cjs, which `npm start` runs under plain node:
// tsx's loader alone costs ~50 MB of resident memory (scripts/build-server.ts).
//
// `npm start` also sets how much memory the process may hold on to. Figures: wrk, 16 connections,
// 10 s of GET /login then 10 s of password logins (bcrypt_rounds 4), SQLite, 2 cores; peak RSS:
//   --max-old-space-size=96 --max-semi-space-size=8: V8 otherwise lets garbage pile up towards
//     its default limit (~4 GB here): peaks of ~300 MB (GET) and 370–470 MB (logins), against
//     ~130 and ~163 MB (measured with the 4 MB young generation used then). The live heap is
//     ~40 MB after start, ~55 MB once logins ran, ~66 MB with every route loaded, so 96 leaves room
//     for the requests in flight. The young generation's 8 MB is where memory and speed meet
//     (BENCHMARKS.md, "Changes of the night of 2026-12-08"): with 4 MB, token login and the
//     availability check served 10–15 % fewer requests a second than with no limits; with 8 MB as
//     many as with none (pick_idp 10 % fewer than with none, as many as with the young generation
//     unlimited: within this machine's noise). The price is memory: the full SQLite matrix peaked
//     at 146.7–147.2 MB (137–138 MB at 4 MB); a short probe sequence at 132 MB, against 148–149 MB
//     with the young generation unlimited and 154–166 MB with no limits at all.
//   --v8-pool-size=1, MALLOC_ARENA_MAX=2: each of V8's background threads (4 by default) kept a
//     malloc arena of its own, up to 40 MB under login load.
//   --no-wasm-dynamic-tiering --no-wasm-tier-up: Prisma's query compiler is WebAssembly, and
//     recompiling its hot functions with V8's optimising compiler cost memory without making
//     queries faster; this keeps it on the baseline compiler for good. A large tiering budget
//     (--wasm-tiering-budget=2000000000, used before) only postponed the recompilation: late in a
//     bench sequence it still came, as a 30 MB burst of compiler memory during the 16-client SSO
//     round trip (lifetime peak 155–159 MB; 135 MB with these flags. `bench/probe.ts --sequence=…`
//     with the quick bench's scenarios, BENCHMARKS.md "Peak RSS").
//   These three together: login-load peak 217–233 → 163 MB, at no measurable CPU cost.
// test-support/server.ts runs exactly this command for the benchmark.
import { existsSync } from "node:fs";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import path from "node:path";
import next from "next";
import { ConfigError, configPath, loadConfigFile, setConfig } from "./lib/config/load-config";
import type { HomeserverConfig } from "./lib/config/schema";
import { databaseProviderOf, sqliteFilePath } from "./lib/db/adapter";
import { databaseUrl } from "./lib/db/client";
import { applyPendingMigrations, releaseSchemaEngine } from "./lib/db/schema-engine";
import { logRequestWhenDone } from "./lib/logging/access-log";
import { startStatePurge } from "./lib/maintenance/state-purge";
import { startMetrics } from "./lib/metrics/start-metrics";
import { logger, setLogFormat } from "./lib/logging/logger";
import { loadModules } from "./lib/modules/node-loader";
import { isWorkerProcess, superviseWorkers } from "./lib/process/workers";
import { renderDocument } from "./lib/pages/html-renderer";
import { directHandler, matchDirectRoute, type DirectHandler } from "./lib/routing/direct-routes";
import { sendWebResponse, toWebRequest } from "./lib/routing/node-bridge";
import { hasUnparseableRouterState } from "./lib/routing/router-state-guard";
import { describeWhitelistEntry } from "./lib/sso/client-redirect";
import { ssoConfigOf } from "./lib/sso/config";
import { identityProviders } from "./lib/sso/registry";
import { registerHtmlRenderer } from "./lib/pages/html-response";
import { isOAuthProviderPath } from "./lib/oauth/endpoints";
import { handleOAuthRequest } from "./lib/oauth/node-handler";

const dev = process.argv.includes("--dev");
// `npm run demo` / `npm run dev`: also run the bundled demo OpenID Provider the sample config names.
const demoIdp = process.argv.includes("--demo-idp");
const port = Number(process.env.PORT ?? 8008);
const host = process.env.HOST ?? "127.0.0.1";
const projectDir = findProjectDir(__dirname);

/** The folder holding next.config.js: this file's own, or the one above the build output it was compiled into. */
function findProjectDir(start: string): string {
  for (let dir = start; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, "next.config.js"))) return dir;
    if (path.dirname(dir) === dir) return process.cwd();
  }
}

/**
 * Where `npm run demo` / `npm run dev` keep the secrets they generate in place of the sample
 * config's published one: beside the SQLite database (./data by default).
 */
function demoSecretsFile(): string {
  const url = databaseUrl();
  const dataDir = databaseProviderOf(url) === "sqlite" ? path.dirname(sqliteFilePath(url)) : path.resolve("data");
  return path.join(dataDir, "demo-secrets.json");
}

/** Synapse's per-listener `x_forwarded: true`: trust X-Forwarded-For from a reverse proxy. */
function trustsForwardedFor(config: HomeserverConfig): boolean {
  const listeners = (config as { listeners?: unknown }).listeners;
  return Array.isArray(listeners) && listeners.some((listener) => listener?.x_forwarded === true);
}

// Handlers read the client's address from this header only; whatever a client sent in it is replaced.
function setClientIp(request: IncomingMessage, trustForwarded: boolean): string {
  const forwarded = request.headers["x-forwarded-for"];
  const first = typeof forwarded === "string" ? forwarded.split(",")[0].trim() : undefined;
  const clientIp = (trustForwarded && first) || request.socket.remoteAddress || "unknown";
  request.headers["x-matrix-client-ip"] = clientIp;
  return clientIp;
}

async function main(): Promise<void> {
  let config: HomeserverConfig;
  try {
    config = loadConfigFile(configPath(), demoIdp ? { generatedSecretsFile: demoSecretsFile() } : {});
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
  setLogFormat(config.log_format);
  try {
    // Extension modules (mapping providers, password auth providers) are imported with Node's own
    // loader — they are not part of the Next.js build — checked, configured and constructed once,
    // and published on globalThis for the route bundles (lib/modules/node-loader.ts).
    await loadModules(config, configPath());
    // SSO sections and mapping-provider configs are checked now, not at the first login.
    identityProviders(config);
  } catch (error) {
    if (error instanceof ConfigError || error instanceof Error) {
      process.stderr.write(`${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
  // Worker processes (worker_processes > 1) serve; the primary has migrated before forking them.
  if (isWorkerProcess()) return serve(config);
  // The whitelist is matched more strictly than Synapse's plain prefix: say how each entry is read.
  for (const entry of ssoConfigOf(config).clientWhitelist) logger.info(`sso.client_whitelist: ${describeWhitelistEntry(entry)}`);

  if (demoIdp) {
    const { startDemoIdp } = await import("./lib/demo-idp/quickstart");
    const port = Number(process.env.DEMO_IDP_PORT ?? 8009);
    const { idp } = await startDemoIdp(port, config.public_baseurl);
    logger.info(`demo OpenID Provider at ${idp.issuer} (accounts alice/alice-password, bob/bob-password)`);
  }

  const { applied } = await applyPendingMigrations(databaseUrl());
  if (applied.length > 0) logger.info(`database: applied migrations ${applied.join(", ")}`);
  // The schema engine is needed for nothing else: let its code and memory go (~6 MB).
  await releaseSchemaEngine();

  if (!dev && !existsSync(path.join(projectDir, process.env.NEXT_DIST_DIR || ".next", "BUILD_ID"))) {
    process.stderr.write("No production build found: run `npm run build` first (or `npm run dev`).\n");
    process.exit(1);
  }
  if (config.worker_processes > 1 && !dev) {
    logger.info(`${config.server_name}: starting ${config.worker_processes} worker processes on http://${host}:${port}`);
    superviseWorkers(config.worker_processes);
    // The primary serves the metrics listener: one scrape, the sum of every worker (lib/metrics),
    // and purges expired state, once for all of them (lib/maintenance/state-purge.ts).
    await startMetrics(config, "primary");
    startStatePurge(config);
    return;
  }
  await serve(config);
}

/** Serves the Next.js app on the port: in this process, or in each worker process. */
async function serve(config: HomeserverConfig): Promise<void> {
  setConfig(config);
  setLogFormat(config.log_format);
  registerHtmlRenderer(renderDocument);
  const app = next({ dev, dir: projectDir, hostname: host, port });
  await app.prepare();
  const handle = app.getRequestHandler();
  const trustForwarded = trustsForwardedFor(config);
  // The hot Matrix and SSO routes are answered here, by the same route modules, without Next's
  // per-request work (lib/routing/direct-routes.ts). Not under `npm run dev`, so that edits reload.
  // DIRECT_ROUTES=off sends everything through Next (the tests compare both paths).
  const directRoutes = !dev && process.env.DIRECT_ROUTES !== "off";
  const serveDirectly = async (handler: DirectHandler, request: IncomingMessage, response: ServerResponse) => {
    try {
      await sendWebResponse(response, await handler(toWebRequest(request, `${host}:${port}`)));
    } catch (error) {
      logger.error(`unexpected error on ${request.method} ${(request.url ?? "").split("?")[0]}`, error);
      if (!response.headersSent) response.writeHead(500, { "Content-Type": "text/plain; charset=utf-8" });
      response.end("Internal Server Error");
    }
  };
  const httpMetrics = await startMetrics(config, isWorkerProcess() ? "worker" : "process");
  if (!isWorkerProcess()) startStatePurge(config);

  const server = createServer((request, response) => {
    // The access log: one line per request at info, secrets in the query redacted (lib/logging/access-log.ts).
    logRequestWhenDone(request, response, setClientIp(request, trustForwarded));
    httpMetrics?.observe(request, response);
    const pathname = (request.url ?? "/").split("?")[0];
    // The OAuth 2.0 provider (oidc-provider, a Koa app) answers its own paths, beside Next.js.
    if (isOAuthProviderPath(pathname)) return void handleOAuthRequest(request, response);
    const direct = directRoutes ? matchDirectRoute(pathname) : undefined;
    // A method the route module does not serve here (e.g. HEAD) goes to Next.js, past the same check as any other request.
    const directlyBy = direct && directHandler(direct, request.method ?? "GET");
    if (directlyBy) void serveDirectly(directlyBy, request, response);
    else if (hasUnparseableRouterState(request.headers)) response.writeHead(400, { "Content-Type": "text/plain; charset=utf-8", "Cache-Control": "no-store" }).end("Malformed Next-Router-State-Tree header\n");
    else void handle(request, response);
  });
  // Idle keep-alive connections are kept for 65 s, longer than reverse proxies keep theirs (nginx's
  // upstream keepalive_timeout is 60 s): with Node's 5 s default the server could close a connection
  // just as a proxy or client sent the next request on it, and that request failed ("other side
  // closed"); the tests met it on a busy machine.
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  server.listen(port, host, () => {
    const who = isWorkerProcess() ? `worker process ${process.pid}` : config.server_name;
    logger.info(`${who}: listening on http://${host}:${port} (public_baseurl ${config.public_baseurl})`);
  });
  const shutdown = () => server.close(() => process.exit(0));
  process.on("SIGTERM", shutdown);
  process.on("SIGINT", shutdown);
}

main().catch((error) => {
  logger.error("start-up failed", error);
  process.exit(1);
});
