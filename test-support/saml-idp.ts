// A real SAML 2.0 identity provider for the tests (the IdP side of samlify), on 127.0.0.1: it
// publishes its metadata over HTTP, reads our AuthnRequests (HTTP-Redirect binding), signs login
// responses with its own key (made with openssl at start), and answers with the auto-posting form
// a browser would get (a browser that does not name the user gets a sign-in page asking for it).
// For the refusal tests it can also issue responses with chosen times, audience and InResponseTo —
// still signed by the IdP — which the tests then tamper with.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import * as samlify from "samlify";
import { DOMParser } from "@xmldom/xmldom";

export interface SamlTestUser {
  /** Attribute → values, released in the assertion's AttributeStatement (Name = FriendlyName = key). */
  attributes: Record<string, string[]>;
}

export interface IssueOptions {
  user: string;
  inResponseTo?: string;
  audience?: string;
  /** Shifts every timestamp of the response by this many ms (negative = in the past). */
  shiftMs?: number;
  /** How long the response is valid (default 5 min). */
  lifetimeMs?: number;
  /** Sign the Response element too (default: the IdP's `signResponses`). */
  signResponse?: boolean;
}

export interface RunningSamlIdp {
  entityId: string;
  metadataUrl: string;
  metadataXml: string;
  /** Sign in at the IdP as `user`, from our redirect's Location; returns the form the browser would POST. */
  signIn(authnRequestUrl: string, user: string): Promise<{ acsUrl: string; SAMLResponse: string; RelayState: string; requestId: string }>;
  /** A signed response built directly (for refusal tests), base64 as posted. */
  issue(options: IssueOptions): Promise<string>;
  stop(): Promise<void>;
}

// samlify insists on a schema validator before it parses anything. This test IdP only needs to
// know the AuthnRequest is well-formed XML with the SAML protocol root; it is not under test.
samlify.setSchemaValidator({
  validate: async (xml: string) => {
    const root = new DOMParser().parseFromString(xml, "text/xml").documentElement;
    if (!root || root.namespaceURI !== "urn:oasis:names:tc:SAML:2.0:protocol") throw new Error("not a SAML protocol message");
    return "valid";
  },
});

const escapeXml = (value: string) => value.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

