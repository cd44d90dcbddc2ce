// server.ts answers the hot Matrix and SSO routes itself, with the same route modules Next.js
// serves (lib/routing/direct-routes.ts). This runs the same requests against the same database
// twice — once served directly, once with DIRECT_ROUTES=off through Next.js — and requires the same
// status, headers and body from both, apart from values that are random on every request (tokens,
// state, dates).
import { mkdtempSync, readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { matchDirectRoute } from "../lib/routing/direct-routes";
import { startOidcProvider, type RunningOidcProvider } from "../test-support/oidc-provider";
import { freePort, sqliteUrl, startServer } from "../test-support/server";
import { CORP_ACCOUNTS } from "../test-support/sso-fixture";
import { createMappingSessionDirectly, createUserDirectly, disconnectAll } from "../test-support/users";

const CLIENT = "https://client.example/app?x=1";

interface Exchange {
  method: string;
  path: string;
  headers?: Record<string, string>;
  body?: string;
  /** Needs the access token of a password login made earlier in the run. */
  authenticated?: boolean;
  /** Sends the cookie of a username-mapping session made for the run. */
  mappingSession?: boolean;
}

const EXCHANGES: Exchange[] = [
  { method: "GET", path: "/_matrix/client/versions" },
  { method: "GET", path: "/_matrix/client/v3/login" },
  { method: "GET", path: "/_matrix/client/r0/login" },
  { method: "GET", path: "/_matrix/client/v1/login" },
  { method: "OPTIONS", path: "/_matrix/client/v3/login" },
  { method: "PUT", path: "/_matrix/client/v3/login", body: "{}" },
  { method: "HEAD", path: "/_matrix/client/v3/login" },
  { method: "POST", path: "/_matrix/client/v3/login", body: "not json" },
  { method: "POST", path: "/_matrix/client/v3/login", body: JSON.stringify({ type: "m.login.password", user: "pat", password: "wrong" }) },
  { method: "POST", path: "/_matrix/client/v3/login", body: JSON.stringify({ type: "m.login.token", token: "syl_unknown" }) },
  { method: "POST", path: "/_matrix/client/v3/login", body: JSON.stringify({ type: "m.login.password", user: "pat", password: "pat-password", device_id: "%41B/C" }) },
  { method: "GET", path: `/_matrix/client/v3/login/sso/redirect?redirectUrl=${encodeURIComponent(CLIENT)}` },
  { method: "GET", path: "/_matrix/client/v3/login/sso/redirect" },
  { method: "GET", path: `/_matrix/client/v3/login/sso/redirect/oidc-corp?redirectUrl=${encodeURIComponent(CLIENT)}` },
  { method: "GET", path: `/_matrix/client/v3/login/sso/redirect/nope?redirectUrl=${encodeURIComponent(CLIENT)}` },
  { method: "GET", path: `/_matrix/client/v3/login/sso/redirect/a%2Fb?redirectUrl=${encodeURIComponent(CLIENT)}` },
  { method: "GET", path: `/_matrix/client/v3/login/sso/redirect/?redirectUrl=${encodeURIComponent(CLIENT)}` },
  { method: "GET", path: `/_synapse/client/pick_idp?redirectUrl=${encodeURIComponent(CLIENT)}` },
  { method: "GET", path: `/_synapse/client/pick_idp?redirectUrl=${encodeURIComponent(CLIENT)}&idp=oidc-social` },
  { method: "GET", path: "/_synapse/client/pick_idp" },
  { method: "GET", path: "/_synapse/client/pick_username/check?username=alice" },
  { method: "GET", path: "/_synapse/client/oidc/callback?code=x&state=y" },
  { method: "GET", path: "/_matrix/client/v3/account/whoami" },
  { method: "GET", path: "/_matrix/client/v3/account/whoami", authenticated: true },
  { method: "GET", path: "/_matrix/client/v3/devices", authenticated: true },
  { method: "GET", path: "/_matrix/client/v3/devices/%2541B%2FC", authenticated: true },
  { method: "GET", path: "/_matrix/client/v3/devices/%41B%2FC", authenticated: true },
  { method: "PUT", path: "/_matrix/client/v3/devices/%41B%2FC", body: JSON.stringify({ display_name: "Pat's phone" }), authenticated: true },
  { method: "DELETE", path: "/_matrix/client/v3/devices/%41B%2FC", body: "{}", authenticated: true },
  { method: "POST", path: "/_matrix/client/v3/delete_devices", body: JSON.stringify({ devices: ["X"] }), authenticated: true },
  { method: "POST", path: "/_matrix/client/v3/refresh", body: JSON.stringify({ refresh_token: "syr_unknown" }) },
  { method: "POST", path: "/_matrix/client/v3/logout" },
  { method: "GET", path: "/_synapse/admin/v2/users", authenticated: true },
  { method: "GET", path: "/_synapse/admin/v2/users/%40pat%3Atest.local" },
  { method: "GET", path: "/_synapse/admin/v1/auth_providers/oidc-corp/users/x%2Fy", authenticated: true },
  { method: "POST", path: "/_matrix/client/v1/login/get_token", body: "{}", authenticated: true },
  { method: "GET", path: "/_synapse/client/theme/asset/nothing" },
  { method: "GET", path: `/_matrix/client/v3/login/cas/redirect?redirectUrl=${encodeURIComponent(CLIENT)}` },
  { method: "GET", path: "/_matrix/client/v3/login/cas/ticket?ticket=ST-1&redirectUrl=x" },
  { method: "POST", path: "/_matrix/client/v3/account/password", body: JSON.stringify({ new_password: "x" }), authenticated: true },
  { method: "POST", path: "/_matrix/client/v3/account/deactivate", body: "{}", authenticated: true },
  { method: "POST", path: "/_matrix/client/v3/logout/all" },
  { method: "POST", path: "/_synapse/client/oidc/callback", body: "code=x&state=y", headers: { "Content-Type": "application/x-www-form-urlencoded" } },
  { method: "POST", path: "/_synapse/client/oidc/backchannel_logout", body: "logout_token=x", headers: { "Content-Type": "application/x-www-form-urlencoded" } },
  { method: "POST", path: "/_synapse/client/oidc/backchannel_logout", body: "", headers: { "Content-Type": "application/x-www-form-urlencoded" } },
  { method: "GET", path: "/_synapse/client/oidc/backchannel_logout" },
  // The username picker: its GET is served directly, its form post by Next.js behind proxy.ts.
  { method: "GET", path: "/_synapse/client/pick_username/account_details", mappingSession: true },
  { method: "GET", path: "/_synapse/client/pick_username/account_details" },
  { method: "HEAD", path: "/_synapse/client/pick_username/account_details", mappingSession: true },
  { method: "POST", path: "/_synapse/client/pick_username/account_details", body: "username=x", headers: { "Content-Type": "application/x-www-form-urlencoded", Origin: "https://evil.example" }, mappingSession: true },
];

/** Values that differ on every request, replaced by placeholders before comparing. */
function normalise(text: string): string {
  return text
    .replace(/sy[tlr]_[A-Za-z0-9_]+/g, "<token>")
    .replace(/"session":"[^"]+"/g, '"session":"<session>"')
    .replace(/(state|nonce|code_challenge)=[^&"\s]+/g, "$1=<random>")
    .replace(/oidc_session=[^;]+/g, "oidc_session=<sealed>")
    .replace(/"device_id":"[A-Z]{10}"/g, '"device_id":"<generated>"')
    .replace(/"last_seen_ts":\d+/g, '"last_seen_ts":<time>')
    .replace(/nonce-[A-Za-z0-9+/=]+/g, "nonce-<random>");
}

const VOLATILE_HEADERS = new Set(["date", "connection", "keep-alive", "transfer-encoding", "content-length"]);

async function exchange(base: string, step: Exchange, accessToken: string | undefined, mappingSecret?: string) {
  const response = await fetch(`${base}${step.path}`, {
    method: step.method,
    redirect: "manual",
    headers: {
      ...(step.authenticated && accessToken ? { Authorization: `Bearer ${accessToken}` } : {}),
      ...(step.mappingSession && mappingSecret ? { Cookie: `username_mapping_session=${mappingSecret}` } : {}),
      ...step.headers,
    },
    body: step.body,
  });
  const body = await response.text();
  const headers = [...response.headers]
    .filter(([name]) => !VOLATILE_HEADERS.has(name) && name !== "set-cookie")
    .map(([name, value]) => `${name}: ${normalise(value)}`)
    .sort();
  const cookies = response.headers.getSetCookie().map(normalise);
  return { status: response.status, headers, cookies, body: normalise(body), rawBody: body };
}

describe("the routes server.ts serves directly", () => {
  let corp: RunningOidcProvider;
  let social: RunningOidcProvider;
  const results: Record<"direct" | "next", Awaited<ReturnType<typeof exchange>>[]> = { direct: [], next: [] };
  /** A path segment with a malformed percent-escape, asked of each path. */
  const malformed: Record<string, { status: number; body: string }> = {};

  beforeAll(async () => {
    const port = await freePort();
    const callback = `http://127.0.0.1:${port}/_synapse/client/oidc/callback`;
    corp = await startOidcProvider({ accounts: CORP_ACCOUNTS, clients: [{ client_id: "homeserver", client_secret: "corp-secret", redirect_uris: [callback] }] });
    social = await startOidcProvider({ accounts: CORP_ACCOUNTS, clients: [{ client_id: "homeserver", client_secret: "social-secret", redirect_uris: [callback] }] });
    const config = {
      oidc_providers: [
        { idp_id: "corp", idp_name: "Corp", issuer: corp.issuer, client_id: "homeserver", client_secret: "corp-secret", scopes: ["openid"] },
        { idp_id: "social", idp_name: "Social", issuer: social.issuer, client_id: "homeserver", client_secret: "social-secret", scopes: ["openid"] },
      ],
    };
    for (const mode of ["direct", "next"] as const) {
      // Each run starts from the same state: a database of its own where only pat exists.
      const databaseUrl = sqliteUrl(mkdtempSync(path.join(os.tmpdir(), `hs-direct-${mode}-`)));
      const server = await startServer({ port, databaseUrl, config, env: mode === "next" ? { DIRECT_ROUTES: "off" } : {}, run: "production" });
      try {
        await createUserDirectly(databaseUrl, { localpart: "pat", password: "pat-password" });
        const mappingSecret = await createMappingSessionDirectly(databaseUrl, "oidc-social");
        let accessToken: string | undefined;
        for (const step of EXCHANGES) {
          const result = await exchange(server.baseUrl, step, accessToken, mappingSecret);
          if (step.body?.includes('"pat-password"')) accessToken = (JSON.parse(result.rawBody) as { access_token?: string }).access_token;
          results[mode].push(result);
        }
        const bad = await exchange(server.baseUrl, { method: "GET", path: "/_matrix/client/v3/devices/%E0%A4%A", authenticated: true }, accessToken);
        malformed[mode] = { status: bad.status, body: bad.rawBody };
      } finally {
        await server.stop();
      }
    }
  }, 180_000);

  afterAll(async () => {
    await corp?.stop();
    await social?.stop();
    await disconnectAll();
  });

  it.each(EXCHANGES.map((step, index) => [`${step.method} ${step.path}${step.authenticated ? " (signed in)" : ""}${step.mappingSession ? " (mapping session)" : ""}`, index] as const))(
    "%s: the same status, headers and body by either path",
    (_name, index) => {
      const { rawBody: _direct, ...direct } = results.direct[index];
      const { rawBody: _next, ...next } = results.next[index];
      expect(direct).toEqual(next);
    },
  );

  it("asks about every route in the table (a new direct route needs a question here)", () => {
    const table = readFileSync(path.join(__dirname, "..", "lib", "routing", "direct-routes.ts"), "utf8");
    const routes = [...table.matchAll(/from "\.\.\/\.\.\/app\//g)].length;
    const asked = new Set(EXCHANGES.map((step) => matchDirectRoute(step.path.split("?")[0])?.module).filter(Boolean));
    expect(asked.size).toBe(routes);
  });

  it("answers a malformed percent-escape in a path segment with a Matrix error (through Next.js it is a 500)", () => {
    expect(malformed.direct).toEqual({ status: 404, body: JSON.stringify({ errcode: "M_NOT_FOUND", error: "No device found" }) });
    expect(malformed.next.status).toBe(500);
  });
});
