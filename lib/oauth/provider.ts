// The OAuth 2.0 authorization server of the Matrix API (MSC2964 code grant with PKCE, MSC2965
// metadata, MSC2966 registration, MSC2967 scopes): the certified `oidc-provider` package, set up
// for the Matrix profile. It runs inside server.ts, beside Next.js (./node-handler.ts), and keeps
// everything in the database (./adapter.ts), so any number of processes can serve it.
//
// What the Matrix profile adds to oidc-provider, and where:
// - scopes: the device scope is dynamic; `getResourceServerInfo` checks the requested scope by the
//   Matrix rules (./scopes.ts) and makes every access token one for the Matrix API resource;
// - refresh tokens are issued without `offline_access` (Matrix clients never ask for it) and rotate,
//   with the lost-response retry in the adapter;
// - every authorization goes through the interaction (./interaction.ts): the homeserver's own
//   sign-in (lib/web-session) decides who the person is, not oidc-provider's session cookie;
// - `prompt=create` is accepted and sends the person to sign-up;
// - registration's Matrix rules and revocation without client authentication: ./node-handler.ts.
import { randomBytes } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { keyForPurpose } from "../config/secrets";
import { es256SigningJwk, rs256SigningJwk } from "./signing-keys";
import type { HomeserverConfig } from "../config/schema";
import { db } from "../db/client";
import { logger } from "../logging/logger";
import { importOidcProvider } from "../runtime/import-oidc-provider";
import { processSlot } from "../runtime/process-state";
import { PrismaOAuthAdapter } from "./adapter";
import { publicClientIdFor } from "./client-metadata";
import { DEVICE_CODE_TTL_S, deviceFlowFeature, slowDownEarlyPolls } from "./device-flow";
import { INTERACTION_PREFIX, issuerOf, matrixResourceOf, OAUTH_ROUTES } from "./endpoints";
import { oauthErrorPage } from "./pages";
import { isMatrixScopeToken, parseMatrixScope, ScopeError } from "./scopes";

/* eslint-disable @typescript-eslint/no-explicit-any -- oidc-provider ships no type definitions. */
type Ctx = any;

export interface OAuthProvider {
  callback(): (req: IncomingMessage, res: ServerResponse) => void;
  interactionDetails(req: IncomingMessage, res: ServerResponse): Promise<InteractionDetails>;
  interactionFinished(req: IncomingMessage, res: ServerResponse, result: Record<string, unknown>, options?: { mergeWithLastSubmission?: boolean }): Promise<void>;
  Grant: any;
  Client: { find(clientId: string): Promise<any> };
  proxy: boolean;
  on(event: string, listener: (...args: unknown[]) => void): unknown;
}

export interface InteractionDetails {
  uid: string;
  prompt: { name: string; reasons: string[]; details: Record<string, unknown> };
  params: Record<string, string | undefined>;
  grantId?: string;
  session?: { accountId?: string };
}

interface ProviderModule {
  Provider: new (issuer: string, configuration: Record<string, unknown>) => OAuthProvider;
  errors: Record<string, new (description?: string, detail?: string) => Error>;
  interactionPolicy: { base(): any; Prompt: new (...args: any[]) => any; Check: any };
}

const loadProviderModule = () => importOidcProvider<ProviderModule>();

/** The Matrix scope tokens that a request or the token being exchanged carries. */
function requestedMatrixScope(ctx: Ctx): string {
  const sources = [
    ctx.oidc?.params?.scope,
    ctx.oidc?.entities?.AuthorizationCode?.scope,
    ctx.oidc?.entities?.RefreshToken?.scope,
    // The device authorization grant's token request names no scope: the device code holds it.
    ctx.oidc?.entities?.DeviceCode?.scope,
  ];
  const scope = sources.find((value): value is string => typeof value === "string" && value !== "");
  return (scope ?? "").split(" ").filter(isMatrixScopeToken).join(" ");
}

