// oidc-provider's storage, in the database through Prisma (SQLite or PostgreSQL), so that every
// server process and instance sees the same clients, grants, codes and tokens.
//
// Three things happen here besides storing JSON:
// - Bearer secrets are never stored: every row is keyed by the SHA-256 of its model and ID.
// - An access token is also written as a Matrix access token (access_tokens, with its device,
//   created on first issue with the client's name): every Matrix endpoint this service serves then
//   accepts it unchanged (whoami, devices, logout…), and deleting the device or logging out ends
//   the OAuth session: lib/auth/devices.ts deletes the grants on the device with it, and a refresh
//   token whose device is gone is not found (nor does a refresh make the device again).
// - The refresh-token retry rule (MAS issue #2795, "random logouts"): a rotated refresh token may be
//   used again while its successor has not been used (neither the new refresh token at the token
//   endpoint nor the new access token on the Matrix API) — the client never got the response. The
//   unused successor is then discarded. Once the successor was used, the old token is reported as
//   consumed, and oidc-provider revokes the whole grant (and this adapter the device).
import { createHash } from "node:crypto";
import { db } from "../db/client";
import { deleteDevices, upsertDevice } from "../auth/devices";
import { hashSecret } from "../auth/secrets";
import { importOidcProvider } from "../runtime/import-oidc-provider";
import { deviceMayBeClaimed } from "./device-claim";
import { deviceIdOfScope } from "./scopes";

type Payload = Record<string, unknown> & {
  grantId?: string;
  uid?: string;
  userCode?: string;
  accountId?: string;
  scope?: string;
  clientId?: string;
  consumed?: unknown;
  gty?: unknown;
};

/** The models whose IDs are bearer secrets or cookie values. */
const TOKEN_MODELS = new Set(["AccessToken", "RefreshToken", "AuthorizationCode", "RegistrationAccessToken", "DeviceCode", "ClientCredentials", "BackchannelAuthenticationRequest", "PushedAuthorizationRequest"]);

/** The row key: model and hashed ID (a token's hash is the Matrix access_tokens.token_hash too). */
function keyOf(model: string, id: string): string {
  if (TOKEN_MODELS.has(model)) return `${model}:${hashSecret(id)}`;
  return `${model}:${createHash("sha256").update(id, "utf8").digest("base64url")}`;
}

const tokenHashOf = (key: string) => key.slice(key.indexOf(":") + 1);

type Db = ReturnType<typeof db>;
type OAuthRow = NonNullable<Awaited<ReturnType<Db["oAuthObject"]["findUnique"]>>>;

/** A discard that found the state changed since it was read: its transaction rolls back. */
class DiscardLost extends Error {}

/**
 * How long a rotation may take from consuming the refresh token to storing the successor's access
 * token (milliseconds, normally); one still unfinished after this died with its process.
 */
const ROTATION_IN_FLIGHT_MS = 60_000;

function parse(row: { payload: string; consumedAt: Date | null } | null): Payload | undefined {
  if (!row) return undefined;
  const payload = JSON.parse(row.payload) as Payload;
  if (row.consumedAt) payload.consumed = Math.floor(row.consumedAt.getTime() / 1000);
  return payload;
}

/** The client's display name, for the device an access token creates. */
async function clientName(clientId: string | undefined): Promise<string | null> {
  if (!clientId) return null;
  const row = await db().oAuthObject.findUnique({ where: { key: keyOf("Client", clientId) }, select: { payload: true } });
  const name = row ? (JSON.parse(row.payload) as { client_name?: unknown }).client_name : undefined;
  return typeof name === "string" ? name.slice(0, 100) : null;
}

export class PrismaOAuthAdapter {
  constructor(private readonly model: string) {}

