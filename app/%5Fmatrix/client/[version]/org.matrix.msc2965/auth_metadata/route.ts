// GET /_matrix/client/unstable/org.matrix.msc2965/auth_metadata – the same metadata at MSC2965's
// unstable path, which clients built before Matrix v1.15 (Element X among them) still ask first
import { authMetadata } from "@/lib/oauth/metadata";
import { matrixEndpoint } from "@/lib/matrix/route";

export const dynamic = "force-dynamic";
export const { GET, POST, PUT, DELETE, OPTIONS } = matrixEndpoint({ GET: () => authMetadata() }, { versions: ["unstable"] });
