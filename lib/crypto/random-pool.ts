// Random bytes for the secrets minted on hot paths (an access token per login), drawn from a buffer
// that node:crypto refills 4 KiB at a time instead of one randomBytes call per secret.
//
// Why: each randomBytes call goes through OpenSSL's generator and allocates a fresh buffer; in a CPU
// profile of token login (`npx tsx bench/probe.ts token_login --cpu-prof`) that was ~3 % of the
// request, for 86 bytes. One fill of 4 KiB serves ~47 tokens. The bytes come from the same
// cryptographic generator; each byte is handed out once, and a refill overwrites the whole buffer.
// Node's own randomInt keeps a cache of random bytes in the same way.
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
