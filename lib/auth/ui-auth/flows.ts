// Which UI-auth stages a user can complete (Synapse's AuthHandler._get_available_ui_auth_types and
// SsoHandler.get_identity_providers_for_user): a password if they have one and passwords may be
// used, single sign-on if they are linked to a provider that is still configured.
import type { HomeserverConfig } from "../../config/schema";
import { db } from "../../db/client";
import { identityProviderRegistry } from "../../sso/registry";

export const PASSWORD_STAGE = "m.login.password";
export const SSO_STAGE = "m.login.sso";

export async function linkedIdentityProviders(userId: string, config: HomeserverConfig) {
  const registry = identityProviderRegistry(config);
  const links = await db().userExternalId.findMany({ where: { userId }, orderBy: { createdAt: "asc" } });
  return links
    .filter((link) => registry.has(link.authProvider))
    .map((link) => ({ provider: registry.get(link.authProvider)!, externalId: link.externalId }));
}

export async function availableStages(userId: string, config: HomeserverConfig): Promise<string[]> {
  const stages: string[] = [];
  const user = await db().user.findUnique({ where: { userId }, select: { passwordHash: true } });
  const passwordsAllowed = config.password_config.enabled !== false && config.password_config.localdb_enabled;
  if (passwordsAllowed && user?.passwordHash) stages.push(PASSWORD_STAGE);
  if ((await linkedIdentityProviders(userId, config)).length > 0) stages.push(SSO_STAGE);
  return stages;
}
