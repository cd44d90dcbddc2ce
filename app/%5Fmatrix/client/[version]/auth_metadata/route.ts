// GET /_matrix/client/v1/auth_metadata – the OAuth 2.0 authorization server metadata (Matrix v1.15)
import { authMetadata } from "@/lib/oauth/metadata";
import { matrixEndpoint } from "@/lib/matrix/route";

export const dynamic = "force-dynamic";
export const { GET, POST, PUT, DELETE, OPTIONS } = matrixEndpoint({ GET: () => authMetadata() }, { versions: ["v1"] });
