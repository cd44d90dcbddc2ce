// The admin console's view of one user's sessions and sign-in methods (issue 19, point 7): every
// device (legacy logins and OAuth grants alike), every browser session of the sign-in and account
// pages, and the linked upstream identities, each revocable. Loaders and actions in the console
// check the admin themselves (lib/admin/require-admin-session.ts) before calling these.
import { deleteAllDevicesAndTokens } from "../auth/devices";
import { notifyLoggedOut } from "../auth/logged-out";
import { getConfig } from "../config/load-config";
import { db } from "../db/client";
import { identityProviderRegistry } from "../sso/registry";
import { linkedIdentityView, type AccountSession, type LinkedIdentity } from "./account-data";

export interface BrowserSession {
  id: string;
  /** "password" or the IdP's name (its ID if it is no longer configured). */
  method: string;
  createdAt: Date;
  authenticatedAt: Date;
  expiresAt: Date;
}

export interface UserSessions {
  userId: string;
  deactivated: boolean;
  devices: AccountSession[];
  browserSessions: BrowserSession[];
  identities: LinkedIdentity[];
}

export async function findUserSessions(userId: string): Promise<UserSessions | null> {
  const config = getConfig();
  const user = await db().user.findUnique({
    where: { userId },
    select: {
      userId: true,
      deactivated: true,
      devices: {
        select: { deviceId: true, displayName: true, createdAt: true, lastSeenAt: true, lastSeenIp: true, authProviderId: true },
        orderBy: [{ lastSeenAt: { sort: "desc", nulls: "last" } }, { createdAt: "desc" }],
      },
      webSessions: { where: { expiresAt: { gt: new Date() } }, orderBy: { createdAt: "desc" } },
      externalIds: { orderBy: { createdAt: "asc" } },
    },
  });
  if (!user) return null;
  const registry = identityProviderRegistry(config);
  return {
    userId: user.userId,
    deactivated: user.deactivated,
    devices: user.devices,
    browserSessions: user.webSessions.map((session) => ({
      id: session.id,
      method: session.method === "password" ? "password" : (registry.get(session.method)?.name ?? session.method),
      createdAt: session.createdAt,
      authenticatedAt: session.authenticatedAt,
      expiresAt: session.expiresAt,
    })),
    identities: user.externalIds.map((link) => linkedIdentityView(link, registry, config)),
  };
}

/** Every device and every browser session of the user: signed out everywhere. */
export async function revokeAllSessions(userId: string): Promise<void> {
  await notifyLoggedOut(await deleteAllDevicesAndTokens(userId));
  await db().webSession.deleteMany({ where: { userId } });
}

export async function revokeBrowserSession(userId: string, sessionId: string): Promise<void> {
  await db().webSession.deleteMany({ where: { userId, id: sessionId } });
}
