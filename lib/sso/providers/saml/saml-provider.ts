// The SAML 2.0 identity provider (Synapse's SamlHandler): the
// AuthnRequest redirect, the SP metadata, and the validation of the IdP's POSTed response. All XML
// signature, audience, time-window and InResponseTo checking is node-saml's; what is ours is where
// outstanding requests live (the saml_requests table, with expiry, consumed exactly once).
import { perConfig } from "../../../config/per-config";
import type { CacheProvider, Profile, SamlConfig as NodeSamlConfig } from "@node-saml/node-saml";
import type { HomeserverConfig } from "../../../config/schema";
import { takeRandomBytes } from "../../../crypto/random-pool";
import { db } from "../../../db/client";
import { logger } from "../../../logging/logger";
import type { SamlResponse } from "../../../modules/types";
import { SsoError } from "../../sso-error";
import { certToPem, chooseIdp, parseIdpMetadata, type IdpDescriptor } from "./idp-metadata";
import { parseSamlConfig, SAML_IDP_ID, type SamlConfig } from "./saml-config";
import { nodeSaml, xmldom } from "../xml-libraries";

const SAML_ASSERTION = "urn:oasis:names:tc:SAML:2.0:assertion";
const TRANSIENT = "urn:oasis:names:tc:SAML:2.0:nameid-format:transient";
const METADATA_TIMEOUT_MS = 10_000;

/** Well-known attribute OIDs (urn:oid / LDAP names, as pysaml2's attribute maps) by their friendly names. */
const OID_NAMES: Record<string, string> = {
  "urn:oid:0.9.2342.19200300.100.1.1": "uid",
  "urn:oid:2.16.840.1.113730.3.1.241": "displayName",
  "urn:oid:0.9.2342.19200300.100.1.3": "mail",
  "urn:oid:2.5.4.42": "givenName",
  "urn:oid:2.5.4.4": "sn",
  "urn:oid:2.5.4.3": "cn",
  "urn:oid:1.3.6.1.4.1.5923.1.1.1.6": "eduPersonPrincipalName",
};

/** What the response handler learns about a request it answers. */
export interface OutstandingSamlRequest {
  id: string;
  clientRedirectUrl: string;
  uiAuthSessionId: string | null;
}

export interface ValidatedSamlResponse {
  samlResponse: SamlResponse;
  /** The request this answers; null for an accepted unsolicited response. */
  request: OutstandingSamlRequest | null;
}

/**
 * node-saml's request cache, backed by saml_requests. A new instance is made for each redirect (so
 * that the row carries this login's client redirect URL) and for each response (so that the row
 * node-saml looked up can be read back). Removal is ours: see consumeRequest.
 */
class SamlRequestStore implements CacheProvider {
  found: OutstandingSamlRequest | null = null;

  constructor(
    private readonly lifetimeMs: number,
    private readonly pending?: { clientRedirectUrl: string; uiAuthSessionId: string | null },
  ) {}

  async saveAsync(key: string, value: string) {
    if (!this.pending) throw new Error("this request store does not create requests");
    const now = Date.now();
    await db().samlRequest.create({
      data: {
        id: key,
        clientRedirectUrl: this.pending.clientRedirectUrl,
        uiAuthSessionId: this.pending.uiAuthSessionId,
        createdAt: new Date(now),
        expiresAt: new Date(now + this.lifetimeMs),
      },
    });
    return { value, createdAt: now };
  }

  async getAsync(key: string): Promise<string | null> {
    const row = await db().samlRequest.findUnique({ where: { id: key } });
    if (!row || row.expiresAt.getTime() <= Date.now()) return null;
    this.found = { id: row.id, clientRedirectUrl: row.clientRedirectUrl, uiAuthSessionId: row.uiAuthSessionId };
    return row.createdAt.toISOString();
  }

  async removeAsync(key: string | null): Promise<string | null> {
    return key;
  }
}

/** Takes an outstanding request, once: a second response naming it (a replay) finds nothing. */
async function consumeRequest(id: string): Promise<boolean> {
  const { count } = await db().samlRequest.deleteMany({ where: { id, expiresAt: { gt: new Date() } } });
  return count === 1;
}

