// The service's entry point (`npm start`, `npm run dev`): validates homeserver.yaml, applies
// pending database migrations, then serves the Next.js app. Doing both before listening means a
// bad config or an unmigrated database stops start-up with a clear message instead of failing
// on the first request.
import { existsSync } from "node:fs";
import { createServer, type IncomingMessage } from "node:http";
import path from "node:path";
import next from "next";
import { ConfigError, configPath, loadConfigFile, setConfig } from "./lib/config/load-config";
import type { HomeserverConfig } from "./lib/config/schema";
import { databaseUrl } from "./lib/db/client";
import { applyPendingMigrations } from "./lib/db/schema-engine";
import { logger } from "./lib/logging/logger";
import { loadModules } from "./lib/modules/node-loader";
import { renderDocument } from "./lib/pages/html-renderer";
import { identityProviders } from "./lib/sso/registry";
import { registerHtmlRenderer } from "./lib/pages/html-response";

const dev = process.argv.includes("--dev");
// `npm run demo` / `npm run dev`: also run the bundled demo OpenID Provider the sample config names.
const demoIdp = process.argv.includes("--demo-idp");
const port = Number(process.env.PORT ?? 8008);
const host = process.env.HOST ?? "127.0.0.1";
const projectDir = path.resolve(__dirname);

/** Synapse's per-listener `x_forwarded: true`: trust X-Forwarded-For from a reverse proxy. */
function trustsForwardedFor(config: HomeserverConfig): boolean {
  const listeners = (config as { listeners?: unknown }).listeners;
  return Array.isArray(listeners) && listeners.some((listener) => listener?.x_forwarded === true);
}

// Handlers read the client's address from this header only; whatever a client sent in it is replaced.
function setClientIp(request: IncomingMessage, trustForwarded: boolean): void {
  const forwarded = request.headers["x-forwarded-for"];
  const first = typeof forwarded === "string" ? forwarded.split(",")[0].trim() : undefined;
  request.headers["x-matrix-client-ip"] = (trustForwarded && first) || request.socket.remoteAddress || "unknown";
}

async function main(): Promise<void> {
  let config: HomeserverConfig;
  try {
    config = loadConfigFile();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
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
  setConfig(config);
  registerHtmlRenderer(renderDocument);

  if (demoIdp) {
    const { startDemoIdp } = await import("./scripts/demo-idp");
    const port = Number(process.env.DEMO_IDP_PORT ?? 8009);
    const { idp } = await startDemoIdp(port, config.public_baseurl);
    logger.info(`demo OpenID Provider at ${idp.issuer} (accounts alice/alice-password, bob/bob-password)`);
  }

  const { applied } = await applyPendingMigrations(databaseUrl());
  if (applied.length > 0) logger.info(`database: applied migrations ${applied.join(", ")}`);

  if (!dev && !existsSync(path.join(projectDir, process.env.NEXT_DIST_DIR || ".next", "BUILD_ID"))) {
    process.stderr.write("No production build found: run `npm run build` first (or `npm run dev`).\n");
    process.exit(1);
  }
  const app = next({ dev, dir: projectDir, hostname: host, port });
  await app.prepare();
  const handle = app.getRequestHandler();
  const trustForwarded = trustsForwardedFor(config);

  const server = createServer((request, response) => {
    setClientIp(request, trustForwarded);
    void handle(request, response);
  });
  server.listen(port, host, () => {
    logger.info(`${config.server_name}: listening on http://${host}:${port} (public_baseurl ${config.public_baseurl})`);
  });
  const shutdown = () => server.close(() => process.exit(0));
  process.on("SIGTERM", shutdown);
  process.on("SIGINT", shutdown);
}

main().catch((error) => {
  logger.error("start-up failed", error);
  process.exit(1);
});
