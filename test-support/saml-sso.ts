// A running SAML 2.0 setup for the SSO tests: samlify's IdP side (test-support/saml-idp.ts) and the
// built server configured as its SP, with the test users, and the steps a browser takes between them.
import { expect } from "vitest";
import { startSamlIdp, type RunningSamlIdp, type SamlTestUser } from "./saml-idp";
import { freePort, startServer, type RunningServer } from "./server";

export const TRUSTED_CLIENT = "http://127.0.0.1:9/trusted";
export const OTHER_CLIENT = "http://127.0.0.1:9/app?state=xyz";
export const IDP_ORIGIN_HEADER = { Origin: "http://idp.example" };

export const USERS: Record<string, SamlTestUser> = {
  alice: { attributes: { uid: ["alice"], displayName: ["Alice Liddell"], email: ["alice@saml.example"], department: ["research"] } },
  bob: { attributes: { uid: ["Bob Smith"], displayName: ["Bob Smith"], department: ["research"] } },
  gina: { attributes: { uid: ["Gina"], displayName: ["Gina G"], department: ["research"] } },
  mallory: { attributes: { uid: ["mallory"], department: ["sales"] } },
  taken: { attributes: { uid: ["taken"], department: ["research"] } },
  eve: { attributes: { uid: ["eve"], department: ["research"] } },
  admin: { attributes: { uid: ["admin"], department: ["research"] } },
  elodie: { attributes: { uid: ["Nm.Élodie Z"], department: ["research"] } },
  umlaut: { attributes: { uid: ["Cas.Ü"], department: ["research"] } },
};

/**
 * The SP of the SAML tests (test/sso-saml.test.ts, test/hardening/saml-attacks.test.ts): attribute
 * requirements on, and a second IdP (CAS, never reached) so that the picker is shown.
 */
export function startStandardSamlSetup(databaseUrl: string): Promise<SamlSetup> {
  return startSamlSetup(databaseUrl, { attribute_requirements: [{ attribute: "department", value: "research" }] }, {
    cas_config: { server_url: "http://127.0.0.1:9/cas", idp_name: "Campus CAS" },
  });
}

export interface SamlSetup {
  server: RunningServer;
  idp: RunningSamlIdp;
  base: string;
  databaseUrl: string;
  stop(): Promise<void>;
}

export async function startSamlSetup(databaseUrl: string, saml: Record<string, unknown>, extra: Record<string, unknown> = {}): Promise<SamlSetup> {
  const port = await freePort();
  const idp = await startSamlIdp({ users: USERS, spMetadataUrl: `http://127.0.0.1:${port}/_synapse/client/saml2/metadata.xml` });
  const server = await startServer({
    port,
    databaseUrl,
    config: {
      saml2_config: {
        sp_config: { metadata: { remote: [{ url: idp.metadataUrl }] }, accepted_time_diff: 3 },
        idp_name: "Corp SAML",
        idp_brand: "corp-saml",
        ...saml,
      },
      sso: { client_whitelist: [TRUSTED_CLIENT] },
      ...extra,
    },
  });
  return {
    server,
    idp,
    base: server.baseUrl,
    databaseUrl,
    stop: async () => {
      await server.stop();
      await idp.stop();
    },
  };
}

/** Our redirect → the IdP → the IdP's self-posting form (as the browser would submit it, cross-site and without cookies). */
export async function signInAtIdp(setup: SamlSetup, user: string, redirectUrl = TRUSTED_CLIENT) {
  const start = await fetch(`${setup.base}/_matrix/client/v3/login/sso/redirect/saml?${new URLSearchParams({ redirectUrl })}`, { redirect: "manual" });
  expect(start.status).toBe(302);
  expect(start.headers.getSetCookie()).toEqual([]);
  return setup.idp.signIn(start.headers.get("location")!, user);
}

export function postToAcs(url: string, form: Record<string, string>, headers: Record<string, string> = IDP_ORIGIN_HEADER): Promise<Response> {
  return fetch(url, {
    method: "POST",
    redirect: "manual",
    headers: { "Content-Type": "application/x-www-form-urlencoded", ...headers },
    body: new URLSearchParams(form).toString(),
  });
}

export async function exchangeLoginToken(base: string, location: string) {
  const token = new URL(location).searchParams.get("loginToken");
  expect(token).toMatch(/^syl_/);
  const response = await fetch(`${base}/_matrix/client/v3/login`, { method: "POST", body: JSON.stringify({ type: "m.login.token", token }) });
  expect(response.status).toBe(200);
  return (await response.json()) as { user_id: string };
}
