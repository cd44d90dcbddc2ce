// The protocol-independent heart of an SSO login (Synapse's SsoHandler.complete_sso_login_request):
// find the account an upstream identity belongs to — an existing link,
// else grandfathering, else a new account from the mapping provider — and finish the login, or send
// a new user to the username picker.
import { getConfig } from "../config/load-config";
import type { HomeserverConfig } from "../config/schema";
import { db } from "../db/client";
import { browserFlowCookieOptions, clearCookie, serializeCookie } from "../http/cookies";
import { logger } from "../logging/logger";
import { localpartProblem, qualifyUserId } from "../matrix/identifiers";
import {
  createUser,
  ExternalIdLinkedError,
  findUserIdByExternalId,
  findUsersCaseInsensitive,
  isUserIdTaken,
  linkExternalId,
  pickCaseInsensitiveMatch,
} from "../users/users";
import { consentRequiredAtRegistration } from "../consent/consent-config";
import { ssoConfigOf } from "./config";
import { finishSsoLogin } from "./handoff";
import { withKeyedLock } from "./keyed-lock";
import { createMappingSession, MAPPING_SESSION_COOKIE, MAPPING_SESSION_LIFETIME_MS } from "./mapping-sessions";
import { isMappingError, isRedirectError } from "../modules/errors";
import { MappingError, type UserAttributes } from "./mapping/types";
import { SsoError } from "./sso-error";
import { isUsernameTakenError } from "../users/errors";

export const ACCOUNT_DETAILS_PATH = "/_synapse/client/pick_username/account_details";
export const NEW_USER_CONSENT_PATH = "/_synapse/client/new_user_consent";

/** Synapse tries up to 1000 proposals from the mapper before giving up. */
export const MAX_MAPPING_ATTEMPTS = 1000;

export interface SsoLoginRequest {
  authProviderId: string;
  remoteUserId: string;
  clientRedirectUrl: string;
  /** The mapping provider's module as configured, named in the log when its proposal is unusable. */
  mapperName?: string;
  /** The mapping provider, called with the number of proposals already refused. */
  mapUserAttributes: (failures: number) => Promise<UserAttributes>;
  /** Grandfathering: an existing account this identity should take over, if the protocol allows it. */
  findGrandfatheredUser?: () => Promise<string | null>;
  registrationEnabled: boolean;
  extraAttributes?: Record<string, unknown> | null;
  authProviderSessionId?: string | null;
}

/**
 * Calls the mapper, turning anything but its own MappingError/RedirectError into a generic message,
 * logged with its stack (Synapse's _call_attribute_mapper). The two are recognised by their brand:
 * a module's error class is not the route bundle's (see lib/modules/errors.ts).
 */
export async function callMapper(map: () => Promise<UserAttributes>): Promise<UserAttributes> {
  try {
    return await map();
  } catch (error) {
    if (isMappingError(error) || isRedirectError(error)) throw error;
    logger.error("mapping provider failed", error);
    throw new MappingError("Could not extract user attributes from SSO response.");
  }
}

export function mappingSessionCookie(secret: string, config: HomeserverConfig): string {
  return serializeCookie(MAPPING_SESSION_COOKIE, secret, browserFlowCookieOptions("/", config.public_baseurl, MAPPING_SESSION_LIFETIME_MS / 1000));
}

export function clearMappingSessionCookie(config: HomeserverConfig): string {
  return clearCookie(MAPPING_SESSION_COOKIE, browserFlowCookieOptions("/", config.public_baseurl));
}

type Outcome =
  | { kind: "existing"; userId: string }
  | { kind: "registered"; userId: string }
  | { kind: "pick"; attributes: UserAttributes; suggestion: string | null; problem: string | null }
  | { kind: "consent"; attributes: UserAttributes; localpart: string };

