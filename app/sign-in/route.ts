// GET /sign-in – the sign-in page of this service's own pages (account page, OAuth authorization)
// POST /sign-in – its password form, or an IdP button (leaves for the SSO login)
import { ssoRoute } from "@/lib/sso/sso-route";
import { showSignInPage, submitSignIn } from "@/lib/web-session/sign-in";

export const dynamic = "force-dynamic";
export const GET = ssoRoute(showSignInPage);
export const POST = ssoRoute(submitSignIn);
