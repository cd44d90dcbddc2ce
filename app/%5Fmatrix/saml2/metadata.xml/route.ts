// GET /_matrix/saml2/metadata.xml – this service provider's SAML metadata
import { handleSamlMetadata } from "@/lib/sso/providers/saml/saml-flow";
import { ssoRoute } from "@/lib/sso/sso-route";

export const dynamic = "force-dynamic";
export const GET = ssoRoute(handleSamlMetadata);
