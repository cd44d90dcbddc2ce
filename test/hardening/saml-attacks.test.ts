// SAML responses an attacker could post to the ACS, against a real IdP (samlify's IdP side) and the
// built server: unsigned, wrapped (XSW), with external entities or an expansion bomb, altered,
// mis-addressed, expired, unsolicited and replayed — each ending on the error page with nothing
// stored. The working flows are in test/sso-saml.test.ts.
import { DOMParser, XMLSerializer, type Element } from "@xmldom/xmldom";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BACKENDS, freshDatabaseUrl } from "../../test-support/backends";
import { postToAcs, signInAtIdp, startStandardSamlSetup, TRUSTED_CLIENT, type SamlSetup } from "../../test-support/saml-sso";
import { disconnectAll, useDatabase } from "../../test-support/users";

const SAML_NS = "urn:oasis:names:tc:SAML:2.0:assertion";
const DS_NS = "http://www.w3.org/2000/09/xmldsig#";

const decode = (base64: string) => Buffer.from(base64, "base64").toString("utf8");
const encode = (xml: string) => Buffer.from(xml, "utf8").toString("base64");
const parse = (xml: string) => new DOMParser().parseFromString(xml, "text/xml");
const serialize = (node: unknown) => new XMLSerializer().serializeToString(node as never);

function setUid(assertion: Element, uid: string): void {
  for (const attribute of Array.from(assertion.getElementsByTagNameNS(SAML_NS, "Attribute"))) {
    if (attribute.getAttribute("Name") === "uid") attribute.getElementsByTagNameNS(SAML_NS, "AttributeValue")[0].textContent = uid;
  }
}

function removeSignatures(element: Element): void {
  for (const signature of Array.from(element.getElementsByTagNameNS(DS_NS, "Signature"))) signature.parentNode?.removeChild(signature);
}

