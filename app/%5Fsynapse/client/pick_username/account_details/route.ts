// GET /_synapse/client/pick_username/account_details – the username picker form
// POST /_synapse/client/pick_username/account_details – register with the chosen username
import { ssoRoute } from "@/lib/sso/sso-route";
import { showAccountDetails, submitAccountDetails } from "@/lib/sso/username-picker";

export const dynamic = "force-dynamic";
export const GET = ssoRoute(showAccountDetails);
export const POST = ssoRoute(submitAccountDetails);
