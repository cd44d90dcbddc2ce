// The default SAML mapping provider, Synapse's DefaultSamlMappingProvider (synapse/handlers/saml.py),
// written against the same interface as custom modules.
import { ConfigError } from "../../config/load-config";
import { logger } from "../../logging/logger";
import { mapUsernameToLocalpart } from "../../matrix/identifiers";
import { MappingError } from "../errors";
import type { ModuleConfig, SamlAttributeSets, SamlMappingProvider, SamlMappingProviderModule, SamlResponse, SamlUserAttributes } from "../types";

/**
 * dotreplace, Synapse's dot_replace_for_mxid: lower-case, every character a localpart may not have
 * becomes ".", one leading "_" goes. Synapse works on the Python string, so the lower-casing is
 * Unicode's (as toLowerCase: "K" KELVIN SIGN becomes "k") and the replacement is per code point:
 * the "u" flag makes an emoji one ".", not one per UTF-16 half.
 */
export function dotReplaceForMxid(username: string): string {
  return username
    .toLowerCase()
    .replace(/[^a-z0-9._=\-/+]/gu, ".")
    .replace(/^_/, "");
}

const MXID_MAPPERS: Record<string, (username: string) => string> = {
  hexencode: (username) => mapUsernameToLocalpart(username),
  dotreplace: dotReplaceForMxid,
};

export interface DefaultSamlMappingConfig {
  mxidSourceAttribute: string;
  mxidMapping: "hexencode" | "dotreplace";
}

export class DefaultSamlMappingProvider implements SamlMappingProvider {
  static parseConfig(config: ModuleConfig): DefaultSamlMappingConfig {
    const source = config.mxid_source_attribute ?? "uid";
    if (typeof source !== "string" || source === "") {
      throw new ConfigError("saml2_config.user_mapping_provider.config.mxid_source_attribute: must be a string");
    }
    const mapping = config.mxid_mapping ?? "hexencode";
    if (typeof mapping !== "string" || !Object.hasOwn(MXID_MAPPERS, mapping)) {
      throw new ConfigError(`saml2_config.user_mapping_provider.config: '${String(mapping)}' is not a valid mxid_mapping value`);
    }
    return { mxidSourceAttribute: source, mxidMapping: mapping as DefaultSamlMappingConfig["mxidMapping"] };
  }

  static getSamlAttributes(config: DefaultSamlMappingConfig): SamlAttributeSets {
    return { required: new Set(["uid", config.mxidSourceAttribute]), optional: new Set(["displayName", "email"]) };
  }

  private readonly mapper: (username: string) => string;

  constructor(private readonly config: DefaultSamlMappingConfig) {
    this.mapper = MXID_MAPPERS[config.mxidMapping];
  }

  getRemoteUserId(samlResponse: SamlResponse): string {
    const uid = samlResponse.ava.uid?.[0];
    if (uid === undefined) {
      logger.warn("SAML2 response lacks a 'uid' attestation");
      throw new MappingError("'uid' not in SAML2 response");
    }
    return uid;
  }

  samlResponseToUserAttributes(samlResponse: SamlResponse, failures: number): SamlUserAttributes {
    const source = samlResponse.ava[this.config.mxidSourceAttribute]?.[0];
    // Synapse raises a plain error here, which the login core reports generically.
    if (source === undefined) throw new Error(`${this.config.mxidSourceAttribute} not in SAML2 response`);
    return {
      mxidLocalpart: this.mapper(source) + (failures ? String(failures) : ""),
      displayName: samlResponse.ava.displayName?.[0] ?? null,
      emails: samlResponse.ava.email ?? [],
    };
  }
}

DefaultSamlMappingProvider satisfies SamlMappingProviderModule<DefaultSamlMappingConfig>;
