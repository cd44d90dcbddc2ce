// CPU per request of one hot route handler, called in this process one request at a time (no HTTP,
// no load generator, no Next.js): `NODE_ENV=production LOG_LEVEL=warn npx tsx bench/handler-cpu.ts
// <scenario> [requests]` with scenario token_login | username_check | sso_redirect_idp | get_login |
// password_login (its users' hashes at bcrypt cost 4, so what is left is the login's own work),
// 10k seeded users on SQLite and the bench's SSO settings (one OpenID Provider from test-support). Prints µs of process CPU per request
// for three rounds of `requests` (default 1000) after a warm-up. For before/after comparisons on a
// machine too busy for `npm run bench`: CPU per request holds up where requests/s does not. Run it
// alternately in two checkouts (e.g. `git worktree add` of the older commit) and compare.
// It measures the handler's own code (parsing, checks, database, crypto), not what server.ts adds
// around it (the access log, metrics, the Node ↔ fetch bridge): use bench/probe.ts for those.
import { mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { stringify } from "yaml";
import { loadConfigFile, setConfig } from "../lib/config/load-config";
import { applyPendingMigrations } from "../lib/db/schema-engine";
import { loadModules } from "../lib/modules/node-loader";
import { renderDocument } from "../lib/pages/html-renderer";
import { registerHtmlRenderer } from "../lib/pages/html-response";
import { directHandler, matchDirectRoute } from "../lib/routing/direct-routes";
import { setDatabase, createDatabase } from "../lib/db/client";
import { hashPassword } from "../lib/auth/passwords";
import { createPasswordUsers, issueLoginTokens, newMappingSessions, seedUsers } from "./seed";
import { startOidcProvider } from "../test-support/oidc-provider";

const scenario = process.argv[2];
const N = Number(process.argv[3] ?? 1500);

async function main() {
  const dir = mkdtempSync(path.join(os.tmpdir(), "ab-"));
  const databaseUrl = `file:${path.join(dir, "hs.db")}`;
  const idp = await startOidcProvider({ accounts: [], clients: [{ client_id: "homeserver", client_secret: "corp-secret", redirect_uris: ["http://127.0.0.1:8008/_synapse/client/oidc/callback"] }] });
  const configFile = path.join(dir, "homeserver.yaml");
  writeFileSync(configFile, stringify({
    server_name: "bench.local",
    public_baseurl: "http://127.0.0.1:8008/",
    macaroon_secret_key: "test-secret-test-secret-test-secret",
    rc_login: { address: { per_second: 1e6, burst_count: 1e6 }, account: { per_second: 1e6, burst_count: 1e6 }, failed_attempts: { per_second: 1e6, burst_count: 1e6 } },
    oidc_providers: [
      { idp_id: "corp", idp_name: "Corp", issuer: idp.issuer, client_id: "homeserver", client_secret: "corp-secret", scopes: ["openid", "profile"], user_mapping_provider: { config: { localpart_template: "{{ user.preferred_username }}" } } },
      { idp_id: "social", idp_name: "Social", issuer: idp.issuer, client_id: "homeserver", client_secret: "corp-secret", scopes: ["openid", "profile"] },
    ],
    sso: { client_whitelist: ["http://127.0.0.1:9/bench-client"] },
  }));
  const config = loadConfigFile(configFile);
  await applyPendingMigrations(databaseUrl);
  setConfig(config);
  registerHtmlRenderer(renderDocument);
  await loadModules(config, configFile);
  await seedUsers(databaseUrl, 1, 10000);
  const total = N * 4;
  const tokens = scenario === "token_login" ? await issueLoginTokens(databaseUrl, 10000, total) : [];
  const secrets = scenario === "username_check" ? await newMappingSessions(databaseUrl, "oidc-social", Math.ceil(total / 20) + 1) : [];
  const passwordUsers =
    scenario === "password_login" ? await createPasswordUsers(databaseUrl, "pw", 16, await hashPassword("bench password", { pepper: "", rounds: 4 })) : [];
  setDatabase(createDatabase(databaseUrl));
  const base = "http://127.0.0.1:8008";
  let n = 0;
  const request = (): [string, RequestInit] => {
    n += 1;
    switch (scenario) {
      case "token_login":
        return ["/_matrix/client/v3/login", { method: "POST", headers: { "content-type": "application/json", "x-matrix-client-ip": "127.0.0.1" }, body: JSON.stringify({ type: "m.login.token", token: tokens.pop() }) }];
      case "username_check":
        return [`/_synapse/client/pick_username/check?username=${n % 2 ? "bench" : "free"}${1 + (n % 10000)}`, { headers: { cookie: `username_mapping_session=${secrets[Math.floor(n / 20)]}`, "x-matrix-client-ip": "127.0.0.1" } }];
      case "password_login":
        return ["/_matrix/client/v3/login", { method: "POST", headers: { "content-type": "application/json", "x-matrix-client-ip": "127.0.0.1" }, body: JSON.stringify({ type: "m.login.password", identifier: { type: "m.id.user", user: passwordUsers[n % 16] }, password: "bench password" }) }];
      case "sso_redirect_idp":
        return ["/_matrix/client/v3/login/sso/redirect/oidc-corp?redirectUrl=http%3A%2F%2F127.0.0.1%3A9%2Fbench-client", { headers: { host: "127.0.0.1:8008", "x-matrix-client-ip": "127.0.0.1" } }];
      default:
        return ["/_matrix/client/v3/login", { headers: { "x-matrix-client-ip": "127.0.0.1" } }];
    }
  };
  const once = async () => {
    const [p, init] = request();
    const match = matchDirectRoute(p.split("?")[0])!;
    const response = await directHandler(match, (init.method as string) ?? "GET")!(new Request(base + p, init));
    await response.arrayBuffer();
    if (response.status >= 400) throw new Error(`${p} ${response.status}`);
  };
  for (let i = 0; i < 200; i++) await once();
  const results: number[] = [];
  for (let round = 0; round < 3; round++) {
    const c0 = process.cpuUsage();
    for (let i = 0; i < N; i++) await once();
    const c = process.cpuUsage(c0);
    results.push((c.user + c.system) / N);
  }
  console.log(JSON.stringify({ scenario, perRequestUs: results.map((r) => Math.round(r)), min: Math.round(Math.min(...results)) }));
  await idp.stop();
  process.exit(0);
}
main().catch((e) => { console.error(e); process.exit(1); });
