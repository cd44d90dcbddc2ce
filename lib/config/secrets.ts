// The homeserver's own secrets: which config values are refused, the generated secrets of the demo,
// and one key per purpose derived from the signing secret.
import { hkdfSync, randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";

/** The config keys that hold a secret of this homeserver's (not an upstream's client secret). */
export const HOMESERVER_SECRET_KEYS = ["macaroon_secret_key", "form_secret"] as const;

/**
 * Secret values published in this repository's sample configs. Anyone can read them, so a server
 * that kept one would let anyone forge its admin sessions and SSO state: they are refused at
 * start-up. lib/config/secrets.test.ts checks that every secret in the samples is listed here.
 */
const PUBLISHED_SAMPLE_SECRETS = new Set(["change-me-this-is-only-a-sample-secret"]);

export function isPublishedSampleSecret(value: string): boolean {
  return PUBLISHED_SAMPLE_SECRETS.has(value.trim());
}

export const SAMPLE_SECRET_MESSAGE =
  "is the sample value published in this repository, which anyone can read: set it to a new random value (e.g. the output of `openssl rand -base64 48`)";

/**
 * For `npm run demo` / `npm run dev`: the raw config with every homeserver secret that is missing or
 * a published sample replaced by a random one, generated on first use and kept in `file` (readable by
 * this user only), so sessions survive a restart and worker processes share them.
 */
export function withGeneratedSecrets(raw: Record<string, unknown>, file: string): Record<string, unknown> {
  let stored: Record<string, string> = {};
  if (existsSync(file)) stored = JSON.parse(readFileSync(file, "utf8")) as Record<string, string>;
  const result = { ...raw };
  let changed = false;
  for (const key of HOMESERVER_SECRET_KEYS) {
    const value = raw[key];
    if (typeof value === "string" && !isPublishedSampleSecret(value)) continue;
    if (value === undefined && key !== "macaroon_secret_key") continue;
    if (!stored[key]) {
      stored[key] = randomBytes(36).toString("base64url");
      changed = true;
    }
    result[key] = stored[key];
  }
  if (changed) {
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, `${JSON.stringify(stored, null, 2)}\n`, { mode: 0o600 });
    chmodSync(file, 0o600);
  }
  return result;
}

const derivedKeys = new Map<string, Uint8Array>();

/**
 * A key of its own for one purpose (admin sessions, sealed cookies, …), derived from the signing
 * secret with HKDF-SHA256 and the purpose as label: knowing one purpose's key tells nothing about
 * another's, or about the secret.
 */
export function keyForPurpose(secret: string, purpose: string, length = 32): Uint8Array {
  const cacheKey = `${purpose}\u0000${length}\u0000${secret}`;
  let key = derivedKeys.get(cacheKey);
  if (!key) {
    key = new Uint8Array(hkdfSync("sha256", secret, "matrix-sso-login", purpose, length));
    derivedKeys.set(cacheKey, key);
  }
  return key;
}
