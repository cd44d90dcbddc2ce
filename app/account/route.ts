// GET /account[?action=…] – a person's own account page (MSC4191 account_management_uri)
// POST /account – its forms: display name, sign-outs, unlink/link, deactivation, sign out
import { submitAccountForm, showAccountPage } from "@/lib/account/account-page";
import { ssoRoute } from "@/lib/sso/sso-route";

export const dynamic = "force-dynamic";
export const GET = ssoRoute(showAccountPage);
export const POST = ssoRoute(submitAccountForm);