async function buildProvider(config: HomeserverConfig): Promise<OAuthProvider> {
  const { Provider, errors, interactionPolicy } = await loadProviderModule();
  const settings = config.oauth_server;
  const resource = matrixResourceOf(config.public_baseurl);

  // Every authorization asks the homeserver's own sign-in (./interaction.ts); oidc-provider's session
  // cookie alone never skips it, or a person who signed out would stay signed in for OAuth.
  const policy = interactionPolicy.base();
  const { Check, Prompt } = interactionPolicy;
  policy.get("login").checks.add(
    new Check("homeserver_sign_in", "the homeserver's sign-in decides", (ctx: Ctx) =>
      ctx.oidc.result?.login ? Check.NO_NEED_TO_PROMPT : Check.REQUEST_PROMPT,
    ),
  );
  // prompt=create (Initiating User Registration, used by Matrix clients' "Create account").
  policy.add(new Prompt({ name: "create", requestable: true }));

  const cookieKey = Buffer.from(keyForPurpose(config.signingSecret, "oauth-cookies")).toString("base64url");
  const provider = new Provider(issuerOf(config.public_baseurl), {
    adapter: PrismaOAuthAdapter,
    clients: [],
    // RS256 first: the default for clients that name no algorithm (./signing-keys.ts).
    jwks: { keys: [await rs256SigningJwk(config), es256SigningJwk(config)] },
    cookies: {
      keys: [cookieKey],
      names: { session: "oauth_session", interaction: "oauth_interaction", resume: "oauth_interaction_resume" },
      long: { signed: true, httpOnly: true, sameSite: "lax" },
      short: { signed: true, httpOnly: true, sameSite: "lax" },
    },
    findAccount: async (_ctx: Ctx, sub: string) => {
      const user = await db().user.findUnique({ where: { userId: sub }, select: { userId: true, deactivated: true } });
      if (!user || user.deactivated) return undefined;
      return { accountId: user.userId, claims: async () => ({ sub: user.userId }) };
    },
    claims: { openid: ["sub"] },
    scopes: ["openid"],
    responseTypes: ["code"],
    pkce: { required: () => true },
    clientDefaults: { grant_types: ["authorization_code", "refresh_token"], id_token_signed_response_alg: "RS256", response_types: ["code"] },
    enabledJWA: { idTokenSigningAlgValues: ["RS256", "ES256"] },
    rotateRefreshToken: true,
    // A Matrix session (a device) outlives the browser visit that created it: its codes and tokens
    // are not bound to the provider's browser session (oidc-provider's default without
    // offline_access), which a later login of the same client in the same browser would replace.
    expiresWithSession: () => false,
    // Matrix clients ask for a refresh token by the grant type they registered, not offline_access.
    issueRefreshToken: async (_ctx: Ctx, client: any) => client.grantTypeAllowed("refresh_token"),
    allowOmittingSingleRegisteredRedirectUri: false,
    conformIdTokenClaims: false,
    ttl: {
      AccessToken: Math.round(settings.access_token_lifetime / 1000),
      AuthorizationCode: Math.round(settings.authorization_code_lifetime / 1000),
      DeviceCode: DEVICE_CODE_TTL_S,
      RefreshToken: Math.round(settings.refresh_token_lifetime / 1000),
      // A grant is the whole session: it lasts as long as its refresh tokens keep being used (each
      // rotation starts a new refresh token lifetime), and ends by logout or revocation.
      Grant: 10 * 365 * 86_400,
      IdToken: 3600,
      Interaction: 3600,
      Session: 3600,
    },
    routes: OAUTH_ROUTES,
    interactions: { url: (_ctx: Ctx, interaction: { uid: string }) => `${INTERACTION_PREFIX}${interaction.uid}`, policy },
    features: {
      devInteractions: { enabled: false },
      rpInitiatedLogout: { enabled: false },
      userinfo: { enabled: false },
      revocation: { enabled: true },
      // RFC 8628, for devices without a keyboard (./device-flow.ts).
      deviceFlow: deviceFlowFeature(),
      registration: {
        enabled: true,
        initialAccessToken: false,
        // The same public client registered twice is the same client (./client-metadata.ts).
        idFactory: (ctx: Ctx) => publicClientIdFor(ctx.oidc.body ?? {}) ?? `c${randomBytes(20).toString("base64url")}`,
      },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => resource,
        useGrantedResource: () => true,
        getResourceServerInfo: (ctx: Ctx, indicator: string) => {
          if (indicator !== resource) throw new errors.InvalidTarget("this server only issues tokens for its Matrix API");
          const scope = requestedMatrixScope(ctx);
          try {
            parseMatrixScope(scope);
          } catch (error) {
            if (error instanceof ScopeError) throw new errors.InvalidScope(error.message, scope);
            throw error;
          }
          return { scope, accessTokenFormat: "opaque", accessTokenTTL: Math.round(settings.access_token_lifetime / 1000) };
        },
      },
    },
    // Browsers (element-web) call the token, registration and revocation endpoints cross-origin;
    // they carry no cookie there, so any origin may.
    clientBasedCORS: () => true,
    renderError: async (ctx: Ctx, out: Record<string, string>, error: Error) => {
      const page = await oauthErrorPage(out.error ?? "server_error", out.error_description ?? "", error);
      ctx.status = page.status;
      page.headers.forEach((value, key) => ctx.set(key, value));
      ctx.body = await page.text();
    },
  });
  // Behind server.ts, which sets X-Forwarded-Proto/Host from public_baseurl, so that every URL the
  // provider builds is on the public address whatever Host the request came with.
  provider.proxy = true;
  // oidc-provider answers an unexpected error with server_error and keeps the cause to itself:
  // without this, a 500 from the token endpoint left nothing in the log.
  (provider as unknown as { on(event: "server_error", listener: (ctx: Ctx, error: unknown) => void): void }).on("server_error", (ctx, error) =>
    logger.error(`OAuth 2.0 server_error on ${ctx.method} ${ctx.path}`, error),
  );
  (provider as unknown as { use(middleware: typeof slowDownEarlyPolls): void }).use(slowDownEarlyPolls);
  return provider;
}

const providerSlot = processSlot<{ config: HomeserverConfig; provider: Promise<OAuthProvider> }>("oauth-provider");

/** The provider for this config, built once per process (and again after a config change). */
export function oauthProvider(config: HomeserverConfig): Promise<OAuthProvider> {
  const current = providerSlot.get();
  if (current?.config === config) return current.provider;
  const provider = buildProvider(config);
  providerSlot.set({ config, provider });
  return provider;
}
