// A test SAML mapping provider that always proposes the localpart from its config, ignoring
// `failures`: an admin's naming policy the service must not override.
import type { ModuleConfig, SamlAttributeSets, SamlMappingProvider, SamlMappingProviderModule, SamlResponse, SamlUserAttributes } from "../../lib/modules";

interface FixedConfig {
  localpart: string;
}

export default class FixedLocalpartSamlMapper implements SamlMappingProvider {
  static parseConfig(config: ModuleConfig): FixedConfig {
    if (typeof config.localpart !== "string") throw new Error("localpart must be a string");
    return { localpart: config.localpart };
  }

  static getSamlAttributes(): SamlAttributeSets {
    return { required: new Set(["uid"]), optional: new Set(["displayName"]) };
  }

  constructor(private readonly config: FixedConfig) {}

  getRemoteUserId(samlResponse: SamlResponse): string {
    return samlResponse.ava.uid[0];
  }

  samlResponseToUserAttributes(samlResponse: SamlResponse): SamlUserAttributes {
    return { mxidLocalpart: this.config.localpart, displayName: samlResponse.ava.displayName?.[0] ?? null };
  }
}

FixedLocalpartSamlMapper satisfies SamlMappingProviderModule<FixedConfig>;
