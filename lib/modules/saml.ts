// The SAML mapping provider, for the SAML flow (lib/sso/providers/saml): it asks the IdP for
// `requiredAttributes`/`optionalAttributes`, and hands the login core (completeSsoLoginRequest)
// `getRemoteUserId` and `(failures) => mapUserAttributes(…)`.
import { getConfig } from "../config/load-config";
import type { HomeserverConfig } from "../config/schema";
import { modulesFor } from "./load";
import { adaptSamlMapper, type SamlMapper } from "./mapping";

const adapters = new WeakMap<object, SamlMapper>();

/** The configured SAML mapping provider (built-in default or custom), or null when SAML is not enabled. */
export function samlMapperFor(config: HomeserverConfig = getConfig()): SamlMapper | null {
  const loaded = modulesFor(config).samlMapper;
  if (!loaded) return null;
  let adapter = adapters.get(loaded);
  if (!adapter) {
    adapter = adaptSamlMapper(loaded.name, loaded.instance, { required: loaded.required, optional: loaded.optional });
    adapters.set(loaded, adapter);
  }
  return adapter;
}
