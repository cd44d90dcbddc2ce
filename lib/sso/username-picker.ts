// The username picker (Synapse's pick_username resources):
// the form, its live availability check, and the submit that registers the user, links the upstream
// identity and finishes the login — atomically with consuming the mapping session.
import { getConfig } from "../config/load-config";
import type { HomeserverConfig } from "../config/schema";
import { readCookie } from "../http/cookies";
import { MatrixError } from "../matrix/errors";
import { isInvalidUsernameError, localpartProblem, qualifyUserId } from "../matrix/identifiers";
import { jsonResponse } from "../matrix/route";
import { limitAvailabilityCheck } from "../ratelimit/login-limiters";
import { renderSsoPage } from "../pages/sso-pages";
import { createUser, ExternalIdLinkedError, isUserIdTaken } from "../users/users";
import { metrics } from "../metrics/recorder";
import { consentConfigOf, consentRequiredAtRegistration } from "../consent/consent-config";
import { formActionSourceOf } from "./client-redirect";
import { ACCOUNT_DETAILS_PATH, clearMappingSessionCookie, NEW_USER_CONSENT_PATH } from "./complete-sso-login";
import { lookUpAvailability } from "./availability-lookup";
import { finishSsoLogin } from "./handoff";
import {
  consumeMappingSession,
  findMappingSession,
  MAPPING_SESSION_COOKIE,
  recordMappingChoice,
  type MappingSession,
} from "./mapping-sessions";
import { findIdentityProvider, iconUrlOf } from "./registry";
import { browserFormFields, readBrowserForm } from "./browser-form";
import { accountDetailsFormSchema } from "./form-schemas";
import { expiredLinkError } from "./sso-error";
import { isUsernameTakenError } from "../users/errors";

function restartUrlFor(session: MappingSession, config: HomeserverConfig): string {
  return `${config.public_baseurl}_matrix/client/v3/login/sso/redirect/${encodeURIComponent(session.authProviderId)}?${new URLSearchParams({ redirectUrl: session.clientRedirectUrl })}`;
}

/** The browser's mapping session, or the error page that says what to do. */
export async function requireSession(request: Request, config: HomeserverConfig): Promise<{ secret: string; session: MappingSession }> {
  const secret = readCookie(request, MAPPING_SESSION_COOKIE);
  // Synapse answers these with "missing session_id" / "unknown session"; a person reloading the
  // picker or coming Back to it gets plain words, the admin the cause in the log.
  if (!secret) throw expiredLinkError("/", "username picker: no username_mapping_session cookie (missing session_id)");
  const lookup = await findMappingSession(secret);
  if (lookup.status === "unknown") throw expiredLinkError("/", "username picker: unknown session (completed, or purged after expiry)");
  if (lookup.status === "expired") {
    throw expiredLinkError(
      restartUrlFor(lookup.session, config),
      `username picker: session expired at ${lookup.session.expiresAt.toISOString()}`,
      "Your sign-up session has expired. Start the login again to choose your username.",
    );
  }
  return { secret, session: lookup.session };
}

export function rulesOf(config: HomeserverConfig) {
  return { serverName: config.server_name, allowUnderscorePrefix: config.allow_underscore_prefixed_localpart };
}

function renderForm(
  session: MappingSession,
  config: HomeserverConfig,
  form: { localpart: string; error?: string; useDisplayName?: boolean; emailsChecked?: string[] },
): Promise<Response> {
  const provider = findIdentityProvider(session.authProviderId, config);
  return renderSsoPage(
    "account_details",
    {
      idp: { idp_id: session.authProviderId, idp_name: provider?.name ?? session.authProviderId, idp_icon: provider?.icon, idp_brand: provider?.brand },
      serverName: config.server_name,
      idpName: provider?.name ?? session.authProviderId,
      idpIconUrl: iconUrlOf(provider?.icon, config, 24),
      localpart: form.localpart,
      displayName: session.displayName,
      emails: session.emails,
      emailsChecked: form.emailsChecked,
      useDisplayName: form.useDisplayName,
      error: form.error,
      allowUnderscorePrefix: config.allow_underscore_prefixed_localpart,
    },
    // A successful submit may redirect straight to a whitelisted client: form-action must allow it.
    { formActions: [formActionSourceOf(session.clientRedirectUrl)] },
  );
}

/** GET account_details */
export async function showAccountDetails(request: Request): Promise<Response> {
  const config = getConfig();
  const { session } = await requireSession(request, config);
  return renderForm(session, config, {
    localpart: session.chosenLocalpart ?? "",
    error: session.lastError ?? undefined,
    useDisplayName: session.useDisplayName,
    emailsChecked: session.emailsToUse,
  });
}

