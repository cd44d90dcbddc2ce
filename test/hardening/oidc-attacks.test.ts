// Attacks on the OIDC callback, over HTTP against the route modules in this process (the fast tier, test-support/in-process-server.ts): a code issued to another client
// or another login session, a replayed callback, and ID tokens that are forged, replayed into
// another session, expired or not yet valid, for another issuer or audience, unsigned (alg: none),
// or signed with the wrong key or algorithm. Each ends on the error page with nothing created.
//
// A real OpenID Provider (oidc-provider) issues the codes. It cannot be made to issue a bad ID
// token, so for those a tiny stand-in token endpoint (below) answers with a token the test forged,
// signed with the real provider's key (signJwt) and verified against the real provider's JWKS.
// SAML is not implemented yet, so there are no SAML attacks here.
import { createHmac, generateKeyPairSync, type KeyObject } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CookieClient } from "../../test-support/cookie-client";
import { loginWithFetch, startOidcProvider, type RunningOidcProvider } from "../../test-support/oidc-provider";
import { startInProcessServer } from "../../test-support/in-process-server";
import { freePort, type RunningServer } from "../../test-support/server";
import { CORP_ACCOUNTS } from "../../test-support/sso-fixture";
import { disconnectAll, useDatabase } from "../../test-support/users";

interface ForgingProvider {
  issuer: string;
  /** The ID token the next token request gets. */
  nextIdToken: string | null;
  tokenRequests: number;
  close(): Promise<void>;
}

