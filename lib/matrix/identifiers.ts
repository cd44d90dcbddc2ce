// Matrix user identifiers: qualifying, parsing and validating localparts, as Synapse's
// synapse/types (UserID, map_username_to_mxid_localpart) and RegistrationHandler.check_username.
import { MatrixError } from "./errors";

/** Characters Synapse allows in a new localpart (the historical grammar is wider, for old accounts). */
const VALID_LOCALPART = /^[a-z0-9._=\-/+]+$/;
const MAX_USER_ID_LENGTH = 255;

export function qualifyUserId(userOrLocalpart: string, serverName: string): string {
  return userOrLocalpart.startsWith("@") ? userOrLocalpart : `@${userOrLocalpart}:${serverName}`;
}

export function localpartOf(userId: string): string {
  const colon = userId.indexOf(":");
  return userId.slice(1, colon === -1 ? undefined : colon);
}

export function isLocalUserId(userId: string, serverName: string): boolean {
  return userId.startsWith("@") && userId.endsWith(`:${serverName}`) && userId.length > serverName.length + 2;
}

export interface LocalpartRules {
  serverName: string;
  allowUnderscorePrefix?: boolean;
}

/**
 * Why a localpart may not be registered, or null if it may. The same rules run in the
 * username picker's availability check, its submit and the CLI, so that the three never disagree
 * (Synapse only checks the character set in the picker).
 */
/** The longest localpart whose user ID (`@localpart:server_name`) still fits the 255-character limit. */
export function maxLocalpartLength(serverName: string): number {
  return MAX_USER_ID_LENGTH - qualifyUserId("", serverName).length;
}

const INVALID_USERNAME = Symbol.for("matrix-sso-login.InvalidUsernameError");

/**
 * A localpart that may not be registered. On the JSON API it is Synapse's M_INVALID_USERNAME; the
 * SSO pages recognise it by its type (a brand, as it may cross copies of lib/) instead of branching
 * on the wire code.
 */
export class InvalidUsernameError extends MatrixError {
  readonly [INVALID_USERNAME] = true;

  constructor(message: string) {
    super("M_INVALID_USERNAME", message);
  }
}

export function isInvalidUsernameError(error: unknown): error is InvalidUsernameError {
  return typeof error === "object" && error !== null && (error as Record<symbol, unknown>)[INVALID_USERNAME] === true;
}

export function localpartProblem(localpart: string, rules: LocalpartRules): InvalidUsernameError | null {
  if (localpart.length === 0) return new InvalidUsernameError("User ID cannot be empty");
  if (!VALID_LOCALPART.test(localpart)) {
    return new InvalidUsernameError("User ID can only contain characters a-z, 0-9, or '=_-./+'");
  }
  if (localpart.startsWith("_") && !rules.allowUnderscorePrefix) {
    return new InvalidUsernameError("User ID may not begin with _");
  }
  if (/^\d+$/.test(localpart)) {
    return new InvalidUsernameError("Numeric user IDs are reserved for guest users.");
  }
  if (qualifyUserId(localpart, rules.serverName).length > MAX_USER_ID_LENGTH) {
    return new InvalidUsernameError(`User ID may not be longer than ${MAX_USER_ID_LENGTH} characters`);
  }
  return null;
}

/** Bytes a mapped localpart keeps as they are: Synapse's allowed characters without "=" (the escape). */
const isKeptByte = (byte: number) =>
  (byte >= 0x61 && byte <= 0x7a) || (byte >= 0x30 && byte <= 0x39) || byte === 0x5f || byte === 0x2d || byte === 0x2e || byte === 0x2f || byte === 0x2b;
const isAsciiCapital = (byte: number) => byte >= 0x41 && byte <= 0x5a;

/**
 * Turns an arbitrary upstream name into a valid localpart, byte for byte as Synapse's
 * map_username_to_mxid_localpart (synapse/types/__init__.py). Synapse encodes to UTF-8 first and
 * lower-cases the bytes, which touches ASCII capitals only: "É" stays C3 89 and becomes "=c3=89",
 * not the "=c3=a9" of "é". Lower-casing the string first would give existing Synapse users of
 * such names a second, empty account. With caseSensitive, each ASCII capital and "_" gets a leading
 * "_" instead (Synapse's SSO callers use the default, false). Every other byte outside the
 * localpart characters, "=" included, becomes "=" and two lower-case hex digits; a leading "_"
 * (reserved for application services) becomes "=5f".
 */
export function mapUsernameToLocalpart(username: string, caseSensitive = false): string {
  // Python cannot encode a lone surrogate (JSON can carry one) and Synapse's mapper fails; Node
  // would silently encode U+FFFD and invent a name Synapse never gives.
  if (/[\uD800-\uDFFF]/u.test(username)) throw new TypeError("the name contains a lone UTF-16 surrogate");
  let output = "";
  for (const byte of Buffer.from(username, "utf8")) {
    if (caseSensitive && byte === 0x5f) output += "__";
    else if (caseSensitive && isAsciiCapital(byte)) output += `_${String.fromCharCode(byte | 0x20)}`;
    else if (!caseSensitive && isAsciiCapital(byte)) output += String.fromCharCode(byte | 0x20);
    else if (isKeptByte(byte)) output += String.fromCharCode(byte);
    else output += `=${byte.toString(16).padStart(2, "0")}`;
  }
  return output.replace(/^_/, "=5f");
}
