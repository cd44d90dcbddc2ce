// The CAS identity provider (Synapse's CasHandler): the
// redirect to the CAS login page, and ticket validation at serviceValidate (CAS 2.0/3.0 XML, read
// with a namespace-aware XML parser).
import { perConfig } from "../../../config/per-config";
import type { Element } from "@xmldom/xmldom";
import { z } from "zod";
import type { HomeserverConfig } from "../../../config/schema";
import { logger } from "../../../logging/logger";
import { idpBrandSchema, idpIconSchema, invalidSsoConfig, type AttributeRequirement } from "../../config";
import { SsoError } from "../../sso-error";
import { xmldom } from "../xml-libraries";

export const CAS_IDP_ID = "cas";
export const CAS_TICKET_PATH = "_matrix/client/r0/login/cas/ticket";
const CAS_NS = "http://www.yale.edu/tp/cas";
const VALIDATE_TIMEOUT_MS = 10_000;
/** A CAS validation answer is a few kB. */
const MAX_VALIDATION_BYTES = 256 * 1024;

const casSectionSchema = z
  .object({
    enabled: z.boolean().default(true),
    server_url: z.string({ error: "is required" }).url(),
    protocol_version: z
      .union([z.literal(1), z.literal(2), z.literal(3), z.null()], { error: "Unsupported CAS protocol version (expected 1, 2, 3 or null)" })
      .default(null),
    displayname_attribute: z.string().min(1).nullable().default(null),
    required_attributes: z
      .record(z.string(), z.union([z.string(), z.array(z.string()), z.null()]), { error: "must map attribute names to a value, a list of values or null" })
      .nullable()
      .default({}),
    enable_registration: z.boolean().default(true),
    allow_numeric_ids: z.boolean().default(false),
    numeric_ids_prefix: z.string().regex(/^[A-Za-z0-9]+$/, "must be alphanumeric").default("u"),
    idp_name: z.string().min(1).default("CAS"),
    idp_icon: idpIconSchema.optional(),
    idp_brand: idpBrandSchema.optional(),
  })
  .passthrough();

export interface CasConfig {
  serverUrl: string;
  protocolVersion: 1 | 2 | 3 | null;
  displaynameAttribute: string | null;
  requirements: AttributeRequirement[];
  enableRegistration: boolean;
  numericIdsPrefix: string | null;
  idpName: string;
  idpIcon?: string;
  idpBrand?: string;
}

/** Synapse: enabled iff the section is present and `enabled` is not false. */
export function parseCasConfig(config: HomeserverConfig): CasConfig | null {
  const section = config.cas_config;
  if (!section || section.enabled === false) return null;
  const result = casSectionSchema.safeParse(section);
  if (!result.success) {
    throw invalidSsoConfig(result.error, "cas_config");
  }
  const cas = result.data;
  // required_attributes (legacy form of attribute_requirements): a value, any of a list, or null for presence.
  const requirements = Object.entries(cas.required_attributes ?? {}).map(([attribute, value]): AttributeRequirement =>
    value === null ? { attribute } : Array.isArray(value) ? { attribute, one_of: value } : { attribute, value },
  );
  return {
    serverUrl: cas.server_url.replace(/\/+$/, ""),
    protocolVersion: cas.protocol_version,
    displaynameAttribute: cas.displayname_attribute,
    requirements,
    enableRegistration: cas.enable_registration,
    numericIdsPrefix: cas.allow_numeric_ids ? cas.numeric_ids_prefix : null,
    idpName: cas.idp_name,
    idpIcon: cas.idp_icon,
    idpBrand: cas.idp_brand,
  };
}

/** A validated ticket: the CAS user name and its attributes (namespaces stripped, multi-valued). */
export interface CasResponse {
  username: string;
  attributes: Record<string, string[]>;
}

const childElements = (element: Element): Element[] =>
  Array.from(element.childNodes).filter((node): node is Element => node.nodeType === 1);

