// SSO over SAML 2.0 against a real IdP (samlify's IdP side, test-support/saml-idp.ts) on 127.0.0.1,
// over HTTP against the built server: SP metadata, AuthnRequest redirect, signed responses,
// mapping (hexencode, dotreplace, custom mapper → username picker), grandfathering and attribute
// requirements. Responses an attacker could post are refused in test/hardening/saml-attacks.test.ts.
import { DOMParser } from "@xmldom/xmldom";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BACKENDS, freshDatabaseUrl } from "../test-support/backends";
import { CookieClient } from "../test-support/cookie-client";
import {
  exchangeLoginToken,
  OTHER_CLIENT,
  postToAcs,
  signInAtIdp,
  startSamlSetup,
  startStandardSamlSetup,
  TRUSTED_CLIENT,
  type SamlSetup,
} from "../test-support/saml-sso";
import { createUserDirectly, disconnectAll, useDatabase } from "../test-support/users";

const parse = (xml: string) => new DOMParser().parseFromString(xml, "text/xml");

describe.each(BACKENDS)("SSO over SAML 2.0 on %s", (backend) => {
  let setup: SamlSetup;
  let base: string;
  const database = () => useDatabase(setup.databaseUrl);

  beforeAll(async () => {
    const databaseUrl = await freshDatabaseUrl(backend);
    setup = await startStandardSamlSetup(databaseUrl);
    base = setup.base;
    await createUserDirectly(databaseUrl, { localpart: "gina" });
    // The account Synapse registered for uid "Cas.Ü" (UTF-8 first, then ASCII-only lower case).
    await createUserDirectly(databaseUrl, { localpart: "cas.=c3=9c" });
  });

  afterAll(async () => {
    await setup?.stop();
    await disconnectAll();
  });

  it("serves the SP metadata with the ACS URL, on the current and the legacy path", async () => {
    for (const metadataPath of ["/_synapse/client/saml2/metadata.xml", "/_matrix/saml2/metadata.xml"]) {
      const response = await fetch(`${base}${metadataPath}`);
      expect(response.status).toBe(200);
      expect(response.headers.get("content-type")).toBe("text/xml; charset=utf-8");
      const doc = parse(await response.text());
      expect(doc.documentElement!.getAttribute("entityID")).toBe(`${base}/_synapse/client/saml2/metadata.xml`);
      const acs = doc.getElementsByTagNameNS("urn:oasis:names:tc:SAML:2.0:metadata", "AssertionConsumerService")[0];
      expect(acs.getAttribute("Location")).toBe(`${base}/_synapse/client/saml2/authn_response`);
      expect(acs.getAttribute("Binding")).toBe("urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST");
    }
  });

  it("advertises the saml and cas providers and m.login.cas in GET /login", async () => {
    const { flows } = await (await fetch(`${base}/_matrix/client/v3/login`)).json();
    expect(flows).toContainEqual({
      type: "m.login.sso",
      identity_providers: [
        { id: "saml", name: "Corp SAML", brand: "corp-saml" },
        { id: "cas", name: "Campus CAS" },
      ],
      oauth_aware_preferred: true,
      "org.matrix.msc3824.delegated_oidc_compatibility": true,
    });
    expect(flows).toContainEqual({ type: "m.login.cas" });
  });

  it("logs a new user in through the picker: AuthnRequest with RelayState, signed response, registration, confirm page, token", async () => {
    const browser = new CookieClient();
    const first = await browser.get(`${base}/_matrix/client/r0/login/sso/redirect?${new URLSearchParams({ redirectUrl: OTHER_CLIENT })}`);
    expect(first.headers.get("location")).toBe(`/_synapse/client/pick_idp?${new URLSearchParams({ redirectUrl: OTHER_CLIENT })}`);
    const picker = await (await browser.get(`${base}${first.headers.get("location")}`)).text();
    expect(picker).toContain("Corp SAML");
    expect(picker).toContain("Campus CAS");
    const chosen = await browser.get(`${base}/_synapse/client/pick_idp?idp=saml&redirectUrl=${encodeURIComponent(OTHER_CLIENT)}`);
    const redirect = await browser.get(chosen.headers.get("location")!);
    expect(redirect.status).toBe(302);
    const idpUrl = new URL(redirect.headers.get("location")!);
    expect(`${idpUrl.origin}${idpUrl.pathname}`).toBe(setup.idp.metadataUrl.replace("/metadata", "/sso"));
    expect(idpUrl.searchParams.get("RelayState")).toBe(OTHER_CLIENT);
    expect(idpUrl.searchParams.get("SAMLRequest")).toBeTruthy();

    const form = await setup.idp.signIn(idpUrl.toString(), "alice");
    expect(form.acsUrl).toBe(`${base}/_synapse/client/saml2/authn_response`);
    expect(form.RelayState).toBe(OTHER_CLIENT);
    // The request is remembered server-side, with an expiry.
    const stored = await database().samlRequest.findUnique({ where: { id: form.requestId } });
    expect(stored).toMatchObject({ clientRedirectUrl: OTHER_CLIENT });
    expect(stored!.expiresAt.getTime()).toBeGreaterThan(Date.now());

    // The ACS gets no cookie (a cross-site POST) and needs none.
    // POST-redirect-GET (issue 15): the ACS sends the browser on to the confirm page.
    const acs = await postToAcs(form.acsUrl, { SAMLResponse: form.SAMLResponse, RelayState: form.RelayState });
    expect(acs.status).toBe(303);
    const cookie = acs.headers.getSetCookie().map((value) => value.split(";")[0]).join("; ");
    const confirm = await fetch(`${base}/_synapse/client/sso_confirm`, { headers: { Cookie: cookie } });
    expect(confirm.status).toBe(200);
    const confirmHtml = await confirm.text();
    expect(confirmHtml).toContain("Continue");
    const proceed = await fetch(`${base}/_synapse/client/sso_confirm`, { method: "POST", redirect: "manual", headers: { Cookie: cookie, Origin: base } });
    expect([302, 303]).toContain(proceed.status);
    const location = proceed.headers.get("location")!;
    expect(location.startsWith(`${OTHER_CLIENT}&loginToken=`)).toBe(true);
    expect((await exchangeLoginToken(base, location)).user_id).toBe("@alice:test.local");
    const user = await database().user.findUnique({ where: { userId: "@alice:test.local" }, include: { externalIds: true, threepids: true } });
    expect(user!.displayName).toBe("Alice Liddell");
    expect(user!.externalIds).toEqual([expect.objectContaining({ authProvider: "saml", externalId: "alice" })]);
    expect(user!.threepids.map((threepid) => threepid.address)).toEqual(["alice@saml.example"]);
    expect(await database().samlRequest.findUnique({ where: { id: form.requestId } })).toBeNull();
  });

  it("logs a returning user into the same account", async () => {
    const form = await signInAtIdp(setup, "alice");
    const response = await postToAcs(form.acsUrl, { SAMLResponse: form.SAMLResponse, RelayState: form.RelayState });
    expect(response.status).toBe(302);
    expect((await exchangeLoginToken(base, response.headers.get("location")!)).user_id).toBe("@alice:test.local");
    expect(await database().userExternalId.count({ where: { authProvider: "saml", externalId: "alice" } })).toBe(1);
  });

  it("maps the uid with hexencode by default", async () => {
    const form = await signInAtIdp(setup, "bob");
    const response = await postToAcs(form.acsUrl, { SAMLResponse: form.SAMLResponse, RelayState: form.RelayState });
    expect(response.status).toBe(302);
    expect((await exchangeLoginToken(base, response.headers.get("location")!)).user_id).toBe("@bob=20smith:test.local");
  });

  it("hexencodes a non-ASCII capital from its UTF-8 bytes, as Synapse (Nm.Élodie Z -> nm.=c3=89lodie=20z)", async () => {
    const form = await signInAtIdp(setup, "elodie");
    const response = await postToAcs(form.acsUrl, { SAMLResponse: form.SAMLResponse, RelayState: form.RelayState });
    expect(response.status).toBe(302);
    expect((await exchangeLoginToken(base, response.headers.get("location")!)).user_id).toBe("@nm.=c3=89lodie=20z:test.local");
  });

  it("grandfathers the account Synapse made for a non-ASCII uid (Cas.Ü -> cas.=c3=9c, not cas.=c3=bc)", async () => {
    const form = await signInAtIdp(setup, "umlaut");
    const response = await postToAcs(form.acsUrl, { SAMLResponse: form.SAMLResponse, RelayState: form.RelayState });
    expect(response.status).toBe(302);
    expect((await exchangeLoginToken(base, response.headers.get("location")!)).user_id).toBe("@cas.=c3=9c:test.local");
    expect(await database().user.count({ where: { userId: "@cas.=c3=bc:test.local" } })).toBe(0);
  });

  it("grandfathers an existing account named by grandfathered_mxid_source_attribute (uid)", async () => {
    const form = await signInAtIdp(setup, "gina");
    const response = await postToAcs(form.acsUrl, { SAMLResponse: form.SAMLResponse, RelayState: form.RelayState });
    expect(response.status).toBe(302);
    expect((await exchangeLoginToken(base, response.headers.get("location")!)).user_id).toBe("@gina:test.local");
    expect(await database().userExternalId.findFirst({ where: { authProvider: "saml", externalId: "Gina" } })).toMatchObject({ userId: "@gina:test.local" });
  });

  it("refuses a user who does not meet attribute_requirements, storing nothing", async () => {
    const form = await signInAtIdp(setup, "mallory");
    const response = await postToAcs(form.acsUrl, { SAMLResponse: form.SAMLResponse, RelayState: form.RelayState });
    expect(response.status).toBe(401);
    expect(await response.text()).toContain("You are not allowed to log in here.");
    expect(await database().user.findFirst({ where: { userIdLower: { contains: "mallory" } } })).toBeNull();
  });

  it("ends a CAS login on the error page when the CAS server does not answer", async () => {
    const response = await fetch(`${base}/_matrix/client/v3/login/cas/ticket?ticket=ST-1&redirectUrl=${encodeURIComponent(TRUSTED_CLIENT)}`, { redirect: "manual" });
    expect(response.status).toBe(502);
    expect(response.headers.get("content-type")).toContain("text/html");
    expect(await response.text()).toContain("server_error");
  });

  it("accepts the IdP's cross-site POST on the legacy ACS path too", async () => {
    const form = await signInAtIdp(setup, "alice");
    const response = await postToAcs(`${base}/_matrix/saml2/authn_response`, { SAMLResponse: form.SAMLResponse, RelayState: form.RelayState });
    expect(response.status).toBe(302);
    expect((await exchangeLoginToken(base, response.headers.get("location")!)).user_id).toBe("@alice:test.local");
  });
});

