// GET /_synapse/client/new_user_consent – the consent step of a new SSO account
// POST /_synapse/client/new_user_consent – agree to the policy and create the account
import { showNewUserConsent, submitNewUserConsent } from "@/lib/sso/new-user-consent";
import { ssoRoute } from "@/lib/sso/sso-route";

export const dynamic = "force-dynamic";
export const GET = ssoRoute(showNewUserConsent);
export const POST = ssoRoute(submitNewUserConsent);
