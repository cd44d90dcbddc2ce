// A test SAML mapping provider that never proposes a localpart, so every new user picks one.
import type { SamlAttributeSets, SamlMappingProvider, SamlMappingProviderModule, SamlResponse, SamlUserAttributes } from "../../lib/modules";

export default class NoLocalpartSamlMapper implements SamlMappingProvider {
  static getSamlAttributes(): SamlAttributeSets {
    return { required: new Set(["uid"]), optional: new Set(["displayName"]) };
  }

  getRemoteUserId(samlResponse: SamlResponse): string {
    return samlResponse.ava.uid[0];
  }

  samlResponseToUserAttributes(samlResponse: SamlResponse): SamlUserAttributes {
    return { mxidLocalpart: null, displayName: samlResponse.ava.displayName?.[0] ?? null };
  }
}

NoLocalpartSamlMapper satisfies SamlMappingProviderModule;
