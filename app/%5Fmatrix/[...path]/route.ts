// Any other /_matrix path – JSON 404 M_UNRECOGNIZED, as Synapse answers unknown endpoints
import { matrixEndpoint } from "@/lib/matrix/route";

export const dynamic = "force-dynamic";
export const { GET, POST, PUT, DELETE, OPTIONS } = matrixEndpoint({});
