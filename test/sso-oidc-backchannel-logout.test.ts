// OIDC back-channel logout (issue 17, point 8) against the real OpenID Provider (oidc-provider, with
// its backChannelLogout feature): a person signing out at the OP ends exactly the devices that came
// from that upstream session, within the OP's wait; a bad logout token gets Synapse's 400 JSON.
import { generateKeyPair, SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CookieClient } from "../test-support/cookie-client";
import { loginWithFetch, startOidcProvider, type FetchCookieJar, type RunningOidcProvider } from "../test-support/oidc-provider";
import { freePort, startServer, type RunningServer } from "../test-support/server";
import { CORP_ACCOUNTS, corpProviderConfig } from "../test-support/sso-fixture";
import { createUserDirectly, disconnectAll, useDatabase } from "../test-support/users";

const EVENT = { "http://schemas.openid.net/event/backchannel-logout": {} };

describe("OIDC back-channel logout", () => {
  let op: RunningOidcProvider;
  let server: RunningServer;
  let base: string;
  let logoutUrl: string;
  const backchannelCalls: number[] = [];
  const backchannelErrors: unknown[] = [];

  beforeAll(async () => {
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    logoutUrl = `${base}/_synapse/client/oidc/backchannel_logout`;
    op = await startOidcProvider({
      accounts: CORP_ACCOUNTS,
      clients: [
        {
          client_id: "homeserver",
          client_secret: "corp-secret",
          redirect_uris: [`${base}/_synapse/client/oidc/callback`],
          backchannel_logout_uri: logoutUrl,
          backchannel_logout_session_required: true,
        },
      ],
    });
    // The OP gives up on a client after its HTTP timeout (2.5 s by default) and reports an error.
    op.provider.on("backchannel.success", () => backchannelCalls.push(Date.now()));
    op.provider.on("backchannel.error", (_ctx: unknown, error: unknown) => backchannelErrors.push(error));
    server = await startServer({
      port,
      config: {
        oidc_providers: [corpProviderConfig(op, { attribute_requirements: [], backchannel_logout_enabled: true })],
        sso: { client_whitelist: ["https://client.example/"] },
      },
    });
    await createUserDirectly(server.databaseUrl, { localpart: "pwuser", password: "pw" });
  });

  afterAll(async () => {
    await server?.stop();
    await op?.stop();
    await disconnectAll();
  });

  /** An SSO login in a browser of its own (its own session at the OP); returns the access token and the OP's cookies. */
  async function ssoLogin(username: string, password: string): Promise<{ accessToken: string; deviceId: string; opCookies: FetchCookieJar }> {
    const browser = new CookieClient();
    const start = await browser.get(`${base}/_matrix/client/v3/login/sso/redirect/oidc-corp?${new URLSearchParams({ redirectUrl: "https://client.example/" })}`);
    expect(start.status).toBe(302);
    const opCookies: FetchCookieJar = new Map();
    const callbackUrl = await loginWithFetch(start.headers.get("location")!, username, password, { cookies: opCookies });
    const callback = await browser.get(callbackUrl);
    expect(callback.status).toBe(302);
    const loginToken = new URL(callback.headers.get("location")!).searchParams.get("loginToken");
    const login = await fetch(`${base}/_matrix/client/v3/login`, { method: "POST", body: JSON.stringify({ type: "m.login.token", token: loginToken }) });
    expect(login.status).toBe(200);
    const body = (await login.json()) as { access_token: string; device_id: string };
    return { accessToken: body.access_token, deviceId: body.device_id, opCookies };
  }

  /** Signs out at the OP's end-session page, as the person would (the OP then posts the logout token). */
  async function signOutAtOp(opCookies: FetchCookieJar): Promise<void> {
    const cookie = [...opCookies].map(([name, value]) => `${name}=${value}`).join("; ");
    const page = await fetch(op.endpoints.endSession, { headers: { cookie } });
    const html = await page.text();
    const xsrf = /name="xsrf" value="([^"]+)"/.exec(html)?.[1];
    const action = /<form[^>]*action="([^"]+)"/.exec(html)?.[1];
    expect(xsrf && action, html).toBeTruthy();
    const confirm = await fetch(new URL(action!, op.issuer), {
      method: "POST",
      headers: { cookie, "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ xsrf: xsrf!, logout: "yes" }),
      redirect: "manual",
    });
    expect([200, 302, 303]).toContain(confirm.status);
  }

  const whoami = (token: string) => fetch(`${base}/_matrix/client/v3/account/whoami`, { headers: { Authorization: `Bearer ${token}` } });

  it("ends exactly the devices of the upstream session the person signed out of, within the OP's 2.5 s", async () => {
    const first = await ssoLogin("alice", "alice-pw");
    const second = await ssoLogin("alice", "alice-pw");
    const password = await fetch(`${base}/_matrix/client/v3/login`, {
      method: "POST",
      body: JSON.stringify({ type: "m.login.password", identifier: { type: "m.id.user", user: "pwuser" }, password: "pw" }),
    });
    const passwordToken = ((await password.json()) as { access_token: string }).access_token;
    const devices = await useDatabase(server.databaseUrl).device.findMany({ where: { deviceId: { in: [first.deviceId, second.deviceId] } } });
    expect(devices.map((device) => device.authProviderSessionId)).toEqual([expect.any(String), expect.any(String)]);
    expect(devices[0].authProviderSessionId).not.toBe(devices[1].authProviderSessionId);

    // The OP answers the sign-out only once our endpoint has answered its logout token.
    const started = performance.now();
    await signOutAtOp(first.opCookies);
    const waited = performance.now() - started;

    expect(backchannelErrors).toEqual([]);
    expect(backchannelCalls).toHaveLength(1);
    expect(waited).toBeLessThan(2500);
    expect((await whoami(first.accessToken)).status).toBe(401);
    expect((await whoami(second.accessToken)).status).toBe(200);
    expect((await whoami(passwordToken)).status).toBe(200);
    expect(server.output()).toMatch(/back-channel logout from oidc-corp: ended 1 device\(s\) of @alice:test\.local/);
  });

  it("spends the login tokens of that session that were not yet exchanged", async () => {
    const browser = new CookieClient();
    const start = await browser.get(`${base}/_matrix/client/v3/login/sso/redirect/oidc-corp?${new URLSearchParams({ redirectUrl: "https://client.example/" })}`);
    const opCookies: FetchCookieJar = new Map();
    const callback = await browser.get(await loginWithFetch(start.headers.get("location")!, "alice", "alice-pw", { cookies: opCookies }));
    const loginToken = new URL(callback.headers.get("location")!).searchParams.get("loginToken");
    await signOutAtOp(opCookies);
    const login = await fetch(`${base}/_matrix/client/v3/login`, { method: "POST", body: JSON.stringify({ type: "m.login.token", token: loginToken }) });
    expect(login.status).toBe(403);
  });

  const post = (body: Record<string, string>) =>
    fetch(logoutUrl, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: new URLSearchParams(body) });

  it.each([
    ["no logout_token", async () => ({}), "Missing logout_token in request"],
    ["not a JWT", async () => ({ logout_token: "abc.def" }), "Invalid logout_token in request"],
    ["an unknown issuer", async () => ({ logout_token: await op.signJwt({ iss: "https://elsewhere.example", aud: "homeserver", sid: "s", events: EVENT }) }), "Could not find the OP that issued this event"],
    ["another audience", async () => ({ logout_token: await op.signJwt({ aud: "someone-else", sid: "s", events: EVENT }) }), "Could not find the OP that issued this event"],
    ["a nonce", async () => ({ logout_token: await op.signJwt({ aud: "homeserver", sid: "s", events: EVENT, nonce: "n" }) }), "Invalid logout_token"],
    ["no sid", async () => ({ logout_token: await op.signJwt({ aud: "homeserver", sub: "corp-alice", events: EVENT }) }), "Invalid logout_token"],
    ["no logout event", async () => ({ logout_token: await op.signJwt({ aud: "homeserver", sid: "s", events: {} }) }), "Invalid logout_token"],
    ["no iat", async () => ({ logout_token: await op.signJwt({ aud: "homeserver", sid: "s", events: EVENT, iat: undefined }) }), "Invalid logout_token"],
    [
      "a key the OP does not publish",
      async () => {
        const { privateKey } = await generateKeyPair("RS256");
        const now = Math.floor(Date.now() / 1000);
        const token = await new SignJWT({ iss: op.issuer, aud: "homeserver", iat: now, sid: "s", events: EVENT })
          .setProtectedHeader({ alg: "RS256", kid: op.signingKid })
          .sign(privateKey);
        return { logout_token: token };
      },
      "Invalid logout_token",
    ],
  ])("answers a logout token with %s with Synapse's 400", async (_name, body, error) => {
    const response = await post(await body());
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ errcode: "M_UNKNOWN", error });
  });
});
