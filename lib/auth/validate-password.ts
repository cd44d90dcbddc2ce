// Password checks (Synapse's AuthHandler.validate_login / _check_local_password, behaviour
// reference §4.8): identifier normalisation, password auth provider modules, then the local
// database, with rc_login.failed_attempts counted per account or third-party ID.
import type { HomeserverConfig } from "../config/schema";
import { logger } from "../logging/logger";
import { MatrixError } from "../matrix/errors";
import { qualifyUserId } from "../matrix/identifiers";
import { loginLimiters } from "../ratelimit/login-limiters";
import { findUserIdByThreepid, findUsersCaseInsensitive, pickCaseInsensitiveMatch } from "../users/users";
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
  if (identifier.type === undefined) throw new MatrixError("M_MISSING_PARAM", "'identifier' dict has no key 'type'");

  if (identifier.type === "m.id.phone") {
    const number = identifier.phone ?? identifier.number;
    if (typeof identifier.country !== "string" || typeof number !== "string") {
      throw new MatrixError("M_INVALID_PARAM", "Invalid phone-type identifier");
    }
    // Phone numbers are looked up as msisdn third-party IDs; without a phone-number library we only
    // accept numbers already in international digits form.
    return { kind: "thirdparty", medium: "msisdn", address: number.replace(/[^0-9]/g, "") };
  }
  if (identifier.type === "m.id.thirdparty") {
    if (typeof identifier.medium !== "string" || typeof identifier.address !== "string") {
      throw new MatrixError("M_UNKNOWN", "Invalid thirdparty identifier");
    }
    const address = identifier.medium === "email" ? identifier.address.trim().toLowerCase() : identifier.address;
    return { kind: "thirdparty", medium: identifier.medium, address };
  }
  if (identifier.type !== "m.id.user") throw new MatrixError("M_UNKNOWN", "Unknown login identifier type");
  if (typeof identifier.user !== "string" || identifier.user === "") {
    throw new MatrixError("M_UNKNOWN", "User identifier is missing 'user' key");
  }
  return { kind: "user", user: identifier.user };
}

/**
 * Checks an m.login.password submission — for /login and for the UI-auth password stage alike —
 * and returns the canonical Matrix ID it proves. Wrong credentials are a 403 that counts against
 * rc_login.failed_attempts.
 */
export async function validatePasswordSubmission(body: Record<string, unknown>, config: HomeserverConfig): Promise<string> {
  if (typeof body.password !== "string") throw new MatrixError("M_INVALID_PARAM", "Bad parameter: password");
  const password = body.password;
  const failedAttempts = loginLimiters(config).failedAttempts;
  const identifier = loginIdentifierOf(body);

  if (identifier.kind === "thirdparty") {
    const key = `${identifier.medium}:${identifier.address}`;
    failedAttempts.check(key, { consume: false });
    const viaModule = await loginExtensions.checkThreepidPassword(identifier.medium, identifier.address, password);
    if (viaModule) return viaModule;
    const userId = await findUserIdByThreepid(identifier.medium, identifier.address);
    if (!userId) {
      failedAttempts.record(key);
      throw forbidden();
    }
    return checkUserPassword(userId, password, body, config);
  }
  return checkUserPassword(identifier.user, password, body, config);
}

async function checkUserPassword(
  user: string,
  password: string,
  body: Record<string, unknown>,
  config: HomeserverConfig,
): Promise<string> {
  const qualified = qualifyUserId(user, config.server_name);
  const failedAttempts = loginLimiters(config).failedAttempts;
  const key = qualified.toLowerCase();
  failedAttempts.check(key, { consume: false });

  const viaModule = await loginExtensions.checkPassword(user, qualified, password, body);
  if (viaModule) return viaModule;

  if (config.password_config.localdb_enabled) {
    const { user: account, ambiguous } = pickCaseInsensitiveMatch(qualified, await findUsersCaseInsensitive(qualified));
    if (ambiguous) logger.warn(`login: ${qualified} matches more than one user inexactly; refusing`);
    const settings = { pepper: config.password_config.pepper, rounds: config.bcrypt_rounds };
    if (await verifyPassword(password, account?.passwordHash, settings)) return account!.userId;
  }
  failedAttempts.record(key);
  throw forbidden();
}

