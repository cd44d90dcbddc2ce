// OAuth 2.0 logins through each upstream protocol (issue 18, point 8), over HTTP against the built
// server: the authorization endpoint sends the browser to /sign-in, whose IdP button runs the
// ordinary SSO login against a real SAML IdP (samlify), a real CAS server (django-cas-server) and a
// real OpenID Provider (oidc-provider), then back to the consent page and the client with a code
// that matrix-js-sdk exchanges. (e2e/oauth.spec.ts does the OIDC ones in Chromium.)
import { OAuth2, type ValidatedAuthMetadata } from "matrix-js-sdk-current";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freshDatabaseUrl } from "../../test-support/backends";
import { casServerAvailable, startCasServer, type RunningCasServer } from "../../test-support/cas-server";
import { CookieClient } from "../../test-support/cookie-client";
import { loginWithFetch, startOidcProvider, type RunningOidcProvider } from "../../test-support/oidc-provider";
import { startSamlIdp, type RunningSamlIdp } from "../../test-support/saml-idp";
import { freePort, startServer, type RunningServer } from "../../test-support/server";
import { postToAcs, USERS } from "../../test-support/saml-sso";
import { disconnectAll } from "../../test-support/users";
import { CLIENT_METADATA, REDIRECT_URI, whoami } from "./oauth-flow";

if (!casServerAvailable()) throw new Error("python3-django-cas-server is missing: run scripts/ensure-test-deps.sh");

