// Tells password auth provider modules (onLoggedOut) about every access token that went away, as
// Synapse's on_logged_out: awaited per token; a module that throws is logged and does not stop
// the logout.
//
// Tokens are stored hashed, so the token itself is only known where the request that logs out
// presented it: the token of /logout, and the caller's own token on /logout/all. For every other
// token the callback gets `accessToken: null`; `details.accessTokenHash` (SHA-256, base64url — how the
// token is stored) is always there.
import { modulesFor } from "../modules/load";
import { runOnLoggedOut } from "../modules/password-auth";
import { getConfig } from "../config/load-config";
import type { DeletedToken } from "./devices";
import { hashSecret } from "./secrets";

export interface NotifyOptions {
  /** The access token the logging-out request presented: passed on as is for the deleted token it matches. */
  presentedToken?: string;
}

export async function notifyLoggedOut(tokens: DeletedToken[], options: NotifyOptions = {}): Promise<void> {
  const registrations = modulesFor(getConfig()).passwordAuth;
  const presentedHash = options.presentedToken === undefined ? undefined : hashSecret(options.presentedToken);
  for (const token of tokens) {
    const accessToken = presentedHash !== undefined && token.tokenHash === presentedHash ? options.presentedToken! : null;
    const details = { accessTokenHash: token.tokenHash };
    await runOnLoggedOut(registrations, token.userId, token.deviceId, accessToken, details);
  }
}
