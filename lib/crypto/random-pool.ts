// Random bytes for the secrets and IDs minted per request (tokens, session IDs, OIDC state, nonce and
// PKCE verifier, cipher IVs), drawn from a buffer that node:crypto refills 4 KiB at a time instead of
// one generator call per value.
//
// Why: a call into the generator costs ~20 µs on this machine kind under load whatever its size (the
// 4 KiB refill costs about the same as 32 bytes). In CPU profiles (`npx tsx bench/probe.ts <scenario>
// --cpu-prof`) that was ~3 % of a token login and ~22 % of the SSO redirect to an OpenID Provider,
// which drew four values (BENCHMARKS.md). The bytes come from the same cryptographic generator; each
// byte is handed out once, and a refill overwrites the whole buffer. Node's own randomInt and
// randomUUID keep a cache of random bytes in the same way.
import { randomBytes, randomFillSync } from "node:crypto";

const POOL_BYTES = 4096;

const pool = Buffer.alloc(POOL_BYTES);
/** The first byte not yet handed out; POOL_BYTES means the pool is spent. */
let next = POOL_BYTES;

/**
 * `count` fresh random bytes. The view is only valid until the next call (a refill overwrites it):
 * read it at once, never keep it.
 */
export function takeRandomBytes(count: number): Uint8Array {
  if (count > POOL_BYTES) return randomBytes(count);
  if (next + count > POOL_BYTES) {
    randomFillSync(pool);
    next = 0;
  }
  const bytes = pool.subarray(next, next + count);
  next += count;
  return bytes;
}

/**
 * `count` fresh random bytes as base64url text: the form of the random secrets and IDs the service
 * mints per request.
 */
export function randomBase64Url(count: number): string {
  return Buffer.from(takeRandomBytes(count)).toString("base64url");
}
