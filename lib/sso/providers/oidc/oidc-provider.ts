// One upstream OpenID Connect (or plain OAuth 2.0) provider, as Synapse's OidcProvider: discovery
// and metadata, the authorization redirect with state, nonce and PKCE, and the callback's code
// exchange, ID-token validation and userinfo. All protocol work is openid-client's.
import { createHash } from "node:crypto";
import * as client from "openid-client";
import type { HomeserverConfig } from "../../../config/schema";
import { randomBase64Url } from "../../../crypto/random-pool";
import { logger } from "../../../logging/logger";
import type { OidcProviderConfig } from "../../config";
import type { OidcMappingProvider, OidcTokenSet, OidcUserinfo } from "../../mapping/types";
import { SsoError } from "../../sso-error";
import { JwtClientSecret } from "./client-secret-jwt";
import { privateKeyJwtAuth, privateKeyJwtSettings } from "./private-key-jwt";

export const OIDC_CALLBACK_PATH = "_synapse/client/oidc/callback";

/** What the browser must carry from the redirect to the callback (sealed in the oidc_session cookie). */
export interface OidcLoginState {
  idpId: string;
  state: string;
  /** Only for OpenID requests: `nonce` is an OpenID Connect parameter, which plain OAuth 2.0 servers may refuse. */
  nonce?: string;
  codeVerifier?: string;
  clientRedirectUrl: string;
  uiAuthSessionId?: string;
}

export interface OidcCallbackResult {
  userinfo: OidcUserinfo;
  token: OidcTokenSet;
  /** The ID token's `sid`, kept with the login for back-channel logout. */
  sessionId?: string;
}

const LOOPBACK_HOSTS = new Set(["127.0.0.1", "localhost", "[::1]"]);
/** How far ahead of our clock an ID token's iat may be (clock skew between us and the provider). */
const ID_TOKEN_CLOCK_SKEW_S = 60;

export class OidcIdentityProvider {
  readonly protocol = "oidc" as const;
  private configuration?: Promise<client.Configuration>;

  constructor(
    readonly settings: OidcProviderConfig,
    private readonly homeserver: HomeserverConfig,
    readonly mapper: OidcMappingProvider,
    /** The mapping provider's module as configured, for the admin's log when it proposes something unusable. */
    readonly mapperName = "the OIDC mapping provider",
  ) {
    if (settings.skip_verification) {
      logger.warn(`OIDC provider ${settings.id}: skip_verification is on. Never use this outside development.`);
    }
    // A missing or unreadable private key stops start-up, not the first login.
    if (settings.clientAuthMethod === "private_key_jwt") privateKeyJwtSettings(settings.client_secret_jwt_key, homeserver.configDir);
  }

  get id(): string {
    return this.settings.id;
  }
  get name(): string {
    return this.settings.idp_name;
  }
  get icon(): string | undefined {
    return this.settings.idp_icon;
  }
  get brand(): string | undefined {
    return this.settings.idp_brand;
  }

  get callbackUrl(): string {
    return this.settings.redirect_uri ?? `${this.homeserver.public_baseurl}${OIDC_CALLBACK_PATH}`;
  }

  /** Userinfo is the profile when `openid` is not requested or user_profile_method says so (Synapse). */
  get usesUserinfo(): boolean {
    return !this.settings.scopes.includes("openid") || this.settings.user_profile_method === "userinfo_endpoint";
  }

  private clientAuth(): client.ClientAuth {
    if (this.settings.clientAuthMethod === "private_key_jwt") {
      return privateKeyJwtAuth(privateKeyJwtSettings(this.settings.client_secret_jwt_key, this.homeserver.configDir));
    }
    if (this.settings.client_secret_jwt_key) return this.jwtClientSecretAuth();
    const secret = this.settings.secret;
    switch (this.settings.clientAuthMethod) {
      case "client_secret_post":
        return client.ClientSecretPost(secret);
      case "client_secret_jwt":
        return client.ClientSecretJwt(secret);
      case "none":
        return client.None();
      default:
        return client.ClientSecretBasic(secret);
    }
  }

  /** Sends the current JWT client secret (client_secret_jwt_key) the way client_auth_method says. */
  private jwtClientSecretAuth(): client.ClientAuth {
    const jwt = new JwtClientSecret(this.settings.client_secret_jwt_key!, this.settings.client_id, this.settings.issuer, this.homeserver.configDir);
    const post = this.settings.clientAuthMethod === "client_secret_post";
    // oauth4webapi awaits a client authentication that returns a promise.
    const authenticate = async (_as: unknown, metadata: client.ClientMetadata, body: URLSearchParams, headers: Headers) => {
      const secret = await jwt.get();
      if (post) {
        body.set("client_id", metadata.client_id);
        body.set("client_secret", secret);
      } else {
        const credentials = `${encodeURIComponent(metadata.client_id)}:${encodeURIComponent(secret)}`;
        headers.set("authorization", `Basic ${Buffer.from(credentials).toString("base64")}`);
      }
    };
    return authenticate as unknown as client.ClientAuth;
  }