describe("OAuth 2.0 login through each upstream protocol", () => {
  let server: RunningServer;
  let saml: RunningSamlIdp;
  let cas: RunningCasServer;
  let oidc: RunningOidcProvider;
  let base: string;
  let metadata: ValidatedAuthMetadata;

  beforeAll(async () => {
    const port = await freePort();
    saml = await startSamlIdp({ users: USERS, spMetadataUrl: `http://127.0.0.1:${port}/_synapse/client/saml2/metadata.xml` });
    cas = await startCasServer({
      servicePattern: `^http://127\\.0\\.0\\.1:${port}/_matrix/client/r0/login/cas/ticket\\?.*`,
      users: { carla: { password: "carla-pw", attributes: { cn: "Carla" } } },
    });
    oidc = await startOidcProvider({
      accounts: [{ sub: "olivia-sub", password: "olivia-pw", claims: { preferred_username: "olivia", name: "Olivia" } }],
      clients: [{ client_id: "homeserver", client_secret: "oidc-secret", redirect_uris: [`http://127.0.0.1:${port}/_synapse/client/oidc/callback`] }],
    });
    server = await startServer({
      port,
      databaseUrl: await freshDatabaseUrl("sqlite"),
      config: {
        saml2_config: { sp_config: { metadata: { remote: [{ url: saml.metadataUrl }] }, accepted_time_diff: 3 }, idp_name: "Corp SAML" },
        cas_config: { enabled: true, server_url: cas.url, displayname_attribute: "cn", idp_name: "Campus CAS" },
        oidc_providers: [
          {
            idp_id: "olympus",
            idp_name: "Olympus",
            issuer: oidc.issuer,
            client_id: "homeserver",
            client_secret: "oidc-secret",
            scopes: ["openid", "profile"],
            user_mapping_provider: { config: { localpart_template: "{{ user.preferred_username }}" } },
          },
        ],
      },
    });
    base = server.baseUrl;
    metadata = (await (await fetch(`${base}/_matrix/client/v1/auth_metadata`)).json()) as ValidatedAuthMetadata;
  });

  afterAll(async () => {
    await server?.stop();
    await saml?.stop();
    await cas?.stop();
    await oidc?.stop();
    await disconnectAll();
  });

  /**
   * Follows the browser on our own site — redirects and the sign-in pages' continue links — until
   * it leaves for another site or lands on the consent page. Returns the last response and URL.
   */
  async function follow(browser: CookieClient, url: string): Promise<{ url: URL; response: Response | null; html: string }> {
    let current = new URL(url, base);
    for (let hop = 0; hop < 15; hop++) {
      if (current.origin !== base) return { url: current, response: null, html: "" };
      const response = await browser.get(current.href);
      if (response.status >= 300 && response.status < 400) {
        current = new URL(response.headers.get("location")!, current);
        continue;
      }
      const html = await response.text();
      if (html.includes("full access to your account on this device")) return { url: current, response, html };
      // A page that continues by itself (meta refresh) or by its one button.
      const next = /http-equiv="refresh" content="\d+;\s*url=([^"]+)"/i.exec(html)?.[1] ?? /<a class="button" href="([^"]+)"/.exec(html)?.[1];
      if (!next) return { url: current, response, html };
      current = new URL(next.replace(/&amp;/g, "&"), current);
    }
    throw new Error("too many hops");
  }

  /** The link of one IdP on the sign-in page. */
  function idpLink(html: string, idpId: string): string {
    const href = [...html.matchAll(/<a class="idp-button" href="([^"]+)"/g)].map((match) => match[1].replace(/&amp;/g, "&")).find((link) => link.includes(`idp=${encodeURIComponent(idpId)}`) || link.includes(`/${idpId}`));
    if (!href) throw new Error(`no button for ${idpId} on the sign-in page`);
    return href;
  }

  async function startAuthorization() {
    const clientId = await OAuth2.registerClient(metadata, CLIENT_METADATA);
    const deviceId = `UPSTREAM${Math.random().toString(36).slice(2, 10).toUpperCase()}`;
    const oauth = new OAuth2(metadata, { clientId, deviceId });
    const url = await oauth.generateAuthorizationCodeGrantUrl("up", REDIRECT_URI, "query");
    const browser = new CookieClient();
    const signIn = await follow(browser, url);
    expect(signIn.url.pathname).toBe("/sign-in");
    return { oauth, deviceId, browser, signInHtml: signIn.html };
  }

  /** From the consent page: Allow, the code, the code grant, whoami. */
  async function consentAndExchange(browser: CookieClient, consent: { html: string }, login: { oauth: OAuth2; deviceId: string }, userId: string) {
    expect(consent.html).toContain("full access to your account on this device");
    const action = /<form[^>]*action="([^"]+)"/.exec(consent.html)![1];
    let response = await browser.postForm(`${base}${action}`, { decision: "allow" });
    let location = new URL(response.headers.get("location")!, base);
    while (location.origin === base) {
      response = await browser.get(location.href);
      location = new URL(response.headers.get("location")!, base);
    }
    expect(location.href.startsWith(REDIRECT_URI)).toBe(true);
    const tokens = await login.oauth.completeAuthorizationCodeGrant(location.searchParams.get("code")!, REDIRECT_URI);
    expect(await whoami(base, tokens.access_token)).toEqual({ status: 200, json: { user_id: userId, is_guest: false, device_id: login.deviceId } });
  }

  it("SAML 2.0: the IdP's signed response signs the person in, then consent and the code", async () => {
    const login = await startAuthorization();
    const atIdp = await follow(login.browser, idpLink(login.signInHtml, "saml"));
    const form = await saml.signIn(atIdp.url.href, "alice");
    // The IdP's self-posting form: cross-site, so the browser sends no cookie of ours with it.
    const acs = await postToAcs(form.acsUrl, { SAMLResponse: form.SAMLResponse, RelayState: form.RelayState });
    const consent = await follow(login.browser, acs.headers.get("location")!);
    await consentAndExchange(login.browser, consent, login, "@alice:test.local");
  });

  it("CAS: the ticket signs the person in, then consent and the code", async () => {
    const login = await startAuthorization();
    const atCas = await follow(login.browser, idpLink(login.signInHtml, "cas"));
    const back = await cas.signIn(atCas.url.href, "carla", "carla-pw");
    const consent = await follow(login.browser, back);
    await consentAndExchange(login.browser, consent, login, "@carla:test.local");
  });

  it("OpenID Connect: the OP's code signs the person in, then consent and the code", async () => {
    const login = await startAuthorization();
    const atOp = await follow(login.browser, idpLink(login.signInHtml, "oidc-olympus"));
    const back = await loginWithFetch(atOp.url.href, "olivia", "olivia-pw");
    const consent = await follow(login.browser, back);
    await consentAndExchange(login.browser, consent, login, "@olivia:test.local");
  });
});