/** Drops expired rows (Synapse's _expire_old_sessions, here now and then on a redirect). */
async function expireOldRequests(): Promise<void> {
  await db().samlRequest.deleteMany({ where: { expiresAt: { lte: new Date() } } });
}

/** The attribute → values map pysaml2 calls the AVA, read from the verified assertion. */
export function attributeValues(assertionXml: string): Record<string, string[]> {
  const doc = new (xmldom().DOMParser)({
    onError: (level, message) => {
      if (level !== "warning") throw new Error(message);
    },
  }).parseFromString(assertionXml, "text/xml");
  const ava: Record<string, string[]> = {};
  for (const attribute of Array.from(doc.getElementsByTagNameNS(SAML_ASSERTION, "Attribute"))) {
    const name = attribute.getAttribute("Name");
    if (!name) continue;
    const key = OID_NAMES[name] ?? attribute.getAttribute("FriendlyName") ?? name;
    const values = Array.from(attribute.getElementsByTagNameNS(SAML_ASSERTION, "AttributeValue")).map((value) => value.textContent ?? "");
    (ava[key] ??= []).push(...values);
  }
  return ava;
}

/** node-saml's error messages, as Synapse's error identifiers. The person never sees the internals. */
function describeValidationError(error: unknown): SsoError {
  const message = error instanceof Error ? error.message : String(error);
  logger.warn(`SAML2 response refused: ${message}`);
  if (/InResponseTo/i.test(message)) return new SsoError("unsolicited_response", "Unexpected SAML2 login.");
  if (/signature/i.test(message)) return new SsoError("unsigned_respond", "SAML2 response was not signed.");
  return new SsoError("invalid_response", "Unable to parse SAML2 response.");
}

export class SamlIdentityProvider {
  readonly protocol = "saml" as const;
  readonly id = SAML_IDP_ID;
  private idp?: Promise<IdpDescriptor>;

  constructor(
    readonly settings: SamlConfig,
    private readonly homeserver: HomeserverConfig,
  ) {
    // Inline and local metadata are read (and checked) at start-up; remote metadata on first use.
    if (settings.metadataUrls.length === 0) {
      const idp = chooseIdp(settings.metadataDocuments.flatMap(parseIdpMetadata), settings.idpEntityId);
      this.idp = Promise.resolve(idp);
    }
  }

  get name(): string {
    return this.settings.idpName;
  }
  get icon(): string | undefined {
    return this.settings.idpIcon;
  }
  get brand(): string | undefined {
    return this.settings.idpBrand;
  }

  private async loadIdp(): Promise<IdpDescriptor> {
    const documents = [...this.settings.metadataDocuments];
    for (const url of this.settings.metadataUrls) {
      const response = await fetch(url, { signal: AbortSignal.timeout(METADATA_TIMEOUT_MS), redirect: "follow" });
      if (!response.ok) throw new Error(`${url} answered ${response.status}`);
      documents.push(await response.text());
    }
    return chooseIdp(documents.flatMap(parseIdpMetadata), this.settings.idpEntityId);
  }

  /** The IdP from its metadata, fetched once and cached; a failure is not cached (503 for the person). */
  async identityProvider(): Promise<IdpDescriptor> {
    this.idp ??= this.loadIdp().catch((error: unknown) => {
      this.idp = undefined;
      logger.error("SAML: the IdP metadata could not be loaded", error);
      throw new SsoError("provider_unavailable", "This login provider is currently unavailable on this homeserver.", 503);
    });
    return this.idp;
  }