  private async discover(): Promise<client.Configuration> {
    const settings = this.settings;
    const issuer = new URL(settings.issuer);
    const insecure = issuer.protocol === "http:" && (settings.skip_verification || LOOPBACK_HOSTS.has(issuer.hostname));
    const execute = insecure ? [client.allowInsecureRequests] : [];
    const clientMetadata: Partial<client.ClientMetadata> = {
      ...(settings.id_token_signing_alg_values_supported
        ? { id_token_signed_response_alg: settings.id_token_signing_alg_values_supported[0] }
        : {}),
    };
    let configuration: client.Configuration;
    if (settings.discover) {
      configuration = await client.discovery(issuer, settings.client_id, clientMetadata, this.clientAuth(), { execute });
    } else {
      configuration = new client.Configuration(
        { issuer: settings.issuer, authorization_endpoint: settings.authorization_endpoint, token_endpoint: settings.token_endpoint, userinfo_endpoint: settings.userinfo_endpoint, jwks_uri: settings.jwks_uri },
        settings.client_id,
        clientMetadata,
        this.clientAuth(),
      );
      for (const apply of execute) apply(configuration);
    }
    // Explicit endpoints in the config override discovered ones, as in Synapse.
    const metadata = configuration.serverMetadata() as client.ServerMetadata;
    for (const key of ["authorization_endpoint", "token_endpoint", "userinfo_endpoint", "jwks_uri"] as const) {
      const override = settings[key];
      if (override) (metadata as Record<string, unknown>)[key] = override;
    }
    if (!settings.skip_verification) this.validateMetadata(metadata);
    // ID tokens are verified against the provider's published keys (as Synapse does), not only
    // trusted for having come over the token endpoint's connection: a token with a forged or
    // tampered payload, or signed by any other key, is refused.
    if (metadata.jwks_uri) client.enableNonRepudiationChecks(configuration);
    return configuration;
  }

  private validateMetadata(metadata: client.ServerMetadata): void {
    const fail = (message: string) => {
      throw new Error(message);
    };
    if (!metadata.authorization_endpoint) fail("Missing 'authorization_endpoint' in metadata");
    if (!metadata.token_endpoint) fail("Missing 'token_endpoint' in metadata");
    const methods = metadata.token_endpoint_auth_methods_supported;
    if (methods && !methods.includes(this.settings.clientAuthMethod)) {
      fail(`Unsupported client_auth_method '${this.settings.clientAuthMethod}': the provider supports ${methods.join(", ")}`);
    }
    if (metadata.response_types_supported && !metadata.response_types_supported.includes("code")) {
      fail("The provider does not support the 'code' response type");
    }
    const pkce = metadata.code_challenge_methods_supported;
    if (pkce && this.settings.pkce_method !== "never" && !pkce.includes("S256")) {
      fail("'code_challenge_methods_supported' must include 'S256'");
    }
    if (this.usesUserinfo && !metadata.userinfo_endpoint) fail("Missing 'userinfo_endpoint' in metadata");
    if (!this.usesUserinfo && !metadata.jwks_uri) fail("Missing 'jwks_uri' in metadata");
  }

  /**
   * The provider's metadata, fetched once and cached. A failure is not cached, so the next login
   * retries; the person sees "provider unavailable" (503) as in Synapse.
   */
  async config(): Promise<client.Configuration> {
    this.configuration ??= this.discover().catch((error: unknown) => {
      this.configuration = undefined;
      logger.error(`OIDC provider ${this.id}: metadata could not be loaded`, error);
      throw new SsoError("provider_unavailable", "This login provider is currently unavailable on this homeserver.", 503);
    });
    return this.configuration;
  }

  /** Per discovered configuration: serverMetadata() returns a deep copy, too dear for every redirect. */
  private readonly pkceByConfiguration = new WeakMap<client.Configuration, boolean>();

  private usesPkce(configuration: client.Configuration): boolean {
    if (this.settings.pkce_method === "always") return true;
    if (this.settings.pkce_method === "never") return false;
    let uses = this.pkceByConfiguration.get(configuration);
    if (uses === undefined) {
      uses = configuration.serverMetadata().code_challenge_methods_supported?.includes("S256") ?? false;
      this.pkceByConfiguration.set(configuration, uses);
    }
    return uses;
  }