/** Reads a serviceValidate answer; refusals and malformed answers throw SsoError (status 401, as Synapse). */
export function parseCasValidationResponse(body: string): CasResponse {
  let root: Element | null;
  try {
    root = new (xmldom().DOMParser)({
      onError: (level, message) => {
        if (level !== "warning") throw new Error(message);
      },
    }).parseFromString(body, "text/xml").documentElement;
  } catch (error) {
    logger.warn(`CAS: malformed validation response: ${(error as Error).message}`);
    throw new SsoError("invalid_response", "The CAS server sent a response that could not be read.", 401);
  }
  if (!root || root.localName !== "serviceResponse" || root.namespaceURI !== CAS_NS) {
    throw new SsoError("missing_service_response", "root of CAS response is not serviceResponse", 401);
  }
  const success = childElements(root)[0];
  if (!success || success.localName !== "authenticationSuccess" || success.namespaceURI !== CAS_NS) {
    const failure = childElements(root).find((element) => element.localName === "authenticationFailure");
    if (failure) logger.info(`CAS: ticket refused: ${failure.getAttribute("code")} ${(failure.textContent ?? "").trim()}`);
    // Synapse's identifier, typo included.
    throw new SsoError("unsucessful_response", "Unsuccessful CAS response", 401);
  }
  let username: string | null = null;
  const attributes: Record<string, string[]> = {};
  for (const child of childElements(success)) {
    if (child.localName === "user") username = (child.textContent ?? "").trim();
    if (child.localName === "attributes") {
      for (const attribute of childElements(child)) {
        if (!attribute.localName) continue;
        (attributes[attribute.localName] ??= []).push(attribute.textContent ?? "");
      }
    }
  }
  if (!username) throw new SsoError("no_user", "CAS response does not contain user", 401);
  return { username, attributes };
}

export class CasIdentityProvider {
  readonly protocol = "cas" as const;
  readonly id = CAS_IDP_ID;

  constructor(
    readonly settings: CasConfig,
    private readonly homeserver: HomeserverConfig,
  ) {}

  get name(): string {
    return this.settings.idpName;
  }
  get icon(): string | undefined {
    return this.settings.idpIcon;
  }
  get brand(): string | undefined {
    return this.settings.idpBrand;
  }

  /** `<public_baseurl>_matrix/client/r0/login/cas/ticket?redirectUrl=…` (or `?session=…` for UI auth). */
  serviceUrl(args: { redirectUrl?: string | null; session?: string | null }): string {
    const query = new URLSearchParams();
    if (args.redirectUrl != null) query.set("redirectUrl", args.redirectUrl);
    if (args.session != null) query.set("session", args.session);
    return `${this.homeserver.public_baseurl}${CAS_TICKET_PATH}?${query}`;
  }

  loginUrl(service: string): string {
    return `${this.settings.serverUrl}/login?${new URLSearchParams({ service })}`;
  }

  /** Validates a service ticket at the CAS server. Every failure is an SsoError for the error page. */
  async validateTicket(ticket: string, service: string): Promise<CasResponse> {
    const path = this.settings.protocolVersion === 3 ? "/p3/serviceValidate" : "/serviceValidate";
    const url = `${this.settings.serverUrl}${path}?${new URLSearchParams({ ticket, service })}`;
    let response: Response;
    let body: string;
    try {
      response = await fetch(url, { signal: AbortSignal.timeout(VALIDATE_TIMEOUT_MS), redirect: "error" });
      body = await response.text();
    } catch (error) {
      logger.warn("CAS: the server could not be reached to validate a ticket", error);
      throw new SsoError("server_error", "The CAS server could not be reached.", 502);
    }
    if (!response.ok) {
      throw new SsoError(
        "server_error",
        `Authorization server responded with a "${response.status}" error while exchanging the authorization code.`,
        401,
      );
    }
    if (body.length > MAX_VALIDATION_BYTES) throw new SsoError("invalid_response", "The CAS server's response is too large.", 401);
    const result = parseCasValidationResponse(body);
    if (this.settings.numericIdsPrefix && /^[0-9]+$/.test(result.username)) {
      result.username = `${this.settings.numericIdsPrefix}${result.username}`;
    }
    return result;
  }
}

/** The `cas` identity provider of this config, or null when cas_config is not enabled. */
export const casProviderFor = perConfig((config): CasIdentityProvider | null => {
  const settings = parseCasConfig(config);
  return settings ? new CasIdentityProvider(settings, config) : null;
});
