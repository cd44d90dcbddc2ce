// POST /_synapse/client/saml2/authn_response – the SAML assertion consumer service (a cross-site form POST from the IdP)
import { handleSamlAuthnResponse, handleSamlUnexpectedGet } from "@/lib/sso/providers/saml/saml-flow";
import { ssoRoute } from "@/lib/sso/sso-route";

export const dynamic = "force-dynamic";
export const GET = ssoRoute(handleSamlUnexpectedGet);
export const POST = ssoRoute(handleSamlAuthnResponse);
