// The subset of Synapse's admin API that concerns accounts and their SSO links
// (docs/admin_api/user_admin_api.md): an admin access token is required.
import { z } from "zod";
import { db } from "../db/client";
import { MatrixError } from "../matrix/errors";
import { jsonResponse, requireJsonObject, type MatrixRequest } from "../matrix/route";
import { parseMatrixBody, synapseWording } from "../matrix/request-body";
import { requireAdmin } from "./require-admin";
import { findUserDetails, listUsers, upsertUser, type UserDetails } from "./user-admin";

type UserSummary = Pick<UserDetails, "userId" | "displayName" | "admin" | "deactivated" | "createdAt">;

function userSummaryJson(user: UserSummary) {
  return {
    name: user.userId,
    displayname: user.displayName,
    admin: user.admin,
    deactivated: user.deactivated,
    is_guest: false,
    creation_ts: user.createdAt.getTime(),
  };
}

function userJson(user: UserDetails) {
  return {
    ...userSummaryJson(user),
    last_seen_ts: user.lastLoginAt?.getTime() ?? null,
    // Synapse's user_consent fields: the policy version agreed to, and when.
    consent_version: user.consentVersion,
    consent_ts: user.consentTs?.getTime() ?? null,
    threepids: user.threepids.map((threepid) => ({
      medium: threepid.medium,
      address: threepid.address,
      added_at: threepid.addedAt.getTime(),
      validated_at: threepid.validatedAt.getTime(),
    })),
    external_ids: user.externalIds.map((link) => ({ auth_provider: link.authProvider, external_id: link.externalId })),
  };
}

export async function getUser({ request, params }: MatrixRequest): Promise<object> {
  await requireAdmin(request);
  const user = await findUserDetails(decodeURIComponent(params.userId));
  if (!user) throw new MatrixError("M_NOT_FOUND", "User not found");
  return userJson(user);
}

const userUpdateSchema = z.object({
  displayname: z.string().nullable().optional(),
  admin: z.boolean().optional(),
  deactivated: z.boolean().optional(),
  password: z.string().min(1).optional(),
  logout_devices: z.boolean().optional(),
  external_ids: z.array(z.object({ auth_provider: z.string().min(1), external_id: z.string().min(1) })).optional(),
  // Synapse requires medium and address in every entry; other keys in an entry are ignored.
  threepids: z.array(z.object({ medium: z.string().min(1), address: z.string().min(1) })).optional(),
});
// Any problem is M_INVALID_PARAM, with zod's explanation of what is wrong where.
synapseWording.add(userUpdateSchema, { explained: "M_INVALID_PARAM" });

export async function putUser({ request, params, json }: MatrixRequest): Promise<Response> {
  await requireAdmin(request);
  const body = parseMatrixBody(userUpdateSchema, requireJsonObject(await json()));
  const userId = decodeURIComponent(params.userId);
  const { created } = await upsertUser(userId, body);
  return jsonResponse(userJson((await findUserDetails(userId))!), created ? 201 : 200);
}

export async function listUsersApi({ request, url }: MatrixRequest): Promise<object> {
  await requireAdmin(request);
  const from = Number(url.searchParams.get("from") ?? "0");
  const limit = Number(url.searchParams.get("limit") ?? "100");
  if (!Number.isInteger(from) || from < 0) throw new MatrixError("M_INVALID_PARAM", "Query parameter from must be a string representing a positive integer.");
  if (!Number.isInteger(limit) || limit < 0 || limit > 1000) throw new MatrixError("M_INVALID_PARAM", "Query parameter limit must be a positive integer of at most 1000.");
  const { users, total } = await listUsers({ from, limit, name: url.searchParams.get("name") ?? undefined });
  return {
    users: users.map(userSummaryJson),
    total,
    ...(from + users.length < total ? { next_token: String(from + users.length) } : {}),
  };
}

export async function findUserByExternalIdApi({ request, params }: MatrixRequest): Promise<object> {
  await requireAdmin(request);
  const link = await db().userExternalId.findUnique({
    where: { authProvider_externalId: { authProvider: decodeURIComponent(params.provider), externalId: decodeURIComponent(params.externalId) } },
  });
  if (!link) throw new MatrixError("M_NOT_FOUND", "User not found");
  return { user_id: link.userId };
}
