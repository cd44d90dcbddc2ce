// The admin console's view of OAuth 2.0 clients (issue 19, point 7): every registered client with
// its name, URIs and registration time, and its sessions (one per grant: whose, which device); an
// admin can end one session or remove a client with all its sessions. The console's loaders and
// actions check the admin themselves before calling these.
import { db } from "../db/client";
import { revokeGrant } from "./adapter";

export interface OAuthClientSession {
  grantId: string;
  userId: string | null;
  deviceId: string | null;
  createdAt: Date;
}

export interface OAuthClientSummary {
  clientId: string;
  clientName: string | null;
  clientUri: string | null;
  redirectUris: string[];
  grantTypes: string[];
  registeredAt: Date;
  sessions: OAuthClientSession[];
}

const text = (value: unknown) => (typeof value === "string" ? value : null);
const texts = (value: unknown) => (Array.isArray(value) ? value.filter((item): item is string => typeof item === "string") : []);

export async function listOAuthClients(): Promise<OAuthClientSummary[]> {
  const [clients, grants] = await Promise.all([
    db().oAuthObject.findMany({ where: { model: "Client" }, orderBy: { createdAt: "desc" }, select: { payload: true, createdAt: true } }),
    db().oAuthObject.findMany({ where: { model: "Grant" }, orderBy: { createdAt: "desc" }, select: { payload: true, createdAt: true } }),
  ]);
  const parsedGrants = grants.map((row) => ({ payload: JSON.parse(row.payload) as Record<string, unknown>, createdAt: row.createdAt }));
  const grantIds = parsedGrants.map((grant) => text(grant.payload.jti)).filter((id): id is string => id !== null);
  const devices = await db().oAuthObject.findMany({
    where: { grantId: { in: grantIds }, deviceId: { not: null } },
    select: { grantId: true, userId: true, deviceId: true },
  });
  const deviceOf = new Map(devices.map((row) => [row.grantId, row]));
  return clients.map((row) => {
    const metadata = JSON.parse(row.payload) as Record<string, unknown>;
    const clientId = text(metadata.client_id) ?? "";
    const issuedAt = typeof metadata.client_id_issued_at === "number" ? new Date(metadata.client_id_issued_at * 1000) : row.createdAt;
    return {
      clientId,
      clientName: text(metadata.client_name),
      clientUri: text(metadata.client_uri),
      redirectUris: texts(metadata.redirect_uris),
      grantTypes: texts(metadata.grant_types),
      registeredAt: issuedAt,
      sessions: parsedGrants
        .filter((grant) => grant.payload.clientId === clientId && typeof grant.payload.jti === "string")
        .map((grant) => {
          const grantId = grant.payload.jti as string;
          const device = deviceOf.get(grantId);
          return { grantId, userId: device?.userId ?? text(grant.payload.accountId), deviceId: device?.deviceId ?? null, createdAt: grant.createdAt };
        }),
    };
  });
}

/** Ends one OAuth session: its tokens and its Matrix device. */
export async function revokeOAuthSession(grantId: string): Promise<void> {
  await revokeGrant(grantId);
}

/** Removes a client: every session of it ends, remembered consents go, and the registration is deleted. */
export async function removeOAuthClient(clientId: string): Promise<void> {
  const client = (await listOAuthClients()).find((candidate) => candidate.clientId === clientId);
  if (!client) return;
  for (const session of client.sessions) await revokeGrant(session.grantId);
  const rows = await db().oAuthObject.findMany({ where: { model: "Client" }, select: { key: true, payload: true } });
  const keys = rows.filter((row) => (JSON.parse(row.payload) as { client_id?: unknown }).client_id === clientId).map((row) => row.key);
  await db().$transaction([
    db().oAuthObject.deleteMany({ where: { key: { in: keys } } }),
    db().oAuthConsent.deleteMany({ where: { clientId } }),
  ]);
}
