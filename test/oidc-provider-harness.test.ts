// Self-test of the test OpenID Provider (test-support/oidc-provider.ts): discovery, the login form
// driven with plain fetch, the code exchange with PKCE and the claims in the ID token and userinfo.
import { createHash, randomBytes } from "node:crypto";
import { createLocalJWKSet, decodeJwt, jwtVerify } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loginWithFetch, startOidcProvider, type RunningOidcProvider } from "../test-support/oidc-provider";

const CLIENT_ID = "test-client";
const CLIENT_SECRET = "test-client-secret";
const REDIRECT_URI = "http://127.0.0.1:1/_synapse/client/oidc/callback";

function base64url(buffer: Buffer): string {
  return buffer.toString("base64url");
}

interface Discovery {
  issuer: string;
  authorization_endpoint: string;
  token_endpoint: string;
  userinfo_endpoint: string;
  jwks_uri: string;
  code_challenge_methods_supported: string[];
  scopes_supported: string[];
  claims_supported: string[];
}

describe("test OIDC provider", () => {
  let idp: RunningOidcProvider;
  let discovery: Discovery;

  beforeAll(async () => {
    idp = await startOidcProvider({
      port: 0,
      accounts: [
        {
          sub: "alice",
          password: "alice-password",
          claims: {
            preferred_username: "alice",
            name: "Alice Liddell",
            email: "alice@example.org",
            email_verified: true,
            picture: "http://127.0.0.1:1/alice.png",
          },
        },
      ],
      clients: [
        {
          client_id: CLIENT_ID,
          client_secret: CLIENT_SECRET,
          redirect_uris: [REDIRECT_URI],
          token_endpoint_auth_method: "client_secret_basic",
        },
      ],
      pkceRequired: true,
    });
  });

  afterAll(async () => {
    await idp?.stop();
  });

  it("publishes discovery with S256 PKCE", async () => {
    expect(idp.issuer).toBe(`http://127.0.0.1:${idp.port}`);
    const response = await fetch(`${idp.issuer}/.well-known/openid-configuration`);
    expect(response.status).toBe(200);
    discovery = (await response.json()) as Discovery;
    expect(discovery.issuer).toBe(idp.issuer);
    expect(discovery.code_challenge_methods_supported).toContain("S256");
    expect(discovery.scopes_supported).toEqual(expect.arrayContaining(["openid", "profile", "email"]));
    expect(discovery.claims_supported).toEqual(expect.arrayContaining(["preferred_username", "email", "name"]));
    expect(discovery.authorization_endpoint).toBe(idp.endpoints.authorization);
    expect(discovery.token_endpoint).toBe(idp.endpoints.token);
    expect(discovery.userinfo_endpoint).toBe(idp.endpoints.userinfo);

    const jwks = (await (await fetch(discovery.jwks_uri)).json()) as { keys: Array<{ kid: string; d?: string }> };
    expect(jwks.keys.map((key) => key.kid)).toContain(idp.signingKid);
    expect(jwks.keys.every((key) => key.d === undefined)).toBe(true);
  });

  it("shows a login form at the interaction URL", async () => {
    const verifier = base64url(randomBytes(32));
    const url = new URL(discovery.authorization_endpoint);
    url.search = new URLSearchParams({
      client_id: CLIENT_ID,
      response_type: "code",
      redirect_uri: REDIRECT_URI,
      scope: "openid profile email",
      state: "s",
      nonce: "n",
      code_challenge: base64url(createHash("sha256").update(verifier).digest()),
      code_challenge_method: "S256",
    }).toString();
    const first = await fetch(url, { redirect: "manual" });
    expect(first.status).toBe(303);
    const location = new URL(first.headers.get("location")!, url);
    expect(location.origin).toBe(idp.issuer);
    expect(location.pathname).toMatch(/^\/interaction\/[^/]+$/);
    const cookies = first.headers
      .getSetCookie()
      .map((cookie) => cookie.split(";")[0])
      .join("; ");
    const form = await fetch(location, { headers: { cookie: cookies } });
    expect(form.status).toBe(200);
    const html = await form.text();
    expect(html).toContain('<label for="username">Username</label>');
    expect(html).toContain('<label for="password">Password</label>');
    expect(html).toContain(">Sign in</button>");
  });

  it("rejects an authorization request without PKCE when PKCE is required", async () => {
    const url = new URL(discovery.authorization_endpoint);
    url.search = new URLSearchParams({
      client_id: CLIENT_ID,
      response_type: "code",
      redirect_uri: REDIRECT_URI,
      scope: "openid",
      state: "no-pkce",
    }).toString();
    const redirect = await loginWithFetch(url.href, "alice", "alice-password");
    const params = new URL(redirect).searchParams;
    expect(params.get("error")).toBe("invalid_request");
    expect(params.get("state")).toBe("no-pkce");
  });

  it("runs the authorization code flow with PKCE", async () => {
    const verifier = base64url(randomBytes(32));
    const challenge = base64url(createHash("sha256").update(verifier).digest());
    const state = base64url(randomBytes(12));
    const nonce = base64url(randomBytes(12));
    const url = new URL(discovery.authorization_endpoint);
    url.search = new URLSearchParams({
      client_id: CLIENT_ID,
      response_type: "code",
      redirect_uri: REDIRECT_URI,
      scope: "openid profile email",
      state,
      nonce,
      code_challenge: challenge,
      code_challenge_method: "S256",
    }).toString();

    await expect(loginWithFetch(url.href, "alice", "wrong-password")).rejects.toThrow("Invalid username or password");

    const redirect = new URL(await loginWithFetch(url.href, "alice", "alice-password"));
    expect(`${redirect.origin}${redirect.pathname}`).toBe(REDIRECT_URI);
    expect(redirect.searchParams.get("error")).toBeNull();
    expect(redirect.searchParams.get("state")).toBe(state);
    const code = redirect.searchParams.get("code");
    expect(code).toBeTruthy();

    const tokenResponse = await fetch(discovery.token_endpoint, {
      method: "POST",
      headers: {
        authorization: `Basic ${Buffer.from(`${encodeURIComponent(CLIENT_ID)}:${encodeURIComponent(CLIENT_SECRET)}`).toString("base64")}`,
        "content-type": "application/x-www-form-urlencoded",
      },
      body: new URLSearchParams({
        grant_type: "authorization_code",
        code: code!,
        redirect_uri: REDIRECT_URI,
        code_verifier: verifier,
      }),
    });
    const tokens = (await tokenResponse.json()) as { access_token: string; id_token: string; token_type: string };
    expect(tokenResponse.status, JSON.stringify(tokens)).toBe(200);
    expect(tokens.token_type).toBe("Bearer");

    const jwks = (await (await fetch(discovery.jwks_uri)).json()) as Parameters<typeof createLocalJWKSet>[0];
    const { payload, protectedHeader } = await jwtVerify(tokens.id_token, createLocalJWKSet(jwks), {
      issuer: idp.issuer,
      audience: CLIENT_ID,
    });
    expect(protectedHeader.alg).toBe("RS256");
    expect(payload.sub).toBe("alice");
    expect(payload.nonce).toBe(nonce);
    expect(payload.preferred_username).toBe("alice");
    expect(payload.name).toBe("Alice Liddell");
    expect(payload.email).toBe("alice@example.org");

    const userinfoResponse = await fetch(discovery.userinfo_endpoint, {
      headers: { authorization: `Bearer ${tokens.access_token}` },
    });
    expect(userinfoResponse.status).toBe(200);
    expect(await userinfoResponse.json()).toEqual({
      sub: "alice",
      preferred_username: "alice",
      name: "Alice Liddell",
      email: "alice@example.org",
      email_verified: true,
      picture: "http://127.0.0.1:1/alice.png",
    });

    // The code is single-use.
    const replay = await fetch(discovery.token_endpoint, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({
        grant_type: "authorization_code",
        code: code!,
        redirect_uri: REDIRECT_URI,
        code_verifier: verifier,
        client_id: CLIENT_ID,
        client_secret: CLIENT_SECRET,
      }),
    });
    expect(replay.status).toBe(400);
  });

  it("reuses the provider session when given the same cookie jar", async () => {
    const cookies = new Map<string, string>();
    const authUrl = () => {
      const verifier = base64url(randomBytes(32));
      const url = new URL(discovery.authorization_endpoint);
      url.search = new URLSearchParams({
        client_id: CLIENT_ID,
        response_type: "code",
        redirect_uri: REDIRECT_URI,
        scope: "openid profile",
        state: "again",
        code_challenge: base64url(createHash("sha256").update(verifier).digest()),
        code_challenge_method: "S256",
      }).toString();
      return url.href;
    };
    const first = new URL(await loginWithFetch(authUrl(), "alice", "alice-password", { cookies }));
    expect(first.searchParams.get("code")).toBeTruthy();
    // Wrong password, but the session is still there: no form is shown.
    const second = new URL(await loginWithFetch(authUrl(), "alice", "ignored", { cookies }));
    expect(second.searchParams.get("code")).toBeTruthy();
  });

  it("signs arbitrary JWTs with its key", async () => {
    const token = await idp.signJwt({ sub: "alice", aud: CLIENT_ID });
    const { payload } = await jwtVerify(token, createLocalJWKSet(idp.jwks), { issuer: idp.issuer, audience: CLIENT_ID });
    expect(payload.sub).toBe("alice");
    expect(decodeJwt(token).exp).toBeGreaterThan(Date.now() / 1000);
  });
});
