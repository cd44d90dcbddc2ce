// Every saml2_config option the README lists, against the real SAML IdP (samlify's IdP side,
// test-support/saml-idp.ts) (issue 17, point 9). One SP uses them all at once: IdP metadata given
// inline, describing two IdPs (idp_entityid picks ours); signed AuthnRequests (key_file/cert_file:
// this IdP refuses unsigned ones); encrypted assertions (encryption_keypairs); want_response_signed;
// accepted_time_diff; allow_unsolicited; saml_session_lifetime. A second SP reads the metadata from
// a local file, with the Response signed and the assertion not (want_assertions_signed: false).
// (Remote metadata, the user mapping provider, grandfathering and attribute_requirements:
// test/sso-saml.test.ts; refusals an attacker could post: test/hardening/saml-attacks.test.ts.)
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeKeyPair, startSamlIdp, type RunningSamlIdp } from "../test-support/saml-idp";
import { exchangeLoginToken, postToAcs, TRUSTED_CLIENT, USERS } from "../test-support/saml-sso";
import { freePort, startServer, type RunningServer } from "../test-support/server";
import { disconnectAll } from "../test-support/users";

const withoutXmlDeclaration = (xml: string) => xml.replace(/^<\?xml[^>]*\?>\s*/, "");

describe("saml2_config options", () => {
  let dir: string;
  let idp: RunningSamlIdp;
  let otherIdp: RunningSamlIdp;
  let server: RunningServer;
  let localIdp: RunningSamlIdp;
  let localServer: RunningServer;

  const redirectToIdp = async (base: string) => {
    const start = await fetch(`${base}/_matrix/client/v3/login/sso/redirect/saml?${new URLSearchParams({ redirectUrl: TRUSTED_CLIENT })}`, { redirect: "manual" });
    expect(start.status).toBe(302);
    return start.headers.get("location")!;
  };

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), "saml-options-"));
    const file = (name: string, content: string) => {
      writeFileSync(path.join(dir, name), content);
      return path.join(dir, name);
    };
    const signing = makeKeyPair("homeserver-sp-signing");
    const encryption = makeKeyPair("homeserver-sp-encryption");
    const [port, localPort] = [await freePort(), await freePort()];

    idp = await startSamlIdp({
      users: USERS,
      spMetadataUrl: `http://127.0.0.1:${port}/_synapse/client/saml2/metadata.xml`,
      wantAuthnRequestsSigned: true,
      encryptAssertions: true,
      signResponses: true,
    });
    // Another IdP in the same metadata document, never used: idp_entityid must pick ours.
    otherIdp = await startSamlIdp({ users: USERS, spMetadataUrl: "http://127.0.0.1:9/unused" });
    const metadata =
      `<md:EntitiesDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata">` +
      `${withoutXmlDeclaration(otherIdp.metadataXml)}${withoutXmlDeclaration(idp.metadataXml)}</md:EntitiesDescriptor>`;
    server = await startServer({
      port,
      config: {
        saml2_config: {
          sp_config: {
            metadata: { inline: [metadata] },
            key_file: file("sp.key", signing.key),
            cert_file: file("sp.crt", signing.cert),
            encryption_keypairs: [{ key_file: file("enc.key", encryption.key), cert_file: file("enc.crt", encryption.cert) }],
            accepted_time_diff: 120,
            service: { sp: { allow_unsolicited: true, want_response_signed: true, want_assertions_signed: true } },
          },
          idp_entityid: idp.entityId,
          idp_name: "Options SAML",
          saml_session_lifetime: "3s",
        },
        sso: { client_whitelist: [TRUSTED_CLIENT] },
      },
    });

    localIdp = await startSamlIdp({ users: USERS, spMetadataUrl: `http://127.0.0.1:${localPort}/_synapse/client/saml2/metadata.xml`, signResponses: true });
    localServer = await startServer({
      port: localPort,
      config: {
        saml2_config: {
          sp_config: {
            metadata: { local: [file("idp-metadata.xml", localIdp.metadataXml)] },
            // The other way round: the Response signed, the assertion not (the IdP reads
            // WantAssertionsSigned="false" in our metadata).
            service: { sp: { want_assertions_signed: false, want_response_signed: true } },
          },
          idp_name: "Local SAML",
        },
        sso: { client_whitelist: [TRUSTED_CLIENT] },
      },
    });
  });

  afterAll(async () => {
    await server?.stop();
    await localServer?.stop();
    await Promise.all([idp?.stop(), otherIdp?.stop(), localIdp?.stop()]);
    await disconnectAll();
    rmSync(dir, { recursive: true, force: true });
  });

  it("publishes the signing and encryption certificates and asks for signed assertions (SP metadata)", async () => {
    const xml = await (await fetch(`${server.baseUrl}/_synapse/client/saml2/metadata.xml`)).text();
    expect(xml).toMatch(/AuthnRequestsSigned="true"/);
    expect(xml).toMatch(/WantAssertionsSigned="true"/);
    expect(xml).toMatch(/<(?:md:)?KeyDescriptor use="signing"/);
    expect(xml).toMatch(/<(?:md:)?KeyDescriptor use="encryption"/);
  });

  it("logs in with inline metadata, idp_entityid, a signed AuthnRequest, an encrypted assertion and a signed response", async () => {
    const location = await redirectToIdp(server.baseUrl);
    expect(location.startsWith(`${new URL(idp.metadataUrl).origin}/sso?`)).toBe(true);
    expect(new URL(location).searchParams.get("Signature")).toBeTruthy();
    const form = await idp.signIn(location, "alice");
    expect(Buffer.from(form.SAMLResponse, "base64").toString()).toContain("EncryptedAssertion");
    const acs = await postToAcs(form.acsUrl, { SAMLResponse: form.SAMLResponse, RelayState: form.RelayState });
    expect(acs.status).toBe(302);
    expect((await exchangeLoginToken(server.baseUrl, acs.headers.get("location")!)).user_id).toBe("@alice:test.local");
  });

  it("refuses a response without a signed Response element (want_response_signed)", async () => {
    const form = await idp.signIn(await redirectToIdp(server.baseUrl), "bob");
    const unsigned = await idp.issue({ user: "bob", inResponseTo: form.requestId, signResponse: false });
    const acs = await postToAcs(form.acsUrl, { SAMLResponse: unsigned, RelayState: form.RelayState });
    expect(acs.status).toBe(400);
  });

  it("accepts an unsolicited response (allow_unsolicited), sending the person to RelayState's client", async () => {
    const unsolicited = await idp.issue({ user: "eve" });
    const acs = await postToAcs(`${server.baseUrl}/_synapse/client/saml2/authn_response`, { SAMLResponse: unsolicited, RelayState: TRUSTED_CLIENT });
    expect(acs.status).toBe(302);
    expect(acs.headers.get("location")!.startsWith(`${TRUSTED_CLIENT}?loginToken=`)).toBe(true);
  });

  it("tolerates clock skew up to accepted_time_diff, and not beyond", async () => {
    const acsUrl = `${server.baseUrl}/_synapse/client/saml2/authn_response`;
    const ahead = await idp.issue({ user: "taken", shiftMs: 60_000 });
    expect((await postToAcs(acsUrl, { SAMLResponse: ahead, RelayState: TRUSTED_CLIENT })).status).toBe(302);
    const tooFar = await idp.issue({ user: "taken", shiftMs: 10 * 60_000 });
    expect((await postToAcs(acsUrl, { SAMLResponse: tooFar, RelayState: TRUSTED_CLIENT })).status).toBe(400);
  });

  it("forgets an AuthnRequest after saml_session_lifetime", async () => {
    const form = await idp.signIn(await redirectToIdp(server.baseUrl), "gina");
    await new Promise((resolve) => setTimeout(resolve, 3_500));
    const acs = await postToAcs(form.acsUrl, { SAMLResponse: form.SAMLResponse, RelayState: form.RelayState });
    expect(acs.status).toBe(400);
    expect(await acs.text()).toContain("unsolicited_response");
  });

  it("logs in with the IdP metadata from a local file, and a signed Response around an unsigned assertion (want_assertions_signed: false)", async () => {
    // Absent means false in SAML metadata (node-saml writes the attribute only when true).
    expect(await (await fetch(`${localServer.baseUrl}/_synapse/client/saml2/metadata.xml`)).text()).not.toMatch(/WantAssertionsSigned="true"/);
    const location = await redirectToIdp(localServer.baseUrl);
    expect(new URL(location).searchParams.get("Signature")).toBeNull();
    const form = await localIdp.signIn(location, "alice");
    const xml = Buffer.from(form.SAMLResponse, "base64").toString();
    expect(xml).not.toContain("EncryptedAssertion");
    // One signature, the Response's: none inside the assertion.
    expect(xml.match(/<(?:ds:)?Signature[ >]/g)).toHaveLength(1);
    expect(/<saml:Assertion[\s\S]*<(?:ds:)?Signature[ >][\s\S]*<\/saml:Assertion>/.test(xml)).toBe(false);
    const acs = await postToAcs(form.acsUrl, { SAMLResponse: form.SAMLResponse, RelayState: form.RelayState });
    expect(acs.status).toBe(302);
    expect((await exchangeLoginToken(localServer.baseUrl, acs.headers.get("location")!)).user_id).toBe("@alice:test.local");
  });
});
