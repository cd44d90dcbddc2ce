// The Matrix OAuth 2.0 API (issue 18) over HTTP, against a real database: matrix-js-sdk's current
// OAuth2 helpers for the happy paths, raw requests for every refusal, each with the exact RFC 6749 /
// RFC 7591 error code a client would see. The browser steps (interaction, consent) are plain HTTP
// here with a signed-in web session; e2e/oauth.spec.ts does them in Chromium through /sign-in.
// The shared setup (server, users, metadata, helpers) is in oauth-api-fixture.ts.
// Here: scopes, revocation and the Matrix session.
import { OAuth2 } from "matrix-js-sdk-current";
import { describe, expect, it } from "vitest";
import { db } from "../../lib/db/client";
import { PrismaOAuthAdapter } from "../../lib/oauth/adapter";
import { BACKENDS } from "../../test-support/backends";
import { ADMIN, BOB, oauthApiFixture } from "./oauth-api-fixture";
import {
  authorize,
  CLIENT_METADATA,
  logInWithOAuth,
  newDeviceId,
  REDIRECT_URI,
  signedInBrowser,
  tokenRequest,
  whoami,
} from "./oauth-flow";

describe.each(BACKENDS)("the OAuth 2.0 API on %s", (backend) => {
  const api = oauthApiFixture(backend);
  const { authorizationUrl } = api;

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
      const clientId = await OAuth2.registerClient(api.metadata, CLIENT_METADATA);
      const { location, consentShown } = await authorize(api.bobBrowser, authorizationUrl(clientId, { scope }));
      expect(consentShown).toBe(false);
      expect(location!.searchParams.get("error")).toBe("invalid_scope");
      expect(location!.searchParams.get("state")).toBe("st4te");
    });

    it("the device grant's confirmation page says when the device asks for urn:synapse:admin:*", async () => {
      const registration = await fetch(api.metadata.registration_endpoint!, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ ...CLIENT_METADATA, grant_types: ["authorization_code", "refresh_token", "urn:ietf:params:oauth:grant-type:device_code"] }),
      });
      const { client_id: clientId } = (await registration.json()) as { client_id: string };
      const browser = await signedInBrowser(ADMIN);
      for (const admin of [false, true]) {
        const scope = `urn:matrix:client:api:* urn:matrix:client:device:${newDeviceId()}${admin ? " urn:synapse:admin:*" : ""}`;
        const started = await fetch(`${api.server.baseUrl}/oauth2/device/auth`, {
          method: "POST",
          headers: { "Content-Type": "application/x-www-form-urlencoded" },
          body: new URLSearchParams({ client_id: clientId, scope }).toString(),
        });
        const { verification_uri: verificationUri, user_code: userCode } = (await started.json()) as Record<string, string>;
        const input = await (await browser.get(verificationUri)).text();
        const action = /<form[^>]*action="([^"]+)"/.exec(input)![1].replace(/&amp;/g, "&");
        const xsrf = /name="xsrf" value="([^"]*)"/.exec(input)![1];
        const confirm = await (await browser.postForm(new URL(action, api.server.baseUrl).href, { xsrf, user_code: userCode })).text();
        expect(confirm).toContain(userCode);
        expect(confirm.includes("administer this server with your administrator rights")).toBe(admin);
      }
    });

    it("urn:synapse:admin:* is refused to a person who is not an admin (invalid_scope) and granted to an admin", async () => {
      const clientId = await OAuth2.registerClient(api.metadata, CLIENT_METADATA);
      const scope = `urn:matrix:client:api:* urn:matrix:client:device:${newDeviceId()} urn:synapse:admin:*`;
      const refused = await authorize(api.bobBrowser, authorizationUrl(clientId, { scope }));
      expect(refused.location!.searchParams.get("error")).toBe("invalid_scope");
      const granted = await authorize(await signedInBrowser(ADMIN), authorizationUrl(clientId, { scope }));
      expect(granted.location!.searchParams.get("code")).toBeTruthy();
    });

    it("the admin API takes an admin's OAuth token only if it was granted urn:synapse:admin:*", async () => {
      const adminBrowser = await signedInBrowser(ADMIN);
      const plain = await logInWithOAuth(api.server.baseUrl, api.metadata, adminBrowser);
      const listUsers = (token: string) => fetch(`${api.server.baseUrl}/_synapse/admin/v2/users`, { headers: { Authorization: `Bearer ${token}` } });
      const refused = await listUsers(plain.tokens.access_token);
      expect(refused.status).toBe(403);
      expect(await refused.json()).toMatchObject({ errcode: "M_FORBIDDEN" });
      // Still refused once the provider's own row of the token is gone (it is not a /login token then).
      expect((await db().oAuthObject.deleteMany({ where: { model: "AccessToken", userId: ADMIN, deviceId: plain.deviceId } })).count).toBe(1);
      expect((await whoami(api.server.baseUrl, plain.tokens.access_token)).status).toBe(200);
      expect((await listUsers(plain.tokens.access_token)).status).toBe(403);

      const clientId = await OAuth2.registerClient(api.metadata, CLIENT_METADATA);
      const deviceId = newDeviceId();
      const oauth = new OAuth2(api.metadata, { clientId, deviceId });
      const scope = `urn:matrix:client:api:* urn:matrix:client:device:${deviceId} urn:synapse:admin:*`;
      const { location } = await authorize(adminBrowser, await oauth.generateAuthorizationCodeGrantUrl("adm", REDIRECT_URI, "query", undefined, scope));
      const tokens = await oauth.completeAuthorizationCodeGrant(location!.searchParams.get("code")!, REDIRECT_URI);
      expect((await listUsers(tokens.access_token)).status).toBe(200);
    });
  });

  describe("revocation and the Matrix session", () => {
    it("revoking the access token without client_id ends the session and its device", async () => {
      const session = await logInWithOAuth(api.server.baseUrl, api.metadata, api.bobBrowser);
      const response = await fetch(api.metadata.revocation_endpoint, {
        method: "POST",
        headers: { "Content-Type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({ token: session.tokens.access_token }).toString(),
      });
      expect(response.status).toBe(200);
      expect((await whoami(api.server.baseUrl, session.tokens.access_token)).json.errcode).toBe("M_UNKNOWN_TOKEN");
      expect(await tokenRequest(api.metadata, { grant_type: "refresh_token", refresh_token: session.tokens.refresh_token!, client_id: session.clientId })).toMatchObject({
        status: 400,
        json: { error: "invalid_grant" },
      });
    });

    it("revoking the refresh token with matrix-js-sdk ends the session", async () => {
      const session = await logInWithOAuth(api.server.baseUrl, api.metadata, api.bobBrowser);
      await session.oauth.revokeToken(session.tokens.refresh_token!, "refresh_token");
      expect((await whoami(api.server.baseUrl, session.tokens.access_token)).json.errcode).toBe("M_UNKNOWN_TOKEN");
    });

    it("answers 200 for a token it does not know", async () => {
      const response = await fetch(api.metadata.revocation_endpoint, {
        method: "POST",
        headers: { "Content-Type": "application/x-www-form-urlencoded" },
        body: "token=never-issued",
      });
      expect(response.status).toBe(200);
    });

    it("POST /logout with the OAuth access token ends the OAuth session", async () => {
      const session = await logInWithOAuth(api.server.baseUrl, api.metadata, api.bobBrowser);
      const logout = await fetch(`${api.server.baseUrl}/_matrix/client/v3/logout`, { method: "POST", headers: { Authorization: `Bearer ${session.tokens.access_token}` }, body: "{}" });
      expect(logout.status).toBe(200);
      expect(await tokenRequest(api.metadata, { grant_type: "refresh_token", refresh_token: session.tokens.refresh_token!, client_id: session.clientId })).toMatchObject({
        status: 400,
        json: { error: "invalid_grant" },
      });
    });

    it("a signed-out device's refresh token stays refused when a password /login names the same device ID again", async () => {
      const session = await logInWithOAuth(api.server.baseUrl, api.metadata, api.bobBrowser);
      const logout = await fetch(`${api.server.baseUrl}/_matrix/client/v3/logout`, { method: "POST", headers: { Authorization: `Bearer ${session.tokens.access_token}` }, body: "{}" });
      expect(logout.status).toBe(200);
      const login = await fetch(`${api.server.baseUrl}/_matrix/client/v3/login`, {
        method: "POST",
        body: JSON.stringify({ type: "m.login.password", identifier: { type: "m.id.user", user: "bob" }, password: "builder", device_id: session.deviceId }),
      });
      expect(((await login.json()) as { device_id: string }).device_id).toBe(session.deviceId);
      expect(await tokenRequest(api.metadata, { grant_type: "refresh_token", refresh_token: session.tokens.refresh_token!, client_id: session.clientId })).toMatchObject({
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
      const session = await logInWithOAuth(api.server.baseUrl, api.metadata, api.bobBrowser);
      const other = await logInWithOAuth(api.server.baseUrl, api.metadata, api.bobBrowser);
      const url = `${api.server.baseUrl}/_matrix/client/v3/devices/${encodeURIComponent(session.deviceId)}`;
      const headers = { Authorization: `Bearer ${other.tokens.access_token}`, "Content-Type": "application/json" };
      const first = await fetch(url, { method: "DELETE", headers, body: "{}" });
      if (first.status === 401) {
        const { session: uiaSession } = (await first.json()) as { session: string };
        const auth = { type: "m.login.password", identifier: { type: "m.id.user", user: "bob" }, password: "builder", session: uiaSession };
        expect((await fetch(url, { method: "DELETE", headers, body: JSON.stringify({ auth }) })).status).toBe(200);
      } else {
        expect(first.status).toBe(200);
      }
      expect((await whoami(api.server.baseUrl, session.tokens.access_token)).json.errcode).toBe("M_UNKNOWN_TOKEN");
      expect(await tokenRequest(api.metadata, { grant_type: "refresh_token", refresh_token: session.tokens.refresh_token!, client_id: session.clientId })).toMatchObject({
        status: 400,
        json: { error: "invalid_grant" },
      });
      expect((await whoami(api.server.baseUrl, other.tokens.access_token)).status).toBe(200);
    });
  });
});
