// The fast test tier's server: the route modules server.ts serves directly (lib/routing/direct-routes.ts),
// in the test's own process, on 127.0.0.1, against a real database — no `next build` and no child
// process. Same interface as test-support/server.ts's startServer, so a test that only calls
// these routes runs in either tier; `npm run test:fast` runs the files that use it.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { stringify } from "yaml";
import { loadConfigFile, setConfig } from "../lib/config/load-config";
import { applyPendingMigrations } from "../lib/db/schema-engine";
import { loadModules } from "../lib/modules/node-loader";
import { renderDocument } from "../lib/pages/html-renderer";
import { registerHtmlRenderer } from "../lib/pages/html-response";
import { directHandler, matchDirectRoute } from "../lib/routing/direct-routes";
import { sendWebResponse, toWebRequest } from "../lib/routing/node-bridge";
import { resetProcessState } from "../lib/runtime/process-state";
import { isOAuthProviderPath } from "../lib/oauth/endpoints";
import { handleOAuthRequest } from "../lib/oauth/node-handler";
import { freePort, sqliteUrl, testConfig, type RunningServer } from "./server";
import { useDatabase } from "./users";

/** What Next.js's catch-all route answers for any other /_matrix path (M_UNRECOGNIZED). */
const matrixCatchAll = () => import("../app/%5Fmatrix/[...path]/route");

async function answer(request: IncomingMessage, host: string): Promise<Response> {
  const pathname = (request.url ?? "/").split("?")[0];
  const method = request.method ?? "GET";
  const match = matchDirectRoute(pathname);
  const handler = match ? directHandler(match, method) : undefined;
  if (handler) return handler(toWebRequest(request, host));
  if (pathname.startsWith("/_matrix/")) {
    const catchAll = (await matrixCatchAll()) as unknown as Record<string, ((request: Request, context: unknown) => Promise<Response>) | undefined>;
    const fallback = catchAll[method];
    if (fallback) return fallback(toWebRequest(request, host), { params: Promise.resolve({ path: pathname.split("/").slice(2) }) });
  }
  return new Response(`${method} ${pathname} is not served by the in-process tier: use startServer()`, { status: 501 });
}

export async function startInProcessServer(
  options: { config?: Record<string, unknown>; databaseUrl?: string; port?: number } = {},
): Promise<RunningServer> {
  const port = options.port ?? (await freePort());
  const dir = mkdtempSync(path.join(os.tmpdir(), "hs-in-process-"));
  const configFile = path.join(dir, "homeserver.yaml");
  writeFileSync(configFile, stringify(testConfig(options.config, port)));
  const config = loadConfigFile(configFile);
  // A fresh process, as far as lib/ can tell: no rate-limit buckets, modules or caches of a server
  // this test file started before.
  resetProcessState();
  const databaseUrl = options.databaseUrl ?? sqliteUrl(dir);
  await applyPendingMigrations(databaseUrl);
  setConfig(config);
  useDatabase(databaseUrl);
  registerHtmlRenderer(renderDocument);
  await loadModules(config, configFile);

  let log = "";
  const host = `127.0.0.1:${port}`;
  const server = createServer((request, response) => {
    request.headers["x-matrix-client-ip"] = request.socket.remoteAddress ?? "unknown";
    // The OAuth 2.0 provider, mounted beside the routes as server.ts mounts it.
    if (isOAuthProviderPath((request.url ?? "/").split("?")[0])) return void handleOAuthRequest(request, response);
    answer(request, host)
      .then((result) => sendWebResponse(response, result))
      .catch((error: unknown) => {
        log += `${String((error as Error)?.stack ?? error)}\n`;
        response.writeHead(500).end("Internal Server Error");
      });
  });
  await new Promise<void>((resolve, reject) => server.once("error", reject).listen(port, "127.0.0.1", resolve));
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const stop = async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    setConfig(undefined);
    rmSync(dir, { recursive: true, force: true });
  };
  return { baseUrl, configFile, databaseUrl, output: () => log, stop, kill: stop };
}
