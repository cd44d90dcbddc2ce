// The rc_login limiters, the username picker's availability-check limiter and other named limiters
// (sharedLimiter), shared by every route bundle of this process — and, on PostgreSQL, by every
// instance on the database; on SQLite, by every worker process when there are several
// (`worker_processes`).
import { hashSecret } from "../auth/secrets";
import { getConfig } from "../config/load-config";
import type { HomeserverConfig } from "../config/schema";
import { databaseProviderOf } from "../db/adapter";
import { databaseUrl, db } from "../db/client";
import { RateLimiter, type RateLimitSettings } from "./rate-limiter";
import { PostgresBucketStore, SqliteBucketStore, type BucketStore } from "./shared-buckets";
import { processSlot } from "../runtime/process-state";

export interface LoginLimiters {
  address: RateLimiter;
  account: RateLimiter;
  failedAttempts: RateLimiter;
}

// One of each per process, whichever bundle asks (lib/runtime/process-state.ts).
const loginLimitersSlot = processSlot<{ config: HomeserverConfig; limiters: LoginLimiters }>("ratelimit.login");
const availabilityLimiterSlot = processSlot<{ config: HomeserverConfig; limiter: RateLimiter }>("ratelimit.availability-check");
const namedLimitersSlot = processSlot<Map<string, RateLimiter>>("ratelimit.named");
/** null: no shared store, buckets live in this process. */
const bucketStoreSlot = processSlot<BucketStore | null>("ratelimit.bucket-store");

/**
 * The bucket store shared with other processes: always on PostgreSQL (other instances may use the
 * database), on SQLite when this is one of several worker processes; otherwise none, and buckets
 * live in this process only (no database round trip per check).
 */
function sharedStore(): BucketStore | undefined {
  const store = bucketStoreSlot.getOrCreate(() => {
    if (databaseProviderOf(databaseUrl()) === "postgresql") return new PostgresBucketStore(db);
    return getConfig().worker_processes > 1 ? new SqliteBucketStore(db) : null;
  });
  return store ?? undefined;
}

function limiter(settings: RateLimitSettings, namespace: string): RateLimiter {
  const store = sharedStore();
  // Named also without a shared store, for synapse_sso_rate_limit_rejections_total's `limiter`.
  return new RateLimiter(settings, Date.now, store ? { store, namespace } : undefined, namespace);
}

export function loginLimiters(config: HomeserverConfig): LoginLimiters {
  let current = loginLimitersSlot.get();
  if (current?.config !== config) {
    current = {
      config,
      limiters: {
        address: limiter(config.rc_login.address, "rc_login.address"),
        account: limiter(config.rc_login.account, "rc_login.account"),
        failedAttempts: limiter(config.rc_login.failed_attempts, "rc_login.failed_attempts"),
      },
    };
    loginLimitersSlot.set(current);
  }
  return current.limiters;
}

/**
 * Throws (rejects with) M_LIMIT_EXCEEDED, with retry_after_ms, when this mapping session has checked
 * too many names too fast (rc_username_availability). `sessionSecret` is the
 * username_mapping_session cookie's value; only its hash is used as the key.
 */
export async function limitAvailabilityCheck(sessionSecret: string, config: HomeserverConfig = getConfig()): Promise<void> {
  let current = availabilityLimiterSlot.get();
  if (current?.config !== config) {
    current = { config, limiter: limiter(config.rc_username_availability, "pick_username.check") };
    availabilityLimiterSlot.set(current);
  }
  await current.limiter.check(hashSecret(sessionSecret));
}

/**
 * The limiter for `namespace` (e.g. "ui_auth.sessions"), made on first use with `settings`: one per
 * process, shared by every route bundle, and across instances or workers like the others.
 */
export function sharedLimiter(namespace: string, settings: RateLimitSettings): RateLimiter {
  const limiters = namedLimitersSlot.getOrCreate(() => new Map());
  let named = limiters.get(namespace);
  if (!named) {
    named = limiter(settings, namespace);
    limiters.set(namespace, named);
  }
  return named;
}
