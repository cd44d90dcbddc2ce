// Bearer secrets: generation, storage form and checks.
//
// Tokens keep Synapse's recognisable shape `<prefix>_<b64(localpart)>_<random>_<crc>` (syt_ access,
// syr_ refresh, syl_ login) so that clients and admins can tell them apart, but the random part is
// 43 base62 characters (about 256 bits, from node:crypto's generator through lib/crypto/random-pool.ts)
// rather than Synapse's 20 letters.
// The CRC lets malformed tokens be told from unknown ones without a database look-up.
import { createHash, randomInt } from "node:crypto";
import { crc32 } from "node:zlib";
import { takeRandomBytes } from "../crypto/random-pool";

const BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

export function randomBase62(length: number): string {
  // Rejection sampling over random bytes keeps every character equally likely.
  let out = "";
  while (out.length < length) {
    for (const byte of takeRandomBytes(length * 2)) {
      if (byte < 248 && out.length < length) out += BASE62[byte % 62];
    }
  }
  return out;
}

export function randomUppercaseLetters(length: number): string {
  let out = "";
  for (let i = 0; i < length; i++) out += String.fromCharCode(65 + randomInt(26));
  return out;
}

function base62(value: number, minLength: number): string {
  let out = "";
  let n = value >>> 0;
  do {
    out = BASE62[n % 62] + out;
    n = Math.floor(n / 62);
  } while (n > 0);
  return out.padStart(minLength, "0");
}

export type TokenPrefix = "syt" | "syr" | "syl";

export function generateToken(prefix: TokenPrefix, localpart?: string): string {
  const parts: string[] = [prefix];
  if (localpart !== undefined) parts.push(Buffer.from(localpart, "utf8").toString("base64url").replace(/_/g, "~"));
  parts.push(randomBase62(43));
  const body = parts.join("_");
  return `${body}_${base62(crc32(body), 6)}`;
}

/** True if the token has the given prefix and an intact checksum. */
export function isWellFormedToken(token: string, prefix: TokenPrefix): boolean {
  const lastUnderscore = token.lastIndexOf("_");
  if (lastUnderscore === -1 || !token.startsWith(`${prefix}_`)) return false;
  const body = token.slice(0, lastUnderscore);
  return base62(crc32(body), 6) === token.slice(lastUnderscore + 1);
}

/**
 * What is stored for a bearer secret. The secrets carry 256 bits of randomness, so a plain SHA-256
 * is enough (no salt or stretching needed) and lets a token be found by equality; the comparison is
 * on the digest, so it leaks nothing usable about the secret.
 */
export function hashSecret(secret: string): string {
  return createHash("sha256").update(secret, "utf8").digest("base64url");
}
