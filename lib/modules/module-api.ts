// The ModuleApi object each module's constructor receives.
import type { HomeserverConfig } from "../config/schema";
import { logger } from "../logging/logger";
import { qualifyUserId } from "../matrix/identifiers";
import { createUser, findUsersCaseInsensitive, pickCaseInsensitiveMatch } from "../users/users";
import { MappingError, RedirectError } from "./errors";
import { registerCallbacks, type PasswordAuthRegistrations } from "./password-auth";
import type { ModuleApi } from "./types";
import { MatrixError } from "../matrix/errors";
import { isUsernameTakenError } from "../users/errors";

export function createModuleApi(module: string, config: HomeserverConfig, registrations: PasswordAuthRegistrations): ModuleApi {
  const qualify = (user: string) => qualifyUserId(user, config.server_name);
  return Object.freeze({
    serverName: config.server_name,
    publicBaseUrl: config.public_baseurl,
    logger: {
      info: (message: string) => logger.info(`module ${module}: ${message}`),
      warn: (message: string, error?: unknown) => logger.warn(`module ${module}: ${message}`, error),
      error: (message: string, error?: unknown) => logger.error(`module ${module}: ${message}`, error),
    },
    MappingError,
    RedirectError,
    getQualifiedUserId: qualify,
    async checkUserExists(userId: string): Promise<string | null> {
      const qualified = qualify(userId);
      const { user } = pickCaseInsensitiveMatch(qualified, await findUsersCaseInsensitive(qualified));
      return user?.userId ?? null;
    },
    async registerUser(localpart: string, displayName?: string | null, emails: string[] = []): Promise<string> {
      const created = await createUser(
        { localpart, displayName: displayName || localpart, emails },
        { serverName: config.server_name, allowUnderscorePrefix: config.allow_underscore_prefixed_localpart },
      ).catch((error: unknown) => {
        // Modules are promised Synapse's errors (M_USER_IN_USE), as Synapse's register_user raises.
        throw isUsernameTakenError(error) ? new MatrixError("M_USER_IN_USE", error.message) : error;
      });
      logger.info(`module ${module} registered ${created.userId}`);
      return created.userId;
    },
    registerPasswordAuthProviderCallbacks(callbacks) {
      registerCallbacks(registrations, module, callbacks);
    },
  } satisfies ModuleApi);
}
