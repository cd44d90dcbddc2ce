// GET and POST /_matrix/client/{r0,v3}/login, as Synapse's LoginRestServlet and
// AuthHandler.validate_login. Error messages are Synapse's.
import { getConfig } from "../config/load-config";
import type { HomeserverConfig } from "../config/schema";
import { db } from "../db/client";
import { isMatrixError, MatrixError } from "../matrix/errors";
import { type MatrixRequest } from "../matrix/route";
import { parseMatrixBody } from "../matrix/request-body";
import { loginBodySchema, tokenLoginFieldsSchema } from "../matrix/request-bodies";
import { loginLimiters } from "../ratelimit/login-limiters";
import { issueRefreshableTokens, newAccessToken, type IssuedTokens } from "./access-tokens";
import { newDeviceId, upsertDevice } from "./devices";
import { consumeLoginToken } from "./login-tokens";
import { loginWrites } from "./login-writes";
import { runInTransaction } from "../db/direct-sql";
import { forbidden, validateLogin } from "./validate-password";
import { recentExtraAttributes } from "../sso/extra-attributes";
import { identityProviders } from "../sso/registry";
import { logger } from "../logging/logger";
import type { LoginCallback, LoginResponse } from "../modules/types";
import { loginExtensions } from "./login-extensions";
import { metrics } from "../metrics/recorder";

type Flow = Record<string, unknown> & { type: string };

export function passwordLoginEnabled(config: HomeserverConfig): boolean {
  return config.password_config.enabled === true;
}

export function listLoginFlows(config: HomeserverConfig = getConfig()): { flows: Flow[] } {
  const flows: Flow[] = [];
  const providers = identityProviders(config);
  if (providers.some((idp) => idp.id === "cas")) flows.push({ type: "m.login.cas" });
  if (providers.length > 0) {
    flows.push({
      type: "m.login.sso",
      identity_providers: providers.map(({ id, name, icon, brand }) => ({
        id,
        name,
        ...(icon ? { icon } : {}),
        ...(brand ? { brand } : {}),
      })),
      // MSC3824: this server also serves the OAuth 2.0 API (lib/oauth); clients that can use it should.
      ...(config.oauth_server.enabled ? { oauth_aware_preferred: true, "org.matrix.msc3824.delegated_oidc_compatibility": true } : {}),
    });
  }
  if (providers.length > 0 || config.login_via_existing_session.enabled) {
    flows.push({
      type: "m.login.token",
      ...(config.login_via_existing_session.enabled ? { get_login_token: true } : {}),
    });
  }
  flows.push(...supportedLoginTypes(config).map((type) => ({ type })));
  return { flows };
}

/**
 * Synapse's get_supported_login_types: the types password auth provider modules registered, in
 * registration order, with m.login.password first — present when password login is enabled and
 * either the local database or a module checks passwords.
 */
export function supportedLoginTypes(config: HomeserverConfig = getConfig()): string[] {
  const moduleTypes = [...loginExtensions.loginTypes(config).keys()];
  const types = moduleTypes.filter((type) => type !== "m.login.password");
  const password = moduleTypes.includes("m.login.password") || config.password_config.localdb_enabled;
  if (password && passwordLoginEnabled(config)) types.unshift("m.login.password");
  return types;
}

interface LoginOutcome {
  userId: string;
  authProviderId?: string | null;
  authProviderSessionId?: string | null;
  /** Extra top-level fields for the response (SSO mapping provider's extra attributes). */
  extraResponse?: Record<string, unknown>;
  /** A password auth provider module's callback, awaited with the response. */
  callback?: LoginCallback | null;
  /** The account's flags when already read (token login reads them with the token), else undefined. */
  account?: { deactivated: boolean; admin: boolean } | null;
}

export async function logIn({ json, clientIp }: MatrixRequest): Promise<Record<string, unknown>> {
  const config = getConfig();
  const body = parseMatrixBody(loginBodySchema, await json());
  const limiters = loginLimiters(config);
  const wantsRefresh = body.refresh_token === true && config.refreshable_access_token_lifetime !== null;
  const deviceId = body.device_id ?? undefined;
  const displayName = body.initial_device_display_name ?? undefined;

  await limiters.address.check(clientIp);
  let outcome: LoginOutcome;
  if (body.type === "m.login.token") {
    outcome = await tokenLogin(body);
  } else if (body.type === "m.login.password") {
    if (!passwordLoginEnabled(config)) throw new MatrixError("M_UNKNOWN", "Password login has been disabled.");
    outcome = await validateLogin(body, body.type, config);
  } else if (loginExtensions.fieldsFor(body.type, config)) {
    // A login type of a password auth provider module.
    outcome = await validateLogin(body, body.type, config);
  } else {
    throw new MatrixError("M_UNKNOWN", `Unknown login type ${body.type}`);
  }

  return completeLogin(config, outcome, { deviceId, displayName, wantsRefresh, clientIp });
}

