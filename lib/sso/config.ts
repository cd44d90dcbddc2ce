// The SSO sections of homeserver.yaml — `oidc_providers` (and the legacy single `oidc_config`) and
// `sso` — with Synapse's keys and defaults. Parsed once per config
// at start-up; a bad value stops start-up with the key and what is expected.
import { readFileSync } from "node:fs";
import path from "node:path";
import { z } from "zod";
import { configIssueLines } from "../config/config-issues";
import { ConfigError } from "../config/load-config";
import { perConfig } from "../config/per-config";
import type { HomeserverConfig } from "../config/schema";

// How an identity provider is shown on the picker and to clients: the same `idp_icon` and
// `idp_brand` rules in every SSO section (oidc_providers, saml2_config, cas_config), as in Synapse.
export const idpIconSchema = z
  .string()
  .refine((value) => /^mxc:\/\/[^/]+\/[^/]+$/.test(value) || /^https:\/\//.test(value), "must be an mxc:// URI or an https:// URL");
export const idpBrandSchema = z.string().min(1).max(255).regex(/^[a-z][a-z0-9_.-]*$/, "must match ^[a-z][a-z0-9_.-]*$");

export const attributeRequirementSchema = z.object({
  attribute: z.string().min(1),
  value: z.string().optional(),
  one_of: z.array(z.string()).optional(),
});
export type AttributeRequirement = z.infer<typeof attributeRequirementSchema>;

const userMappingProviderSchema = z
  .object({ module: z.string().optional(), config: z.record(z.string(), z.unknown()).default({}) })
  .default({ config: {} });

const oidcProviderSchema = z
  .object({
    idp_id: z
      .string()
      .min(1)
      .max(250)
      .regex(/^[A-Za-z0-9._~-]+$/, "must only contain A-Z, a-z, 0-9, '.', '_', '~' and '-'"),
    idp_name: z.string().min(1),
    idp_icon: idpIconSchema.optional(),
    idp_brand: idpBrandSchema.optional(),
    discover: z.boolean().default(true),
    issuer: z.string().url(),
    client_id: z.string().min(1),
    client_secret: z.string().optional(),
    client_secret_path: z.string().optional(),
    client_secret_jwt_key: z
      .object({
        key: z.string().optional(),
        key_file: z.string().optional(),
        jwt_header: z.record(z.string(), z.unknown()).default({}),
        jwt_payload: z.record(z.string(), z.unknown()).default({}),
      })
      .optional(),
    client_auth_method: z
      .enum(["client_secret_basic", "client_secret_post", "client_secret_jwt", "private_key_jwt", "none"])
      .optional(),
    pkce_method: z.enum(["auto", "always", "never"]).default("auto"),
    scopes: z.array(z.string()).default(["openid"]),
    authorization_endpoint: z.string().url().optional(),
    token_endpoint: z.string().url().optional(),
    userinfo_endpoint: z.string().url().optional(),
    jwks_uri: z.string().url().optional(),
    id_token_signing_alg_values_supported: z.array(z.string()).optional(),
    skip_verification: z.boolean().default(false),
    user_profile_method: z.enum(["auto", "userinfo_endpoint"]).default("auto"),
    redirect_uri: z.string().url().optional(),
    additional_authorization_parameters: z.record(z.string(), z.string()).default({}),
    passthrough_authorization_parameters: z.array(z.string()).default([]),
    allow_existing_users: z.boolean().default(false),
    enable_registration: z.boolean().default(true),
    attribute_requirements: z.array(attributeRequirementSchema).default([]),
    backchannel_logout_enabled: z.boolean().default(false),
    backchannel_logout_ignore_sub: z.boolean().default(false),
    user_mapping_provider: userMappingProviderSchema,
  })
  .passthrough();

const ssoSectionSchema = z
  .object({
    client_whitelist: z.array(z.string()).default([]),
    update_profile_information: z.boolean().default(false),
  })
  .passthrough()
  .default({ client_whitelist: [], update_profile_information: false });

export type OidcProviderConfig = z.infer<typeof oidcProviderSchema> & {
  /** The registry ID: "oidc-<idp_id>", or "oidc" for the legacy single provider. */
  id: string;
  clientAuthMethod: "client_secret_basic" | "client_secret_post" | "client_secret_jwt" | "private_key_jwt" | "none";
  /** The secret, read from client_secret_path if that was given. */
  secret?: string;
};

export interface SsoConfig {
  oidcProviders: OidcProviderConfig[];
  clientWhitelist: string[];
  updateProfileInformation: boolean;
}

/** The start-up error for an invalid SSO section (oidc_providers, saml2_config, cas_config, sso). */
export function invalidSsoConfig(error: z.ZodError, prefix: string): ConfigError {
  return new ConfigError(`Invalid SSO config:\n  ${configIssueLines(error, { prefix }).join("\n  ")}`);
}

function parseOidcProvider(raw: unknown, key: string, configDir: string, legacy: boolean): OidcProviderConfig {
  const input = legacy
    ? { idp_id: "oidc", idp_name: "OIDC", ...(raw as Record<string, unknown>) }
    : raw;
  const result = oidcProviderSchema.safeParse(input);
  if (!result.success) throw invalidSsoConfig(result.error, key);
  const provider = result.data;
  if (provider.client_secret !== undefined && provider.client_secret_path !== undefined) {
    throw new ConfigError(`${key}: Cannot specify both client_secret and client_secret_path`);
  }
  let secret = provider.client_secret;
  if (provider.client_secret_path !== undefined) {
    try {
      secret = readFileSync(path.resolve(configDir, provider.client_secret_path), "utf8").replace(/\r?\n$/, "");
    } catch (error) {
      throw new ConfigError(`${key}.client_secret_path: cannot read ${provider.client_secret_path}: ${(error as Error).message}`);
    }
  }
  const hasSecret = secret !== undefined || provider.client_secret_jwt_key !== undefined;
  if (provider.client_auth_method === "private_key_jwt" && provider.client_secret_jwt_key === undefined) {
    throw new ConfigError(`${key}: client_auth_method private_key_jwt needs client_secret_jwt_key (key or key_file, jwt_header.alg and kid)`);
  }
  const clientAuthMethod = provider.client_auth_method ?? (hasSecret ? "client_secret_basic" : "none");
  if (!hasSecret && clientAuthMethod !== "none") {
    throw new ConfigError(
      `${key}: No 'client_secret' is set in OIDC config, and 'client_auth_method' is not set to 'none'`,
    );
  }
  // Synapse keeps exactly "oidc" as is, so users of the legacy oidc_config keep their links.
  const id = provider.idp_id === "oidc" ? "oidc" : `oidc-${provider.idp_id}`;
  return { ...provider, id, clientAuthMethod, secret };
}

export function parseSsoConfig(config: HomeserverConfig): SsoConfig {
  const providers: OidcProviderConfig[] = [];
  (config.oidc_providers ?? []).forEach((raw, index) => {
    providers.push(parseOidcProvider(raw, `oidc_providers.${index}`, config.configDir, false));
  });
  const legacy = config.oidc_config;
  if (legacy && legacy.enabled === true) {
    const { enabled: _enabled, ...rest } = legacy;
    providers.push(parseOidcProvider(rest, "oidc_config", config.configDir, true));
  }
  const seen = new Set<string>();
  for (const provider of providers) {
    if (seen.has(provider.id)) throw new ConfigError(`Multiple OIDC providers have the idp_id '${provider.idp_id}'.`);
    seen.add(provider.id);
  }
  const sso = ssoSectionSchema.safeParse(config.sso ?? undefined);
  if (!sso.success) throw invalidSsoConfig(sso.error, "sso");
  return {
    oidcProviders: providers,
    // The login fallback page is always trusted, as in Synapse; so is the root page's own end page
    // (lib/pages/landing-pages.ts), where a login started on this server without a client ends; and
    // the sign-in page's own return (lib/web-session/sign-in.ts), which is bound to the browser.
    clientWhitelist: [
      ...sso.data.client_whitelist,
      `${config.public_baseurl}_matrix/static/client/login`,
      `${config.public_baseurl}signed-in`,
      `${config.public_baseurl}sign-in/sso`,
    ],
    updateProfileInformation: sso.data.update_profile_information,
  };
}

export const ssoConfigOf = perConfig(parseSsoConfig);
