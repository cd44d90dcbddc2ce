// GET /account/link?attempt= – back from the IdP of "Link another sign-in method"
import { finishAccountLink } from "@/lib/account/account-page";
import { ssoRoute } from "@/lib/sso/sso-route";

export const dynamic = "force-dynamic";
export const GET = ssoRoute(finishAccountLink);
