// GET/POST /_synapse/client/new_user_consent — the consent step of a new SSO account (Synapse's
// NewUserConsentResource), when user_consent.require_at_registration is on. It comes after the
// username picker (or straight after the IdP when the mapping provider chose the name), and the
// account is created only when the person agrees: the POST registers from the sign-up session,
// recording the configured policy version, as Synapse's sso_register step does.
import { consentConfigOf, termsUrlOf } from "../consent/consent-config";
import { getConfig } from "../config/load-config";
import { qualifyUserId } from "../matrix/identifiers";
import { renderSsoPage } from "../pages/sso-pages";
import { ACCOUNT_DETAILS_PATH, NEW_USER_CONSENT_PATH } from "./complete-sso-login";
import { recordMappingChoice, recordTermsAccepted } from "./mapping-sessions";
import { browserFormFields, readBrowserForm } from "./browser-form";
import { newUserConsentFormSchema } from "./form-schemas";
import { SsoError } from "./sso-error";
import { registerMappedUser, requireSession } from "./username-picker";

const redirect = (location: string) => new Response(null, { status: 302, headers: { Location: location, "Cache-Control": "no-store" } });

function requireConsentConfig() {
  const consent = consentConfigOf(getConfig());
  // Without user_consent the step does not exist.
  if (!consent) throw new SsoError("not_found", "There is no consent step on this server.", 404);
  return consent;
}

export async function showNewUserConsent(request: Request): Promise<Response> {
  const config = getConfig();
  const consent = requireConsentConfig();
  const { session } = await requireSession(request, config);
  if (!session.chosenLocalpart) throw new SsoError("no_user", "No user name has been selected.");
  return renderSsoPage("new_user_consent", {
    userId: qualifyUserId(session.chosenLocalpart, config.server_name),
    displayName: session.displayName,
    consentVersion: consent.version,
    policyName: consent.policyName,
    termsUrl: termsUrlOf(consent),
    action: NEW_USER_CONSENT_PATH,
  });
}

export async function submitNewUserConsent(request: Request): Promise<Response> {
  const config = getConfig();
  requireConsentConfig();
  const { secret, session } = await requireSession(request, config);
  const { accepted_version: accepted } = browserFormFields(await readBrowserForm(request), newUserConsentFormSchema);
  await recordTermsAccepted(secret, accepted);
  if (!session.chosenLocalpart) return redirect(ACCOUNT_DETAILS_PATH);

  const choice = { localpart: session.chosenLocalpart, useDisplayName: session.useDisplayName, emailsToUse: session.emailsToUse };
  const outcome = await registerMappedUser(secret, { ...session, termsAcceptedVersion: accepted }, choice, config);
  if ("refused" in outcome) {
    // Taken (or refused) since it was chosen: back to the picker, which says why; consent is kept.
    await recordMappingChoice(secret, { chosenLocalpart: choice.localpart, useDisplayName: choice.useDisplayName, emailsToUse: choice.emailsToUse, lastError: outcome.refused });
    return redirect(ACCOUNT_DETAILS_PATH);
  }
  return outcome.response;
}