export async function completeSsoLoginRequest(request: SsoLoginRequest): Promise<Response> {
  const config = getConfig();
  try {
    const outcome = await withKeyedLock(`${request.authProviderId}\u0000${request.remoteUserId}`, () =>
      resolveAccount(request, config),
    );
    if (outcome.kind === "pick") return await sendToUsernamePicker(request, outcome, config);
    if (outcome.kind === "consent") return await sendToConsentStep(request, outcome, config);
    return await finishSsoLogin({
      userId: outcome.userId,
      clientRedirectUrl: request.clientRedirectUrl,
      authProviderId: request.authProviderId,
      authProviderSessionId: request.authProviderSessionId,
      newUser: outcome.kind === "registered",
      extraAttributes: request.extraAttributes,
    });
  } catch (error) {
    if (isMappingError(error)) throw new SsoError("mapping_error", error.message);
    if (isRedirectError(error)) {
      const headers = new Headers({ Location: error.location });
      for (const cookie of error.cookies) headers.append("Set-Cookie", cookie);
      return new Response(null, { status: 302, headers });
    }
    throw error;
  }
}

async function resolveAccount(request: SsoLoginRequest, config: HomeserverConfig): Promise<Outcome> {
  const linked = await findUserIdByExternalId(request.authProviderId, request.remoteUserId);
  if (linked) {
    if (ssoConfigOf(config).updateProfileInformation) await updateProfile(linked, request);
    return { kind: "existing", userId: linked };
  }

  const grandfathered = await request.findGrandfatheredUser?.();
  if (grandfathered) {
    return { kind: "existing", userId: await linkExternalId(request.authProviderId, request.remoteUserId, grandfathered) };
  }

  if (!request.registrationEnabled) throw new MappingError("User does not exist and registrations are disabled");
  return registerFromMapper(request, config);
}

/** What the person reads when the mapping provider's proposal cannot become an account. */
export const MAPPING_EXHAUSTED_MESSAGE =
  "We could not create an account for you: every user name this server's login settings proposed for you is already in use. Please contact the server's administrator.";
export const MAPPING_INVALID_MESSAGE =
  "We could not create an account for you: this server's login settings proposed a user name that is not allowed. Please contact the server's administrator.";

/**
 * The mapping loop (Synapse's _call_attribute_mapper and _register_mapped_user, and the contract in
 * its docs/sso_mapping_providers.md): ask for a localpart with failures = 0, 1, 2… while it is taken,
 * then register it. The provider's word is final — an admin's naming policy (say, "localpart =
 * employee number") must not be overridden by a person typing another name — so the username
 * picker appears only when the provider proposes no localpart or asks for confirmation; 1000 taken
 * proposals, or one that is not a valid localpart, end the login with an error the admin finds in
 * the log with the module's name.
 */
async function registerFromMapper(request: SsoLoginRequest, config: HomeserverConfig): Promise<Outcome> {
  const rules = { serverName: config.server_name, allowUnderscorePrefix: config.allow_underscore_prefixed_localpart };
  const mapperName = request.mapperName ?? "the mapping provider";
  for (let failures = 0; failures < MAX_MAPPING_ATTEMPTS; failures++) {
    const attributes = await callMapper(() => request.mapUserAttributes(failures));
    const localpart = attributes.localpart;
    if (localpart === null || localpart === undefined) return { kind: "pick", attributes, suggestion: null, problem: null };
    // Like Synapse, "" is not "no localpart": it is an invalid one (below), not a taken one.
    if (localpart !== "" && (await isUserIdTaken(qualifyUserId(localpart, config.server_name)))) continue;
    if (attributes.confirmLocalpart) {
      // The person may change the name here, as the provider asked; the picker explains a bad one.
      return { kind: "pick", attributes, suggestion: localpart, problem: localpartProblem(localpart, rules)?.message ?? null };
    }
    const problem = localpartProblem(localpart, rules);
    if (problem) {
      logger.error(
        `SSO login through ${request.authProviderId} failed: ${mapperName} proposed the localpart ${JSON.stringify(localpart)}, ` +
          `which is not valid in a Matrix ID (${problem.message}); no account was created`,
      );
      throw new MappingError(MAPPING_INVALID_MESSAGE);
    }
    // user_consent.require_at_registration: the mapper's name is final, but the account waits
    // for the person to agree to the policy (Synapse's _get_url_for_next_new_user_step).
    if (consentRequiredAtRegistration(config)) return { kind: "consent", attributes, localpart };
    try {
      const user = await createUser(
        {
          localpart,
          displayName: attributes.displayName || localpart,
          emails: attributes.emails ?? [],
          externalId: { authProvider: request.authProviderId, externalId: request.remoteUserId },
        },
        rules,
      );
      return { kind: "registered", userId: user.userId };
    } catch (error) {
      if (error instanceof ExternalIdLinkedError) {
        const linked = await findUserIdByExternalId(request.authProviderId, request.remoteUserId);
        if (linked) return { kind: "existing", userId: linked };
      }
      // Taken between the check and the insert: the next proposal, as if it had been taken before.
      if (isUsernameTakenError(error)) continue;
      throw error;
    }
  }
  logger.error(
    `SSO login through ${request.authProviderId} failed: ${mapperName} proposed only localparts already in use ` +
      `in ${MAX_MAPPING_ATTEMPTS} attempts (failures = 0…${MAX_MAPPING_ATTEMPTS - 1}); no account was created`,
  );
  throw new MappingError(MAPPING_EXHAUSTED_MESSAGE);
}