  async upsert(id: string, payload: Payload, expiresIn?: number): Promise<void> {
    const key = keyOf(this.model, id);
    const now = new Date();
    const expiresAt = expiresIn ? new Date(now.getTime() + expiresIn * 1000) : null;
    const userId = typeof payload.accountId === "string" ? payload.accountId : null;
    const deviceId = this.model === "AccessToken" || this.model === "RefreshToken" ? deviceIdOfScope(payload.scope) : null;
    const { consumed: _consumed, ...stored } = payload;
    const columns = {
      model: this.model,
      payload: JSON.stringify(stored),
      // A grant is filed under its own ID too, so that whatever ends a session by grant ID (logout,
      // a deleted device, deactivation: lib/auth/devices.ts) deletes the grant with its tokens, instead
      // of leaving which app was allowed what for the grant's ten-year lifetime.
      grantId: this.model === "Grant" ? id : payload.grantId ?? null,
      uid: payload.uid ?? null,
      userCode: payload.userCode ?? null,
      userId,
      deviceId,
      expiresAt,
    };
    if (this.model === "AccessToken" && userId && deviceId) {
      // oidc-provider's gty: the grant types the token came through ("… refresh_token" once refreshed).
      const refreshed = typeof payload.gty === "string" && payload.gty.split(" ").includes("refresh_token");
      await this.issueMatrixToken(key, userId, deviceId, payload.clientId, expiresAt, refreshed, typeof payload.scope === "string" ? payload.scope : "");
    }
    await db().oAuthObject.upsert({ where: { key }, create: { key, createdAt: now, ...columns }, update: columns });
    if (this.model === "RefreshToken" && payload.grantId) {
      // A rotation: the grant's consumed token without a successor is the one this replaces.
      await db().oAuthObject.updateMany({
        where: { model: "RefreshToken", grantId: payload.grantId, consumedAt: { not: null }, successorKey: null, key: { not: key } },
        data: { successorKey: key },
      });
    }
  }

  /**
   * The Matrix side of an access token: its device and an access_tokens row. Only the login (the
   * code or device code exchange) makes the device; a refresh needs it still there, or a refresh
   * in flight while the device was signed out would bring it back.
   */
  private async issueMatrixToken(key: string, userId: string, deviceId: string, clientId: string | undefined, expiresAt: Date | null, refreshed: boolean, oauthScope: string) {
    if (refreshed) {
      // One statement, no read first: the device's foreign key refuses the row once the device is
      // gone. (A transaction that read the device, then wrote, failed with SQLITE_BUSY when another
      // worker process had written in between.)
      try {
        await db().accessToken.create({ data: { tokenHash: tokenHashOf(key), userId, deviceId, expiresAt, createdAt: new Date(), oauthScope } });
      } catch (error) {
        if ((error as { code?: unknown }).code !== "P2003") throw error;
        const { errors } = await importOidcProvider<{ errors: Record<string, new (description?: string) => Error> }>();
        throw new errors.InvalidGrant("the session was signed out");
      }
      return;
    }
    // Checked at consent too (interaction.ts); again here, as a /login may have named the device since.
    if (!(await deviceMayBeClaimed(userId, deviceId, clientId ?? ""))) {
      const { errors } = await importOidcProvider<{ errors: Record<string, new (description?: string) => Error> }>();
      throw new errors.InvalidGrant("the device ID is already used by another session of this account");
    }
    const displayName = await clientName(clientId);
    await db().$transaction([
      upsertDevice(db(), userId, deviceId, { displayName }),
      // created_at set here, to the millisecond, as the retry rule compares it with the refresh token's.
      db().accessToken.create({ data: { tokenHash: tokenHashOf(key), userId, deviceId, expiresAt, createdAt: new Date(), oauthScope } }),
    ]);
  }

  async find(id: string): Promise<Payload | undefined> {
    const key = keyOf(this.model, id);
    const row = await db().oAuthObject.findUnique({ where: { key } });
    if (!row) return undefined;
    if (this.model === "RefreshToken") return this.findRefreshToken(row);
    return parse(row);
  }

