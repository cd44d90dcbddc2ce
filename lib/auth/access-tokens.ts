// Access tokens: issuing them with their device at login, and authenticating requests with them.
import type { HomeserverConfig } from "../config/schema";
import { db, type Transaction } from "../db/client";
import { MatrixError } from "../matrix/errors";
import { localpartOf } from "../matrix/identifiers";
import { generateToken, hashSecret } from "./secrets";

export interface IssuedTokens {
  accessToken: string;
  refreshToken?: string;
  expiresInMs?: number;
}

/** Lifetimes as Synapse's register_device_inner: refreshable tokens use their own lifetime. */
export function tokenLifetimes(config: HomeserverConfig, refreshable: boolean) {
  const now = Date.now();
  const ultimate = config.session_lifetime === null ? null : now + config.session_lifetime;
  if (refreshable) {
    const accessMs = config.refreshable_access_token_lifetime ?? 0;
    const refreshMs = config.refresh_token_lifetime;
    return {
      accessExpiresAt: capAt(now + accessMs, ultimate),
      refreshExpiresAt: refreshMs === null ? ultimate : capAt(now + refreshMs, ultimate),
      ultimateExpiresAt: ultimate,
    };
  }
  const limits = [config.session_lifetime, config.nonrefreshable_access_token_lifetime].filter(
    (value): value is number => value !== null,
  );
  return {
    accessExpiresAt: limits.length === 0 ? null : now + Math.min(...limits),
    refreshExpiresAt: null,
    ultimateExpiresAt: ultimate,
  };
}

function capAt(value: number, cap: number | null): number {
  return cap === null ? value : Math.min(value, cap);
}

/**
 * A new access token that no refresh token goes with: the row to insert (not yet written, so a
 * login can batch it with its other writes) and what the client is told.
 */
export function newAccessToken(config: HomeserverConfig, userId: string, deviceId: string, ultimateExpiresAt?: number | null) {
  const lifetimes = tokenLifetimes(config, false);
  const ultimate = ultimateExpiresAt === undefined ? lifetimes.ultimateExpiresAt : ultimateExpiresAt;
  const expiresAt = lifetimes.accessExpiresAt === null ? null : capAt(lifetimes.accessExpiresAt, ultimate);
  const accessToken = generateToken("syt", localpartOf(userId));
  const row = { tokenHash: hashSecret(accessToken), userId, deviceId, expiresAt: expiresAt === null ? null : new Date(expiresAt) };
  return { row, issued: issuedTokens(accessToken, expiresAt) };
}

function issuedTokens(accessToken: string, accessExpiresAt: number | null, refreshToken?: string): IssuedTokens {
  return {
    accessToken,
    refreshToken,
    expiresInMs: accessExpiresAt === null ? undefined : Math.max(0, accessExpiresAt - Date.now()),
  };
}

/**
 * Creates an access token and its refresh token for a device inside the caller's transaction, so
 * that a failure leaves neither behind. (An access token alone is `newAccessToken`'s row.)
 */
export async function issueRefreshableTokens(
  tx: Transaction,
  config: HomeserverConfig,
  userId: string,
  deviceId: string,
  ultimateExpiresAt?: number | null,
): Promise<IssuedTokens> {
  const lifetimes = tokenLifetimes(config, true);
  const ultimate = ultimateExpiresAt === undefined ? lifetimes.ultimateExpiresAt : ultimateExpiresAt;
  const accessExpiresAt = lifetimes.accessExpiresAt === null ? null : capAt(lifetimes.accessExpiresAt, ultimate);
  const accessToken = generateToken("syt", localpartOf(userId));
  const refreshToken = generateToken("syr", localpartOf(userId));
  const { id: refreshTokenId } = await tx.refreshToken.create({
    data: {
      tokenHash: hashSecret(refreshToken),
      userId,
      deviceId,
      expiresAt: lifetimes.refreshExpiresAt === null ? null : new Date(capAt(lifetimes.refreshExpiresAt, ultimate)),
      ultimateExpiresAt: ultimate === null ? null : new Date(ultimate),
    },
    select: { id: true },
  });
  await tx.accessToken.createMany({
    data: [{ tokenHash: hashSecret(accessToken), userId, deviceId, expiresAt: accessExpiresAt === null ? null : new Date(accessExpiresAt), refreshTokenId }],
  });
  return issuedTokens(accessToken, accessExpiresAt, refreshToken);
}

export interface Requester {
  userId: string;
  deviceId: string | null;
  tokenHash: string;
  tokenId: number;
}

/** The access token of a request: `Authorization: Bearer` or `?access_token=`, never both. */
export function accessTokenOf(request: Request): string {
  const header = request.headers.get("authorization");
  const query = new URL(request.url).searchParams.get("access_token");
  if (header !== null && query !== null) {
    throw new MatrixError("M_MISSING_TOKEN", "Mixing Authorization headers and access_token query parameters.");
  }
  if (header !== null) {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!match) throw new MatrixError("M_MISSING_TOKEN", "Invalid Authorization header.");
    return match[1];
  }
  if (query !== null && query !== "") return query;
  throw new MatrixError("M_MISSING_TOKEN", "Missing access token");
}

/**
 * Authenticates a request. An expired token is a soft logout (the client may refresh or log in
 * again keeping its device); `allowExpired` lets /logout still accept it, as Synapse does.
 */
export async function authenticateRequest(
  request: Request,
  { allowExpired = false }: { allowExpired?: boolean } = {},
): Promise<Requester> {
  const tokenHash = hashSecret(accessTokenOf(request));
  const token = await db().accessToken.findUnique({
    where: { tokenHash },
    select: { id: true, userId: true, deviceId: true, expiresAt: true, usedAt: true, user: { select: { deactivated: true } } },
  });
  if (!token || token.user.deactivated) {
    throw new MatrixError("M_UNKNOWN_TOKEN", "Invalid access token passed.", { soft_logout: false });
  }
  if (!allowExpired && token.expiresAt !== null && token.expiresAt.getTime() <= Date.now()) {
    throw new MatrixError("M_UNKNOWN_TOKEN", "Access token has expired", { soft_logout: true });
  }
  if (token.usedAt === null) {
    // The first use of a refreshed token retires the refresh token it replaced (see refresh.ts).
    await db().accessToken.updateMany({ where: { id: token.id, usedAt: null }, data: { usedAt: new Date() } });
  }
  return { userId: token.userId, deviceId: token.deviceId, tokenHash, tokenId: token.id };
}