  private samlOptions(idp: IdpDescriptor | null, cacheProvider: CacheProvider): NodeSamlConfig {
    const settings = this.settings;
    const decryption = settings.encryption[0];
    return {
      issuer: settings.spEntityId,
      callbackUrl: settings.acsUrl,
      audience: settings.spEntityId,
      entryPoint: idp?.ssoRedirectUrl,
      idpIssuer: idp?.entityId,
      idpCert: idp ? idp.signingCerts.map(certToPem) : (done) => done(new Error("no IdP")),
      privateKey: settings.signing?.key,
      publicCert: settings.signing?.cert,
      signatureAlgorithm: "sha256",
      decryptionPvk: decryption?.key,
      wantAssertionsSigned: settings.wantAssertionsSigned,
      wantAuthnResponseSigned: settings.wantResponseSigned,
      acceptedClockSkewMs: settings.acceptedTimeDiffMs,
      validateInResponseTo: settings.allowUnsolicited ? nodeSaml().ValidateInResponseTo.ifPresent : nodeSaml().ValidateInResponseTo.always,
      requestIdExpirationPeriodMs: settings.sessionLifetimeMs,
      identifierFormat: TRANSIENT,
      disableRequestedAuthnContext: true,
      generateUniqueId: () => `_${takeRandomBytes(20).toString("hex")}`,
      cacheProvider,
    };
  }

  /** SP metadata for the IdP's administrator: entity ID, ACS (HTTP-POST), our certificates. */
  metadataXml(): string {
    const saml = new (nodeSaml().SAML)(this.samlOptions(null, new SamlRequestStore(this.settings.sessionLifetimeMs)));
    return saml.generateServiceProviderMetadata(this.settings.encryption[0]?.cert ?? null, this.settings.signing?.cert ?? null);
  }

  /** The IdP URL with an AuthnRequest (HTTP-Redirect); the request is remembered server-side. */
  async authnRequestUrl(clientRedirectUrl: string, uiAuthSessionId?: string): Promise<string> {
    const idp = await this.identityProvider();
    await expireOldRequests();
    const store = new SamlRequestStore(this.settings.sessionLifetimeMs, { clientRedirectUrl, uiAuthSessionId: uiAuthSessionId ?? null });
    // RelayState is the client redirect URL, or "unused" for UI auth, as in Synapse.
    return new (nodeSaml().SAML)(this.samlOptions(idp, store)).getAuthorizeUrlAsync(uiAuthSessionId ? "unused" : clientRedirectUrl, undefined, {});
  }

  /**
   * Validates a POSTed SAMLResponse: signature (no wrapping), issuer, audience, time window, and
   * InResponseTo naming one of our outstanding requests, which is then used up. Throws SsoError.
   */
  async validateResponse(samlResponseBase64: string): Promise<ValidatedSamlResponse> {
    const idp = await this.identityProvider();
    const store = new SamlRequestStore(this.settings.sessionLifetimeMs);
    let profile: Profile | null;
    try {
      ({ profile } = await new (nodeSaml().SAML)(this.samlOptions(idp, store)).validatePostResponseAsync({ SAMLResponse: samlResponseBase64 }));
    } catch (error) {
      throw describeValidationError(error);
    }
    if (!profile || typeof profile.getAssertionXml !== "function") throw new SsoError("invalid_response", "Unable to parse SAML2 response.");

    const inResponseTo = typeof profile.inResponseTo === "string" ? profile.inResponseTo : null;
    let request: OutstandingSamlRequest | null = null;
    if (inResponseTo !== null) {
      request = store.found;
      // Used up here, atomically: of two deliveries of one response only the first gets through.
      if (!request || request.id !== inResponseTo || !(await consumeRequest(inResponseTo))) {
        logger.warn(`SAML2 response for an unknown or used request ${inResponseTo}`);
        throw new SsoError("unsolicited_response", "Unexpected SAML2 login.");
      }
    } else if (!this.settings.allowUnsolicited) {
      throw new SsoError("unsolicited_response", "Unexpected SAML2 login.");
    }

    let ava: Record<string, string[]>;
    try {
      ava = attributeValues(profile.getAssertionXml());
    } catch (error) {
      throw describeValidationError(error);
    }
    return {
      samlResponse: {
        ava,
        nameId: profile.nameID ?? null,
        issuer: profile.issuer ?? null,
        inResponseTo,
        sessionIndex: profile.sessionIndex ?? null,
      },
      request,
    };
  }
}

/** The `saml` identity provider of this config, or null when saml2_config is not enabled. */
export const samlProviderFor = perConfig((config): SamlIdentityProvider | null => {
  const settings = parseSamlConfig(config);
  return settings ? new SamlIdentityProvider(settings, config) : null;
});

