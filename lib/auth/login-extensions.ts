// What /login asks of password auth provider modules (lib/modules): the login types they handle,
// their auth checkers and their check3pidAuth callbacks, in module order.
import { getConfig } from "../config/load-config";
import type { HomeserverConfig } from "../config/schema";
import { modulesFor } from "../modules/load";
import { runAuthCheckers, runCheck3pidAuth, type ModuleLogin } from "../modules/password-auth";

export type { ModuleLogin };

const registrations = (config: HomeserverConfig) => modulesFor(config).passwordAuth;

export const loginExtensions = {
  /** Every login type a module registered, with its required fields, in registration order. */
  loginTypes(config: HomeserverConfig = getConfig()): ReadonlyMap<string, readonly string[]> {
    return registrations(config).loginTypes;
  },

  /** The fields a module login type needs, or undefined when no module handles the type. */
  fieldsFor(loginType: string, config: HomeserverConfig = getConfig()): readonly string[] | undefined {
    return registrations(config).loginTypes.get(loginType);
  },

  /** The auth checkers for `loginType`, in module order: the first user a module vouches for, or null. */
  checkAuth(
    username: string,
    loginType: string,
    loginDict: Record<string, unknown>,
    config: HomeserverConfig = getConfig(),
  ): Promise<ModuleLogin | null> {
    return runAuthCheckers(registrations(config), username, loginType, loginDict);
  },

  /** The check3pidAuth callbacks, in module order: the first user a module vouches for, or null. */
  check3pidAuth(medium: string, address: string, password: string, config: HomeserverConfig = getConfig()): Promise<ModuleLogin | null> {
    return runCheck3pidAuth(registrations(config), medium, address, password);
  },
};
