// What a person meets before any client is set up (issue 15): client discovery through
// /.well-known/matrix/client, the root page, the themed login fallback page with its SSO buttons,
// and the access log an admin reads. Over HTTP against the built server.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLoginToken } from "../lib/auth/login-tokens";
import { startSsoFixture, type SsoFixture } from "../test-support/sso-fixture";
import { startServer, type RunningServer } from "../test-support/server";
import { createUserDirectly, disconnectAll } from "../test-support/users";

describe("/.well-known/matrix/client", () => {
  let served: RunningServer;
  let plain: RunningServer;

  beforeAll(async () => {
    [served, plain] = await Promise.all([
      startServer({
        config: {
          serve_client_wellknown: true,
          extra_well_known_client_content: { "io.element.e2ee": { default: false }, "m.homeserver": { base_url: "https://not-this.example/" } },
        },
      }),
      startServer(),
    ]);
  });

  afterAll(async () => {
    await Promise.all([served?.stop(), plain?.stop()]);
  });

  it("serves public_baseurl, with the extra content merged under Synapse's rule (its own keys win), open to any origin", async () => {
    const response = await fetch(`${served.baseUrl}/.well-known/matrix/client`, { headers: { Origin: "https://app.element.io" } });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toContain("application/json");
    expect(response.headers.get("access-control-allow-origin")).toBe("*");
    expect(await response.json()).toEqual({
      "m.homeserver": { base_url: `${served.baseUrl}/` },
      "io.element.e2ee": { default: false },
    });
    const preflight = await fetch(`${served.baseUrl}/.well-known/matrix/client`, { method: "OPTIONS", headers: { Origin: "https://app.element.io", "Access-Control-Request-Method": "GET" } });
    expect(preflight.status).toBeLessThan(300);
    expect(preflight.headers.get("access-control-allow-origin")).toBe("*");
  });

  it("is a JSON 404 without serve_client_wellknown, as in Synapse", async () => {
    const response = await fetch(`${plain.baseUrl}/.well-known/matrix/client`);
    expect(response.status).toBe(404);
    expect(response.headers.get("access-control-allow-origin")).toBe("*");
    expect(await response.json()).toEqual({ errcode: "M_NOT_FOUND", error: ".well-known not available" });
  });

  it("logs each request once at info, with method, path, status, duration and client address, secrets redacted", async () => {
    const secret = "syl_do-not-log-me";
    await fetch(`${plain.baseUrl}/_synapse/client/oidc/callback?code=${secret}&state=${secret}`);
    await fetch(`${plain.baseUrl}/app?loginToken=${secret}&keep=visible`);
    await fetch(`${plain.baseUrl}/_matrix/client/v3/login`);
    await expect.poll(() => plain.output()).toMatch(/access 127\.0\.0\.1 "GET \/app\?loginToken=<redacted>&keep=visible" 404 \d+\.\d+ms/);
    const log = plain.output();
    expect(log).not.toContain(secret);
    expect(log).toMatch(/INFO access 127\.0\.0\.1 "GET \/_synapse\/client\/oidc\/callback\?code=<redacted>&state=<redacted>" 400 \d+\.\d+ms/);
    expect(log.match(/"GET \/_matrix\/client\/v3\/login" 200/g)?.length).toBeGreaterThanOrEqual(1);
    // Once per request: the callback was asked for once.
    expect(log.match(/"GET \/_synapse\/client\/oidc\/callback/g)).toHaveLength(1);
  });
});

describe("log_format: json", () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startServer({ config: { log_format: "json" } });
  });
  afterAll(async () => {
    await server?.stop();
  });

  it("writes the access log (and every other line) as JSON objects", async () => {
    await fetch(`${server.baseUrl}/signed-in?loginToken=syl_secret-value`);
    await expect.poll(() => server.output()).toContain('"path":"/signed-in?loginToken=<redacted>"');
    const lines = server.output().trim().split("\n").filter((line) => line.startsWith("{"));
    const access = lines.map((line) => JSON.parse(line)).find((entry) => entry.path?.startsWith("/signed-in"));
    expect(access).toMatchObject({ level: "info", method: "GET", path: "/signed-in?loginToken=<redacted>", status: 400, client_ip: "127.0.0.1" });
    expect(typeof access.duration_ms).toBe("number");
    expect(server.output()).not.toContain("syl_secret-value");
    expect(lines.some((line) => JSON.parse(line).msg.includes("listening on"))).toBe(true);
  });
});

describe("the root page and the login fallback page", () => {
  let fixture: SsoFixture;
  let base: string;

  beforeAll(async () => {
    fixture = await startSsoFixture();
    base = fixture.server.baseUrl;
  });

  afterAll(async () => {
    await fixture?.stop();
    await disconnectAll();
  });

  it("the root page says what this server is, offers a button per IdP ending on our own page, and links the console", async () => {
    const response = await fetch(`${base}/`);
    expect(response.status).toBe(200);
    const html = await response.text();
    expect(html).toContain("<title>test.local · Matrix</title>");
    expect(html).toContain("This is the Matrix homeserver of <strong>test.local</strong>");
    expect(html).toContain(`${base}/`);
    const signedIn = encodeURIComponent(`${base}/signed-in`);
    expect(html).toContain(`href="/_matrix/client/v3/login/sso/redirect/oidc-corp?redirectUrl=${signedIn}"`);
    expect(html).toContain("Sign in with Corp SSO");
    expect(html).toContain("Sign in with Social Login");
    expect(html).toContain('href="/admin"');
    expect(response.headers.get("content-security-policy")).toMatch(/style-src 'self' 'sha256-/);
  });

  it("the signed-in page names the account without using the token, and says plainly when the link is spent", async () => {
    const userId = await createUserDirectly(fixture.server.databaseUrl, { localpart: "landing" });
    const token = await createLoginToken(userId, 60_000);
    const page = await fetch(`${base}/signed-in?loginToken=${token}`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain("You signed in as <strong>@landing:test.local</strong>");
    // Still usable: the page did not consume it.
    const login = await fetch(`${base}/_matrix/client/v3/login`, { method: "POST", body: JSON.stringify({ type: "m.login.token", token }) });
    expect(login.status).toBe(200);
    const spent = await fetch(`${base}/signed-in?loginToken=${token}`);
    expect(spent.status).toBe(400);
    const html = await spent.text();
    expect(html).toContain("This sign-in link has expired or was already used");
    expect(html).toContain('href="/">Start again</a>');
  });

  it("the login fallback page offers every IdP, coming back to itself, and wears the theme", async () => {
    const response = await fetch(`${base}/_matrix/static/client/login`);
    expect(response.status).toBe(200);
    const html = await response.text();
    const self = encodeURIComponent(`${base}/_matrix/static/client/login`);
    expect(html).toContain(`href="/_matrix/client/v3/login/sso/redirect/oidc-social?redirectUrl=${self}"`);
    expect(html).toContain("Continue with Corp SSO");
    expect(html).toContain('<style id="theme">');
    expect(html).toContain('id="password-form"');
  });

  it("a sign-in from the root page skips the confirm page: our own end page is trusted", async () => {
    const { signInThroughIdp } = await import("../test-support/sso-fixture");
    const { browser, callbackUrl } = await signInThroughIdp(base, "oidc-corp", "alice", "alice-pw", `${base}/signed-in`);
    const callback = await browser.get(callbackUrl);
    expect(callback.status).toBe(302);
    const location = new URL(callback.headers.get("location")!);
    expect(`${location.origin}${location.pathname}`).toBe(`${base}/signed-in`);
    expect(location.searchParams.get("loginToken")).toMatch(/^syl_/);
  });
});