  /**
   * What a refresh token's stored state means for the request that presents it. Rotating a token
   * writes, in order: the token's consumedAt (consume(), the single-use guard), the successor
   * refresh token with the link to it (upsert), then the successor's access token. A second request
   * may read the token at any point of that, so "consumed" alone decides nothing:
   * - consumed, successor (or its access token) already used: a replay; returned consumed, and
   *   oidc-provider revokes the whole grant.
   * - consumed, rotation still being written (no successor yet, or no access token with it): a
   *   request at the same time as the winner. Returned unconsumed, so that consume() refuses it
   *   (invalid_grant) without revoking the winner's session.
   * - consumed, rotation written, successor unused: a retry after a lost response (the module
   *   comment); the successor is discarded by conditional writes in one transaction, so of two
   *   retries at once exactly one discards, and consume() then lets exactly one rotate.
   * A rotation unfinished after ROTATION_IN_FLIGHT_MS died with its process: it counts as written.
   */
  private async findRefreshToken(first: OAuthRow): Promise<Payload | undefined> {
    // Logged out, or the device deleted: the session is over, whatever the token says.
    if (first.userId && first.deviceId) {
      const device = await db().device.findUnique({ where: { userId_deviceId: { userId: first.userId, deviceId: first.deviceId } }, select: { deviceId: true } });
      if (!device) return undefined;
    }
    let row = first;
    // Another pass, reading the token afresh, only when a concurrent request changed it.
    for (let pass = 0; pass < 3; pass++) {
      if (pass > 0) {
        const fresh = await db().oAuthObject.findUnique({ where: { key: first.key } });
        if (!fresh) return undefined;
        row = fresh;
      }
      if (!row.consumedAt) return parse(row);
      const stale = Date.now() - row.consumedAt.getTime() > ROTATION_IN_FLIGHT_MS;
      const unconsumed = parse({ ...row, consumedAt: null });
      if (!row.successorKey) {
        if (stale) await db().oAuthObject.updateMany({ where: { key: row.key, successorKey: null, consumedAt: { lte: new Date(Date.now() - ROTATION_IN_FLIGHT_MS) } }, data: { consumedAt: null } });
        // In flight: consume() refuses it. Stale: it was made unconsumed just now (or by another
        // request, which consume() then decides against).
        return unconsumed;
      }
      const successor = await db().oAuthObject.findUnique({ where: { key: row.successorKey } });
      if (!successor) {
        // Gone (expired, or discarded by a retry at the same time): only the former is a replay.
        const now = await db().oAuthObject.findUnique({ where: { key: row.key }, select: { successorKey: true } });
        if (now?.successorKey === row.successorKey) return parse(row);
        continue;
      }
      if (successor.consumedAt || (await this.successorAccessTokenUsed(successor))) return parse(row);
      if (!stale && !(await this.successorAccessTokenIssued(successor))) return unconsumed;
      if (await this.discardSuccessor(row.key, successor)) return unconsumed;
    }
    // Changed under us on every pass: another request is rotating it; consume() decides.
    return parse({ ...row, consumedAt: null });
  }

  /**
   * Whether an access token issued with (or after) the successor refresh token authenticated a
   * Matrix request. Read from access_tokens (used_at, set by the Matrix API on first use), whose
   * rows outlive the provider's short-lived access token rows.
   */
  private async successorAccessTokenUsed(successor: { userId: string | null; deviceId: string | null; createdAt: Date }, client: Pick<Db, "accessToken"> = db()): Promise<boolean> {
    if (!successor.userId || !successor.deviceId) return false;
    const used = await client.accessToken.count({
      where: { userId: successor.userId, deviceId: successor.deviceId, createdAt: { gte: successor.createdAt }, usedAt: { not: null } },
    });
    return used > 0;
  }

  /** Whether the rotation that made the successor has stored its access token: its last write. */
  private async successorAccessTokenIssued(successor: { grantId: string | null; createdAt: Date }): Promise<boolean> {
    const issued = await db().oAuthObject.count({ where: { model: "AccessToken", grantId: successor.grantId ?? "", createdAt: { gte: successor.createdAt } } });
    return issued > 0;
  }

