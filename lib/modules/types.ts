// The extension-module interfaces, for module authors (README "Writing modules"). Everything a
// module implements or receives is typed here; `lib/modules/index.ts` re-exports it with the two
// error classes.
//
// A module is a class. Its optional static `parseConfig(config)` validates the `config` object
// from homeserver.yaml and returns what the constructor receives; it runs once at start-up, and
// anything it throws stops start-up with its message and the config path. The constructor gets
// `(parsedConfig, api)`. Declare a class with `satisfies` to have its static side checked too:
//
//   export default class MyMapper { static parseConfig(raw: ModuleConfig): MyConfig {…} … }
//   MyMapper satisfies OidcMappingProviderModule<MyConfig>;

import type { OidcMappingProvider, OidcTokenSet, OidcUserinfo, UserAttributes } from "../sso/mapping/types";
import type { MappingError, RedirectError } from "./errors";

export type { OidcMappingProvider, OidcTokenSet, OidcUserinfo, UserAttributes };

/** The `config` object of a module entry in homeserver.yaml (`{}` when absent or null). */
export type ModuleConfig = Record<string, unknown>;

/** The static side every module class shares. */
export interface ModuleClass<Parsed, Instance> {
  /** Validates `config`; throw (any Error) to refuse it. Absent: the constructor gets the raw `config`. */
  parseConfig?(config: ModuleConfig): Parsed;
  new (parsedConfig: Parsed, api: ModuleApi): Instance;
}

// ---------------------------------------------------------------------------------------------
// The API handed to every module
// ---------------------------------------------------------------------------------------------

export interface ModuleLogger {
  info(message: string): void;
  warn(message: string, error?: unknown): void;
  error(message: string, error?: unknown): void;
}

export interface ModuleApi {
  /** The homeserver's `server_name`. */
  readonly serverName: string;
  /** The homeserver's `public_baseurl`, with a trailing slash. */
  readonly publicBaseUrl: string;
  /** Log lines prefixed with the module's name. */
  readonly logger: ModuleLogger;
  /** The error classes, for modules that cannot import this file (e.g. installed as a package). */
  readonly MappingError: typeof MappingError;
  readonly RedirectError: typeof RedirectError;
  /** `@localpart:server_name` for a localpart; a string starting with "@" is returned as it is. */
  getQualifiedUserId(usernameOrUserId: string): string;
  /**
   * The canonical Matrix ID of an existing account (compared case-insensitively, as Synapse's
   * check_user_exists), or null if there is none or several match only inexactly.
   */
  checkUserExists(userId: string): Promise<string | null>;
  /**
   * Registers an account without a password and returns its Matrix ID. The localpart gets the same
   * validation as any registration; a taken or invalid one rejects (M_USER_IN_USE, M_INVALID_USERNAME).
   * The display name defaults to the localpart; `emails` are bound as validated addresses.
   */
  registerUser(localpart: string, displayName?: string | null, emails?: string[]): Promise<string>;
  /** Registers password auth provider callbacks (see PasswordAuthProviderCallbacks). */
  registerPasswordAuthProviderCallbacks(callbacks: PasswordAuthProviderCallbacks): void;
}

// ---------------------------------------------------------------------------------------------
// Mapping providers
// ---------------------------------------------------------------------------------------------

/**
 * An OIDC mapping provider class, named by `user_mapping_provider.module` under an OIDC provider.
 * Instances implement OidcMappingProvider:
 *  - `getRemoteUserId(userinfo)`: the stable upstream ID (usually `sub`);
 *  - `mapUserAttributes(userinfo, token, failures)`: what a new user gets. It is called again with
 *    failures = 1, 2, … (up to 1000 calls) while the proposed localpart is taken;
 *  - optional `getExtraAttributes(userinfo, token)`: JSON merged into the client's /login response.
 * Throw MappingError to show a message to the person, RedirectError to send the browser elsewhere;
 * anything else becomes "Could not extract user attributes from SSO response." (and is logged).
 */
export type OidcMappingProviderModule<Parsed = ModuleConfig> = ModuleClass<Parsed, OidcMappingProvider>;

/** A SAML assertion as the mapping provider sees it. */
export interface SamlResponse {
  /** Attribute → values (pysaml2's `ava`), by attribute friendly name. */
  ava: Record<string, string[]>;
  /** The subject's NameID, if the assertion has one. */
  nameId?: string | null;
  /** The IdP's entity ID. */
  issuer?: string | null;
  /** The ID of the AuthnRequest this answers. */
  inResponseTo?: string | null;
  /** The IdP session this assertion belongs to. */
  sessionIndex?: string | null;
}

/** What a SAML mapping provider proposes for a new user (Synapse's mxid_localpart / displayname / emails). */
export interface SamlUserAttributes {
  /** The proposed localpart; null sends the person to the username picker. */
  mxidLocalpart: string | null;
  /** Defaults to the localpart. */
  displayName?: string | null;
  emails?: string[];
}

/** The attributes a SAML mapping provider needs from the IdP, and those it uses when present. */
export interface SamlAttributeSets {
  required: Iterable<string>;
  optional: Iterable<string>;
}