async function tokenLogin(body: Record<string, unknown>): Promise<LoginOutcome> {
  const { token } = parseMatrixBody(tokenLoginFieldsSchema, body);
  let consumed: Awaited<ReturnType<typeof consumeLoginToken>>;
  try {
    consumed = await consumeLoginToken(token);
  } catch (error) {
    if (isMatrixError(error)) metrics()?.loginTokenExchange("invalid");
    throw error;
  }
  metrics()?.loginTokenExchange("success");
  return {
    userId: consumed.userId,
    authProviderId: consumed.authProviderId,
    authProviderSessionId: consumed.authProviderSessionId,
    // Only SSO logins leave extra attributes behind (tokens minted for an existing session do not).
    extraResponse: consumed.authProviderId === null ? undefined : await recentExtraAttributes(consumed.userId),
    account: consumed.account,
  };
}

interface CompleteLoginOptions {
  deviceId?: string;
  displayName?: string;
  wantsRefresh: boolean;
  clientIp: string;
}

/**
 * The checks of Synapse's _complete_login before anything is written: account limit, deactivation.
 * Returns the account's admin flag too, read in the same query (the admin console needs it).
 */
async function checkAccountMayLogIn(
  config: HomeserverConfig,
  userId: string,
  known?: { deactivated: boolean; admin: boolean } | null,
): Promise<{ admin: boolean }> {
  await loginLimiters(config).account.check(userId.toLowerCase());
  const account = known !== undefined ? known : await db().user.findUnique({ where: { userId }, select: { deactivated: true, admin: true } });
  if (!account) throw forbidden();
  if (account.deactivated) throw new MatrixError("M_USER_DEACTIVATED", "This account has been deactivated");
  return { admin: account.admin };
}

/**
 * A password sign-in that is not a Matrix login (the admin console): the same gate as POST /login
 * with m.login.password — rc_login per address, per account and for failed attempts,
 * password_config.enabled, password auth provider modules, deactivation — without a device or
 * tokens. Returns the proven user ID and whether the account is an admin; refusals are /login's
 * MatrixErrors.
 */
export async function checkPasswordSignIn(
  credentials: { user: string; password: string },
  clientIp: string,
  config: HomeserverConfig = getConfig(),
): Promise<{ userId: string; admin: boolean }> {
  await loginLimiters(config).address.check(clientIp);
  if (!passwordLoginEnabled(config)) throw new MatrixError("M_UNKNOWN", "Password login has been disabled.");
  const body = { type: "m.login.password", identifier: { type: "m.id.user", user: credentials.user }, password: credentials.password };
  const { userId } = await validateLogin(body, "m.login.password", config);
  const { admin } = await checkAccountMayLogIn(config, userId);
  return { userId, admin };
}

/** Synapse's _complete_login: account limit, deactivation, then device and tokens in one transaction. */
async function completeLogin(
  config: HomeserverConfig,
  outcome: LoginOutcome,
  options: CompleteLoginOptions,
): Promise<Record<string, unknown>> {
  await checkAccountMayLogIn(config, outcome.userId, outcome.account);

  // Device, token and last-login time are written together or not at all. Without a refresh token
  // the three statements go as one transaction straight to the driver adapter (lib/db/direct-sql.ts);
  // a refresh token's ID must be known before the access token that points at it is written.
  const deviceId = options.deviceId ?? newDeviceId();
  const device = {
    displayName: options.displayName,
    clientIp: options.clientIp,
    authProviderId: outcome.authProviderId,
    authProviderSessionId: outcome.authProviderSessionId,
  };
  const lastLogin = { where: { userId: outcome.userId }, data: { lastLoginAt: new Date() } };
  let tokens: IssuedTokens;
  if (!options.wantsRefresh) {
    const { row, issued } = newAccessToken(config, outcome.userId, deviceId);
    await runInTransaction(db(), loginWrites(outcome.userId, deviceId, device, row));
    tokens = issued;
  } else {
    tokens = await db().$transaction(async (tx) => {
      await upsertDevice(tx, outcome.userId, deviceId, device);
      const issued = await issueRefreshableTokens(tx, config, outcome.userId, deviceId);
      await tx.user.updateMany(lastLogin);
      return issued;
    });
  }

  // Synapse counts a login when the device is registered (RegistrationHandler.register_device).
  metrics()?.userLogin(outcome.authProviderId ?? "");

  const response: Record<string, unknown> = {
    user_id: outcome.userId,
    access_token: tokens.accessToken,
    home_server: config.server_name,
    device_id: deviceId,
    ...(tokens.expiresInMs !== undefined ? { expires_in_ms: tokens.expiresInMs } : {}),
    ...(tokens.refreshToken !== undefined ? { refresh_token: tokens.refreshToken } : {}),
    ...(config.serve_client_wellknown ? { well_known: { "m.homeserver": { base_url: config.public_baseurl } } } : {}),
  };
  const body = { ...outcome.extraResponse, ...response };
  if (outcome.callback) {
    // The login has happened (device and tokens exist), so a failing callback is logged rather than
    // turned into an error the client would take for a failed login.
    try {
      await outcome.callback({ ...body } as LoginResponse);
    } catch (error) {
      logger.error(`login callback of a password auth provider failed for ${outcome.userId}`, error);
    }
  }
  return body;
}
