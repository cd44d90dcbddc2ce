// ui_auth.session_timeout, as Synapse 1.67 honours it (AuthHandler.validate_user_via_ui_auth and
// the access_tokens.last_validated column): each access token remembers when its user last proved
// who they are — the login that created it, or a successful UI-auth made with it — and within the
// window an operation that Synapse marks `can_skip_ui_auth` (deleting devices, and nothing else)
// goes ahead without a new prompt. The window is per token: another device of the same user is
// asked, and so is every other operation (password change, deactivation, login tokens).
import { db } from "../../db/client";

/** True when the token was validated less than `timeoutMs` ago (0: never). */
export async function validatedWithin(tokenId: number, timeoutMs: number, now = Date.now()): Promise<boolean> {
  if (timeoutMs <= 0) return false;
  const token = await db().accessToken.findUnique({ where: { id: tokenId }, select: { createdAt: true, lastValidatedAt: true } });
  if (!token) return false;
  const validatedAt = Math.max(token.createdAt.getTime(), token.lastValidatedAt?.getTime() ?? 0);
  return now - validatedAt < timeoutMs;
}

/** Records a successful UI-auth with this token (Synapse's update_access_token_last_validated). */
export async function markTokenValidated(tokenId: number, at = new Date()): Promise<void> {
  await db().accessToken.updateMany({ where: { id: tokenId }, data: { lastValidatedAt: at } });
}