export interface SamlMappingProvider {
  /** The stable upstream ID (commonly `ava.uid[0]`). */
  getRemoteUserId(samlResponse: SamlResponse, clientRedirectUrl: string): string | Promise<string>;
  /**
   * Attributes for a new user; called again with failures = 1, 2, … (up to 1000 calls) while the
   * localpart is taken. May throw MappingError or RedirectError as the OIDC mappers do.
   */
  samlResponseToUserAttributes(
    samlResponse: SamlResponse,
    failures: number,
    clientRedirectUrl: string,
  ): SamlUserAttributes | Promise<SamlUserAttributes>;
}

/** A SAML mapping provider class, named by `saml2_config.user_mapping_provider.module`. */
export interface SamlMappingProviderModule<Parsed = ModuleConfig> extends ModuleClass<Parsed, SamlMappingProvider> {
  /** Which SAML attributes to ask the IdP for (required and optional), from the parsed config. */
  getSamlAttributes(parsedConfig: Parsed): SamlAttributeSets;
}

// ---------------------------------------------------------------------------------------------
// Password auth provider callbacks (Synapse's docs/modules/password_auth_provider_callbacks.md)
// ---------------------------------------------------------------------------------------------

/** The body of a successful /login response, as the client receives it. */
export interface LoginResponse {
  user_id: string;
  access_token: string;
  device_id: string;
  home_server: string;
  expires_in_ms?: number;
  refresh_token?: string;
  [key: string]: unknown;
}

/** Called with the /login response after a login the module vouched for; awaited before the response is sent. */
export type LoginCallback = (response: LoginResponse) => void | Promise<void>;

/**
 * A checker's answer: the Matrix ID it vouches for (optionally with a LoginCallback), or null/undefined
 * for "not me". Accepted forms: "@u:server", `{ userId, callback }`, or Synapse's `[userId, callback]`.
 */
export type AuthResult =
  | string
  | { userId: string; callback?: LoginCallback | null }
  | readonly [string, (LoginCallback | null | undefined)?]
  | null
  | undefined;

/**
 * Checks a login of `loginType`. `username` is the client's `identifier.user` (or legacy `user`)
 * exactly as sent — it may be unqualified; `loginDict` holds only the declared fields.
 */
export type AuthChecker = (username: string, loginType: string, loginDict: Record<string, unknown>) => AuthResult | Promise<AuthResult>;

/** A login type a module handles, with the body fields it needs (all required). */
export interface AuthCheckerRegistration {
  fields: readonly string[];
  check: AuthChecker;
}

/** Checks a password login by third-party ID (`m.id.thirdparty`, e.g. an email address). */
export type Check3pidAuth = (medium: string, address: string, password: string) => AuthResult | Promise<AuthResult>;

export interface LoggedOutDetails {
  /**
   * SHA-256 of the access token, base64url-encoded: how this service stores tokens, so it is always known.
   * `accessToken` is only known for the token the logging-out request presented.
   */
  accessTokenHash: string;
}

/**
 * Called for every access token a logout deletes, once per ended session. `accessToken` is the token
 * itself where this request presented it (the token of /logout, and the caller's own token on
 * /logout/all); for the other tokens only their hash is known (tokens are stored hashed), so it is
 * null there — a deliberate difference from Synapse, which passes every token, for a safer token store.
 */
export type OnLoggedOut = (
  userId: string,
  deviceId: string | null,
  accessToken: string | null,
  details: LoggedOutDetails,
) => void | Promise<void>;

export interface PasswordAuthProviderCallbacks {
  /**
   * Login types and their checkers, keyed by login type: `{ "com.example.login": { fields:
   * ["my_field"], check } }`. Every type is offered by GET /login. Two modules may handle the same
   * type only with the same fields.
   */
  authCheckers?: Record<string, AuthCheckerRegistration>;
  check3pidAuth?: Check3pidAuth;
  onLoggedOut?: OnLoggedOut;
}

/** A module listed under `modules:`; its constructor calls `api.registerPasswordAuthProviderCallbacks`. */
export type AuthProviderModule<Parsed = ModuleConfig> = ModuleClass<Parsed, object>;

/**
 * A legacy module listed under `password_providers:` (Synapse's old interface). Every method is
 * optional; sync or async.
 *  - `checkPassword(userId, password)`: true to accept an m.login.password login. `userId` is qualified.
 *  - `getSupportedLoginTypes()` + `checkAuth(username, loginType, loginDict)`: custom login types.
 *  - `check3pidAuth(medium, address, password)`, `onLoggedOut(userId, deviceId, accessToken, details)`.
 */
export interface LegacyPasswordProvider {
  checkPassword?(userId: string, password: string): boolean | Promise<boolean>;
  getSupportedLoginTypes?(): Record<string, readonly string[]>;
  checkAuth?(username: string, loginType: string, loginDict: Record<string, unknown>): AuthResult | Promise<AuthResult>;
  check3pidAuth?(medium: string, address: string, password: string): AuthResult | Promise<AuthResult>;
  onLoggedOut?(userId: string, deviceId: string | null, accessToken: string | null, details: LoggedOutDetails): void | Promise<void>;
}

export type LegacyPasswordProviderModule<Parsed = ModuleConfig> = ModuleClass<Parsed, LegacyPasswordProvider>;
