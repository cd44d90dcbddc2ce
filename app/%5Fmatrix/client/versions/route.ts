// GET /_matrix/client/versions – the spec versions served; clients such as Element ask this first
import { matrixEndpoint } from "@/lib/matrix/route";

// v1.15: matrix-js-sdk asks the stable /_matrix/client/v1/auth_metadata (OAuth 2.0, lib/oauth) only then.
export const dynamic = "force-dynamic";
export const { GET, POST, PUT, DELETE, OPTIONS } = matrixEndpoint({
  GET: () => ({ versions: ["r0.6.1", "v1.1", "v1.2", "v1.3", "v1.4", "v1.5", "v1.6", "v1.7", "v1.8", "v1.9", "v1.10", "v1.11", "v1.12", "v1.13", "v1.14", "v1.15"], unstable_features: {} }),
});
