// Refreshes with one refresh token at the same time, on a server with worker_processes: 2, each
// request on its own connection so that both workers take some: the race of
// oauth-api-tokens.test.ts across processes, where SQLite has two connections to one file as
// PostgreSQL has two pools. Exactly one of the answers' sessions works (refresh-race.ts).
import http from "node:http";
import { OAuth2, type ValidatedAuthMetadata } from "matrix-js-sdk-current";
import { afterAll, beforeAll, describe, it } from "vitest";
import { loadConfigFile } from "../../lib/config/load-config";
import { BACKENDS, freshDatabaseUrl } from "../../test-support/backends";
import type { CookieClient } from "../../test-support/cookie-client";
import { startServer, type RunningServer } from "../../test-support/server";
import { createUserDirectly, disconnectAll } from "../../test-support/users";
import { authorize, CLIENT_METADATA, newDeviceId, REDIRECT_URI, signedInBrowser } from "./oauth-flow";
import { refreshAtOnce, type TokenAnswer } from "./refresh-race";

/** One request on a connection of its own (no keep-alive pool), so that requests spread over the workers. */
function send(url: string, init: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<TokenAnswer> {
  return new Promise((resolve, reject) => {
    const request = http.request(url, { method: init.method ?? "GET", agent: false, headers: init.headers }, (response) => {
      let text = "";
      response.on("data", (chunk) => (text += chunk));
      response.on("end", () => resolve({ status: response.statusCode ?? 0, json: text ? (JSON.parse(text) as Record<string, unknown>) : {} }));
    });
    request.on("error", reject);
    request.end(init.body);
  });
}

describe.each(BACKENDS)("concurrent refreshes across two worker processes on %s", (backend) => {
  let server: RunningServer;
  let metadata: ValidatedAuthMetadata;
  let browser: CookieClient;
  let clientId: string;

  beforeAll(async () => {
    const databaseUrl = await freshDatabaseUrl(backend);
    server = await startServer({ databaseUrl, config: { worker_processes: 2 } });
    await createUserDirectly(databaseUrl, { localpart: "ivy", password: "ivy-password" });
    metadata = (await send(`${server.baseUrl}/_matrix/client/v1/auth_metadata`)).json as unknown as ValidatedAuthMetadata;
    browser = await signedInBrowser("@ivy:test.local", loadConfigFile(server.configFile));
    clientId = await OAuth2.registerClient(metadata, CLIENT_METADATA);
  });

  afterAll(async () => {
    await server?.stop();
    await disconnectAll();
  });

  it("leave exactly one working session, round after round", async () => {
    // A new session (device) each round, of one client.
    for (let round = 0; round < 12; round++) {
      const oauth = new OAuth2(metadata, { clientId, deviceId: newDeviceId() });
      const { location } = await authorize(browser, await oauth.generateAuthorizationCodeGrantUrl(`r${round}`, REDIRECT_URI, "query"));
      const tokens = await oauth.completeAuthorizationCodeGrant(location!.searchParams.get("code")!, REDIRECT_URI);
      const refresh = (token: string) =>
        send(metadata.token_endpoint, {
          method: "POST",
          headers: { "Content-Type": "application/x-www-form-urlencoded" },
          body: new URLSearchParams({ grant_type: "refresh_token", refresh_token: token, client_id: clientId }).toString(),
        });
      const whoami = async (token: string) =>
        (await send(`${server.baseUrl}/_matrix/client/v3/account/whoami`, { headers: { Authorization: `Bearer ${token}` } })).status === 200;
      await refreshAtOnce(`round ${round}`, tokens.refresh_token!, refresh, whoami);
    }
  });
});
