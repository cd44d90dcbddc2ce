// The Matrix OAuth 2.0 API (issue 18) over HTTP, against a real database: matrix-js-sdk's current
// OAuth2 helpers for the happy paths, raw requests for every refusal, each with the exact RFC 6749 /
// RFC 7591 error code a client would see. The browser steps (interaction, consent) are plain HTTP
// here with a signed-in web session; e2e/oauth.spec.ts does them in Chromium through /sign-in.
import { createLocalJWKSet, jwtVerify } from "jose";
import { OAuth2, type ValidatedAuthMetadata } from "matrix-js-sdk-current";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { db } from "../../lib/db/client";
import { PrismaOAuthAdapter } from "../../lib/oauth/adapter";
import { listOAuthConsents, revokeOAuthConsent } from "../../lib/oauth/consents";
import { authMetadata } from "../../lib/oauth/metadata";
import { startWebSession } from "../../lib/web-session";
import { BACKENDS, freshDatabaseUrl } from "../../test-support/backends";
import { CookieClient } from "../../test-support/cookie-client";
import { startInProcessServer } from "../../test-support/in-process-server";
import { type RunningServer } from "../../test-support/server";
import { createUserDirectly, disconnectAll } from "../../test-support/users";
import {
  authorize,
  CLIENT_METADATA,
  logInWithOAuth,
  newDeviceId,
  pkcePair,
  REDIRECT_URI,
  signedInBrowser,
  tokenRequest,
  whoami,
} from "./oauth-flow";

const BOB = "@bob:test.local";
const ADMIN = "@root:test.local";

