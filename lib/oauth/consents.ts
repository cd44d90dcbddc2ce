// The OAuth 2.0 clients a person has allowed ("remember my answer" of the consent page), for the
// account page: listing them with the client's name, and revoking one so that the client's next
// login asks again. Revoking consent does not end sessions already running (each is a device,
// ended from the sessions list).
import { db } from "../db/client";
import { findClientMetadata } from "./adapter";

export interface AllowedClient {
  clientId: string;
  clientName: string;
  clientUri: string | null;
  allowedAt: Date;
}

export async function listOAuthConsents(userId: string): Promise<AllowedClient[]> {
  const rows = await db().oAuthConsent.findMany({ where: { userId }, orderBy: { createdAt: "asc" } });
  return Promise.all(
    rows.map(async (row) => {
      const client = (await findClientMetadata(row.clientId)) ?? {};
      const clientUri = typeof client.client_uri === "string" ? client.client_uri : null;
      const name = typeof client.client_name === "string" ? client.client_name : clientUri ? new URL(clientUri).host : row.clientId;
      return { clientId: row.clientId, clientName: name, clientUri, allowedAt: row.createdAt };
    }),
  );
}

/** Forgets the person's consent to one client; true if there was one. */
export async function revokeOAuthConsent(userId: string, clientId: string): Promise<boolean> {
  const { count } = await db().oAuthConsent.deleteMany({ where: { userId, clientId } });
  return count > 0;
}