  /**
   * Drops an unused successor and makes the token unconsumed, if nothing changed since it was read:
   * the token still links to this successor, the successor is still unconsumed and its access token
   * still unused. Each check is a conditional write or a read after one, in one transaction, so two
   * retries cannot both discard (nor one discard what a refresh with the successor just consumed).
   */
  private async discardSuccessor(key: string, successor: OAuthRow): Promise<boolean> {
    const since = { gte: successor.createdAt };
    try {
      await db().$transaction(async (tx) => {
        const unlinked = await tx.oAuthObject.updateMany({ where: { key, successorKey: successor.key }, data: { consumedAt: null, successorKey: null } });
        if (unlinked.count !== 1) throw new DiscardLost();
        const dropped = await tx.oAuthObject.deleteMany({ where: { key: successor.key, consumedAt: null } });
        if (dropped.count !== 1 || (await this.successorAccessTokenUsed(successor, tx))) throw new DiscardLost();
        if (successor.userId && successor.deviceId) await tx.accessToken.deleteMany({ where: { userId: successor.userId, deviceId: successor.deviceId, createdAt: since } });
        await tx.oAuthObject.deleteMany({ where: { model: "AccessToken", grantId: successor.grantId ?? "", createdAt: since } });
      });
      return true;
    } catch (error) {
      if (error instanceof DiscardLost) return false;
      throw error;
    }
  }

  async findByUid(uid: string): Promise<Payload | undefined> {
    const row = await db().oAuthObject.findFirst({ where: { model: this.model, uid } });
    return parse(row);
  }

  async findByUserCode(userCode: string): Promise<Payload | undefined> {
    const row = await db().oAuthObject.findFirst({ where: { model: this.model, userCode } });
    return parse(row);
  }

  /**
   * Only the first use consumes: two requests with the same refresh token (or code) at once both
   * found it unconsumed, and both would go on to issue tokens — two sessions from one. The second
   * is refused (invalid_grant) here. (A retry after a lost response comes later, finds the token
   * consumed with an unused successor, and findRefreshToken has made it unconsumed again.)
   */
  async consume(id: string): Promise<void> {
    const { count } = await db().oAuthObject.updateMany({ where: { key: keyOf(this.model, id), consumedAt: null }, data: { consumedAt: new Date() } });
    if (count !== 1) {
      const { errors } = await importOidcProvider<{ errors: Record<string, new (description?: string) => Error> }>();
      throw new errors.InvalidGrant("this grant was used by another request at the same time");
    }
  }

  async destroy(id: string): Promise<void> {
    const key = keyOf(this.model, id);
    await db().oAuthObject.deleteMany({ where: { key } });
    if (this.model === "AccessToken") await db().accessToken.deleteMany({ where: { tokenHash: tokenHashOf(key) } });
  }

  /** A grant revoked (revocation, code or refresh token replay, logout): its tokens and device go. */
  async revokeByGrantId(grantId: string): Promise<void> {
    await revokeGrant(grantId);
  }
}

/** Ends an OAuth session: every stored object of the grant, and the Matrix device with its tokens. */
export async function revokeGrant(grantId: string): Promise<void> {
  const rows = await db().oAuthObject.findMany({ where: { grantId }, select: { key: true, model: true, userId: true, deviceId: true } });
  const device = rows.find((row) => row.userId && row.deviceId);
  const accessTokenHashes = rows.filter((row) => row.model === "AccessToken").map((row) => tokenHashOf(row.key));
  await db().$transaction([
    db().accessToken.deleteMany({ where: { tokenHash: { in: accessTokenHashes } } }),
    db().oAuthObject.deleteMany({ where: { grantId } }),
    db().oAuthObject.deleteMany({ where: { key: keyOf("Grant", grantId) } }),
  ]);
  if (device?.userId && device.deviceId) await deleteDevices(device.userId, [device.deviceId]);
}

/** The client ID a token belongs to (revocation without client authentication), or null. */
export async function clientIdOfToken(token: string): Promise<string | null> {
  const rows = await db().oAuthObject.findMany({
    where: { key: { in: [keyOf("AccessToken", token), keyOf("RefreshToken", token)] } },
    select: { payload: true },
  });
  const clientId = rows[0] ? (JSON.parse(rows[0].payload) as Payload).clientId : undefined;
  return typeof clientId === "string" ? clientId : null;
}

/** The stored metadata of a client, or null. */
export async function findClientMetadata(clientId: string): Promise<Record<string, unknown> | null> {
  const row = await db().oAuthObject.findUnique({ where: { key: keyOf("Client", clientId) }, select: { payload: true } });
  return row ? (JSON.parse(row.payload) as Record<string, unknown>) : null;
}
