// Password auth provider callbacks (Synapse's PasswordAuthProvider): what modules registered, and
// running it. The registrations are plain data kept on globalThis (state.ts) by the start-up
// process; the run functions below are called from the route bundles, so nothing here throws a
// Matrix error — callers turn the results into responses.
import { logger } from "../logging/logger";
import type {
  AuthChecker,
  AuthResult,
  Check3pidAuth,
  LegacyPasswordProvider,
  LoggedOutDetails,
  LoginCallback,
  ModuleApi,
  OnLoggedOut,
  PasswordAuthProviderCallbacks,
} from "./types";

interface Registered<T> {
  module: string;
  callback: T;
}

export interface PasswordAuthRegistrations {
  /** Login type → its fields, in the order types were first registered. */
  loginTypes: Map<string, string[]>;
  /** Login type → checkers, in module order. */
  authCheckers: Map<string, Registered<AuthChecker>[]>;
  check3pidAuth: Registered<Check3pidAuth>[];
  onLoggedOut: Registered<OnLoggedOut>[];
}

export function emptyRegistrations(): PasswordAuthRegistrations {
  return { loginTypes: new Map(), authCheckers: new Map(), check3pidAuth: [], onLoggedOut: [] };
}

/** A registration a module may not make; start-up stops with the message. */
export class ModuleRegistrationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ModuleRegistrationError";
  }
}

const sameFields = (a: readonly string[], b: readonly string[]) =>
  a.length === b.length && [...a].sort().every((field, index) => field === [...b].sort()[index]);

/** api.registerPasswordAuthProviderCallbacks, with Synapse's checks. */
export function registerCallbacks(
  registrations: PasswordAuthRegistrations,
  module: string,
  callbacks: PasswordAuthProviderCallbacks,
): void {
  if (callbacks === null || typeof callbacks !== "object") {
    throw new ModuleRegistrationError(`${module}: registerPasswordAuthProviderCallbacks expects an object`);
  }
  const checkers = callbacks.authCheckers ?? {};
  if (checkers === null || typeof checkers !== "object" || Array.isArray(checkers)) {
    throw new ModuleRegistrationError(`${module}: authCheckers must be an object keyed by login type`);
  }
  for (const [loginType, registration] of Object.entries(checkers)) {
    const fields = registration?.fields;
    if (!loginType || !Array.isArray(fields) || fields.some((field) => typeof field !== "string")) {
      throw new ModuleRegistrationError(
        `${module} tried to register support for login type ${JSON.stringify(loginType)} but the fields must be a list of strings`,
      );
    }
    if (typeof registration.check !== "function") {
      throw new ModuleRegistrationError(`${module}: authCheckers[${JSON.stringify(loginType)}].check must be a function`);
    }
    const known = registrations.loginTypes.get(loginType);
    if (known && !sameFields(known, fields)) {
      throw new ModuleRegistrationError(
        `${module} tried to register support for login type ${loginType} with fields ${JSON.stringify(fields)}, ` +
          `but another module had already registered that type with fields ${JSON.stringify(known)}`,
      );
    }
    if (!known) registrations.loginTypes.set(loginType, [...fields]);
    const list = registrations.authCheckers.get(loginType) ?? [];
    list.push({ module, callback: registration.check });
    registrations.authCheckers.set(loginType, list);
  }
  for (const key of ["check3pidAuth", "onLoggedOut"] as const) {
    if (callbacks[key] !== undefined && callbacks[key] !== null && typeof callbacks[key] !== "function") {
      throw new ModuleRegistrationError(`${module}: ${key} must be a function`);
    }
  }
  if (callbacks.check3pidAuth) registrations.check3pidAuth.push({ module, callback: callbacks.check3pidAuth });
  if (callbacks.onLoggedOut) registrations.onLoggedOut.push({ module, callback: callbacks.onLoggedOut });
}

/**
 * A legacy `password_providers` module, registered as Synapse's
 * load_single_legacy_password_auth_provider does: checkPassword becomes an m.login.password
 * checker called with the qualified user ID; a bare-string result of checkAuth is accepted.
 */
