// GET / – the root page: what this server is, how to log in from a client, sign-in buttons
import { showHomePage } from "@/lib/pages/landing-pages";
import { ssoRoute } from "@/lib/sso/sso-route";

export const dynamic = "force-dynamic";
export const GET = ssoRoute(showHomePage);
