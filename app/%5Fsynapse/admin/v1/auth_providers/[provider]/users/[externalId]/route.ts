// GET /_synapse/admin/v1/auth_providers/{provider}/users/{externalId} – who an upstream identity belongs to (admin token)
import { findUserByExternalIdApi } from "@/lib/admin/admin-api";
import { matrixEndpoint } from "@/lib/matrix/route";

export const dynamic = "force-dynamic";
export const { GET, POST, PUT, DELETE, OPTIONS } = matrixEndpoint({ GET: findUserByExternalIdApi });
