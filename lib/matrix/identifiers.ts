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
 * (Synapse only checks the character set in the picker: behaviour reference §7.2 quirk 7).
 */
export function localpartProblem(localpart: string, rules: LocalpartRules): MatrixError | null {
  if (localpart.length === 0) return new MatrixError("M_INVALID_USERNAME", "User ID cannot be empty");
  if (!VALID_LOCALPART.test(localpart)) {
    return new MatrixError("M_INVALID_USERNAME", "User ID can only contain characters a-z, 0-9, or '=_-./+'");
  }
  if (localpart.startsWith("_") && !rules.allowUnderscorePrefix) {
    return new MatrixError("M_INVALID_USERNAME", "User ID may not begin with _");
  }
  if (/^\d+$/.test(localpart)) {
    return new MatrixError("M_INVALID_USERNAME", "Numeric user IDs are reserved for guest users.");
  }
  if (qualifyUserId(localpart, rules.serverName).length > MAX_USER_ID_LENGTH) {
    return new MatrixError("M_INVALID_USERNAME", `User ID may not be longer than ${MAX_USER_ID_LENGTH} characters`);
  }
  return null;
}

/**
 * Turns an arbitrary upstream name into a valid localpart, as Synapse's map_username_to_mxid_localpart:
 * upper case is lowered (each capital gets a leading "_" unless caseSensitive is false, which Synapse's
 * SSO callers use), and any other invalid character becomes "=" plus its UTF-8 bytes in hex.
 */
export function mapUsernameToLocalpart(username: string, caseSensitive = false): string {
  let input = username;
  if (caseSensitive) input = input.replace(/[A-Z_]/g, (c) => `_${c.toLowerCase()}`);
  else input = input.toLowerCase();
  let output = "";
  for (const byte of Buffer.from(input, "utf8")) {
    const char = String.fromCharCode(byte);
    output += byte < 0x80 && /[a-z0-9._\-/+]/.test(char) ? char : `=${byte.toString(16).padStart(2, "0")}`;
  }
  // Localparts may not start with "_" (reserved for application services); Synapse prefixes "=5f".
  return output.replace(/^_/, "=5f");
}
