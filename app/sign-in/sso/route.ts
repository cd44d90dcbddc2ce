// GET /sign-in/sso?attempt=&loginToken= – where an IdP sign-in started on /sign-in comes back
import { ssoRoute } from "@/lib/sso/sso-route";
import { finishSsoSignIn } from "@/lib/web-session/sign-in";

export const dynamic = "force-dynamic";
export const GET = ssoRoute(finishSsoSignIn);
