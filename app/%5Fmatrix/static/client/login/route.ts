// GET /_matrix/static/client/login – the login fallback page (password form and SSO buttons, themed)
import { showLoginFallbackPage } from "@/lib/pages/landing-pages";
import { ssoRoute } from "@/lib/sso/sso-route";

export const dynamic = "force-dynamic";
export const GET = ssoRoute(showLoginFallbackPage);
