// Reading the IdP's SAML metadata (an EntityDescriptor, or an EntitiesDescriptor listing several):
// its entity ID, the HTTP-Redirect single sign-on URL, and the certificates it signs with. Parsed
// with a namespace-aware XML parser; nothing here verifies signatures (node-saml does that).
import type { Element } from "@xmldom/xmldom";
import { xmldom } from "../xml-libraries";

const MD = "urn:oasis:names:tc:SAML:2.0:metadata";
const DS = "http://www.w3.org/2000/09/xmldsig#";
const HTTP_REDIRECT = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect";

export interface IdpDescriptor {
  entityId: string;
  ssoRedirectUrl: string;
  /** Signing certificates, base64 DER (as in the metadata). */
  signingCerts: string[];
}

function children(element: Element, namespace: string, name: string): Element[] {
  return Array.from(element.getElementsByTagNameNS(namespace, name));
}

function parseEntity(entity: Element): IdpDescriptor | null {
  const entityId = entity.getAttribute("entityID");
  const idp = children(entity, MD, "IDPSSODescriptor")[0];
  if (!entityId || !idp) return null;
  const sso = children(idp, MD, "SingleSignOnService").find((service) => service.getAttribute("Binding") === HTTP_REDIRECT);
  const location = sso?.getAttribute("Location");
  if (!location) throw new Error(`IdP ${entityId} has no SingleSignOnService with the HTTP-Redirect binding`);
  const signingCerts = children(idp, MD, "KeyDescriptor")
    .filter((descriptor) => {
      const use = descriptor.getAttribute("use");
      return !use || use === "signing";
    })
    .flatMap((descriptor) => children(descriptor, DS, "X509Certificate"))
    .map((cert) => (cert.textContent ?? "").replace(/\s+/g, ""))
    .filter((cert) => cert.length > 0);
  if (signingCerts.length === 0) throw new Error(`IdP ${entityId} publishes no signing certificate`);
  return { entityId, ssoRedirectUrl: location, signingCerts };
}

/** Every IdP described by one metadata document. Malformed XML or an unusable IdP entry throws. */
export function parseIdpMetadata(xml: string): IdpDescriptor[] {
  const doc = new (xmldom().DOMParser)({
    onError: (level, message) => {
      if (level !== "warning") throw new Error(`IdP metadata is not well-formed XML: ${message}`);
    },
  }).parseFromString(xml, "text/xml");
  const root = doc.documentElement;
  if (!root || root.namespaceURI !== MD) throw new Error("IdP metadata must be a SAML 2.0 EntityDescriptor or EntitiesDescriptor");
  const entities = root.localName === "EntityDescriptor" ? [root] : children(root, MD, "EntityDescriptor");
  return entities.map(parseEntity).filter((entity): entity is IdpDescriptor => entity !== null);
}

/** The IdP to use: the one with `idpEntityId`, or the only one there is. */
export function chooseIdp(idps: IdpDescriptor[], idpEntityId: string | undefined): IdpDescriptor {
  if (idpEntityId !== undefined) {
    const idp = idps.find((candidate) => candidate.entityId === idpEntityId);
    if (!idp) throw new Error(`idp_entityid '${idpEntityId}' is not in the IdP metadata`);
    return idp;
  }
  if (idps.length === 0) throw new Error("the SAML metadata describes no IdP");
  if (idps.length > 1) {
    throw new Error(`the SAML metadata describes several IdPs (${idps.map((idp) => idp.entityId).join(", ")}): set saml2_config.idp_entityid`);
  }
  return idps[0];
}

/** PEM from the base64 DER found in metadata. */
export function certToPem(base64: string): string {
  const lines = base64.match(/.{1,64}/g) ?? [];
  return `-----BEGIN CERTIFICATE-----\n${lines.join("\n")}\n-----END CERTIFICATE-----\n`;
}
