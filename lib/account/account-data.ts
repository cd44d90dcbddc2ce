// What the account page shows: read through here only, as plain objects. Devices are devices,
// whichever way they were made (a Matrix login or an OAuth grant): the Device table holds them all.
import type { HomeserverConfig } from "../config/schema";
import { db } from "../db/client";
import { listOAuthConsents, type AllowedClient } from "../oauth/consents";
import { iconUrlOf, identityProviderRegistry } from "../sso/registry";

export interface AccountSession {
  deviceId: string;
  displayName: string | null;
  createdAt: Date;
  lastSeenAt: Date | null;
  lastSeenIp: string | null;
  /** The IdP whose login made the device, if any. */
  authProviderId: string | null;
}

export interface LinkedIdentity {
  idpId: string;
  externalId: string;
  linkedAt: Date;
  /** The IdP's name, or null when the IdP is no longer configured. */
  idpName: string | null;
  iconUrl?: string;
}

/** A user_external_ids row as the account page and the admin console show it: with its IdP's name and icon. */
export function linkedIdentityView(
  link: { authProvider: string; externalId: string; createdAt: Date },
  registry: ReturnType<typeof identityProviderRegistry>,
  config: HomeserverConfig,
): LinkedIdentity {
  const provider = registry.get(link.authProvider);
  return {
    idpId: link.authProvider,
    externalId: link.externalId,
    linkedAt: link.createdAt,
    idpName: provider?.name ?? null,
    iconUrl: provider ? iconUrlOf(provider.icon, config, 32) : undefined,
  };
}

export interface AccountOverview {
  userId: string;
  displayName: string | null;
  /** Whether a password can sign this account in here (it has one, and passwords are in use). */
  canUsePassword: boolean;
  sessions: AccountSession[];
  identities: LinkedIdentity[];
  /** OAuth clients the person allowed to skip the consent page next time. */
  allowedApps: AllowedClient[];
}

export function passwordsUsable(config: HomeserverConfig): boolean {
  return config.password_config.enabled === true && config.password_config.localdb_enabled;
}

export async function loadAccountOverview(userId: string, config: HomeserverConfig): Promise<AccountOverview | null> {
  const user = await db().user.findUnique({
    where: { userId },
    select: {
      userId: true,
      displayName: true,
      passwordHash: true,
      deactivated: true,
      devices: {
        select: { deviceId: true, displayName: true, createdAt: true, lastSeenAt: true, lastSeenIp: true, authProviderId: true },
        orderBy: [{ lastSeenAt: { sort: "desc", nulls: "last" } }, { createdAt: "desc" }],
      },
      externalIds: { select: { authProvider: true, externalId: true, createdAt: true }, orderBy: { createdAt: "asc" } },
    },
  });
  if (!user || user.deactivated) return null;
  const registry = identityProviderRegistry(config);
  return {
    allowedApps: await listOAuthConsents(userId),
    userId: user.userId,
    displayName: user.displayName,
    canUsePassword: user.passwordHash !== null && passwordsUsable(config),
    sessions: user.devices,
    identities: user.externalIds.map((link) => linkedIdentityView(link, registry, config)),
  };
}

/**
 * How many ways to sign in an account has: the password (when usable) and the links to IdPs that are
 * still configured. The account page never removes the last one: that would lock the person out.
 */
export function signInMethodsOf(account: { passwordHash: string | null; externalIds: { authProvider: string }[] }, config: HomeserverConfig): number {
  const registry = identityProviderRegistry(config);
  const links = account.externalIds.filter((link) => registry.has(link.authProvider));
  return links.length + (account.passwordHash !== null && passwordsUsable(config) ? 1 : 0);
}
