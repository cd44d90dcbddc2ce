// The Synapse admin API with an OAuth 2.0 access token: being an admin is not enough, the token
// must have been granted urn:synapse:admin:* (asked for by the client, shown on the consent page),
// as MAS and Synapse require. Tokens from /login carry no scope and keep their admin rights.
import { db } from "../db/client";
import { ADMIN_SCOPE } from "./scopes";

/**
 * Whether the access token with this hash may use the admin API as far as its scope goes. Decided
 * from the Matrix access_tokens row (oauth_scope, written with an OAuth token), not from the
 * provider's row: that one may be gone while the token still works, and its absence must not read
 * as "a /login token".
 */
export async function tokenScopeAllowsAdmin(tokenHash: string): Promise<boolean> {
  const row = await db().accessToken.findUnique({ where: { tokenHash }, select: { oauthScope: true } });
  if (!row) return false;
  if (row.oauthScope === null) return true;
  return row.oauthScope.split(" ").includes(ADMIN_SCOPE);
}
