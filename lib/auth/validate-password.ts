// Login checks (Synapse's AuthHandler.validate_login / _validate_userid_login / _check_local_password):
// identifier normalisation, password auth provider modules, then
// the local database, with rc_login.failed_attempts counted per account or third-party ID.
import type { HomeserverConfig } from "../config/schema";
import { logger } from "../logging/logger";
import { MatrixError } from "../matrix/errors";
import { qualifyUserId } from "../matrix/identifiers";
import { parseMatrixBody } from "../matrix/request-body";
import {
  loginIdentifierTypeSchema,
  passwordLoginFieldsSchema,
  phoneIdentifierSchema,
  thirdPartyIdentifierSchema,
  userIdentifierSchema,
} from "../matrix/request-bodies";
import { loginLimiters } from "../ratelimit/login-limiters";
import { findUserIdByThreepid, findUsersCaseInsensitive, pickCaseInsensitiveMatch } from "../users/users";
import type { LoginCallback } from "../modules/types";
import { loginExtensions } from "./login-extensions";
import { verifyPassword } from "./passwords";

export const forbidden = () => new MatrixError("M_FORBIDDEN", "Invalid username or password");

type Identifier =
  | { kind: "user"; user: string }
  | { kind: "thirdparty"; medium: string; address: string };

/** Normalises the legacy top-level forms and `identifier` as Synapse's validate_login step 2. */
export function loginIdentifierOf(body: Record<string, unknown>): Identifier {
  let identifier: Record<string, unknown>;
  if (body.medium !== undefined && body.address !== undefined) {
    identifier = { type: "m.id.thirdparty", medium: body.medium, address: body.address };
  } else if (body.user !== undefined) {
    identifier = { type: "m.id.user", user: body.user };
  } else if (body.identifier !== undefined && body.identifier !== null && typeof body.identifier === "object" && !Array.isArray(body.identifier)) {
    identifier = body.identifier as Record<string, unknown>;
  } else {
    throw new MatrixError("M_INVALID_PARAM", "Invalid login submission");
  }
  const { type } = parseMatrixBody(loginIdentifierTypeSchema, identifier);

  if (type === "m.id.phone") {
    const { number } = parseMatrixBody(phoneIdentifierSchema, identifier);
    // Phone numbers are looked up as msisdn third-party IDs; without a phone-number library we only
    // accept numbers already in international digits form.
    return { kind: "thirdparty", medium: "msisdn", address: number.replace(/[^0-9]/g, "") };
  }
  if (type === "m.id.thirdparty") {
    const { medium, address } = parseMatrixBody(thirdPartyIdentifierSchema, identifier);
    return { kind: "thirdparty", medium, address: medium === "email" ? address.trim().toLowerCase() : address };
  }
  if (type !== "m.id.user") throw new MatrixError("M_UNKNOWN", "Unknown login identifier type");
  const { user } = parseMatrixBody(userIdentifierSchema, identifier);
  return { kind: "user", user };
}

/** A proven login: the canonical Matrix ID, and the module's callback for the /login response, if any. */
export interface ValidatedLogin {
  userId: string;
  callback: LoginCallback | null;
}

/**
 * Checks an m.login.password submission — for /login and for the UI-auth password stage alike —
 * and returns the canonical Matrix ID it proves. Wrong credentials are a 403 that counts against
 * rc_login.failed_attempts.
 */
export async function validatePasswordSubmission(body: Record<string, unknown>, config: HomeserverConfig): Promise<string> {
  return (await validateLogin(body, "m.login.password", config)).userId;
}

/**
 * Synapse's AuthHandler.validate_login for `loginType`: m.login.password or a type a module
 * registered. Password auth provider modules are asked first (check3pidAuth for a third-party
 * identifier, then the auth checkers of the type, in module order); m.login.password then falls
 * back to the local database unless password_config.localdb_enabled is false. Whether password
 * login is enabled at all is the caller's check.
 */
export async function validateLogin(body: Record<string, unknown>, loginType: string, config: HomeserverConfig): Promise<ValidatedLogin> {
  let password: string | undefined;
  if (loginType === "m.login.password") {
    password = parseMatrixBody(passwordLoginFieldsSchema, body).password;
  }
  const failedAttempts = loginLimiters(config).failedAttempts;
  const identifier = loginIdentifierOf(body);

  let user: string;
  if (identifier.kind === "thirdparty") {
    const key = `${identifier.medium}:${identifier.address}`;
    await failedAttempts.check(key, { consume: false });
    if (password !== undefined) {
      const viaModule = await loginExtensions.check3pidAuth(identifier.medium, identifier.address, password, config);
      if (viaModule) return { userId: viaModule.userId, callback: viaModule.callback };
    }
    const userId = await findUserIdByThreepid(identifier.medium, identifier.address);
    if (!userId) {
      await failedAttempts.record(key);
      throw forbidden();
    }
    user = userId;
  } else {
    user = identifier.user;
  }
  return validateUserIdLogin(user, loginType, body, config);
}

/** Synapse's _validate_userid_login. `user` is passed to modules as the client sent it (maybe unqualified). */
async function validateUserIdLogin(
  user: string,
  loginType: string,
  body: Record<string, unknown>,
  config: HomeserverConfig,
): Promise<ValidatedLogin> {
  const qualified = qualifyUserId(user, config.server_name);
  const failedAttempts = loginLimiters(config).failedAttempts;
  const key = qualified.toLowerCase();
  await failedAttempts.check(key, { consume: false });

  let known = false;
  const fields = loginExtensions.fieldsFor(loginType, config);
  if (fields) {
    known = true;
    const missing = fields.filter((field) => !Object.hasOwn(body, field));
    if (missing.length > 0) {
      throw new MatrixError(
        "M_MISSING_PARAM",
        `Missing parameters for login type ${loginType}: [${missing.map((field) => `'${field}'`).join(", ")}]`,
      );
    }
    const loginDict = Object.fromEntries(fields.map((field) => [field, body[field]]));
    const viaModule = await loginExtensions.checkAuth(user, loginType, loginDict, config);
    if (viaModule) return { userId: viaModule.userId, callback: viaModule.callback };
  }

  if (loginType === "m.login.password" && config.password_config.localdb_enabled) {
    known = true;
    const { user: account, ambiguous } = pickCaseInsensitiveMatch(qualified, await findUsersCaseInsensitive(qualified));
    if (ambiguous) logger.warn(`login: ${qualified} matches more than one user inexactly; refusing`);
    const settings = { pepper: config.password_config.pepper, rounds: config.bcrypt_rounds };
    if (await verifyPassword(body.password as string, account?.passwordHash, settings)) return { userId: account!.userId, callback: null };
  }
  if (!known) throw new MatrixError("M_UNKNOWN", `Unknown login type ${loginType}`);
  await failedAttempts.record(key);
  throw forbidden();
}
