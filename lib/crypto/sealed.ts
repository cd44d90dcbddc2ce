// Sealed values for cookies: encrypted and authenticated (JWE, dir + A256GCM, via jose) with a key
// derived from the homeserver's signing secret, with an expiry. A sealed value cannot be read or
// altered by the browser that carries it, and one sealed for a purpose cannot be replayed for another.
import { EncryptJWT, jwtDecrypt, type JWTPayload } from "jose";
import { keyForPurpose } from "../config/secrets";

/**
 * The purpose's key as a WebCrypto key, imported once: given raw bytes, jose imports them again on
 * every call (a quarter of the CPU of sealing the SSO redirect's state cookie). keyForPurpose
 * returns the same bytes for the same secret and purpose, which key this cache.
 */
const importedKeys = new WeakMap<Uint8Array, Promise<CryptoKey>>();

function keyFor(secret: string, purpose: string): Promise<CryptoKey> {
  const raw = keyForPurpose(secret, `sealed:${purpose}`);
  let key = importedKeys.get(raw);
  if (!key) {
    key = crypto.subtle.importKey("raw", raw as Uint8Array<ArrayBuffer>, { name: "AES-GCM" }, false, ["encrypt", "decrypt"]);
    importedKeys.set(raw, key);
  }
  return key;
}

export async function seal(payload: JWTPayload, secret: string, purpose: string, lifetimeSeconds: number): Promise<string> {
  return new EncryptJWT(payload)
    .setProtectedHeader({ alg: "dir", enc: "A256GCM" })
    .setIssuedAt()
    .setExpirationTime(`${lifetimeSeconds}s`)
    .setAudience(purpose)
    .encrypt(await keyFor(secret, purpose));
}

/** The payload, or null if the value was not sealed by us for this purpose, was altered, or expired. */
export async function unseal(value: string, secret: string, purpose: string): Promise<JWTPayload | null> {
  try {
    const { payload } = await jwtDecrypt(value, await keyFor(secret, purpose), { audience: purpose });
    return payload;
  } catch {
    return null;
  }
}
