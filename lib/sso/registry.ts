// The identity-provider registry (Synapse's SsoHandler._identity_providers): every configured
// upstream IdP by its ID, in config order. Built once per config.
import { getConfig } from "../config/load-config";
import { perConfig } from "../config/per-config";
import type { HomeserverConfig } from "../config/schema";
import { modulesFor } from "../modules/load";
import { adaptOidcMapper } from "../modules/mapping";
import { consentConfigOf } from "../consent/consent-config";
import { ssoConfigOf } from "./config";
import { casProviderFor, type CasIdentityProvider } from "./providers/cas/cas-provider";
import { OidcIdentityProvider } from "./providers/oidc/oidc-provider";
import { samlProviderFor, type SamlIdentityProvider } from "./providers/saml/saml-provider";

export type IdentityProvider = OidcIdentityProvider | SamlIdentityProvider | CasIdentityProvider;

function buildRegistry(config: HomeserverConfig): Map<string, IdentityProvider> {
  const registry = new Map<string, IdentityProvider>();
  // Every provider's mapping provider — the built-in Jinja one or a custom module — was loaded once
  // at start-up (lib/modules); here it is only wrapped so that its answers are checked.
  const { oidcMappers } = modulesFor(config);
  for (const settings of ssoConfigOf(config).oidcProviders) {
    const mapper = oidcMappers.get(settings.id);
    if (!mapper) throw new Error(`no mapping provider was loaded for ${settings.id}`);
    registry.set(settings.id, new OidcIdentityProvider(settings, config, adaptOidcMapper(mapper.name, mapper.instance), mapper.name));
  }
  // SAML ("saml") and CAS ("cas") after OIDC. Their SAML mapping provider comes from lib/modules too.
  const saml = samlProviderFor(config);
  if (saml) registry.set(saml.id, saml);
  const cas = casProviderFor(config);
  if (cas) registry.set(cas.id, cas);
  // New SSO accounts may have to agree to the policy: a user_consent section that points at no
  // policy file stops start-up here, with the IdPs, rather than at the first sign-up.
  consentConfigOf(config);
  return registry;
}

export const identityProviderRegistry = perConfig(buildRegistry);

export function identityProviders(config: HomeserverConfig = getConfig()): IdentityProvider[] {
  return [...identityProviderRegistry(config).values()];
}

export function findIdentityProvider(id: string, config: HomeserverConfig = getConfig()): IdentityProvider | undefined {
  return identityProviderRegistry(config).get(id);
}

/** An IdP icon as an image URL for the pages: https as is, mxc:// through the media repository. */
export function iconUrlOf(icon: string | undefined, config: HomeserverConfig, size: number): string | undefined {
  if (!icon) return undefined;
  if (icon.startsWith("https://")) return icon;
  const match = /^mxc:\/\/([^/]+)\/([^/#]+)/.exec(icon);
  if (!match) return undefined;
  return `${config.public_baseurl}_matrix/media/v1/thumbnail/${match[1]}/${match[2]}?width=${size}&height=${size}&method=crop`;
}