/** Discovery, JWKS (the real provider's) and a token endpoint that hands out `nextIdToken`. */
async function startForgingProvider(real: RunningOidcProvider): Promise<ForgingProvider> {
  const state: ForgingProvider = { issuer: "", nextIdToken: null, tokenRequests: 0, close: async () => undefined };
  const server = http.createServer((request, response) => {
    const json = (body: unknown) => {
      response.writeHead(200, { "Content-Type": "application/json", "Cache-Control": "no-store" });
      response.end(JSON.stringify(body));
    };
    if (request.url === "/.well-known/openid-configuration") {
      return json({
        issuer: state.issuer,
        authorization_endpoint: `${state.issuer}/authorize`,
        token_endpoint: `${state.issuer}/token`,
        jwks_uri: `${state.issuer}/jwks`,
        response_types_supported: ["code"],
        subject_types_supported: ["public"],
        id_token_signing_alg_values_supported: ["RS256"],
        token_endpoint_auth_methods_supported: ["client_secret_basic"],
        code_challenge_methods_supported: ["S256"],
      });
    }
    if (request.url === "/jwks") return json(real.jwks);
    if (request.url === "/token" && request.method === "POST") {
      request.resume();
      state.tokenRequests += 1;
      return json({ access_token: "opaque-access-token", token_type: "Bearer", expires_in: 300, id_token: state.nextIdToken });
    }
    response.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  state.issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  state.close = () => new Promise((resolve) => server.close(() => resolve()));
  return state;
}

const b64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");

describe("OIDC callback attacks", () => {
  let corp: RunningOidcProvider;
  let forging: ForgingProvider;
  let server: RunningServer;
  let base: string;
  let callback: string;
  let otherKey: KeyObject;
  const trusted = "https://client.example/trusted";
  const database = () => useDatabase(server.databaseUrl);

  beforeAll(async () => {
    const port = await freePort();
    callback = `http://127.0.0.1:${port}/_synapse/client/oidc/callback`;
    corp = await startOidcProvider({
      accounts: CORP_ACCOUNTS,
      clients: [
        { client_id: "homeserver", client_secret: "corp-secret", redirect_uris: [callback] },
        // Another application at the same provider, whose codes an attacker could obtain.
        { client_id: "intruder", client_secret: "intruder-secret", redirect_uris: [callback] },
      ],
    });
    forging = await startForgingProvider(corp);
    otherKey = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey;
    server = await startInProcessServer({
      port,
      config: {
        sso: { client_whitelist: [trusted] },
        oidc_providers: [
          {
            idp_id: "corp",
            idp_name: "Corp",
            issuer: corp.issuer,
            client_id: "homeserver",
            client_secret: "corp-secret",
            scopes: ["openid", "profile"],
            user_mapping_provider: { config: { localpart_template: "{{ user.preferred_username }}" } },
          },
          {
            idp_id: "forge",
            idp_name: "Forge",
            issuer: forging.issuer,
            client_id: "homeserver",
            client_secret: "corp-secret",
            scopes: ["openid"],
            user_mapping_provider: { config: { localpart_template: "{{ user.sub }}" } },
          },
        ],
      },
    });
    base = server.baseUrl;
  });

  afterAll(async () => {
    await server?.stop();
    await forging?.close();
    await corp?.stop();
    await disconnectAll();
  });

  /** Starts a login: the browser with its state cookie, and the authorization request's parameters. */
  async function startLogin(idp: string) {
    const browser = new CookieClient();
    const response = await browser.get(`${base}/_matrix/client/v3/login/sso/redirect/${idp}?${new URLSearchParams({ redirectUrl: trusted })}`);
    expect(response.status).toBe(302);
    const authorization = new URL(response.headers.get("location")!);
    return { browser, authorization, state: authorization.searchParams.get("state")!, nonce: authorization.searchParams.get("nonce")! };
  }

  async function expectRefused(response: Response, code?: RegExp) {
    expect(response.status).toBeGreaterThanOrEqual(400);
    expect(response.status).toBeLessThan(600);
    expect(response.headers.get("location")).toBeNull();
    const html = await response.text();
    if (code) expect(html).toMatch(code);
    expect(html).not.toContain("loginToken");
  }

  const usersNamed = (prefix: string) => database().user.count({ where: { userId: { startsWith: `@${prefix}` } } });

  describe("codes", () => {
    it("refuses a code issued to another client of the same provider", async () => {
      const victim = await startLogin("oidc-corp");
      const attackerUrl = new URL(corp.endpoints.authorization);
      attackerUrl.search = new URLSearchParams({
        client_id: "intruder",
        response_type: "code",
        redirect_uri: callback,
        scope: "openid profile",
        state: "attacker-state",
        nonce: "attacker-nonce",
      }).toString();
      const attackerCallback = new URL(await loginWithFetch(attackerUrl.toString(), "mallory", "mallory-pw"));
      const code = attackerCallback.searchParams.get("code")!;
      expect(code).toBeTruthy();
      const response = await victim.browser.get(`${callback}?${new URLSearchParams({ code, state: victim.state })}`);
      await expectRefused(response, /invalid_grant|invalid_token|server_error/);
      expect(await usersNamed("mallory")).toBe(0);
    });

    it("refuses a code from another login session of ours (PKCE and nonce bind it to its session)", async () => {
      const attacker = await startLogin("oidc-corp");
      const attackerCallback = new URL(await loginWithFetch(attacker.authorization.toString(), "mallory", "mallory-pw"));
      const victim = await startLogin("oidc-corp");
      const response = await victim.browser.get(`${callback}?${new URLSearchParams({ code: attackerCallback.searchParams.get("code")!, state: victim.state })}`);
      await expectRefused(response);
      expect(await usersNamed("mallory")).toBe(0);
    });

    it("refuses a replayed callback, even with the state cookie captured, and mints no second login token", async () => {
      const login = await startLogin("oidc-corp");
      const callbackUrl = await loginWithFetch(login.authorization.toString(), "alice", "alice-pw");
      const cookie = login.browser.cookies.get("oidc_session")!;
      const first = await login.browser.get(callbackUrl);
      expect(first.status).toBe(302);
      expect(first.headers.get("location")).toContain("loginToken=");
      const tokens = await database().loginToken.count();
      const replay = await fetch(callbackUrl, { redirect: "manual", headers: { Cookie: `oidc_session=${cookie}` } });
      await expectRefused(replay);
      expect(await database().loginToken.count()).toBe(tokens);
    });

    it("refuses a state that belongs to another browser's cookie", async () => {
      const one = await startLogin("oidc-corp");
      const two = await startLogin("oidc-corp");
      const callbackUrl = new URL(await loginWithFetch(one.authorization.toString(), "alice", "alice-pw"));
      const response = await two.browser.get(callbackUrl.toString());
      await expectRefused(response, /mismatching_session/);
    });
  });

  describe("ID tokens", () => {
    const now = () => Math.floor(Date.now() / 1000);

    /** Runs the callback with the ID token `forge` builds from the session's nonce. */
    async function callbackWith(forge: (claims: { nonce: string; sub: string }) => Promise<string> | string, sub: string) {
      const login = await startLogin("oidc-forge");
      forging.nextIdToken = await forge({ nonce: login.nonce, sub });
      const requests = forging.tokenRequests;
      const response = await login.browser.get(`${callback}?${new URLSearchParams({ code: "any-code", state: login.state })}`);
      expect(forging.tokenRequests).toBe(requests + 1);
      return response;
    }

    const validClaims = (nonce: string, sub: string) => ({ iss: forging.issuer, aud: "homeserver", sub, nonce, iat: now(), exp: now() + 300 });

    it("accepts a well-formed token (the harness works)", async () => {
      const response = await callbackWith(({ nonce, sub }) => corp.signJwt(validClaims(nonce, sub)), "genuine");
      expect(response.status).toBe(302);
      expect(response.headers.get("location")).toContain("loginToken=");
      expect(await usersNamed("genuine")).toBe(1);
    });

    const attacks: [string, (claims: { nonce: string; sub: string }) => Promise<string> | string][] = [
      ["a wrong nonce", ({ sub }) => corp.signJwt(validClaims("not-the-nonce", sub))],
      ["no nonce", ({ nonce, sub }) => corp.signJwt({ ...validClaims(nonce, sub), nonce: undefined })],
      ["an expired token", ({ nonce, sub }) => corp.signJwt({ ...validClaims(nonce, sub), iat: now() - 7200, exp: now() - 3600 })],
      ["a token not valid before an hour from now", ({ nonce, sub }) => corp.signJwt({ ...validClaims(nonce, sub), nbf: now() + 3600 })],
      ["a token issued in the future", ({ nonce, sub }) => corp.signJwt({ ...validClaims(nonce, sub), iat: now() + 3600, exp: now() + 7200 })],
      ["another issuer", ({ nonce, sub }) => corp.signJwt({ ...validClaims(nonce, sub), iss: corp.issuer })],
      ["another audience", ({ nonce, sub }) => corp.signJwt({ ...validClaims(nonce, sub), aud: "intruder" })],
      ["several audiences with another party as azp", ({ nonce, sub }) => corp.signJwt({ ...validClaims(nonce, sub), aud: ["homeserver", "intruder"], azp: "intruder" })],
      ["no subject", ({ nonce, sub }) => corp.signJwt({ ...validClaims(nonce, sub), sub: undefined })],
      ["alg none (unsigned)", ({ nonce, sub }) => `${b64url({ alg: "none", typ: "JWT" })}.${b64url(validClaims(nonce, sub))}.`],
      [
        "a key the provider does not publish",
        ({ nonce, sub }) => new SignJWT(validClaims(nonce, sub)).setProtectedHeader({ alg: "RS256", kid: corp.signingKid }).sign(otherKey),
      ],
      [
        "HS256 with the client secret as key (algorithm confusion)",
        ({ nonce, sub }) => {
          const signingInput = `${b64url({ alg: "HS256", typ: "JWT" })}.${b64url(validClaims(nonce, sub))}`;
          return `${signingInput}.${createHmac("sha256", "corp-secret").update(signingInput).digest("base64url")}`;
        },
      ],
      [
        "a tampered payload under a genuine signature",
        async ({ nonce, sub }) => {
          const [header, , signature] = (await corp.signJwt(validClaims(nonce, "someone-else"))).split(".");
          return `${header}.${b64url(validClaims(nonce, sub))}.${signature}`;
        },
      ],
      ["no ID token at all", () => ""],
    ];

    it.each(attacks.map(([name, forge], index) => [name, forge, `attack${index}`] as const))("refuses %s and creates nobody", async (_name, forge, sub) => {
      const usersBefore = await database().user.count();
      const tokensBefore = await database().loginToken.count();
      const response = await callbackWith(forge, sub);
      await expectRefused(response);
      expect(response.status).toBeLessThan(500);
      expect(await database().user.count()).toBe(usersBefore);
      expect(await database().loginToken.count()).toBe(tokensBefore);
      expect(await database().usernameMappingSession.count({ where: { remoteUserId: sub } })).toBe(0);
    });

    it("refuses a genuine ID token replayed into another login session", async () => {
      const first = await startLogin("oidc-forge");
      const token = await corp.signJwt(validClaims(first.nonce, "replayed"));
      forging.nextIdToken = token;
      expect((await first.browser.get(`${callback}?${new URLSearchParams({ code: "c1", state: first.state })}`)).status).toBe(302);
      const second = await startLogin("oidc-forge");
      forging.nextIdToken = token;
      const tokensBefore = await database().loginToken.count();
      const response = await second.browser.get(`${callback}?${new URLSearchParams({ code: "c2", state: second.state })}`);
      await expectRefused(response);
      expect(await database().loginToken.count()).toBe(tokensBefore);
    });
  });
});
