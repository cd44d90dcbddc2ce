// The loaded modules of this process. They are loaded once, at start-up, by server.ts (plain Node,
// outside the Next.js bundles) and published on globalThis, where every route bundle finds the
// same instances.
import type { HomeserverConfig } from "../config/schema";
import type { PasswordAuthRegistrations } from "./password-auth";
import type { OidcMappingProvider, SamlMappingProvider } from "./types";
import { processSlot } from "../runtime/process-state";

export interface LoadedModule<T = object> {
  /** The module as named in the config (or the built-in default). */
  name: string;
  /** Where in homeserver.yaml it is configured, e.g. "oidc_providers.0.user_mapping_provider". */
  keyPath: string;
  instance: T;
}

export interface LoadedModules {
  /** The config they were loaded for. */
  config: HomeserverConfig;
  /** OIDC mapping providers by identity-provider ID ("oidc-<idp_id>", or "oidc"). */
  oidcMappers: Map<string, LoadedModule<OidcMappingProvider>>;
  /** The SAML mapping provider when saml2_config is enabled, with the attributes it asked for. */
  samlMapper: (LoadedModule<SamlMappingProvider> & { required: Set<string>; optional: Set<string> }) | null;
  /** Modules under `modules:` and legacy `password_providers:`, in load order. */
  authProviders: LoadedModule[];
  /** What the modules registered through registerPasswordAuthProviderCallbacks. */
  passwordAuth: PasswordAuthRegistrations;
}

const modulesSlot = processSlot<LoadedModules>("modules");

export function publishModules(modules: LoadedModules | undefined): void {
  modulesSlot.set(modules);
}

export function publishedModules(): LoadedModules | undefined {
  return modulesSlot.get();
}
