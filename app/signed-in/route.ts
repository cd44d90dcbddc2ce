// GET /signed-in?loginToken= – where the root page's sign-in ends when no client is waiting
import { showSignedInPage } from "@/lib/pages/landing-pages";
import { ssoRoute } from "@/lib/sso/sso-route";

export const dynamic = "force-dynamic";
export const GET = ssoRoute(showSignedInPage);
