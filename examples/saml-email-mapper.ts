// Example SAML mapping provider: the Matrix localpart comes from the email attribute of the SAML
// assertion (jane.doe@example.org → @jane.doe:your.server; jane.doe1… if taken), the remote user ID
// from `uid`. Use it from homeserver.yaml (it is loaded and checked at start-up):
//
//   saml2_config:
//     sp_config: { … }
//     user_mapping_provider:
//       module: ./examples/saml-email-mapper.ts
//       config:
//         email_attribute: mail      # default "email"
//         uid_attribute: uid         # default "uid"
import {
  MappingError,
  type ModuleApi,
  type ModuleConfig,
  type SamlAttributeSets,
  type SamlMappingProvider,
  type SamlMappingProviderModule,
  type SamlResponse,
  type SamlUserAttributes,
} from "../lib/modules";

export interface SamlEmailMapperConfig {
  emailAttribute: string;
  uidAttribute: string;
}

export default class SamlEmailMapper implements SamlMappingProvider {
  static parseConfig(config: ModuleConfig): SamlEmailMapperConfig {
    const attribute = (key: string, fallback: string) => {
      const value = config[key] ?? fallback;
      if (typeof value !== "string" || value === "") throw new Error(`${key} must be the name of a SAML attribute`);
      return value;
    };
    return { emailAttribute: attribute("email_attribute", "email"), uidAttribute: attribute("uid_attribute", "uid") };
  }

  /** What to ask the IdP for: the ID and email are needed, a display name is welcome. */
  static getSamlAttributes(config: SamlEmailMapperConfig): SamlAttributeSets {
    return { required: new Set([config.uidAttribute, config.emailAttribute]), optional: new Set(["displayName"]) };
  }

  constructor(
    private readonly config: SamlEmailMapperConfig,
    private readonly api: ModuleApi,
  ) {}

  getRemoteUserId(samlResponse: SamlResponse): string {
    const uid = samlResponse.ava[this.config.uidAttribute]?.[0];
    if (!uid) throw new MappingError(`'${this.config.uidAttribute}' not in SAML2 response`);
    return uid;
  }

  samlResponseToUserAttributes(samlResponse: SamlResponse, failures: number): SamlUserAttributes {
    const emails = (samlResponse.ava[this.config.emailAttribute] ?? []).map((email) => email.trim()).filter((email) => email.includes("@"));
    if (emails.length === 0) throw new MappingError("Your identity provider did not share an email address.");
    const local = emails[0].slice(0, emails[0].lastIndexOf("@")).toLowerCase();
    let localpart: string | null = local.replace(/[^a-z0-9._=\-/+]/g, "-").replace(/^_+/, "") || null;
    if (localpart !== null && failures > 0) localpart += String(failures);
    return { mxidLocalpart: localpart, displayName: samlResponse.ava.displayName?.[0] ?? null, emails };
  }
}

SamlEmailMapper satisfies SamlMappingProviderModule<SamlEmailMapperConfig>;
