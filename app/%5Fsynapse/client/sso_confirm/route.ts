// POST /_synapse/client/sso_confirm – the person confirmed the hand-off to their client
import { confirmHandoff } from "@/lib/sso/handoff";
import { ssoRoute } from "@/lib/sso/sso-route";

export const dynamic = "force-dynamic";
export const POST = ssoRoute(confirmHandoff);