  /** The IdP URL to send the browser to, and the state the callback will need. */
  async authorizationRequest(
    clientRedirectUrl: string,
    passthrough: URLSearchParams,
    uiAuthSessionId?: string,
  ): Promise<{ url: URL; state: OidcLoginState }> {
    const configuration = await this.config();
    // State, nonce and PKCE verifier are 32 random bytes in base64url each, as openid-client's
    // randomState/randomNonce/randomPKCECodeVerifier make them, but drawn from the service's random
    // pool: one WebCrypto getRandomValues call per value, with the sealing IV's call, was 21.9 % of
    // this request's CPU (BENCHMARKS.md).
    const state: OidcLoginState = {
      idpId: this.id,
      state: randomBase64Url(32),
      ...(this.settings.scopes.includes("openid") ? { nonce: randomBase64Url(32) } : {}),
      clientRedirectUrl,
      ...(uiAuthSessionId ? { uiAuthSessionId } : {}),
    };
    const parameters: Record<string, string> = {
      ...this.settings.additional_authorization_parameters,
      response_type: "code",
      redirect_uri: this.callbackUrl,
      scope: this.settings.scopes.join(" "),
      state: state.state,
      ...(state.nonce ? { nonce: state.nonce } : {}),
    };
    for (const name of this.settings.passthrough_authorization_parameters) {
      const value = passthrough.get(name);
      if (value) parameters[name] = value;
    }
    if (this.usesPkce(configuration)) {
      state.codeVerifier = randomBase64Url(32);
      // RFC 7636's S256, BASE64URL(SHA256(verifier)), with Node's hash: the same value as
      // client.calculatePKCECodeChallenge, without a WebCrypto job on the thread pool per redirect.
      parameters.code_challenge = createHash("sha256").update(state.codeVerifier).digest("base64url");
      parameters.code_challenge_method = "S256";
    }
    return { url: client.buildAuthorizationUrl(configuration, parameters), state };
  }

  /**
   * Exchanges the code and establishes who the user is. `query` is the callback's parameters; they are
   * replayed against the registered callback URL, which is what the token request must name.
   */
  async completeAuthorization(query: URLSearchParams, state: OidcLoginState): Promise<OidcCallbackResult> {
    const configuration = await this.config();
    const currentUrl = new URL(this.callbackUrl);
    for (const [key, value] of query) currentUrl.searchParams.append(key, value);
    let tokens: Awaited<ReturnType<typeof client.authorizationCodeGrant>>;
    try {
      tokens = await client.authorizationCodeGrant(configuration, currentUrl, {
        expectedState: state.state,
        expectedNonce: state.nonce,
        pkceCodeVerifier: state.codeVerifier,
        idTokenExpected: !this.usesUserinfo,
      });
    } catch (error) {
      throw describeExchangeError(error);
    }
    const claims = tokens.claims();
    // A token issued in the future is refused, as Synapse's JWT validation does (openid-client
    // checks exp and nbf, not iat).
    if (claims && typeof claims.iat === "number" && claims.iat > Date.now() / 1000 + ID_TOKEN_CLOCK_SKEW_S) {
      throw new SsoError("invalid_token", "The identity provider's response could not be verified.");
    }
    const token = { ...tokens } as OidcTokenSet;
    if (!this.usesUserinfo) {
      if (!claims) throw new SsoError("invalid_token", "Missing id_token in token response");
      return { userinfo: { ...claims }, token, sessionId: typeof claims.sid === "string" ? claims.sid : undefined };
    }
    let userinfo: OidcUserinfo;
    try {
      userinfo = claims
        ? { ...(await client.fetchUserInfo(configuration, tokens.access_token, claims.sub)) }
        : await this.fetchPlainOAuthProfile(configuration, tokens.access_token);
    } catch (error) {
      logger.warn(`OIDC provider ${this.id}: userinfo request failed`, error);
      throw new SsoError("fetch_error", "Could not fetch your profile from the identity provider.");
    }
    return { userinfo, token, sessionId: typeof claims?.sid === "string" ? claims.sid : undefined };
  }

  /** A plain OAuth 2.0 provider (GitHub style): no ID token, and a profile endpoint without `sub`. */
  private async fetchPlainOAuthProfile(configuration: client.Configuration, accessToken: string): Promise<OidcUserinfo> {
    const endpoint = configuration.serverMetadata().userinfo_endpoint;
    if (!endpoint) throw new Error("no userinfo_endpoint");
    const headers = new Headers({ Accept: "application/json" });
    const response = await client.fetchProtectedResource(configuration, accessToken, new URL(endpoint), "GET", undefined, headers);
    if (!response.ok) throw new Error(`userinfo endpoint answered ${response.status}`);
    const body = (await response.json()) as unknown;
    if (body === null || typeof body !== "object" || Array.isArray(body)) throw new Error("userinfo is not a JSON object");
    return body as OidcUserinfo;
  }
}

/** Maps token-endpoint and validation failures to Synapse's error identifiers, without internals. */
function describeExchangeError(error: unknown): SsoError {
  if (error instanceof client.ResponseBodyError) {
    return new SsoError(error.error, error.error_description ?? error.error);
  }
  if (error instanceof client.AuthorizationResponseError) {
    return new SsoError(error.error, error.error_description ?? "");
  }
  const code = (error as { code?: string }).code;
  logger.warn("OIDC code exchange failed", error);
  if (code === "OAUTH_RESPONSE_IS_NOT_CONFORM" || code === "OAUTH_RESPONSE_IS_NOT_JSON") {
    return new SsoError("server_error", "The identity provider sent an unexpected response while exchanging the authorization code.");
  }
  if (typeof code === "string" && code.startsWith("OAUTH_")) {
    return new SsoError("invalid_token", "The identity provider's response could not be verified.");
  }
  return new SsoError("server_error", "The identity provider could not be reached.", 502);
}