describe.each(BACKENDS)("SAML responses refused on %s", (backend) => {
  let setup: SamlSetup;
  let base: string;
  const database = () => useDatabase(setup.databaseUrl);

  beforeAll(async () => {
    const databaseUrl = await freshDatabaseUrl(backend);
    // The same SP as test/sso-saml.test.ts.
    setup = await startStandardSamlSetup(databaseUrl);
    base = setup.base;
  });

  afterAll(async () => {
    await setup?.stop();
    await disconnectAll();
  });

  describe("refuses bad responses on the error page, storing nothing", () => {
    async function expectRefused(response: Response, code: string) {
      expect(response.status).toBe(400);
      expect(response.headers.get("location")).toBeNull();
      expect(await response.text()).toContain(code);
      expect(await database().user.findFirst({ where: { userIdLower: { in: ["@eve:test.local", "@admin:test.local"] } } })).toBeNull();
    }

    it("an unsigned response", async () => {
      const form = await signInAtIdp(setup, "eve");
      const doc = parse(decode(form.SAMLResponse));
      removeSignatures(doc.documentElement!);
      await expectRefused(await postToAcs(form.acsUrl, { SAMLResponse: encode(serialize(doc)), RelayState: form.RelayState }), "unsigned_respond");
    });

    it("a signature over a different element (wrapping: forged assertion beside or around the signed one)", async () => {
      for (const placement of ["sibling", "nested"] as const) {
        const form = await signInAtIdp(setup, "eve");
        const doc = parse(decode(form.SAMLResponse));
        const signed = doc.getElementsByTagNameNS(SAML_NS, "Assertion")[0];
        const forged = signed.cloneNode(true) as Element;
        removeSignatures(forged);
        forged.setAttribute("ID", "_forged");
        setUid(forged, "admin");
        signed.parentNode!.insertBefore(forged, signed);
        if (placement === "nested") forged.getElementsByTagNameNS(SAML_NS, "Subject")[0].appendChild(signed);
        await expectRefused(await postToAcs(form.acsUrl, { SAMLResponse: encode(serialize(doc)), RelayState: form.RelayState }), "unsigned_respond");
      }
    });

    it("XML with an external entity or an entity expansion bomb", async () => {
      const doctypes = [
        '<!DOCTYPE r [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>',
        `<!DOCTYPE r [<!ENTITY a "${"x".repeat(50)}">${Array.from({ length: 8 }, (_, i) => `<!ENTITY ${"b".repeat(i + 1)} "${`&${i === 0 ? "a" : "b".repeat(i)};`.repeat(10)}">`).join("")}]>`,
      ];
      for (const doctype of doctypes) {
        const form = await signInAtIdp(setup, "eve");
        const xml = decode(form.SAMLResponse).replace(/^(<\?xml[^>]*\?>)?/, (declaration) => `${declaration}${doctype}`);
        const entity = doctype.includes("xxe") ? "&xxe;" : "&bbbbbbbb;";
        const tampered = xml.replace(/(<saml:AttributeValue[^>]*>)eve</, `$1${entity}<`);
        expect(tampered).toContain(entity);
        const response = await postToAcs(form.acsUrl, { SAMLResponse: encode(tampered), RelayState: form.RelayState });
        expect(response.status).toBe(400);
        const html = await response.text();
        expect(html).not.toContain("root:");
        expect(html.length).toBeLessThan(50_000);
      }
      expect(await database().user.findFirst({ where: { userIdLower: { startsWith: "@eve" } } })).toBeNull();
    });

    it("a signed assertion whose content was changed", async () => {
      const form = await signInAtIdp(setup, "eve");
      const doc = parse(decode(form.SAMLResponse));
      setUid(doc.getElementsByTagNameNS(SAML_NS, "Assertion")[0], "admin");
      await expectRefused(await postToAcs(form.acsUrl, { SAMLResponse: encode(serialize(doc)), RelayState: form.RelayState }), "unsigned_respond");
    });

    it("a response for another audience", async () => {
      const { requestId, acsUrl, RelayState } = await signInAtIdp(setup, "eve");
      const SAMLResponse = await setup.idp.issue({ user: "eve", inResponseTo: requestId, audience: "https://other-sp.example/metadata.xml" });
      await expectRefused(await postToAcs(acsUrl, { SAMLResponse, RelayState }), "invalid_response");
    });

    it("an expired response", async () => {
      const { requestId, acsUrl, RelayState } = await signInAtIdp(setup, "eve");
      const SAMLResponse = await setup.idp.issue({ user: "eve", inResponseTo: requestId, shiftMs: -20 * 60_000, lifetimeMs: 5 * 60_000 });
      await expectRefused(await postToAcs(acsUrl, { SAMLResponse, RelayState }), "invalid_response");
    });

    it("a response to a request we never made, and an unsolicited one", async () => {
      const acsUrl = `${base}/_synapse/client/saml2/authn_response`;
      const unknown = await setup.idp.issue({ user: "eve", inResponseTo: "_never-requested" });
      await expectRefused(await postToAcs(acsUrl, { SAMLResponse: unknown, RelayState: TRUSTED_CLIENT }), "unsolicited_response");
      const unsolicited = await setup.idp.issue({ user: "eve" });
      await expectRefused(await postToAcs(acsUrl, { SAMLResponse: unsolicited, RelayState: TRUSTED_CLIENT }), "unsolicited_response");
    });

    it("a replayed response (the request is used up by the first)", async () => {
      const form = await signInAtIdp(setup, "taken");
      const body = { SAMLResponse: form.SAMLResponse, RelayState: form.RelayState };
      const [one, two] = await Promise.all([postToAcs(form.acsUrl, body), postToAcs(form.acsUrl, body)]);
      expect([one.status, two.status].sort()).toEqual([302, 400]);
      const again = await postToAcs(form.acsUrl, body);
      expect(again.status).toBe(400);
      expect(await again.text()).toContain("unsolicited_response");
    });

    it("a GET on the ACS, and a POST without SAMLResponse", async () => {
      const get = await fetch(`${base}/_synapse/client/saml2/authn_response`);
      expect(get.status).toBe(400);
      expect(await get.text()).toContain("unexpected_get");
      const missing = await postToAcs(`${base}/_synapse/client/saml2/authn_response`, { RelayState: TRUSTED_CLIENT });
      expect(missing.status).toBe(400);
      const text = await missing.text();
      // Synapse's "Missing string query parameter 'SAMLResponse'" is for the log; the page says it plainly.
      expect(text).toContain("This sign-in link is incomplete or was changed on the way");
      expect(text).toContain("bad_param");
      expect(setup.server.output()).toContain("bad_param: Missing string query parameter 'SAMLResponse'");
    });
  });

});