describe.each(BACKENDS)("the OAuth 2.0 API on %s", (backend) => {
  let server: RunningServer;
  let metadata: ValidatedAuthMetadata;
  let bobBrowser: CookieClient;

  beforeAll(async () => {
    const databaseUrl = await freshDatabaseUrl(backend);
    server = await startInProcessServer({
      databaseUrl,
      config: { oauth_server: { rc_client_registration: { per_second: 100, burst_count: 1000 } } },
    });
    await createUserDirectly(databaseUrl, { localpart: "bob", password: "builder" });
    await createUserDirectly(databaseUrl, { localpart: "root", password: "rootpw", admin: true });
    metadata = authMetadata() as unknown as ValidatedAuthMetadata;
    bobBrowser = await signedInBrowser(BOB);
  });

  afterAll(async () => {
    await server?.stop();
    await disconnectAll();
  });

  const register = (body: Record<string, unknown>) =>
    fetch(metadata.registration_endpoint, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });

  /** An authorization URL with exactly the parameters given (matrix-js-sdk only builds valid ones). */
  function authorizationUrl(clientId: string, params: Record<string, string | undefined>): string {
    const url = new URL(metadata.authorization_endpoint);
    const { challenge } = pkcePair();
    const all: Record<string, string | undefined> = {
      client_id: clientId,
      response_type: "code",
      redirect_uri: REDIRECT_URI,
      scope: `urn:matrix:client:api:* urn:matrix:client:device:${newDeviceId()}`,
      state: "st4te",
      code_challenge: challenge,
      code_challenge_method: "S256",
      ...params,
    };
    for (const [key, value] of Object.entries(all)) if (value !== undefined) url.searchParams.set(key, value);
    return url.href;
  }

  describe("discovery", () => {
    it("describes the code grant with PKCE S256, query and fragment modes, and the endpoints", () => {
      expect(metadata).toMatchObject({
        issuer: `${server.baseUrl}/`,
        authorization_endpoint: `${server.baseUrl}/oauth2/auth`,
        token_endpoint: `${server.baseUrl}/oauth2/token`,
        registration_endpoint: `${server.baseUrl}/oauth2/registration`,
        revocation_endpoint: `${server.baseUrl}/oauth2/revoke`,
        code_challenge_methods_supported: ["S256"],
        account_management_uri: `${server.baseUrl}/account`,
      });
      expect(metadata.response_types_supported).toContain("code");
      expect(metadata.grant_types_supported).toEqual(expect.arrayContaining(["authorization_code", "refresh_token"]));
      expect(metadata.response_modes_supported).toEqual(expect.arrayContaining(["query", "fragment"]));
      // No IdP and no registration in this config: nowhere for prompt=create to lead.
      expect(metadata.prompt_values_supported).not.toContain("create");
    });

    it("serves the same issuer and endpoints at the issuer's /.well-known/openid-configuration, with CORS", async () => {
      const response = await fetch(`${server.baseUrl}/.well-known/openid-configuration`, { headers: { Origin: "https://app.element.io" } });
      expect(response.status).toBe(200);
      expect(response.headers.get("access-control-allow-origin")).toBe("*");
      const discovery = (await response.json()) as Record<string, unknown>;
      for (const key of ["issuer", "authorization_endpoint", "token_endpoint", "registration_endpoint", "revocation_endpoint", "jwks_uri"] as const) {
        expect(discovery[key]).toBe((metadata as unknown as Record<string, unknown>)[key]);
      }
    });

    it("answers CORS preflights of the token, registration and revocation endpoints", async () => {
      for (const endpoint of [metadata.token_endpoint, metadata.registration_endpoint, metadata.revocation_endpoint]) {
        const response = await fetch(endpoint, {
          method: "OPTIONS",
          headers: { Origin: "https://app.element.io", "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type" },
        });
        expect(response.status).toBe(204);
        expect(response.headers.get("access-control-allow-origin")).toBe("*");
        expect(response.headers.get("access-control-allow-headers")).toMatch(/content-type/i);
      }
    });
  });

  describe("logging in", () => {
    it("registers, authorizes on the consent page and exchanges the code with matrix-js-sdk: the token works on the Matrix API with the scope's device", async () => {
      const session = await logInWithOAuth(server.baseUrl, metadata, await signedInBrowser(BOB));
      expect(session.tokens.token_type).toBe("Bearer");
      expect(session.tokens.expires_in).toBe(300);
      expect(session.tokens.refresh_token).toBeTruthy();
      expect(await whoami(server.baseUrl, session.tokens.access_token)).toEqual({
        status: 200,
        json: { user_id: BOB, is_guest: false, device_id: session.deviceId },
      });
      const devices = await fetch(`${server.baseUrl}/_matrix/client/v3/devices`, { headers: { Authorization: `Bearer ${session.tokens.access_token}` } });
      const { devices: list } = (await devices.json()) as { devices: { device_id: string; display_name: string }[] };
      expect(list).toContainEqual(expect.objectContaining({ device_id: session.deviceId, display_name: "Test Client" }));
    });

    it("accepts the unstable MSC2967 scopes that Element X sends", async () => {
      const clientId = await OAuth2.registerClient(metadata, CLIENT_METADATA);
      const deviceId = newDeviceId();
      const oauth = new OAuth2(metadata, { clientId, deviceId });
      const scope = `urn:matrix:org.matrix.msc2967.client:api:* urn:matrix:org.matrix.msc2967.client:device:${deviceId}`;
      const url = await oauth.generateAuthorizationCodeGrantUrl("s1", REDIRECT_URI, "query", undefined, scope);
      const { location } = await authorize(bobBrowser, url);
      const tokens = await oauth.completeAuthorizationCodeGrant(location!.searchParams.get("code")!, REDIRECT_URI);
      expect(tokens.scope).toBe(scope);
      expect((await whoami(server.baseUrl, tokens.access_token)).json.device_id).toBe(deviceId);
    });

    it("returns the code in the fragment with response_mode=fragment", async () => {
      const clientId = await OAuth2.registerClient(metadata, CLIENT_METADATA);
      const oauth = new OAuth2(metadata, { clientId, deviceId: newDeviceId() });
      const url = await oauth.generateAuthorizationCodeGrantUrl("frag", REDIRECT_URI, "fragment");
      const { location } = await authorize(bobBrowser, url);
      expect(location!.search).toBe("");
      const fragment = new URLSearchParams(location!.hash.slice(1));
      expect(fragment.get("state")).toBe("frag");
      expect(fragment.get("code")).toBeTruthy();
    });

    it("remembers consent per person and client: the second login skips the page, another person is asked", async () => {
      const clientId = await OAuth2.registerClient(metadata, { ...CLIENT_METADATA, client_name: "Remembered" });
      const first = await authorize(bobBrowser, authorizationUrl(clientId, {}));
      expect(first.consentShown).toBe(true);
      const second = await authorize(bobBrowser, authorizationUrl(clientId, {}), { decision: null });
      expect(second.consentShown).toBe(false);
      expect(second.location?.searchParams.get("code")).toBeTruthy();
      const other = await authorize(await signedInBrowser(ADMIN), authorizationUrl(clientId, {}), { decision: null });
      expect(other.response.status).toBe(200);
      expect(await other.response.text()).toContain("Remembered");

      // Revoked (the account page's "allowed apps"): the next login asks again.
      expect(await listOAuthConsents(BOB)).toContainEqual(expect.objectContaining({ clientId, clientName: "Remembered" }));
      expect(await revokeOAuthConsent(BOB, clientId)).toBe(true);
      const third = await authorize(bobBrowser, authorizationUrl(clientId, {}), { decision: null });
      expect(third.response.status).toBe(200);
      expect(third.consentShown).toBe(false);
    });

    it("a remembered consent covers only the scopes allowed: openid or the admin scope asked later shows the page (admin every time)", async () => {
      const clientId = await OAuth2.registerClient(metadata, { ...CLIENT_METADATA, client_name: "Growing" });
      const admin = await signedInBrowser(ADMIN);
      const plain = () => `urn:matrix:client:api:* urn:matrix:client:device:${newDeviceId()}`;
      expect((await authorize(admin, authorizationUrl(clientId, { scope: plain() }))).consentShown).toBe(true);
      expect((await authorize(admin, authorizationUrl(clientId, { scope: plain() }), { decision: null })).consentShown).toBe(false);
      // More than was allowed: the page again, naming the admin rights.
      const withOpenid = await authorize(admin, authorizationUrl(clientId, { scope: `openid ${plain()}` }), { decision: null });
      expect(withOpenid.response.status).toBe(200);
      expect((await authorize(admin, authorizationUrl(clientId, { scope: `openid ${plain()}` }))).consentShown).toBe(true);
      for (let round = 0; round < 2; round++) {
        const asked = await authorize(admin, authorizationUrl(clientId, { scope: `${plain()} urn:synapse:admin:*` }), { decision: null });
        expect(asked.response.status).toBe(200);
        expect(await asked.response.text()).toContain("Administer this server with your administrator rights.");
        expect((await authorize(admin, authorizationUrl(clientId, { scope: `${plain()} urn:synapse:admin:*` }))).consentShown).toBe(true);
      }
      expect((await authorize(admin, authorizationUrl(clientId, { scope: `openid ${plain()}` }), { decision: null })).consentShown).toBe(false);
    });

    it("two logins of one client in one browser are two sessions: codes made one after the other both work, and both refresh", async () => {
      const clientId = await OAuth2.registerClient(metadata, { ...CLIENT_METADATA, client_name: "Two Devices" });
      const browser = await signedInBrowser(BOB);
      const logins = [];
      for (const deviceId of [newDeviceId(), newDeviceId()]) {
        const { verifier, challenge } = pkcePair();
        const scope = `urn:matrix:client:api:* urn:matrix:client:device:${deviceId}`;
        const { location } = await authorize(browser, authorizationUrl(clientId, { scope, code_challenge: challenge }));
        logins.push({ deviceId, verifier, code: location!.searchParams.get("code")! });
      }
      for (const login of logins) {
        const exchanged = await tokenRequest(metadata, { grant_type: "authorization_code", code: login.code, code_verifier: login.verifier, redirect_uri: REDIRECT_URI, client_id: clientId });
        expect(exchanged.status).toBe(200);
        const refreshed = await tokenRequest(metadata, { grant_type: "refresh_token", refresh_token: exchanged.json.refresh_token as string, client_id: clientId });
        expect(refreshed.status).toBe(200);
        expect((await whoami(server.baseUrl, refreshed.json.access_token as string)).json.device_id).toBe(login.deviceId);
      }
    });

    it("Cancel on the consent page sends access_denied to the client", async () => {
      const clientId = await OAuth2.registerClient(metadata, { ...CLIENT_METADATA, client_name: "Cancelled" });
      const { location } = await authorize(bobBrowser, authorizationUrl(clientId, {}), { decision: "deny" });
      expect(location?.origin + location!.pathname).toBe(REDIRECT_URI);
      expect(location!.searchParams.get("error")).toBe("access_denied");
      expect(location!.searchParams.get("state")).toBe("st4te");
    });

    it("shows the client's name, host, logo and policy links on the consent page, and refuses a cross-site post", async () => {
      const clientId = await OAuth2.registerClient(metadata, { ...CLIENT_METADATA, client_name: "Shown Client" });
      const browser = await signedInBrowser(BOB);
      const { response } = await authorize(browser, authorizationUrl(clientId, {}), { decision: null });
      const html = await response.text();
      expect(html).toContain("Shown Client");
      expect(html).toContain("client.example");
      expect(html).toContain('src="https://client.example/logo.png"');
      expect(html).toContain('href="https://client.example/privacy"');
      expect(html).toContain('href="https://client.example/terms"');
      const action = /<form[^>]*action="([^"]+)"/.exec(html)![1];
      const forged = await fetch(`${server.baseUrl}${action}`, {
        method: "POST",
        redirect: "manual",
        headers: {
          "Content-Type": "application/x-www-form-urlencoded",
          Cookie: [...browser.cookies].map(([name, value]) => `${name}=${value}`).join("; "),
          Origin: "https://evil.example",
          "Sec-Fetch-Site": "cross-site",
        },
        body: "decision=allow",
      });
      expect(forged.status).toBe(403);
    });

    it("sends a browser that is not signed in to the sign-in page, and prompt=create to sign-up", async () => {
      const clientId = await OAuth2.registerClient(metadata, CLIENT_METADATA);
      const anonymous = new CookieClient();
      const plain = await authorize(anonymous, authorizationUrl(clientId, {}));
      expect(plain.location?.pathname).toBe("/sign-in");
      expect(plain.location?.searchParams.get("next")).toMatch(/^\/oauth2\/interaction\//);
      const create = await authorize(new CookieClient(), authorizationUrl(clientId, { prompt: "create" }));
      expect(create.location?.pathname).toBe("/sign-in");
      expect(create.location?.searchParams.get("create")).toBe("1");
      // prompt=login: signed in already, but asked again (a sign-in after the request began).
      const browser = await signedInBrowser(BOB);
      const again = await authorize(browser, authorizationUrl(clientId, { prompt: "login" }));
      expect(again.location?.pathname).toBe("/sign-in");
      expect(again.location?.searchParams.get("reauth")).toBe("1");
      const next = again.location!.searchParams.get("next")!;
      expect(next).toMatch(/^\/oauth2\/interaction\//);
      // Back without signing in again: asked again. After signing in again (what /sign-in does): on.
      expect((await authorize(browser, `${server.baseUrl}${next}`)).location?.pathname).toBe("/sign-in");
      await new Promise((resolve) => setTimeout(resolve, 5));
      const { cookie } = await startWebSession(BOB, "password", browser.cookies.get("web_session"));
      browser.cookies.set("web_session", cookie.split(";")[0].split("=").slice(1).join("="));
      const done = await authorize(browser, `${server.baseUrl}${next}`);
      expect(done.location?.searchParams.get("code")).toBeTruthy();
    });

    it("prompt=login and max_age cannot be skipped by writing the return path's after=0 by hand", async () => {
      const clientId = await OAuth2.registerClient(metadata, CLIENT_METADATA);
      const browser = await signedInBrowser(BOB);
      const openid = `openid urn:matrix:client:api:* urn:matrix:client:device:${newDeviceId()}`;
      for (const params of [{ prompt: "login" }, { max_age: "0", scope: openid }]) {
        await new Promise((resolve) => setTimeout(resolve, 5));
        const asked = await authorize(browser, authorizationUrl(clientId, params));
        expect(asked.location?.pathname).toBe("/sign-in");
        const next = new URL(asked.location!.searchParams.get("next")!, server.baseUrl);
        for (const forged of ["0", "1", next.searchParams.get("after")!.slice(0, -2)]) {
          next.searchParams.set("after", forged);
          expect((await authorize(browser, next.href)).location?.pathname).toBe("/sign-in");
        }
      }
    });

    it("issues an RS256 id token (the default of oidc-client-ts clients), verifiable with the jwks_uri keys, when openid is requested", async () => {
      const clientId = await OAuth2.registerClient(metadata, CLIENT_METADATA);
      const { verifier, challenge } = pkcePair();
      const deviceId = newDeviceId();
      const url = authorizationUrl(clientId, {
        scope: `openid urn:matrix:client:api:* urn:matrix:client:device:${deviceId}`,
        code_challenge: challenge,
        nonce: "n0nce",
      });
      const { location } = await authorize(bobBrowser, url);
      const { status, json } = await tokenRequest(metadata, {
        grant_type: "authorization_code",
        code: location!.searchParams.get("code")!,
        redirect_uri: REDIRECT_URI,
        client_id: clientId,
        code_verifier: verifier,
      });
      expect(status).toBe(200);
      const jwks = (await (await fetch((metadata as unknown as { jwks_uri: string }).jwks_uri)).json()) as { keys: never[] };
      const { payload, protectedHeader } = await jwtVerify(json.id_token as string, createLocalJWKSet(jwks), { issuer: metadata.issuer, audience: clientId });
      expect(protectedHeader.alg).toBe("RS256");
      expect(payload).toMatchObject({ sub: BOB, nonce: "n0nce" });
      expect(JSON.stringify(jwks)).not.toContain('"d"');
    });
  });

  describe("refresh tokens", () => {
    it("rotate: the new access token works and matrix-js-sdk's refresh returns a new refresh token", async () => {
      const session = await logInWithOAuth(server.baseUrl, metadata, bobBrowser);
      const refreshed = await session.oauth.performRefreshTokenGrant(session.tokens.refresh_token!);
      expect(refreshed.refresh_token).not.toBe(session.tokens.refresh_token);
      expect(await whoami(server.baseUrl, refreshed.access_token)).toMatchObject({ status: 200, json: { device_id: session.deviceId } });
    });

    it("a refresh whose response was lost can be retried; the lost tokens are dropped", async () => {
      const session = await logInWithOAuth(server.baseUrl, metadata, bobBrowser);
      const refresh = (token: string) => tokenRequest(metadata, { grant_type: "refresh_token", refresh_token: token, client_id: session.clientId });
      const lost = await refresh(session.tokens.refresh_token!);
      expect(lost.status).toBe(200);
      const retried = await refresh(session.tokens.refresh_token!);
      expect(retried.status).toBe(200);
      expect(await whoami(server.baseUrl, retried.json.access_token as string)).toMatchObject({ status: 200, json: { device_id: session.deviceId } });
      expect((await whoami(server.baseUrl, lost.json.access_token as string)).json.errcode).toBe("M_UNKNOWN_TOKEN");
      expect(await refresh(lost.json.refresh_token as string)).toMatchObject({ status: 400, json: { error: "invalid_grant" } });
      // The retried pair was used: the session goes on from it alone.
      const next = await refresh(retried.json.refresh_token as string);
      expect(next.status).toBe(200);
    });

    it("two refreshes with one token at the same time leave one session, not two", async () => {
      for (let round = 0; round < 4; round++) {
        const session = await logInWithOAuth(server.baseUrl, metadata, bobBrowser);
        const refresh = (token: string) => tokenRequest(metadata, { grant_type: "refresh_token", refresh_token: token, client_id: session.clientId });
        const both = await Promise.all([refresh(session.tokens.refresh_token!), refresh(session.tokens.refresh_token!)]);
        expect(both.some((answer) => answer.status === 200)).toBe(true);
        const successors = both.filter((answer) => answer.status === 200).map((answer) => answer.json.refresh_token as string);
        const working = [];
        for (const token of successors) working.push((await refresh(token)).status === 200);
        expect(working.filter(Boolean)).toHaveLength(1);
      }
    });

    it("a refresh token replayed after its successor's access token was used revokes the session", async () => {
      const session = await logInWithOAuth(server.baseUrl, metadata, bobBrowser);
      const refresh = (token: string) => tokenRequest(metadata, { grant_type: "refresh_token", refresh_token: token, client_id: session.clientId });
      const second = await refresh(session.tokens.refresh_token!);
      expect((await whoami(server.baseUrl, second.json.access_token as string)).status).toBe(200);
      expect(await refresh(session.tokens.refresh_token!)).toMatchObject({ status: 400, json: { error: "invalid_grant" } });
      expect((await whoami(server.baseUrl, second.json.access_token as string)).json).toMatchObject({ errcode: "M_UNKNOWN_TOKEN" });
      expect(await refresh(second.json.refresh_token as string)).toMatchObject({ status: 400, json: { error: "invalid_grant" } });
    });

    it("a refresh token replayed after its successor refresh token was used revokes the session", async () => {
      const session = await logInWithOAuth(server.baseUrl, metadata, bobBrowser);
      const refresh = (token: string) => tokenRequest(metadata, { grant_type: "refresh_token", refresh_token: token, client_id: session.clientId });
      const second = await refresh(session.tokens.refresh_token!);
      const third = await refresh(second.json.refresh_token as string);
      expect(third.status).toBe(200);
      expect(await refresh(session.tokens.refresh_token!)).toMatchObject({ status: 400, json: { error: "invalid_grant" } });
      expect((await whoami(server.baseUrl, third.json.access_token as string)).json).toMatchObject({ errcode: "M_UNKNOWN_TOKEN" });
    });

    it("is refused for another client (invalid_grant)", async () => {
      const session = await logInWithOAuth(server.baseUrl, metadata, bobBrowser);
      const otherClient = await OAuth2.registerClient(metadata, { ...CLIENT_METADATA, client_name: "Other" });
      expect(await tokenRequest(metadata, { grant_type: "refresh_token", refresh_token: session.tokens.refresh_token!, client_id: otherClient })).toMatchObject({
        status: 400,
        json: { error: "invalid_grant" },
      });
    });
  });

  describe("the code grant's refusals", () => {
    async function codeFor(clientId: string, challenge: string) {
      const { location } = await authorize(bobBrowser, authorizationUrl(clientId, { code_challenge: challenge }));
      return location!.searchParams.get("code")!;
    }

    it("a code whose device a password /login took after consent is refused (invalid_grant), and the device stays the login's", async () => {
      const clientId = await OAuth2.registerClient(metadata, CLIENT_METADATA);
      const { verifier, challenge } = pkcePair();
      const deviceId = newDeviceId();
      const { location } = await authorize(bobBrowser, authorizationUrl(clientId, { scope: `urn:matrix:client:api:* urn:matrix:client:device:${deviceId}`, code_challenge: challenge }));
      const login = await fetch(`${server.baseUrl}/_matrix/client/v3/login`, {
        method: "POST",
        body: JSON.stringify({ type: "m.login.password", identifier: { type: "m.id.user", user: "bob" }, password: "builder", device_id: deviceId }),
      });
      const { access_token: legacyToken } = (await login.json()) as { access_token: string };
      const exchange = await tokenRequest(metadata, {
        grant_type: "authorization_code",
        code: location!.searchParams.get("code")!,
        redirect_uri: REDIRECT_URI,
        client_id: clientId,
        code_verifier: verifier,
      });
      expect(exchange).toMatchObject({ status: 400, json: { error: "invalid_grant" } });
      expect((await whoami(server.baseUrl, legacyToken)).json).toMatchObject({ device_id: deviceId });
    });

    it("a replayed code is refused (invalid_grant) and revokes the tokens it issued", async () => {
      const session = await logInWithOAuth(server.baseUrl, metadata, bobBrowser);
      const replay = await tokenRequest(metadata, {
        grant_type: "authorization_code",
        code: session.code,
        redirect_uri: REDIRECT_URI,
        client_id: session.clientId,
        code_verifier: session.oauth.context.codeVerifier,
      });
      expect(replay).toMatchObject({ status: 400, json: { error: "invalid_grant" } });
      expect((await whoami(server.baseUrl, session.tokens.access_token)).json).toMatchObject({ errcode: "M_UNKNOWN_TOKEN" });
    });

    it("a wrong PKCE verifier is refused (invalid_grant)", async () => {
      const clientId = await OAuth2.registerClient(metadata, CLIENT_METADATA);
      const { challenge } = pkcePair();
      const code = await codeFor(clientId, challenge);
      const wrong = await tokenRequest(metadata, { grant_type: "authorization_code", code, redirect_uri: REDIRECT_URI, client_id: clientId, code_verifier: pkcePair().verifier });
      expect(wrong).toMatchObject({ status: 400, json: { error: "invalid_grant" } });
    });

    it("a different redirect_uri at the token endpoint is refused (invalid_grant)", async () => {
      const clientId = await OAuth2.registerClient(metadata, CLIENT_METADATA);
      const { verifier, challenge } = pkcePair();
      const code = await codeFor(clientId, challenge);
      const wrong = await tokenRequest(metadata, { grant_type: "authorization_code", code, redirect_uri: "http://127.0.0.1:9/other", client_id: clientId, code_verifier: verifier });
      expect(wrong).toMatchObject({ status: 400, json: { error: "invalid_grant" } });
    });

    it("an authorization request without PKCE is sent back with invalid_request", async () => {
      const clientId = await OAuth2.registerClient(metadata, CLIENT_METADATA);
      const { location } = await authorize(bobBrowser, authorizationUrl(clientId, { code_challenge: undefined, code_challenge_method: undefined }));
      expect(location!.searchParams.get("error")).toBe("invalid_request");
      expect(location!.searchParams.get("error_description")).toMatch(/PKCE/);
    });

    it("an unregistered redirect URI gets an error page, never a redirect", async () => {
      const clientId = await OAuth2.registerClient(metadata, CLIENT_METADATA);
      const { response, location } = await authorize(bobBrowser, authorizationUrl(clientId, { redirect_uri: "https://evil.example/callback" }));
      expect(location).toBeNull();
      expect(response.status).toBe(400);
      expect(response.headers.get("content-type")).toMatch(/text\/html/);
      expect(await response.text()).toContain("redirect_uri");
    });

    it("an authorization step opened in another browser (no interaction cookie) ends on the error page", async () => {
      const clientId = await OAuth2.registerClient(metadata, CLIENT_METADATA);
      const first = await bobBrowser.get(authorizationUrl(clientId, {}));
      const interaction = new URL(first.headers.get("location")!, server.baseUrl);
      expect(interaction.pathname).toMatch(/^\/oauth2\/interaction\//);
      const elsewhere = await (await signedInBrowser(BOB)).get(interaction.href);
      expect(elsewhere.status).toBe(400);
      expect(await elsewhere.text()).toContain("expired or was started in another browser");
    });

    it("a loopback redirect URI of a native client may use any port", async () => {
      const clientId = await OAuth2.registerClient(metadata, CLIENT_METADATA);
      const { location } = await authorize(bobBrowser, authorizationUrl(clientId, { redirect_uri: "http://127.0.0.1:51234/callback" }));
      expect(location!.port).toBe("51234");
      expect(location!.searchParams.get("code")).toBeTruthy();
    });
  });

  describe("scopes", () => {
    const device = newDeviceId();
    it.each([
      ["stable and unstable mixed", `urn:matrix:client:api:* urn:matrix:org.matrix.msc2967.client:device:${device}`],
      ["two devices", `urn:matrix:client:api:* urn:matrix:client:device:${device} urn:matrix:client:device:${newDeviceId()}`],
      ["no device", "urn:matrix:client:api:*"],
      ["no API scope", `urn:matrix:client:device:${device}`],
      ["a device ID shorter than 10 characters", "urn:matrix:client:api:* urn:matrix:client:device:SHORT"],
      ["an unknown scope", `urn:matrix:client:api:* urn:matrix:client:device:${device} email`],
    ])("%s → invalid_scope, redirected to the client", async (_name, scope) => {
      const clientId = await OAuth2.registerClient(metadata, CLIENT_METADATA);
      const { location, consentShown } = await authorize(bobBrowser, authorizationUrl(clientId, { scope }));
      expect(consentShown).toBe(false);
      expect(location!.searchParams.get("error")).toBe("invalid_scope");
      expect(location!.searchParams.get("state")).toBe("st4te");
    });

    it("the device grant's confirmation page says when the device asks for urn:synapse:admin:*", async () => {
      const registration = await fetch(metadata.registration_endpoint!, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ ...CLIENT_METADATA, grant_types: ["authorization_code", "refresh_token", "urn:ietf:params:oauth:grant-type:device_code"] }),
      });
      const { client_id: clientId } = (await registration.json()) as { client_id: string };
      const browser = await signedInBrowser(ADMIN);
      for (const admin of [false, true]) {
        const scope = `urn:matrix:client:api:* urn:matrix:client:device:${newDeviceId()}${admin ? " urn:synapse:admin:*" : ""}`;
        const started = await fetch(`${server.baseUrl}/oauth2/device/auth`, {
          method: "POST",
          headers: { "Content-Type": "application/x-www-form-urlencoded" },
          body: new URLSearchParams({ client_id: clientId, scope }).toString(),
        });
        const { verification_uri: verificationUri, user_code: userCode } = (await started.json()) as Record<string, string>;
        const input = await (await browser.get(verificationUri)).text();
        const action = /<form[^>]*action="([^"]+)"/.exec(input)![1].replace(/&amp;/g, "&");
        const xsrf = /name="xsrf" value="([^"]*)"/.exec(input)![1];
        const confirm = await (await browser.postForm(new URL(action, server.baseUrl).href, { xsrf, user_code: userCode })).text();
        expect(confirm).toContain(userCode);
        expect(confirm.includes("administer this server with your administrator rights")).toBe(admin);
      }
    });

    it("urn:synapse:admin:* is refused to a person who is not an admin (invalid_scope) and granted to an admin", async () => {
      const clientId = await OAuth2.registerClient(metadata, CLIENT_METADATA);
      const scope = `urn:matrix:client:api:* urn:matrix:client:device:${newDeviceId()} urn:synapse:admin:*`;
      const refused = await authorize(bobBrowser, authorizationUrl(clientId, { scope }));
      expect(refused.location!.searchParams.get("error")).toBe("invalid_scope");
      const granted = await authorize(await signedInBrowser(ADMIN), authorizationUrl(clientId, { scope }));
      expect(granted.location!.searchParams.get("code")).toBeTruthy();
    });

    it("the admin API takes an admin's OAuth token only if it was granted urn:synapse:admin:*", async () => {
      const adminBrowser = await signedInBrowser(ADMIN);
      const plain = await logInWithOAuth(server.baseUrl, metadata, adminBrowser);
      const listUsers = (token: string) => fetch(`${server.baseUrl}/_synapse/admin/v2/users`, { headers: { Authorization: `Bearer ${token}` } });
      const refused = await listUsers(plain.tokens.access_token);
      expect(refused.status).toBe(403);
      expect(await refused.json()).toMatchObject({ errcode: "M_FORBIDDEN" });
      // Still refused once the provider's own row of the token is gone (it is not a /login token then).
      expect((await db().oAuthObject.deleteMany({ where: { model: "AccessToken", userId: ADMIN, deviceId: plain.deviceId } })).count).toBe(1);
      expect((await whoami(server.baseUrl, plain.tokens.access_token)).status).toBe(200);
      expect((await listUsers(plain.tokens.access_token)).status).toBe(403);

      const clientId = await OAuth2.registerClient(metadata, CLIENT_METADATA);
      const deviceId = newDeviceId();
      const oauth = new OAuth2(metadata, { clientId, deviceId });
      const scope = `urn:matrix:client:api:* urn:matrix:client:device:${deviceId} urn:synapse:admin:*`;
      const { location } = await authorize(adminBrowser, await oauth.generateAuthorizationCodeGrantUrl("adm", REDIRECT_URI, "query", undefined, scope));
      const tokens = await oauth.completeAuthorizationCodeGrant(location!.searchParams.get("code")!, REDIRECT_URI);
      expect((await listUsers(tokens.access_token)).status).toBe(200);
    });
  });

  describe("revocation and the Matrix session", () => {
    it("revoking the access token without client_id ends the session and its device", async () => {
      const session = await logInWithOAuth(server.baseUrl, metadata, bobBrowser);
      const response = await fetch(metadata.revocation_endpoint, {
        method: "POST",
        headers: { "Content-Type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({ token: session.tokens.access_token }).toString(),
      });
      expect(response.status).toBe(200);
      expect((await whoami(server.baseUrl, session.tokens.access_token)).json.errcode).toBe("M_UNKNOWN_TOKEN");
      expect(await tokenRequest(metadata, { grant_type: "refresh_token", refresh_token: session.tokens.refresh_token!, client_id: session.clientId })).toMatchObject({
        status: 400,
        json: { error: "invalid_grant" },
      });
    });

    it("revoking the refresh token with matrix-js-sdk ends the session", async () => {
      const session = await logInWithOAuth(server.baseUrl, metadata, bobBrowser);
      await session.oauth.revokeToken(session.tokens.refresh_token!, "refresh_token");
      expect((await whoami(server.baseUrl, session.tokens.access_token)).json.errcode).toBe("M_UNKNOWN_TOKEN");
    });

    it("answers 200 for a token it does not know", async () => {
      const response = await fetch(metadata.revocation_endpoint, {
        method: "POST",
        headers: { "Content-Type": "application/x-www-form-urlencoded" },
        body: "token=never-issued",
      });
      expect(response.status).toBe(200);
    });

    it("POST /logout with the OAuth access token ends the OAuth session", async () => {
      const session = await logInWithOAuth(server.baseUrl, metadata, bobBrowser);
      const logout = await fetch(`${server.baseUrl}/_matrix/client/v3/logout`, { method: "POST", headers: { Authorization: `Bearer ${session.tokens.access_token}` }, body: "{}" });
      expect(logout.status).toBe(200);
      expect(await tokenRequest(metadata, { grant_type: "refresh_token", refresh_token: session.tokens.refresh_token!, client_id: session.clientId })).toMatchObject({
        status: 400,
        json: { error: "invalid_grant" },
      });
    });

    it("a signed-out device's refresh token stays refused when a password /login names the same device ID again", async () => {
      const session = await logInWithOAuth(server.baseUrl, metadata, bobBrowser);
      const logout = await fetch(`${server.baseUrl}/_matrix/client/v3/logout`, { method: "POST", headers: { Authorization: `Bearer ${session.tokens.access_token}` }, body: "{}" });
      expect(logout.status).toBe(200);
      const login = await fetch(`${server.baseUrl}/_matrix/client/v3/login`, {
        method: "POST",
        body: JSON.stringify({ type: "m.login.password", identifier: { type: "m.id.user", user: "bob" }, password: "builder", device_id: session.deviceId }),
      });
      expect(((await login.json()) as { device_id: string }).device_id).toBe(session.deviceId);
      expect(await tokenRequest(metadata, { grant_type: "refresh_token", refresh_token: session.tokens.refresh_token!, client_id: session.clientId })).toMatchObject({
        status: 400,
        json: { error: "invalid_grant" },
      });
    });

    it("a refresh finishing after its device was signed out does not bring the device back (invalid_grant)", async () => {
      // What oidc-provider stores for a refreshed access token (gty names the refresh), its device gone meanwhile.
      const deviceId = newDeviceId();
      const refreshed = new PrismaOAuthAdapter("AccessToken").upsert(
        `at-${deviceId}`,
        { accountId: BOB, clientId: "c", scope: `urn:matrix:client:api:* urn:matrix:client:device:${deviceId}`, gty: "authorization_code refresh_token" },
        300,
      );
      await expect(refreshed).rejects.toMatchObject({ error: "invalid_grant" });
      expect(await db().device.count({ where: { userId: BOB, deviceId } })).toBe(0);
    });

    it("deleting the device revokes its tokens", async () => {
      const session = await logInWithOAuth(server.baseUrl, metadata, bobBrowser);
      const other = await logInWithOAuth(server.baseUrl, metadata, bobBrowser);
      const url = `${server.baseUrl}/_matrix/client/v3/devices/${encodeURIComponent(session.deviceId)}`;
      const headers = { Authorization: `Bearer ${other.tokens.access_token}`, "Content-Type": "application/json" };
      const first = await fetch(url, { method: "DELETE", headers, body: "{}" });
      if (first.status === 401) {
        const { session: uiaSession } = (await first.json()) as { session: string };
        const auth = { type: "m.login.password", identifier: { type: "m.id.user", user: "bob" }, password: "builder", session: uiaSession };
        expect((await fetch(url, { method: "DELETE", headers, body: JSON.stringify({ auth }) })).status).toBe(200);
      } else {
        expect(first.status).toBe(200);
      }
      expect((await whoami(server.baseUrl, session.tokens.access_token)).json.errcode).toBe("M_UNKNOWN_TOKEN");
      expect(await tokenRequest(metadata, { grant_type: "refresh_token", refresh_token: session.tokens.refresh_token!, client_id: session.clientId })).toMatchObject({
        status: 400,
        json: { error: "invalid_grant" },
      });
      expect((await whoami(server.baseUrl, other.tokens.access_token)).status).toBe(200);
    });
  });

  describe("dynamic client registration", () => {
    const valid = { ...CLIENT_METADATA };
    it.each([
      ["no client_uri", "invalid_client_metadata", { ...valid, client_uri: undefined }],
      ["an http client_uri", "invalid_client_metadata", { ...valid, client_uri: "http://client.example/" }],
      ["a client_uri with credentials", "invalid_client_metadata", { ...valid, client_uri: "https://user:pw@client.example/" }],
      ["a logo on another host", "invalid_client_metadata", { ...valid, logo_uri: "https://cdn.other.example/logo.png" }],
      ["an http policy_uri", "invalid_client_metadata", { ...valid, policy_uri: "http://client.example/privacy" }],
      ["a localized tos_uri on another host", "invalid_client_metadata", { ...valid, "tos_uri#fr": "https://other.example/cgu" }],
      ["no redirect_uris", "invalid_redirect_uri", { ...valid, redirect_uris: undefined }],
      ["a redirect URI with a fragment", "invalid_redirect_uri", { ...valid, redirect_uris: ["http://127.0.0.1/cb#x"] }],
      ["a native client's https redirect", "invalid_redirect_uri", { ...valid, redirect_uris: ["https://client.example/cb"] }],
      ["a native client's http redirect that is not loopback", "invalid_redirect_uri", { ...valid, redirect_uris: ["http://client.example/cb"] }],
      ["a private-use scheme of another domain", "invalid_redirect_uri", { ...valid, redirect_uris: ["com.other.app:/cb"] }],
      ["a web client's redirect on another host", "invalid_redirect_uri", { ...valid, application_type: "web", redirect_uris: ["https://other.example/cb"] }],
      ["a web client's http redirect", "invalid_redirect_uri", { ...valid, application_type: "web", redirect_uris: ["http://client.example/cb"] }],
      ["the implicit grant", "invalid_client_metadata", { ...valid, grant_types: ["implicit"] }],
      ["an unsupported auth method", "invalid_client_metadata", { ...valid, token_endpoint_auth_method: "private_key_jwt" }],
      ["a confidential client (its secret would be stored as it is)", "invalid_client_metadata", { ...valid, token_endpoint_auth_method: "client_secret_basic" }],
    ])("refuses %s with %s", async (_name, error, body) => {
      const response = await register(body as Record<string, unknown>);
      expect(response.status).toBe(400);
      const json = (await response.json()) as { error: string; error_description: string };
      expect(json.error).toBe(error);
      expect(json.error_description.length).toBeGreaterThan(10);
    });

    it.each([
      ["a private-use scheme of a subdomain", { ...valid, client_uri: "https://element.io/", logo_uri: undefined, policy_uri: undefined, tos_uri: undefined, redirect_uris: ["io.element.app:/callback"] }],
      ["a web client under its client_uri host", { ...valid, application_type: "web", redirect_uris: ["https://app.client.example/callback"] }],
      ["[::1] and localhost loopback redirects", { ...valid, redirect_uris: ["http://[::1]/cb", "http://localhost:8080/cb"] }],
    ])("accepts %s", async (_name, body) => {
      const response = await register(body as Record<string, unknown>);
      expect(response.status).toBe(201);
      expect(((await response.json()) as { client_id: string }).client_id).toBeTruthy();
    });

    it("registers a client that names no auth method as a public client, without a secret", async () => {
      const response = await register({ ...valid, token_endpoint_auth_method: undefined });
      expect(response.status).toBe(201);
      const json = (await response.json()) as Record<string, unknown>;
      expect(json.token_endpoint_auth_method).toBe("none");
      expect(json.client_secret).toBeUndefined();
    });

    it("gives an identical public client registration the same client_id", async () => {
      const first = (await (await register({ ...valid, client_name: "Twice" })).json()) as { client_id: string };
      const second = (await (await register({ ...valid, client_name: "Twice" })).json()) as { client_id: string };
      expect(second.client_id).toBe(first.client_id);
    });
  });
});