export function registerLegacyProvider(provider: LegacyPasswordProvider, api: ModuleApi): void {
  const authCheckers: NonNullable<PasswordAuthProviderCallbacks["authCheckers"]> = {};
  if (typeof provider.checkPassword === "function") {
    authCheckers["m.login.password"] = {
      fields: ["password"],
      check: async (username, _loginType, loginDict) => {
        const userId = api.getQualifiedUserId(username);
        const valid = await provider.checkPassword!(userId, loginDict.password as string);
        return valid === true ? userId : null;
      },
    };
  }
  if (typeof provider.checkAuth === "function" && typeof provider.getSupportedLoginTypes === "function") {
    const types = provider.getSupportedLoginTypes() ?? {};
    for (const [loginType, fields] of Object.entries(types)) {
      authCheckers[loginType] = {
        fields: [...fields],
        check: (username, type, loginDict) => provider.checkAuth!(username, type, loginDict),
      };
    }
  }
  api.registerPasswordAuthProviderCallbacks({
    authCheckers,
    ...(typeof provider.check3pidAuth === "function"
      ? { check3pidAuth: (medium: string, address: string, password: string) => provider.check3pidAuth!(medium, address, password) }
      : {}),
    ...(typeof provider.onLoggedOut === "function"
      ? {
          onLoggedOut: (userId: string, deviceId: string | null, accessToken: string | null, details: LoggedOutDetails) =>
            provider.onLoggedOut!(userId, deviceId, accessToken, details),
        }
      : {}),
  });
}

// ---------------------------------------------------------------------------------------------
// Running the callbacks (request time)
// ---------------------------------------------------------------------------------------------

export interface ModuleLogin {
  userId: string;
  callback: LoginCallback | null;
  /** The module that vouched for the user. */
  module: string;
}

/** A checker's answer as a ModuleLogin, or null for "not me" and for anything malformed (logged). */
function interpret(result: AuthResult | unknown, module: string, what: string): ModuleLogin | null {
  if (result === null || result === undefined) return null;
  let userId: unknown;
  let callback: unknown = null;
  if (typeof result === "string") {
    userId = result;
  } else if (Array.isArray(result)) {
    [userId, callback = null] = result;
  } else if (typeof result === "object") {
    ({ userId, callback = null } = result as { userId?: unknown; callback?: unknown });
  }
  if (typeof userId !== "string" || !userId.startsWith("@") || (callback !== null && typeof callback !== "function")) {
    logger.warn(
      `module ${module}: ${what} returned ${describe(result)}; expected a Matrix ID ("@user:server"), ` +
        "{ userId, callback }, [userId, callback] or null. Ignoring it.",
    );
    return null;
  }
  return { userId, callback: (callback as LoginCallback | null) ?? null, module };
}

function describe(value: unknown): string {
  try {
    const text = JSON.stringify(value);
    if (text !== undefined) return text.length > 100 ? `${text.slice(0, 97)}...` : text;
  } catch {
    // fall through
  }
  return typeof value;
}

/**
 * Runs the checkers for `loginType` in module order; the first that vouches for a user wins.
 * A checker that throws is logged and skipped (Synapse).
 */
export async function runAuthCheckers(
  registrations: PasswordAuthRegistrations,
  username: string,
  loginType: string,
  loginDict: Record<string, unknown>,
): Promise<ModuleLogin | null> {
  for (const { module, callback } of registrations.authCheckers.get(loginType) ?? []) {
    let result: unknown;
    try {
      result = await callback(username, loginType, { ...loginDict });
    } catch (error) {
      logger.warn(`module ${module}: auth checker for ${loginType} failed`, error);
      continue;
    }
    const login = interpret(result, module, `auth checker for ${loginType}`);
    if (login) return login;
  }
  return null;
}

/** Runs the check3pidAuth callbacks in module order; the first that vouches for a user wins. */
export async function runCheck3pidAuth(
  registrations: PasswordAuthRegistrations,
  medium: string,
  address: string,
  password: string,
): Promise<ModuleLogin | null> {
  for (const { module, callback } of registrations.check3pidAuth) {
    let result: unknown;
    try {
      result = await callback(medium, address, password);
    } catch (error) {
      logger.warn(`module ${module}: check3pidAuth failed`, error);
      continue;
    }
    const login = interpret(result, module, "check3pidAuth");
    if (login) return login;
  }
  return null;
}

/** Awaits every onLoggedOut callback for one token; one that throws is logged and does not stop the others. */
export async function runOnLoggedOut(
  registrations: PasswordAuthRegistrations,
  userId: string,
  deviceId: string | null,
  accessToken: string | null,
  details: LoggedOutDetails,
): Promise<void> {
  for (const { module, callback } of registrations.onLoggedOut) {
    try {
      await callback(userId, deviceId, accessToken, { ...details });
    } catch (error) {
      logger.warn(`module ${module}: onLoggedOut failed`, error);
    }
  }
}