/** sso.update_profile_information: re-sync the display name from the IdP (one mapper call, not Synapse's loop). */
async function updateProfile(userId: string, request: SsoLoginRequest): Promise<void> {
  const attributes = await callMapper(() => request.mapUserAttributes(0));
  if (attributes.displayName) {
    await db().user.updateMany({
      where: { userId, NOT: { displayName: attributes.displayName } },
      data: { displayName: attributes.displayName },
    });
  }
}

async function sendToUsernamePicker(
  request: SsoLoginRequest,
  outcome: Extract<Outcome, { kind: "pick" }>,
  config: HomeserverConfig,
): Promise<Response> {
  return startMappingSession(request, outcome.attributes, { chosenLocalpart: outcome.suggestion, lastError: outcome.problem }, ACCOUNT_DETAILS_PATH, config);
}

function sendToConsentStep(request: SsoLoginRequest, outcome: Extract<Outcome, { kind: "consent" }>, config: HomeserverConfig): Promise<Response> {
  return startMappingSession(request, outcome.attributes, { chosenLocalpart: outcome.localpart, lastError: null }, NEW_USER_CONSENT_PATH, config);
}

/** A sign-up session for a new user, and the browser sent to its next step with the session's cookie. */
async function startMappingSession(
  request: SsoLoginRequest,
  attributes: UserAttributes,
  choice: { chosenLocalpart: string | null; lastError: string | null },
  next: string,
  config: HomeserverConfig,
): Promise<Response> {
  const secret = await createMappingSession({
    authProviderId: request.authProviderId,
    authProviderSessionId: request.authProviderSessionId,
    remoteUserId: request.remoteUserId,
    displayName: attributes.displayName ?? null,
    emails: attributes.emails ?? [],
    avatarUrl: attributes.picture ?? null,
    extraAttributes: request.extraAttributes ?? null,
    clientRedirectUrl: request.clientRedirectUrl,
    ...choice,
  });
  const headers = new Headers({ Location: next, "Cache-Control": "no-store" });
  headers.append("Set-Cookie", mappingSessionCookie(secret, config));
  return new Response(null, { status: 302, headers });
}

/**
 * OIDC grandfathering (allow_existing_users): the account whose ID is the mapped localpart. Several
 * accounts matching only case-insensitively is an error naming their IDs — never anything else
 * about them (Synapse printed their password hashes).
 */
export async function findExistingUserByLocalpart(localpart: string | null | undefined): Promise<string | null> {
  if (!localpart) return null;
  const userId = qualifyUserId(localpart, getConfig().server_name);
  const matches = await findUsersCaseInsensitive(userId);
  const { user, ambiguous } = pickCaseInsensitiveMatch(userId, matches);
  if (ambiguous) {
    throw new MappingError(
      `Attempted to login as '${userId}' but it matches more than one user inexactly: ${matches.map((m) => m.userId).join(", ")}`,
    );
  }
  return user?.userId ?? null;
}