describe("device grant user code guesses", () => {
  let server: RunningServer;
  beforeAll(async () => {
    const databaseUrl = await freshDatabaseUrl("sqlite");
    server = await startInProcessServer({ databaseUrl, config: { oauth_server: { rc_device_code_verification: { per_second: 0.01, burst_count: 3 } } } });
  });
  afterAll(async () => {
    await server?.stop();
    await disconnectAll();
  });

  it("are limited per address: past the burst, a page in words with 429 and Retry-After, and the code is not checked", async () => {
    const browser = new CookieClient();
    const input = await (await browser.get(`${server.baseUrl}/oauth2/device`)).text();
    const action = new URL(/<form[^>]*action="([^"]+)"/.exec(input)![1].replace(/&amp;/g, "&"), server.baseUrl).href;
    const xsrf = /name="xsrf" value="([^"]*)"/.exec(input)![1];
    const answers: Response[] = [];
    for (let guess = 0; guess < 4; guess++) answers.push(await browser.postForm(action, { xsrf, user_code: `BCDF-GHJ${"KLMN"[guess]}` }));
    expect(answers.map((answer) => answer.status)).toEqual([400, 400, 400, 429]);
    expect(await answers[0].text()).toContain("That code is not right");
    expect(Number(answers[3].headers.get("retry-after"))).toBeGreaterThan(0);
    const page = await answers[3].text();
    expect(page).toContain("Too many codes were tried from your network");
    expect(page).not.toContain("That code is not right");
  });
});

