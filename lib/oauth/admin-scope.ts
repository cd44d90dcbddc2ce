// The Synapse admin API with an OAuth 2.0 access token: being an admin is not enough, the token
// must have been granted urn:synapse:admin:* (asked for by the client, shown on the consent page),
// as MAS and Synapse require. Tokens from /login carry no scope and keep their admin rights.
import { db } from "../db/client";
import { ADMIN_SCOPE } from "./scopes";

/** Whether the access token with this hash may use the admin API as far as its scope goes. */
export async function tokenScopeAllowsAdmin(tokenHash: string): Promise<boolean> {
  const row = await db().oAuthObject.findUnique({ where: { key: `AccessToken:${tokenHash}` }, select: { payload: true } });
  if (!row) return true;
  const scope = (JSON.parse(row.payload) as { scope?: unknown }).scope;
  return typeof scope === "string" && scope.split(" ").includes(ADMIN_SCOPE);
}
