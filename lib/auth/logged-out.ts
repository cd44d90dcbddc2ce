// Tells password auth provider modules (on_logged_out) about every access token that went away.
// Modules see a hash of the token, not the token: this service never keeps the secret itself.
import { logger } from "../logging/logger";
import type { DeletedToken } from "./devices";

export type LoggedOutCallback = (userId: string, deviceId: string | null, accessTokenHash: string) => Promise<void>;

const holder = globalThis as unknown as { __loggedOutCallbacks?: LoggedOutCallback[] };

export function registerLoggedOutCallback(callback: LoggedOutCallback): void {
  (holder.__loggedOutCallbacks ??= []).push(callback);
}

export async function notifyLoggedOut(tokens: DeletedToken[]): Promise<void> {
  for (const callback of holder.__loggedOutCallbacks ?? []) {
    for (const token of tokens) {
      try {
        await callback(token.userId, token.deviceId, token.tokenHash);
      } catch (error) {
        // As in Synapse, a failing module does not stop the logout.
        logger.warn("on_logged_out callback failed", error);
      }
    }
  }
}
