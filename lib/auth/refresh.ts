// POST /refresh: exchanges a refresh token for a new access/refresh pair (Synapse's
// RefreshTokenServlet). The old refresh token stays usable until the
// new pair is used, so a client that lost the response can retry; once the new access token has
// authenticated a request, or the new refresh token has itself been refreshed, the old one is
// dead. At most the last two pairs are kept.
import { getConfig } from "../config/load-config";
import { db } from "../db/client";
import { MatrixError } from "../matrix/errors";
import type { MatrixRequest } from "../matrix/route";
import { parseMatrixBody } from "../matrix/request-body";
import { refreshBodySchema } from "../matrix/request-bodies";
import { issueRefreshableTokens } from "./access-tokens";
import { hashSecret, isWellFormedToken } from "./secrets";

const notValidAnymore = () => new MatrixError("M_FORBIDDEN", "refresh token isn't valid anymore");

export async function refreshTokens({ json }: MatrixRequest): Promise<object> {
  const config = getConfig();
  if (config.refreshable_access_token_lifetime === null) throw new MatrixError("M_UNRECOGNIZED", "Unrecognized request");
  const { refresh_token: token } = parseMatrixBody(refreshBodySchema, await json());
  if (!isWellFormedToken(token, "syr")) throw new MatrixError("M_UNKNOWN_TOKEN", "invalid refresh token");

  const row = await db().refreshToken.findUnique({
    where: { tokenHash: hashSecret(token) },
    include: { nextRefreshToken: { include: { accessTokens: { select: { usedAt: true } } } } },
  });
  if (!row) throw new MatrixError("M_UNKNOWN_TOKEN", "refresh token does not exist");
  const successor = row.nextRefreshToken;
  if (successor && (successor.nextRefreshTokenId !== null || successor.accessTokens.some((t) => t.usedAt !== null))) {
    throw notValidAnymore();
  }
  const now = Date.now();
  if (row.expiresAt && row.expiresAt.getTime() <= now) {
    throw new MatrixError("M_FORBIDDEN", "The supplied refresh token has expired");
  }
  if (row.ultimateExpiresAt && row.ultimateExpiresAt.getTime() <= now) {
    throw new MatrixError("M_FORBIDDEN", "The session has expired and can no longer be refreshed");
  }

  const issued = await db().$transaction(async (tx) => {
    const tokens = await issueRefreshableTokens(
      tx,
      config,
      row.userId,
      row.deviceId,
      row.ultimateExpiresAt?.getTime() ?? null,
    );
    const created = await tx.refreshToken.findUniqueOrThrow({
      where: { tokenHash: hashSecret(tokens.refreshToken!) },
      select: { id: true },
    });
    // Conditional on the successor we saw, so two concurrent refreshes cannot both win.
    const { count } = await tx.refreshToken.updateMany({
      where: { id: row.id, nextRefreshTokenId: row.nextRefreshTokenId },
      data: { nextRefreshTokenId: created.id },
    });
    if (count !== 1) throw notValidAnymore();
    // The unused pair issued by an earlier refresh of this token is replaced by the new one.
    if (successor) await tx.refreshToken.delete({ where: { id: successor.id } });
    // Older pairs than this token's own go: keep only the last two.
    const predecessors = await tx.refreshToken.findMany({ where: { nextRefreshTokenId: row.id }, select: { id: true } });
    if (predecessors.length > 0) {
      await tx.refreshToken.deleteMany({ where: { id: { in: predecessors.map((p) => p.id) } } });
    }
    return tokens;
  });

  return {
    access_token: issued.accessToken,
    refresh_token: issued.refreshToken,
    ...(issued.expiresInMs !== undefined ? { expires_in_ms: issued.expiresInMs } : {}),
  };
}
