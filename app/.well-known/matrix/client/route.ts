// GET /.well-known/matrix/client – how clients discover this homeserver (CORS open, as the spec asks)
import { matrixEndpoint } from "@/lib/matrix/route";
import { getClientWellKnown } from "@/lib/matrix/well-known";

export const dynamic = "force-dynamic";
export const { GET, OPTIONS } = matrixEndpoint({ GET: getClientWellKnown });
