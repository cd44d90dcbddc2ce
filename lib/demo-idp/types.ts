// The shapes of the demo OpenID Provider (lib/demo-idp/provider.ts): what it is started with, what a
// running one offers, and the parts of the `oidc-provider` package it relies on (which ships no types).
import type http from "node:http";
import type { JWK, JWTPayload } from "jose";

// ---------------------------------------------------------------------------------------------------
// Public types

export interface DemoAccount {
  sub: string;
  password: string;
  /** e.g. preferred_username, name, email, email_verified, picture; any other key is released with the "profile" scope. */
  claims: Record<string, unknown>;
}

export interface OidcClientRegistration {
  client_id: string;
  client_secret?: string;
  redirect_uris: string[];
  token_endpoint_auth_method?: "client_secret_basic" | "client_secret_post" | "none" | "private_key_jwt" | "client_secret_jwt";
  id_token_signed_response_alg?: string;
  /** Needed for private_key_jwt (one of jwks / jwks_uri). */
  jwks?: { keys: JWK[] };
  jwks_uri?: string;
  client_name?: string;
  post_logout_redirect_uris?: string[];
  /** OpenID Connect Back-Channel Logout: where the provider posts logout tokens when a person signs out. */
  backchannel_logout_uri?: string;
  /** With it, ID tokens and logout tokens carry the session's `sid`. */
  backchannel_logout_session_required?: boolean;
}

export interface StartOidcProviderOptions {
  /** 0 or absent: a free port. */
  port?: number;
  accounts: DemoAccount[];
  clients: OidcClientRegistration[];
  /**
   * true: every authorization request must carry an S256 code_challenge; false: never required (still
   * honoured when sent); absent: required for public clients (token_endpoint_auth_method "none") only.
   */
  pkceRequired?: boolean;
}

/** The subset of an oidc-provider `Provider` instance this module relies on (the package has no types). */
export interface OidcProviderInstance {
  callback(): (req: http.IncomingMessage, res: http.ServerResponse) => void;
  interactionDetails(req: http.IncomingMessage, res: http.ServerResponse): Promise<InteractionDetails>;
  interactionFinished(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    result: Record<string, unknown>,
    options?: { mergeWithLastSubmission?: boolean },
  ): Promise<void>;
  Grant: GrantClass;
  Client: { find(clientId: string): Promise<{ clientId: string; clientName?: string } | undefined> };
  on(event: string, listener: (...args: unknown[]) => void): unknown;
}

export interface RunningOidcProvider {
  /** `http://127.0.0.1:<port>` (no trailing slash). */
  issuer: string;
  port: number;
  /** Endpoint URLs, as also published in discovery. */
  endpoints: {
    discovery: string;
    authorization: string;
    token: string;
    userinfo: string;
    jwks: string;
    endSession: string;
  };
  /** Public signing keys (what the jwks endpoint serves). */
  jwks: { keys: JWK[] };
  /** kid of the RSA key that signs ID tokens (RS256). */
  signingKid: string;
  /**
   * Signs arbitrary claims with the provider's RSA key (RS256, the kid above). iss defaults to the
   * issuer, iat to now and exp to an hour from now; pass them in `payload` to override (exp: null to omit).
   * Handy to forge ID tokens/logout tokens that verify against the provider's JWKS.
   */
  signJwt(payload: JWTPayload & { exp?: number | null }, header?: { typ?: string }): Promise<string>;
  accounts: DemoAccount[];
  clients: OidcClientRegistration[];
  /** The oidc-provider instance itself (events, Grant, Client, ...). */
  provider: OidcProviderInstance;
  stop(): Promise<void>;
}

// ---------------------------------------------------------------------------------------------------
// oidc-provider internals used here

export interface InteractionDetails {
  uid: string;
  prompt: { name: string; reasons?: string[]; details: Record<string, unknown> };
  params: Record<string, unknown> & { client_id: string; scope?: string; login_hint?: string };
  session?: { accountId: string };
  grantId?: string;
  lastSubmission?: Record<string, unknown>;
}

export interface GrantInstance {
  accountId: string;
  clientId: string;
  addOIDCScope(scope: string): void;
  addOIDCClaims(claims: string[]): void;
  addResourceScope(resource: string, scope: string): void;
  save(): Promise<string>;
}

export interface GrantClass {
  new (properties: { accountId: string; clientId: string }): GrantInstance;
  find(id: string): Promise<GrantInstance | undefined>;
}

export type ProviderConstructor = new (issuer: string, configuration: Record<string, unknown>) => OidcProviderInstance;