describe("client registration rate limit", () => {
  let server: RunningServer;
  beforeAll(async () => {
    const databaseUrl = await freshDatabaseUrl("sqlite");
    server = await startInProcessServer({ databaseUrl, config: { oauth_server: { rc_client_registration: { per_second: 0.01, burst_count: 2 } } } });
  });
  afterAll(async () => {
    await server?.stop();
    await disconnectAll();
  });

  it("refuses the third registration from one address in a burst with 429 and Retry-After", async () => {
    const metadata = authMetadata() as unknown as ValidatedAuthMetadata;
    const statuses: number[] = [];
    let last: Response | undefined;
    for (let i = 0; i < 3; i++) {
      last = await fetch(metadata.registration_endpoint, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ ...CLIENT_METADATA, client_name: `n${i}` }) });
      statuses.push(last.status);
    }
    expect(statuses).toEqual([201, 201, 429]);
    expect(Number(last!.headers.get("retry-after"))).toBeGreaterThan(0);
  });

  it("is off with oauth_server.enabled: false", async () => {
    await server.stop();
    server = await startInProcessServer({ config: { oauth_server: { enabled: false } } });
    const response = await fetch(`${server.baseUrl}/oauth2/registration`, { method: "POST", body: "{}" });
    expect(response.status).toBe(404);
    expect(() => authMetadata()).toThrow(/OAuth 2.0/);
  });
});
