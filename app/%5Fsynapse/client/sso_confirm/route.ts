// GET /_synapse/client/sso_confirm – the redirect-confirm page of the browser's waiting hand-off
// POST /_synapse/client/sso_confirm – the person confirmed the hand-off to their client
import { confirmHandoff, showHandoff } from "@/lib/sso/handoff";
import { ssoRoute } from "@/lib/sso/sso-route";

export const dynamic = "force-dynamic";
export const GET = ssoRoute(showHandoff);
export const POST = ssoRoute(confirmHandoff);