/** POST account_details: register with the chosen name, or back to the form (303), which says why not. */
export async function submitAccountDetails(request: Request): Promise<Response> {
  const config = getConfig();
  const { secret, session } = await requireSession(request, config);
  const { username, use_display_name: useDisplayName, use_email } = browserFormFields(await readBrowserForm(request), accountDetailsFormSchema);
  // Only addresses the IdP vouched for can be bound; anything else in the form is ignored.
  const emailsToUse = use_email.filter((email) => session.emails.includes(email));

  // POST-redirect-GET: the refused choice and the reason are kept in the mapping session and the
  // form is shown again by the GET, so reloading it or coming Back never re-submits the form.
  const refuse = async (message: string, status: number) => {
    metrics()?.pickerSubmission(status === 409 ? "collision" : "invalid");
    await recordMappingChoice(secret, { chosenLocalpart: username, useDisplayName, emailsToUse, lastError: message });
    return new Response(null, { status: 303, headers: { Location: ACCOUNT_DETAILS_PATH, "Cache-Control": "no-store" } });
  };

  const problem = localpartProblem(username, rulesOf(config));
  if (problem) return refuse(problem.message, 400);
  if (await isUserIdTaken(qualifyUserId(username, config.server_name))) {
    return refuse(`${username} is taken, please choose another.`, 409);
  }

  if (consentRequiredAtRegistration(config) && session.termsAcceptedVersion === null) {
    // Synapse's order: the choice is kept, the consent step comes next, the account after it.
    await recordMappingChoice(secret, { chosenLocalpart: username, useDisplayName, emailsToUse, lastError: null });
    return new Response(null, { status: 302, headers: { Location: NEW_USER_CONSENT_PATH, "Cache-Control": "no-store" } });
  }

  const outcome = await registerMappedUser(secret, session, { localpart: username, useDisplayName, emailsToUse }, config);
  if ("refused" in outcome) return refuse(outcome.refused, outcome.status);
  metrics()?.pickerSubmission("registered");
  return outcome.response;
}

export interface MappedUserChoice {
  localpart: string;
  useDisplayName: boolean;
  emailsToUse: string[];
}

/**
 * Registers the mapping session's user with the chosen name, links the upstream identity and
 * finishes the login — atomically with consuming the session. The consent agreed to on the way
 * (user_consent) is recorded as the configured version, as Synapse's post-registration actions do.
 * A name that is taken or invalid by now comes back as the sentence to show on the picker.
 */
export async function registerMappedUser(
  secret: string,
  session: MappingSession,
  choice: MappedUserChoice,
  config: HomeserverConfig,
): Promise<{ response: Response } | { refused: string; status: number }> {
  let userId: string;
  try {
    const user = await createUser(
      {
        localpart: choice.localpart,
        // With no display name chosen, Synapse defaults it to the localpart.
        displayName: choice.useDisplayName && session.displayName ? session.displayName : choice.localpart,
        emails: choice.emailsToUse,
        externalId: { authProvider: session.authProviderId, externalId: session.remoteUserId },
        consentVersion: session.termsAcceptedVersion !== null ? (consentConfigOf(config)?.version ?? null) : null,
        alsoInTransaction: async (tx) => {
          if (!(await consumeMappingSession(tx, secret))) throw new SessionAlreadyUsedError();
        },
      },
      rulesOf(config),
    );
    userId = user.userId;
  } catch (error) {
    if (isUsernameTakenError(error)) {
      return { refused: `${choice.localpart} is taken, please choose another.`, status: 409 };
    }
    if (isInvalidUsernameError(error)) return { refused: error.message, status: 400 };
    if (error instanceof SessionAlreadyUsedError || error instanceof ExternalIdLinkedError) {
      throw expiredLinkError(restartUrlFor(session, config), `username picker: session already used (${error.constructor.name})`);
    }
    throw error;
  }

  const response = await finishSsoLogin(
    {
      userId,
      clientRedirectUrl: session.clientRedirectUrl,
      authProviderId: session.authProviderId,
      authProviderSessionId: session.authProviderSessionId,
      newUser: true,
      extraAttributes: session.extraAttributes,
    },
    [clearMappingSessionCookie(config)],
  );
  return { response };
}

class SessionAlreadyUsedError extends Error {}

/**
 * GET /_synapse/client/pick_username/check?username= → {"available": bool}. Needs a valid mapping
 * session so that it cannot be used to scan for account names; runs the same full validation as
 * the submit, so the two never disagree.
 */
export async function checkUsernameAvailability(request: Request): Promise<Response> {
  const config = getConfig();
  try {
    const username = new URL(request.url).searchParams.get("username");
    if (username === null) throw new MatrixError("M_MISSING_PARAM", "Missing string query parameter 'username'");
    const secret = readCookie(request, MAPPING_SESSION_COOKIE);
    if (!secret) throw new MatrixError("M_UNKNOWN", "missing session_id");
    // Per session, so one sign-up cannot be turned into a scanner of account names.
    await limitAvailabilityCheck(secret);
    const problem = localpartProblem(username, rulesOf(config));
    // Both look-ups in one statement; the name's answer is used only once the session is known to be valid.
    const { sessionValid, taken } = await lookUpAvailability(secret, problem ? null : qualifyUserId(username, config.server_name));
    if (!sessionValid) throw new MatrixError("M_UNKNOWN", "unknown session");
    if (problem) throw problem;
    const available = !taken;
    metrics()?.availabilityCheck(available ? "available" : "taken");
    return jsonResponse({ available });
  } catch (error) {
    if (error instanceof MatrixError) {
      metrics()?.availabilityCheck(isInvalidUsernameError(error) ? "invalid" : "refused");
      return jsonResponse(error.toJSON(), error.status);
    }
    throw error;
  }
}