/** A fresh RSA key and self-signed certificate (PEM). */
export function makeKeyPair(commonName: string): { key: string; cert: string } {
  const dir = mkdtempSync(path.join(os.tmpdir(), "saml-key-"));
  try {
    execFileSync("openssl", [
      "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", `/CN=${commonName}`,
      "-keyout", path.join(dir, "key.pem"), "-out", path.join(dir, "cert.pem"),
    ], { stdio: "ignore" });
    return { key: readFileSync(path.join(dir, "key.pem"), "utf8"), cert: readFileSync(path.join(dir, "cert.pem"), "utf8") };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function attributeStatement(attributes: Record<string, string[]>): string {
  const items = Object.entries(attributes)
    .map(
      ([name, values]) =>
        `<saml:Attribute Name="${escapeXml(name)}" FriendlyName="${escapeXml(name)}" NameFormat="urn:oasis:names:tc:SAML:2.0:attrname-format:basic">` +
        values.map((value) => `<saml:AttributeValue xsi:type="xs:string">${escapeXml(value)}</saml:AttributeValue>`).join("") +
        `</saml:Attribute>`,
    )
    .join("");
  return `<saml:AttributeStatement>${items}</saml:AttributeStatement>`;
}

export async function startSamlIdp(options: {
  users: Record<string, SamlTestUser>;
  /** Our SP's metadata URL (fetched when first needed, as an IdP admin would import it). */
  spMetadataUrl: string | (() => string);
  keys?: { key: string; cert: string };
  /** Refuse AuthnRequests without a valid signature by the SP's published signing key. */
  wantAuthnRequestsSigned?: boolean;
  /** Encrypt assertions to the SP's published encryption certificate. */
  encryptAssertions?: boolean;
  /** Sign the Response element as well as the assertion. */
  signResponses?: boolean;
}): Promise<RunningSamlIdp> {
  const keys = options.keys ?? makeKeyPair("test-idp");
  let serverUrl = "";
  const server = http.createServer((request, response) => {
    void handle(request, response).catch((error: unknown) => {
      response.writeHead(500, { "Content-Type": "text/plain" });
      response.end(String(error));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  serverUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const entityId = `${serverUrl}/idp`;

  const idp = samlify.IdentityProvider({
    entityID: entityId,
    privateKey: keys.key,
    signingCert: keys.cert,
    wantAuthnRequestsSigned: options.wantAuthnRequestsSigned ?? false,
    isAssertionEncrypted: options.encryptAssertions ?? false,
    nameIDFormat: ["urn:oasis:names:tc:SAML:2.0:nameid-format:transient"],
    singleSignOnService: [{ Binding: samlify.Constants.namespace.binding.redirect, Location: `${serverUrl}/sso` }],
  });
  const metadataXml = idp.getMetadata();

  // samlify signs the Response element when the SP "wants the message signed", which SP metadata
  // cannot say: one view of the SP per choice.
  const sps = new Map<boolean, ReturnType<typeof samlify.ServiceProvider>>();
  async function serviceProvider(signResponse = options.signResponses ?? false) {
    let sp = sps.get(signResponse);
    if (!sp) {
      const url = typeof options.spMetadataUrl === "function" ? options.spMetadataUrl() : options.spMetadataUrl;
      const response = await fetch(url);
      if (!response.ok) throw new Error(`SP metadata: ${response.status}`);
      sp = samlify.ServiceProvider({ metadata: await response.text(), wantMessageSigned: signResponse });
      sps.set(signResponse, sp);
    }
    return sp;
  }

  async function build(issue: IssueOptions & { relayState?: string }) {
    const user = options.users[issue.user];
    if (!user) throw new Error(`unknown test user ${issue.user}`);
    const target = await serviceProvider(issue.signResponse);
    const now = new Date(Date.now() + (issue.shiftMs ?? 0));
    const later = new Date(now.getTime() + (issue.lifetimeMs ?? 5 * 60_000));
    const acs = target.entityMeta.getAssertionConsumerService(samlify.Constants.namespace.binding.post) as string;
    return idp.createLoginResponse(
      target,
      { extract: { request: { id: issue.inResponseTo ?? "" } } } as never,
      "post",
      {},
      {
        relayState: issue.relayState,
        // A signed Response must cover the assertion as sent, i.e. already encrypted.
        encryptThenSign: true,
        customTagReplacement: (template: string) => {
          const id = `_${Math.random().toString(16).slice(2)}${Date.now().toString(16)}`;
          const filled = samlify.SamlLib.replaceTagsByValue(template, {
            ID: id,
            AssertionID: `_a${id}`,
            Destination: acs,
            Audience: issue.audience ?? target.entityMeta.getEntityID(),
            SubjectRecipient: acs,
            Issuer: entityId,
            IssueInstant: now.toISOString(),
            StatusCode: "urn:oasis:names:tc:SAML:2.0:status:Success",
            ConditionsNotBefore: now.toISOString(),
            ConditionsNotOnOrAfter: later.toISOString(),
            SubjectConfirmationDataNotOnOrAfter: later.toISOString(),
            NameIDFormat: "urn:oasis:names:tc:SAML:2.0:nameid-format:transient",
            NameID: `_n${id}`,
            InResponseTo: issue.inResponseTo ?? "",
            AuthnStatement: `__AUTHN__`,
            AttributeStatement: `__ATTRIBUTES__`,
          });
          const authn = `<saml:AuthnStatement AuthnInstant="${now.toISOString()}" SessionIndex="_s${id}"><saml:AuthnContext><saml:AuthnContextClassRef>urn:oasis:names:tc:SAML:2.0:ac:classes:Password</saml:AuthnContextClassRef></saml:AuthnContext></saml:AuthnStatement>`;
          let context = filled.replace("__AUTHN__", authn).replace("__ATTRIBUTES__", attributeStatement(user.attributes));
          // An empty InResponseTo is no InResponseTo: an unsolicited response.
          if (!issue.inResponseTo) context = context.replace(/ InResponseTo=""/g, "");
          return { id, context };
        },
      },
    );
  }

  async function signIn(authnRequestUrl: string, username: string) {
    const url = new URL(authnRequestUrl);
    if (`${url.origin}${url.pathname}` !== `${serverUrl}/sso`) throw new Error(`not this IdP's SSO URL: ${authnRequestUrl}`);
    // Appended as text: re-serialising the query would change the bytes a signed request's
    // signature covers (HTTP-Redirect binding).
    const response = await fetch(`${authnRequestUrl}&login_as=${encodeURIComponent(username)}`);
    const html = await response.text();
    if (!response.ok) throw new Error(`IdP refused the sign-in: ${response.status} ${html}`);
    const field = (name: string) => new RegExp(`name="${name}" value="([^"]*)"`).exec(html)?.[1] ?? "";
    const acsUrl = /action="([^"]*)"/.exec(html)?.[1] ?? "";
    return { acsUrl, SAMLResponse: field("SAMLResponse"), RelayState: field("RelayState").replace(/&amp;/g, "&"), requestId: field("RequestID") };
  }

  async function handle(request: http.IncomingMessage, response: http.ServerResponse) {
    const url = new URL(request.url ?? "/", serverUrl);
    if (url.pathname === "/metadata") {
      response.writeHead(200, { "Content-Type": "application/samlmetadata+xml" });
      response.end(metadataXml);
      return;
    }
    if (url.pathname === "/sso" && !url.searchParams.has("login_as")) {
      // A browser arrives without login_as: the IdP's sign-in page, whose form comes back to /sso
      // with the request's query exactly as sent (a signature covers it) plus the user's name.
      const raw = (request.url ?? "").split("?")[1] ?? "";
      response.writeHead(200, { "Content-Type": "text/html; charset=utf-8" });
      response.end(
        `<!DOCTYPE html><title>Test SAML IdP</title><h1>Test SAML IdP</h1><form method="get" action="/sso/login">` +
          `<input type="hidden" name="request" value="${escapeXml(raw)}">` +
          `<label>Username <input name="login_as"></label><button type="submit">Sign in</button></form>`,
      );
      return;
    }
    if (url.pathname === "/sso/login") {
      const back = `/sso?${url.searchParams.get("request") ?? ""}&login_as=${encodeURIComponent(url.searchParams.get("login_as") ?? "")}`;
      response.writeHead(302, { Location: back });
      response.end();
      return;
    }
    if (url.pathname === "/sso") {
      // The real thing: read our AuthnRequest with samlify, "authenticate" the user named by
      // login_as, and answer with the self-posting form carrying the signed response.
      const query = Object.fromEntries(url.searchParams);
      // What a signed request's signature covers: the query as sent, without Signature (and our login_as).
      const octetString = (request.url ?? "").split("?")[1]?.split("&").filter((part) => !part.startsWith("Signature=") && !part.startsWith("login_as=")).join("&") ?? "";
      const parsed = await idp.parseLoginRequest(await serviceProvider(), "redirect", { query, octetString });
      const requestId = parsed.extract.request!.id as string;
      const login = await build({ user: query.login_as, inResponseTo: requestId, relayState: query.RelayState });
      const post = login as { context: string; entityEndpoint: string; relayState?: string };
      response.writeHead(200, { "Content-Type": "text/html; charset=utf-8" });
      response.end(
        `<!DOCTYPE html><form method="post" action="${escapeXml(post.entityEndpoint)}">` +
          `<input type="hidden" name="SAMLResponse" value="${escapeXml(post.context)}">` +
          `<input type="hidden" name="RelayState" value="${escapeXml(query.RelayState ?? "")}">` +
          `<input type="hidden" name="RequestID" value="${escapeXml(requestId)}">` +
          `</form><script>document.forms[0].submit()</script>`,
      );
      return;
    }
    response.writeHead(404);
    response.end();
  }

  return {
    entityId,
    metadataUrl: `${serverUrl}/metadata`,
    metadataXml,
    signIn,
    issue: async (issue) => ((await build(issue)) as { context: string }).context,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
