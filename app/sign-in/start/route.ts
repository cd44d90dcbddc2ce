// GET /sign-in/start?idp=&next= – an IdP button of the sign-in page: on to that IdP's SSO login
import { ssoRoute } from "@/lib/sso/sso-route";
import { startIdpSignIn } from "@/lib/web-session/sign-in";

export const dynamic = "force-dynamic";
export const GET = ssoRoute(startIdpSignIn);
