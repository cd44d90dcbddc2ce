// The mapping-provider interface: how an upstream identity becomes Matrix user attributes
// (Synapse's docs/sso_mapping_providers.md). Built-in mappers implement the same interface that
// custom modules do.

/** What a mapper proposes for a new user (Synapse's UserAttributes). */
export interface UserAttributes {
  /** The proposed localpart; null sends the user to the username picker. */
  localpart: string | null;
  displayName?: string | null;
  emails?: string[];
  picture?: string | null;
  /** Let the user confirm or change the proposed localpart on the username picker. */
  confirmLocalpart?: boolean;
}

/** The OIDC token response the mapper sees (as Synapse passes `token`). */
export type OidcTokenSet = Record<string, unknown>;

export type OidcUserinfo = Record<string, unknown>;

export interface OidcMappingProvider {
  /** The stable upstream ID of the user (the external ID stored with the link). */
  getRemoteUserId(userinfo: OidcUserinfo): string | Promise<string>;
  /**
   * Attributes for a new user. `failures` counts the proposals already refused as taken, so the
   * mapper can de-duplicate (john, john1, john2…).
   */
  mapUserAttributes(userinfo: OidcUserinfo, token: OidcTokenSet, failures: number): UserAttributes | Promise<UserAttributes>;
  /** Extra JSON merged into the client's /login response for this login. */
  getExtraAttributes?(userinfo: OidcUserinfo, token: OidcTokenSet): Record<string, unknown> | Promise<Record<string, unknown>>;
}

// The errors a mapper may raise on purpose. They are defined with the module API, branded so that
// they are recognised across the Next.js route bundles and the start-up process (see lib/modules/errors.ts).
export { MappingError, RedirectError } from "../../modules/errors";
