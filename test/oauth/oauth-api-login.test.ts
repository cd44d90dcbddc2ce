// The Matrix OAuth 2.0 API (issue 18) over HTTP, against a real database: matrix-js-sdk's current
// OAuth2 helpers for the happy paths, raw requests for every refusal, each with the exact RFC 6749 /
// RFC 7591 error code a client would see. The browser steps (interaction, consent) are plain HTTP
// here with a signed-in web session; e2e/oauth.spec.ts does them in Chromium through /sign-in.
// The shared setup (server, users, metadata, helpers) is in oauth-api-fixture.ts.
// Here: discovery and logging in (consent, prompt, id tokens).
import { createLocalJWKSet, jwtVerify } from "jose";
import { OAuth2 } from "matrix-js-sdk-current";
import { describe, expect, it } from "vitest";
import { listOAuthConsents, revokeOAuthConsent } from "../../lib/oauth/consents";
import { startWebSession } from "../../lib/web-session";
import { BACKENDS } from "../../test-support/backends";
import { CookieClient } from "../../test-support/cookie-client";
import { ADMIN, BOB, oauthApiFixture } from "./oauth-api-fixture";
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

describe.each(BACKENDS)("the OAuth 2.0 API on %s", (backend) => {
  const api = oauthApiFixture(backend);
  const { authorizationUrl } = api;

  describe("discovery", () => {
    it("describes the code grant with PKCE S256, query and fragment modes, and the endpoints", () => {
      expect(api.metadata).toMatchObject({
        issuer: `${api.server.baseUrl}/`,
        authorization_endpoint: `${api.server.baseUrl}/oauth2/auth`,
        token_endpoint: `${api.server.baseUrl}/oauth2/token`,
        registration_endpoint: `${api.server.baseUrl}/oauth2/registration`,
        revocation_endpoint: `${api.server.baseUrl}/oauth2/revoke`,
        code_challenge_methods_supported: ["S256"],
        account_management_uri: `${api.server.baseUrl}/account`,
      });
      expect(api.metadata.response_types_supported).toContain("code");
      expect(api.metadata.grant_types_supported).toEqual(expect.arrayContaining(["authorization_code", "refresh_token"]));
      expect(api.metadata.response_modes_supported).toEqual(expect.arrayContaining(["query", "fragment"]));
      // No IdP and no registration in this config: nowhere for prompt=create to lead.
      expect(api.metadata.prompt_values_supported).not.toContain("create");
    });

    it("serves the same issuer and endpoints at the issuer's /.well-known/openid-configuration, with CORS", async () => {
      const response = await fetch(`${api.server.baseUrl}/.well-known/openid-configuration`, { headers: { Origin: "https://app.element.io" } });
      expect(response.status).toBe(200);
      expect(response.headers.get("access-control-allow-origin")).toBe("*");
      const discovery = (await response.json()) as Record<string, unknown>;
      for (const key of ["issuer", "authorization_endpoint", "token_endpoint", "registration_endpoint", "revocation_endpoint", "jwks_uri"] as const) {
        expect(discovery[key]).toBe((api.metadata as unknown as Record<string, unknown>)[key]);
      }
    });

    it("answers CORS preflights of the token, registration and revocation endpoints", async () => {
      for (const endpoint of [api.metadata.token_endpoint, api.metadata.registration_endpoint, api.metadata.revocation_endpoint]) {
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
      const session = await logInWithOAuth(api.server.baseUrl, api.metadata, await signedInBrowser(BOB));
      expect(session.tokens.token_type).toBe("Bearer");
      expect(session.tokens.expires_in).toBe(300);
      expect(session.tokens.refresh_token).toBeTruthy();
      expect(await whoami(api.server.baseUrl, session.tokens.access_token)).toEqual({
        status: 200,
        json: { user_id: BOB, is_guest: false, device_id: session.deviceId },
      });
      const devices = await fetch(`${api.server.baseUrl}/_matrix/client/v3/devices`, { headers: { Authorization: `Bearer ${session.tokens.access_token}` } });
      const { devices: list } = (await devices.json()) as { devices: { device_id: string; display_name: string }[] };
      expect(list).toContainEqual(expect.objectContaining({ device_id: session.deviceId, display_name: "Test Client" }));
    });

    it("accepts the unstable MSC2967 scopes that Element X sends", async () => {
      const clientId = await OAuth2.registerClient(api.metadata, CLIENT_METADATA);
      const deviceId = newDeviceId();
      const oauth = new OAuth2(api.metadata, { clientId, deviceId });
      const scope = `urn:matrix:org.matrix.msc2967.client:api:* urn:matrix:org.matrix.msc2967.client:device:${deviceId}`;
      const url = await oauth.generateAuthorizationCodeGrantUrl("s1", REDIRECT_URI, "query", undefined, scope);
      const { location } = await authorize(api.bobBrowser, url);
      const tokens = await oauth.completeAuthorizationCodeGrant(location!.searchParams.get("code")!, REDIRECT_URI);
      expect(tokens.scope).toBe(scope);
      expect((await whoami(api.server.baseUrl, tokens.access_token)).json.device_id).toBe(deviceId);
    });

    it("returns the code in the fragment with response_mode=fragment", async () => {
      const clientId = await OAuth2.registerClient(api.metadata, CLIENT_METADATA);
      const oauth = new OAuth2(api.metadata, { clientId, deviceId: newDeviceId() });
      const url = await oauth.generateAuthorizationCodeGrantUrl("frag", REDIRECT_URI, "fragment");
      const { location } = await authorize(api.bobBrowser, url);
      expect(location!.search).toBe("");
      const fragment = new URLSearchParams(location!.hash.slice(1));
      expect(fragment.get("state")).toBe("frag");
      expect(fragment.get("code")).toBeTruthy();
    });

    it("remembers consent per person and client: the second login skips the page, another person is asked", async () => {
      const clientId = await OAuth2.registerClient(api.metadata, { ...CLIENT_METADATA, client_name: "Remembered" });
      const first = await authorize(api.bobBrowser, authorizationUrl(clientId, {}));
      expect(first.consentShown).toBe(true);
      const second = await authorize(api.bobBrowser, authorizationUrl(clientId, {}), { decision: null });
      expect(second.consentShown).toBe(false);
      expect(second.location?.searchParams.get("code")).toBeTruthy();
      const other = await authorize(await signedInBrowser(ADMIN), authorizationUrl(clientId, {}), { decision: null });
      expect(other.response.status).toBe(200);
      expect(await other.response.text()).toContain("Remembered");

      // Revoked (the account page's "allowed apps"): the next login asks again.
      expect(await listOAuthConsents(BOB)).toContainEqual(expect.objectContaining({ clientId, clientName: "Remembered" }));
      expect(await revokeOAuthConsent(BOB, clientId)).toBe(true);
      const third = await authorize(api.bobBrowser, authorizationUrl(clientId, {}), { decision: null });
      expect(third.response.status).toBe(200);
      expect(third.consentShown).toBe(false);
    });

    it("a remembered consent covers only the scopes allowed: openid or the admin scope asked later shows the page (admin every time)", async () => {
      const clientId = await OAuth2.registerClient(api.metadata, { ...CLIENT_METADATA, client_name: "Growing" });
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
      const clientId = await OAuth2.registerClient(api.metadata, { ...CLIENT_METADATA, client_name: "Two Devices" });
      const browser = await signedInBrowser(BOB);
      const logins = [];
      for (const deviceId of [newDeviceId(), newDeviceId()]) {
        const { verifier, challenge } = pkcePair();
        const scope = `urn:matrix:client:api:* urn:matrix:client:device:${deviceId}`;
        const { location } = await authorize(browser, authorizationUrl(clientId, { scope, code_challenge: challenge }));
        logins.push({ deviceId, verifier, code: location!.searchParams.get("code")! });
      }
      for (const login of logins) {
        const exchanged = await tokenRequest(api.metadata, { grant_type: "authorization_code", code: login.code, code_verifier: login.verifier, redirect_uri: REDIRECT_URI, client_id: clientId });
        expect(exchanged.status).toBe(200);
        const refreshed = await tokenRequest(api.metadata, { grant_type: "refresh_token", refresh_token: exchanged.json.refresh_token as string, client_id: clientId });
        expect(refreshed.status).toBe(200);
        expect((await whoami(api.server.baseUrl, refreshed.json.access_token as string)).json.device_id).toBe(login.deviceId);
      }
    });

    it("Cancel on the consent page sends access_denied to the client", async () => {
      const clientId = await OAuth2.registerClient(api.metadata, { ...CLIENT_METADATA, client_name: "Cancelled" });
      const { location } = await authorize(api.bobBrowser, authorizationUrl(clientId, {}), { decision: "deny" });
      expect(location?.origin + location!.pathname).toBe(REDIRECT_URI);
      expect(location!.searchParams.get("error")).toBe("access_denied");
      expect(location!.searchParams.get("state")).toBe("st4te");
    });

    it("shows the client's name, host, logo and policy links on the consent page, and refuses a cross-site post", async () => {
      const clientId = await OAuth2.registerClient(api.metadata, { ...CLIENT_METADATA, client_name: "Shown Client" });
      const browser = await signedInBrowser(BOB);
      const { response } = await authorize(browser, authorizationUrl(clientId, {}), { decision: null });
      const html = await response.text();
      expect(html).toContain("Shown Client");
      expect(html).toContain("client.example");
      expect(html).toContain('src="https://client.example/logo.png"');
      expect(html).toContain('href="https://client.example/privacy"');
      expect(html).toContain('href="https://client.example/terms"');
      const action = /<form[^>]*action="([^"]+)"/.exec(html)![1];
      const forged = await fetch(`${api.server.baseUrl}${action}`, {
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
      const clientId = await OAuth2.registerClient(api.metadata, CLIENT_METADATA);
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
      expect((await authorize(browser, `${api.server.baseUrl}${next}`)).location?.pathname).toBe("/sign-in");
      await new Promise((resolve) => setTimeout(resolve, 5));
      const { cookie } = await startWebSession(BOB, "password", browser.cookies.get("web_session"));
      browser.cookies.set("web_session", cookie.split(";")[0].split("=").slice(1).join("="));
      const done = await authorize(browser, `${api.server.baseUrl}${next}`);
      expect(done.location?.searchParams.get("code")).toBeTruthy();
    });

    it("prompt=login and max_age cannot be skipped by writing the return path's after=0 by hand", async () => {
      const clientId = await OAuth2.registerClient(api.metadata, CLIENT_METADATA);
      const browser = await signedInBrowser(BOB);
      const openid = `openid urn:matrix:client:api:* urn:matrix:client:device:${newDeviceId()}`;
      for (const params of [{ prompt: "login" }, { max_age: "0", scope: openid }]) {
        await new Promise((resolve) => setTimeout(resolve, 5));
        const asked = await authorize(browser, authorizationUrl(clientId, params));
        expect(asked.location?.pathname).toBe("/sign-in");
        const next = new URL(asked.location!.searchParams.get("next")!, api.server.baseUrl);
        for (const forged of ["0", "1", next.searchParams.get("after")!.slice(0, -2)]) {
          next.searchParams.set("after", forged);
          expect((await authorize(browser, next.href)).location?.pathname).toBe("/sign-in");
        }
      }
    });

    it("issues an RS256 id token (the default of oidc-client-ts clients), verifiable with the jwks_uri keys, when openid is requested", async () => {
      const clientId = await OAuth2.registerClient(api.metadata, CLIENT_METADATA);
      const { verifier, challenge } = pkcePair();
      const deviceId = newDeviceId();
      const url = authorizationUrl(clientId, {
        scope: `openid urn:matrix:client:api:* urn:matrix:client:device:${deviceId}`,
        code_challenge: challenge,
        nonce: "n0nce",
      });
      const { location } = await authorize(api.bobBrowser, url);
      const { status, json } = await tokenRequest(api.metadata, {
        grant_type: "authorization_code",
        code: location!.searchParams.get("code")!,
        redirect_uri: REDIRECT_URI,
        client_id: clientId,
        code_verifier: verifier,
      });
      expect(status).toBe(200);
      const jwks = (await (await fetch((api.metadata as unknown as { jwks_uri: string }).jwks_uri)).json()) as { keys: never[] };
      const { payload, protectedHeader } = await jwtVerify(json.id_token as string, createLocalJWKSet(jwks), { issuer: api.metadata.issuer, audience: clientId });
      expect(protectedHeader.alg).toBe("RS256");
      expect(payload).toMatchObject({ sub: BOB, nonce: "n0nce" });
      expect(JSON.stringify(jwks)).not.toContain('"d"');
    });
  });
});
