// Random bytes for the secrets and IDs minted per request (tokens, session IDs, OIDC state, nonce and
// PKCE verifier, cipher IVs), drawn from a buffer that node:crypto refills 4 KiB at a time instead of
// one generator call per value.
//
// Why: a call into the generator costs ~20 µs on this machine kind under load whatever its size (the
// 4 KiB refill costs about the same as 32 bytes). In CPU profiles (`npx tsx bench/probe.ts <scenario>
// --cpu-prof`) that was ~3 % of a token login and ~22 % of the SSO redirect to an OpenID Provider,
// which drew four values (BENCHMARKS.md). The bytes come from the same cryptographic generator; each
// byte is handed out once and wiped as it goes, and a refill overwrites the whole buffer. Node's own
// randomInt and randomUUID keep a cache of random bytes in the same way.
import { randomBytes, randomFillSync } from "node:crypto";

const POOL_BYTES = 4096;

const pool = Buffer.alloc(POOL_BYTES);
/** The first byte not yet handed out; POOL_BYTES means the pool is spent. */
let next = POOL_BYTES;

/**
 * Gives `read` the bytes start..end of a buffer holding `count` fresh random bytes, and returns what
 * it made of them. Taken from the pool (refilled first if they do not fit), they are wiped as soon as
 * `read` returns, so no other caller sees them and an issued secret does not stay in the pool until
 * the next refill; a count larger than the pool gets a buffer of its own.
 */
function draw<T>(count: number, read: (bytes: Buffer, start: number, end: number) => T): T {
  if (!Number.isSafeInteger(count) || count < 0) throw new RangeError(`random byte count must be a non-negative integer, got ${count}`);
  if (count > POOL_BYTES) return read(randomBytes(count), 0, count);
  if (next + count > POOL_BYTES) {
    randomFillSync(pool);
    next = 0;
  }
  const start = next;
  next += count;
  const value = read(pool, start, next);
  pool.fill(0, start, next);
  return value;
}

/** `count` fresh random bytes, in a buffer of their own. */
export function takeRandomBytes(count: number): Buffer {
  return draw(count, (bytes, start, end) => Buffer.from(bytes.subarray(start, end)));
}

/**
 * `count` fresh random bytes as base64url text: the form of the random secrets and IDs the service
 * mints per request.
 */
export function randomBase64Url(count: number): string {
  return draw(count, (bytes, start, end) => bytes.toString("base64url", start, end));
}
