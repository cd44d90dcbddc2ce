// POST /_synapse/client/oidc/backchannel_logout – OpenID Connect Back-Channel Logout from an OP
import { handleBackchannelLogout } from "@/lib/sso/providers/oidc/backchannel-logout";

export const dynamic = "force-dynamic";
export const POST = handleBackchannelLogout;
