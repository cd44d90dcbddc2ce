// Admin access for the Synapse-style admin API: a valid access token of an account with the admin flag.
import { authenticateRequest, type Requester } from "../auth/access-tokens";
import { db } from "../db/client";
import { MatrixError } from "../matrix/errors";
import { tokenScopeAllowsAdmin } from "../oauth/admin-scope";

export async function requireAdmin(request: Request): Promise<Requester> {
  const requester = await authenticateRequest(request);
  const user = await db().user.findUnique({ where: { userId: requester.userId }, select: { admin: true } });
  if (!user?.admin) throw new MatrixError("M_FORBIDDEN", "You are not a server admin");
  if (!(await tokenScopeAllowsAdmin(requester.tokenHash))) {
    throw new MatrixError("M_FORBIDDEN", "This access token was not granted the urn:synapse:admin:* scope");
  }
  return requester;
}
