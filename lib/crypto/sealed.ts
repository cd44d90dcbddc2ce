// Sealed values for cookies: encrypted and authenticated (JWE, dir + A256GCM, via jose) with a key
// derived from the homeserver's signing secret, with an expiry. A sealed value cannot be read or
// altered by the browser that carries it, and one sealed for a purpose cannot be replayed for another.
import { EncryptJWT, jwtDecrypt, type JWTPayload } from "jose";
import { keyForPurpose } from "../config/secrets";

const keyFor = (secret: string, purpose: string) => keyForPurpose(secret, `sealed:${purpose}`);

export async function seal(payload: JWTPayload, secret: string, purpose: string, lifetimeSeconds: number): Promise<string> {
  return new EncryptJWT(payload)
    .setProtectedHeader({ alg: "dir", enc: "A256GCM" })
    .setIssuedAt()
    .setExpirationTime(`${lifetimeSeconds}s`)
    .setAudience(purpose)
    .encrypt(keyFor(secret, purpose));
}

/** The payload, or null if the value was not sealed by us for this purpose, was altered, or expired. */
export async function unseal(value: string, secret: string, purpose: string): Promise<JWTPayload | null> {
  try {
    const { payload } = await jwtDecrypt(value, keyFor(secret, purpose), { audience: purpose });
    return payload;
  } catch {
    return null;
  }
}
