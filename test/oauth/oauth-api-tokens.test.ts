// The Matrix OAuth 2.0 API (issue 18) over HTTP, against a real database: matrix-js-sdk's current
// OAuth2 helpers for the happy paths, raw requests for every refusal, each with the exact RFC 6749 /
// RFC 7591 error code a client would see. The browser steps (interaction, consent) are plain HTTP
// here with a signed-in web session; e2e/oauth.spec.ts does them in Chromium through /sign-in.
// The shared setup (server, users, metadata, helpers) is in oauth-api-fixture.ts.
// Here: refresh tokens and the code grant's refusals.
import { OAuth2 } from "matrix-js-sdk-current";
import { describe, expect, it } from "vitest";
import { db } from "../../lib/db/client";
import { BACKENDS } from "../../test-support/backends";
import { BOB, oauthApiFixture } from "./oauth-api-fixture";
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
import { refreshAtOnce } from "./refresh-race";

describe.each(BACKENDS)("the OAuth 2.0 API on %s", (backend) => {
  const api = oauthApiFixture(backend);
  const { authorizationUrl } = api;

  describe("refresh tokens", () => {
    it("rotate: the new access token works and matrix-js-sdk's refresh returns a new refresh token", async () => {
      const session = await logInWithOAuth(api.server.baseUrl, api.metadata, api.bobBrowser);
      const refreshed = await session.oauth.performRefreshTokenGrant(session.tokens.refresh_token!);
      expect(refreshed.refresh_token).not.toBe(session.tokens.refresh_token);
      expect(await whoami(api.server.baseUrl, refreshed.access_token)).toMatchObject({ status: 200, json: { device_id: session.deviceId } });
    });

    it("a refresh whose response was lost can be retried; the lost tokens are dropped", async () => {
      const session = await logInWithOAuth(api.server.baseUrl, api.metadata, api.bobBrowser);
      const refresh = (token: string) => tokenRequest(api.metadata, { grant_type: "refresh_token", refresh_token: token, client_id: session.clientId });
      const lost = await refresh(session.tokens.refresh_token!);
      expect(lost.status).toBe(200);
      const retried = await refresh(session.tokens.refresh_token!);
      expect(retried.status).toBe(200);
      expect(await whoami(api.server.baseUrl, retried.json.access_token as string)).toMatchObject({ status: 200, json: { device_id: session.deviceId } });
      expect((await whoami(api.server.baseUrl, lost.json.access_token as string)).json.errcode).toBe("M_UNKNOWN_TOKEN");
      expect(await refresh(lost.json.refresh_token as string)).toMatchObject({ status: 400, json: { error: "invalid_grant" } });
      // The retried pair was used: the session goes on from it alone.
      const next = await refresh(retried.json.refresh_token as string);
      expect(next.status).toBe(200);
    });

    it("refreshes with one token at the same time leave one session, not two and not none", async () => {
      // Four at once, twelve rounds: the windows where a second request sees the first's rotation
      // half written are milliseconds wide. (On SQLite one process runs the four one after another,
      // each a retry of the one before; oauth-refresh-race-workers.test.ts races them across
      // worker processes.)
      for (let round = 0; round < 12; round++) {
        const session = await logInWithOAuth(api.server.baseUrl, api.metadata, api.bobBrowser);
        const refresh = (token: string) => tokenRequest(api.metadata, { grant_type: "refresh_token", refresh_token: token, client_id: session.clientId });
        await refreshAtOnce(`round ${round}`, session.tokens.refresh_token!, refresh, async (token) => (await whoami(api.server.baseUrl, token)).status === 200);
      }
    });

    // The states a second request can find a refresh token in while another rotates it, set up
    // directly: consumed with no successor yet is a rotation in flight, or, a minute on, one that
    // died with its process.
    const consumeWithoutSuccessor = (deviceId: string, at: Date) =>
      db().oAuthObject.updateMany({ where: { model: "RefreshToken", userId: BOB, deviceId }, data: { consumedAt: at, successorKey: null } });

    it("a refresh token another request is rotating gets invalid_grant, and the session goes on", async () => {
      const session = await logInWithOAuth(api.server.baseUrl, api.metadata, api.bobBrowser);
      const refresh = (token: string) => tokenRequest(api.metadata, { grant_type: "refresh_token", refresh_token: token, client_id: session.clientId });
      expect((await consumeWithoutSuccessor(session.deviceId, new Date())).count).toBe(1);
      expect(await refresh(session.tokens.refresh_token!)).toMatchObject({ status: 400, json: { error: "invalid_grant" } });
      expect(await whoami(api.server.baseUrl, session.tokens.access_token)).toMatchObject({ status: 200, json: { device_id: session.deviceId } });
    });

    it("a refresh token whose rotation died half-way (a minute ago) can be used again", async () => {
      const session = await logInWithOAuth(api.server.baseUrl, api.metadata, api.bobBrowser);
      const refresh = (token: string) => tokenRequest(api.metadata, { grant_type: "refresh_token", refresh_token: token, client_id: session.clientId });
      expect((await consumeWithoutSuccessor(session.deviceId, new Date(Date.now() - 61_000))).count).toBe(1);
      const retried = await refresh(session.tokens.refresh_token!);
      expect(retried.status).toBe(200);
      expect(await whoami(api.server.baseUrl, retried.json.access_token as string)).toMatchObject({ status: 200, json: { device_id: session.deviceId } });
      expect((await refresh(retried.json.refresh_token as string)).status).toBe(200);
    });

    it("a refresh token replayed after its successor's access token was used revokes the session", async () => {
      const session = await logInWithOAuth(api.server.baseUrl, api.metadata, api.bobBrowser);
      const refresh = (token: string) => tokenRequest(api.metadata, { grant_type: "refresh_token", refresh_token: token, client_id: session.clientId });
      const second = await refresh(session.tokens.refresh_token!);
      expect((await whoami(api.server.baseUrl, second.json.access_token as string)).status).toBe(200);
      expect(await refresh(session.tokens.refresh_token!)).toMatchObject({ status: 400, json: { error: "invalid_grant" } });
      expect((await whoami(api.server.baseUrl, second.json.access_token as string)).json).toMatchObject({ errcode: "M_UNKNOWN_TOKEN" });
      expect(await refresh(second.json.refresh_token as string)).toMatchObject({ status: 400, json: { error: "invalid_grant" } });
    });

    it("a refresh token replayed after its successor refresh token was used revokes the session", async () => {
      const session = await logInWithOAuth(api.server.baseUrl, api.metadata, api.bobBrowser);
      const refresh = (token: string) => tokenRequest(api.metadata, { grant_type: "refresh_token", refresh_token: token, client_id: session.clientId });
      const second = await refresh(session.tokens.refresh_token!);
      const third = await refresh(second.json.refresh_token as string);
      expect(third.status).toBe(200);
      expect(await refresh(session.tokens.refresh_token!)).toMatchObject({ status: 400, json: { error: "invalid_grant" } });
      expect((await whoami(api.server.baseUrl, third.json.access_token as string)).json).toMatchObject({ errcode: "M_UNKNOWN_TOKEN" });
    });

    it("is refused for another client (invalid_grant)", async () => {
      const session = await logInWithOAuth(api.server.baseUrl, api.metadata, api.bobBrowser);
      const otherClient = await OAuth2.registerClient(api.metadata, { ...CLIENT_METADATA, client_name: "Other" });
      expect(await tokenRequest(api.metadata, { grant_type: "refresh_token", refresh_token: session.tokens.refresh_token!, client_id: otherClient })).toMatchObject({
        status: 400,
        json: { error: "invalid_grant" },
      });
    });
  });

  describe("the code grant's refusals", () => {
    async function codeFor(clientId: string, challenge: string) {
      const { location } = await authorize(api.bobBrowser, authorizationUrl(clientId, { code_challenge: challenge }));
      return location!.searchParams.get("code")!;
    }

    it("a code whose device a password /login took after consent is refused (invalid_grant), and the device stays the login's", async () => {
      const clientId = await OAuth2.registerClient(api.metadata, CLIENT_METADATA);
      const { verifier, challenge } = pkcePair();
      const deviceId = newDeviceId();
      const { location } = await authorize(api.bobBrowser, authorizationUrl(clientId, { scope: `urn:matrix:client:api:* urn:matrix:client:device:${deviceId}`, code_challenge: challenge }));
      const login = await fetch(`${api.server.baseUrl}/_matrix/client/v3/login`, {
        method: "POST",
        body: JSON.stringify({ type: "m.login.password", identifier: { type: "m.id.user", user: "bob" }, password: "builder", device_id: deviceId }),
      });
      const { access_token: legacyToken } = (await login.json()) as { access_token: string };
      const exchange = await tokenRequest(api.metadata, {
        grant_type: "authorization_code",
        code: location!.searchParams.get("code")!,
        redirect_uri: REDIRECT_URI,
        client_id: clientId,
        code_verifier: verifier,
      });
      expect(exchange).toMatchObject({ status: 400, json: { error: "invalid_grant" } });
      expect((await whoami(api.server.baseUrl, legacyToken)).json).toMatchObject({ device_id: deviceId });
    });

    it("a replayed code is refused (invalid_grant) and revokes the tokens it issued", async () => {
      const session = await logInWithOAuth(api.server.baseUrl, api.metadata, api.bobBrowser);
      const replay = await tokenRequest(api.metadata, {
        grant_type: "authorization_code",
        code: session.code,
        redirect_uri: REDIRECT_URI,
        client_id: session.clientId,
        code_verifier: session.oauth.context.codeVerifier,
      });
      expect(replay).toMatchObject({ status: 400, json: { error: "invalid_grant" } });
      expect((await whoami(api.server.baseUrl, session.tokens.access_token)).json).toMatchObject({ errcode: "M_UNKNOWN_TOKEN" });
    });

    it("a wrong PKCE verifier is refused (invalid_grant)", async () => {
      const clientId = await OAuth2.registerClient(api.metadata, CLIENT_METADATA);
      const { challenge } = pkcePair();
      const code = await codeFor(clientId, challenge);
      const wrong = await tokenRequest(api.metadata, { grant_type: "authorization_code", code, redirect_uri: REDIRECT_URI, client_id: clientId, code_verifier: pkcePair().verifier });
      expect(wrong).toMatchObject({ status: 400, json: { error: "invalid_grant" } });
    });

    it("a different redirect_uri at the token endpoint is refused (invalid_grant)", async () => {
      const clientId = await OAuth2.registerClient(api.metadata, CLIENT_METADATA);
      const { verifier, challenge } = pkcePair();
      const code = await codeFor(clientId, challenge);
      const wrong = await tokenRequest(api.metadata, { grant_type: "authorization_code", code, redirect_uri: "http://127.0.0.1:9/other", client_id: clientId, code_verifier: verifier });
      expect(wrong).toMatchObject({ status: 400, json: { error: "invalid_grant" } });
    });

    it("an authorization request without PKCE is sent back with invalid_request", async () => {
      const clientId = await OAuth2.registerClient(api.metadata, CLIENT_METADATA);
      const { location } = await authorize(api.bobBrowser, authorizationUrl(clientId, { code_challenge: undefined, code_challenge_method: undefined }));
      expect(location!.searchParams.get("error")).toBe("invalid_request");
      expect(location!.searchParams.get("error_description")).toMatch(/PKCE/);
    });

    it("an unregistered redirect URI gets an error page, never a redirect", async () => {
      const clientId = await OAuth2.registerClient(api.metadata, CLIENT_METADATA);
      const { response, location } = await authorize(api.bobBrowser, authorizationUrl(clientId, { redirect_uri: "https://evil.example/callback" }));
      expect(location).toBeNull();
      expect(response.status).toBe(400);
      expect(response.headers.get("content-type")).toMatch(/text\/html/);
      expect(await response.text()).toContain("redirect_uri");
    });

    it("an authorization step opened in another browser (no interaction cookie) ends on the error page", async () => {
      const clientId = await OAuth2.registerClient(api.metadata, CLIENT_METADATA);
      const first = await api.bobBrowser.get(authorizationUrl(clientId, {}));
      const interaction = new URL(first.headers.get("location")!, api.server.baseUrl);
      expect(interaction.pathname).toMatch(/^\/oauth2\/interaction\//);
      const elsewhere = await (await signedInBrowser(BOB)).get(interaction.href);
      expect(elsewhere.status).toBe(400);
      expect(await elsewhere.text()).toContain("expired or was started in another browser");
    });

    it("a loopback redirect URI of a native client may use any port", async () => {
      const clientId = await OAuth2.registerClient(api.metadata, CLIENT_METADATA);
      const { location } = await authorize(api.bobBrowser, authorizationUrl(clientId, { redirect_uri: "http://127.0.0.1:51234/callback" }));
      expect(location!.port).toBe("51234");
      expect(location!.searchParams.get("code")).toBeTruthy();
    });
  });
});
