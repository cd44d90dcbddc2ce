// New-user consent (issue 17, point 7), with the real OpenID Provider: with user_consent and
// require_at_registration, a new SSO account passes the consent step (sso_new_user_consent.html)
// after the username picker — or straight after the IdP when the mapping provider chose the name —
// and is created only once the person agrees; the policy is served at /_matrix/consent?v=<version>
// from template_dir/en/<version>.html; the admin API shows the recorded consent_version; the step
// is overridable with a Synapse template like the other pages.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signInThroughIdp, startSsoFixture, type SsoFixture } from "../test-support/sso-fixture";
import { createUserDirectly, disconnectAll, useDatabase } from "../test-support/users";

describe("user_consent", () => {
  let dir: string;
  let overrides: string;
  let fixture: SsoFixture;
  let base: string;
  let adminToken: string;
  const database = () => useDatabase(fixture.server.databaseUrl);

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), "consent-"));
    mkdirSync(path.join(dir, "policy", "en"), { recursive: true });
    writeFileSync(path.join(dir, "policy", "en", "1.0.html"), "<!DOCTYPE html><title>Privacy</title><h1>Our privacy policy {{ version }}</h1>");
    overrides = path.join(dir, "templates");
    mkdirSync(overrides);
    fixture = await startSsoFixture({
      config: {
        user_consent: { template_dir: path.join(dir, "policy"), version: "1.0", policy_name: "Privacy Policy", require_at_registration: true },
        templates: { custom_template_directory: overrides },
      },
    });
    base = fixture.server.baseUrl;
    await createUserDirectly(fixture.server.databaseUrl, { localpart: "root", password: "root-pw", admin: true });
    const login = await fetch(`${base}/_matrix/client/v3/login`, {
      method: "POST",
      body: JSON.stringify({ type: "m.login.password", identifier: { type: "m.id.user", user: "root" }, password: "root-pw" }),
    });
    adminToken = ((await login.json()) as { access_token: string }).access_token;
  });

  afterAll(async () => {
    await fixture?.stop();
    await disconnectAll();
    rmSync(dir, { recursive: true, force: true });
  });

  const adminUser = async (userId: string) =>
    (await (await fetch(`${base}/_synapse/admin/v2/users/${encodeURIComponent(userId)}`, { headers: { Authorization: `Bearer ${adminToken}` } })).json()) as Record<string, unknown>;

  it("serves the policy of each version from template_dir/en/<version>.html, and nothing else", async () => {
    const policy = await fetch(`${base}/_matrix/consent?v=1.0`);
    expect(policy.status).toBe(200);
    expect(policy.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(await policy.text()).toContain("Our privacy policy 1.0");
    expect((await fetch(`${base}/_matrix/consent`)).status).toBe(200);
    expect((await fetch(`${base}/_matrix/consent?v=2.0`)).status).toBe(404);
    expect((await fetch(`${base}/_matrix/consent?v=..%2F..%2Fetc%2Fpasswd`)).status).toBe(404);
  });

  it("asks for consent after the username picker and creates the account only once it is given", async () => {
    const { browser, callbackUrl } = await signInThroughIdp(base, "oidc-social", "friend0", "social-pw-0", fixture.trustedClientUrl);
    const callback = await browser.get(callbackUrl);
    expect(callback.headers.get("location")).toBe("/_synapse/client/pick_username/account_details");
    const picked = await browser.postForm(`${base}/_synapse/client/pick_username/account_details`, { username: "consenter", use_display_name: "true" });
    expect(picked.status).toBe(302);
    expect(picked.headers.get("location")).toBe("/_synapse/client/new_user_consent");
    expect(await database().user.findUnique({ where: { userId: "@consenter:test.local" } })).toBeNull();

    const page = await browser.get(`${base}/_synapse/client/new_user_consent`);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain("Your account is nearly ready");
    expect(html).toContain("@consenter:test.local");
    expect(html).toContain('href="/_matrix/consent?v=1.0"');
    const checkbox = /<input[^>]*name="accepted_version"[^>]*>/.exec(html)?.[0] ?? "";
    expect(checkbox).toMatch(/type="checkbox"/);
    expect(checkbox).toMatch(/value="1\.0"/);
    expect(checkbox).toMatch(/\srequired/);

    const unticked = await browser.postForm(`${base}/_synapse/client/new_user_consent`, {});
    expect(unticked.status).toBe(400);
    expect(await database().user.findUnique({ where: { userId: "@consenter:test.local" } })).toBeNull();

    const agreed = await browser.postForm(`${base}/_synapse/client/new_user_consent`, { accepted_version: "1.0" });
    expect([302, 303]).toContain(agreed.status);
    const user = await adminUser("@consenter:test.local");
    expect(user).toMatchObject({ name: "@consenter:test.local", displayname: "Friend 0", consent_version: "1.0", consent_ts: expect.any(Number) });
    expect(await database().usernameMappingSession.count({ where: { remoteUserId: "social-0" } })).toBe(0);
  });

  it("asks for consent straight after the IdP when the mapping provider chose the name", async () => {
    const { browser, callbackUrl } = await signInThroughIdp(base, "oidc-corp", "alice", "alice-pw", fixture.trustedClientUrl);
    const callback = await browser.get(callbackUrl);
    expect(callback.headers.get("location")).toBe("/_synapse/client/new_user_consent");
    expect(await database().user.findUnique({ where: { userId: "@alice:test.local" } })).toBeNull();
    expect(await (await browser.get(`${base}/_synapse/client/new_user_consent`)).text()).toContain("@alice:test.local");
    const agreed = await browser.postForm(`${base}/_synapse/client/new_user_consent`, { accepted_version: "1.0" });
    expect([302, 303]).toContain(agreed.status);
    expect(await adminUser("@alice:test.local")).toMatchObject({ consent_version: "1.0" });
    // A returning user is not asked again.
    const again = await signInThroughIdp(base, "oidc-corp", "alice", "alice-pw", fixture.trustedClientUrl);
    const back = await again.browser.get(again.callbackUrl);
    expect(back.headers.get("location")!.startsWith(`${fixture.trustedClientUrl}?loginToken=`)).toBe(true);
  });

  it("renders the admin's sso_new_user_consent.html with Synapse's variables instead of the built-in page", async () => {
    writeFileSync(
      path.join(overrides, "sso_new_user_consent.html"),
      "<!DOCTYPE html><title>Terms</title><p id=override>{{ user_id }} / {{ consent_version }} / {{ terms_url }} / {{ server_name }}</p>" +
        '<form method="post"><input type="checkbox" name="accepted_version" value="{{ consent_version }}" required><button>OK</button></form>',
    );
    const { browser, callbackUrl } = await signInThroughIdp(base, "oidc-social", "friend1", "social-pw-1", fixture.trustedClientUrl);
    await browser.get(callbackUrl);
    await browser.postForm(`${base}/_synapse/client/pick_username/account_details`, { username: "overridden" });
    const html = await (await browser.get(`${base}/_synapse/client/new_user_consent`)).text();
    expect(html).toContain("@overridden:test.local / 1.0 / /_matrix/consent?v=1.0 / test.local");
    expect(html).not.toContain("Your account is nearly ready");
  });
});