describe("SAML mapping options", () => {
  const setups: SamlSetup[] = [];
  afterAll(async () => {
    for (const setup of setups) await setup.stop();
    await disconnectAll();
  });

  it("dotreplace, the failures loop appending digits, and no grandfathering when it is off", async () => {
    const databaseUrl = await freshDatabaseUrl("sqlite");
    const setup = await startSamlSetup(databaseUrl, {
      user_mapping_provider: { config: { mxid_mapping: "dotreplace" } },
      grandfathered_mxid_source_attribute: null,
    });
    setups.push(setup);
    await createUserDirectly(databaseUrl, { localpart: "taken" });
    await createUserDirectly(databaseUrl, { localpart: "taken1" });
    const login = async (user: string) => {
      const form = await signInAtIdp(setup, user);
      const response = await postToAcs(form.acsUrl, { SAMLResponse: form.SAMLResponse, RelayState: form.RelayState });
      expect(response.status).toBe(302);
      return (await exchangeLoginToken(setup.base, response.headers.get("location")!)).user_id;
    };
    expect(await login("bob")).toBe("@bob.smith:test.local");
    expect(await login("taken")).toBe("@taken2:test.local");
    // Synapse's dot_replace_for_mxid: Unicode lower case, then one "." per code point.
    expect(await login("elodie")).toBe("@nm..lodie.z:test.local");
  });

  it.each([
    ["not valid in a Matrix ID", "Not Valid!"],
    ["reserved (leading _)", "_policy"],
  ])("ends the login on the error page when a module's localpart is %s, naming module and localpart in the log", async (_name, localpart) => {
    const databaseUrl = await freshDatabaseUrl("sqlite");
    const module = path.resolve(__dirname, "../test-support/modules/saml-fixed-localpart-mapper.ts");
    const setup = await startSamlSetup(databaseUrl, { user_mapping_provider: { module, config: { localpart } } });
    setups.push(setup);
    const form = await signInAtIdp(setup, "alice");
    const response = await postToAcs(form.acsUrl, { SAMLResponse: form.SAMLResponse, RelayState: form.RelayState });
    expect(response.status).toBe(400);
    expect(response.headers.get("location")).toBeNull();
    const html = await response.text();
    expect(html).toContain("mapping_error");
    expect(html).toContain("this server&#x27;s login settings proposed a user name that is not allowed");
    expect(setup.server.output()).toContain(`${module} proposed the localpart ${JSON.stringify(localpart)}`);
    expect(await useDatabase(databaseUrl).user.count()).toBe(0);
  });

  it("sends the user to the username picker when the mapper proposes no localpart", async () => {
    const databaseUrl = await freshDatabaseUrl("sqlite");
    const setup = await startSamlSetup(databaseUrl, {
      user_mapping_provider: { module: path.resolve(__dirname, "../test-support/modules/saml-no-localpart-mapper.ts") },
    });
    setups.push(setup);
    const form = await signInAtIdp(setup, "alice");
    const response = await postToAcs(form.acsUrl, { SAMLResponse: form.SAMLResponse, RelayState: form.RelayState });
    expect(response.status).toBe(302);
    expect(response.headers.get("location")).toBe("/_synapse/client/pick_username/account_details");
    const browser = new CookieClient();
    for (const header of response.headers.getSetCookie()) {
      const [pair] = header.split(";");
      browser.cookies.set(pair.slice(0, pair.indexOf("=")), pair.slice(pair.indexOf("=") + 1));
    }
    const page = await browser.get(`${setup.base}/_synapse/client/pick_username/account_details`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain("Alice Liddell");
  });
});
