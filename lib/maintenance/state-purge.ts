// The background purge that keeps the short-lived tables bounded: every row below has an expiry,
// and a login flow that was abandoned (a closed tab at the IdP, an unused login token, a username
// picker never submitted) would otherwise stay forever. Synapse prunes login tokens on a timer too
// (five minutes after their expiry, kept here); the rest lives in Synapse's memory, or here in the
// database so that flows survive restarts and work across instances (README).
//
// It runs at start-up and then every `state_purge_interval` (default 5m), in the process that owns
// the port: the single server process, or the primary of worker processes. Rows go in batches of
// BATCH_SIZE, each batch its own short transaction with a pause in between, so a purge of a large
// backlog never holds SQLite's write lock (or PostgreSQL row locks) long enough to delay a login.
// With several instances on one PostgreSQL database, each batch first takes a transaction-level
// advisory lock without waiting: an instance that finds it taken leaves this round to the other.
import type { HomeserverConfig } from "../config/schema";
import { databaseProviderOf } from "../db/adapter";
import { databaseUrl, db } from "../db/client";
import { logger } from "../logging/logger";
import { metrics } from "../metrics/recorder";

/** Rows per batch: a few milliseconds of work for either database. */
export const BATCH_SIZE = 500;
/**
 * Pause between batches, so that requests waiting for the database go first: at least this, and at
 * least as long as the batch took, so the purge never has more than half of the process's time (on
 * SQLite a statement holds the event loop while it runs) however busy the machine is.
 */
const PAUSE_MS = 5;
/** The advisory lock key shared by every instance (any constant 64-bit number). */
const PURGE_LOCK_KEY = 0x5e55_1017;

/** Login tokens are kept 5 minutes past expiry, as Synapse's _delete_old_login_tokens does. */
const LOGIN_TOKEN_GRACE_MS = 5 * 60_000;
/** Username-mapping sessions stay an hour past expiry so that a late visitor is offered to start again. */
const MAPPING_SESSION_GRACE_MS = 60 * 60_000;
/** Extra attributes are read by the token exchange within the login token's lifetime. */
const EXTRA_ATTRIBUTES_LIFETIME_MS = 60 * 60_000;

interface PurgeTarget {
  table: string;
  /** The expiry column, and the value below which a row is purged. */
  column: string;
  cutoff(now: number): Date | number;
}

const before = (ms: number) => (now: number) => new Date(now - ms);

// Table and column names are the schema's (prisma/schema.prisma @@map/@map); nothing here comes
// from a request.
const TARGETS: PurgeTarget[] = [
  { table: "login_tokens", column: "expires_at", cutoff: before(LOGIN_TOKEN_GRACE_MS) },
  { table: "username_mapping_sessions", column: "expires_at", cutoff: before(MAPPING_SESSION_GRACE_MS) },
  { table: "sso_handoffs", column: "expires_at", cutoff: before(0) },
  { table: "ui_auth_sessions", column: "expires_at", cutoff: before(0) },
  { table: "saml_requests", column: "expires_at", cutoff: before(0) },
  // The sign-in and account pages' browser sessions and link attempts (lib/web-session, lib/account).
  { table: "account_link_attempts", column: "expires_at", cutoff: before(0) },
  { table: "web_sessions", column: "expires_at", cutoff: before(0) },
  // The OAuth 2.0 provider's codes, tokens, interactions and sessions (lib/oauth/adapter.ts).
  { table: "oauth_objects", column: "expires_at", cutoff: before(0) },
  { table: "sso_extra_attributes", column: "created_at", cutoff: before(EXTRA_ATTRIBUTES_LIFETIME_MS) },
  // A drained bucket is the same as no bucket (lib/ratelimit/shared-buckets.ts); empty_at is in ms.
  { table: "rate_limit_buckets", column: "empty_at", cutoff: (now) => now },
];

/**
 * One bounded delete: a single statement that picks at most BATCH_SIZE expired rows by their
 * physical row ID (SQLite rowid, PostgreSQL ctid) through the expiry index. Both databases compare
 * the timestamps as the Prisma adapters store them (ISO 8601 text on SQLite, timestamp on PostgreSQL).
 */
function batchStatement(target: PurgeTarget, postgres: boolean): string {
  const { table, column } = target;
  return postgres
    ? `DELETE FROM "${table}" WHERE ctid IN (SELECT ctid FROM "${table}" WHERE "${column}" < $1 LIMIT ${BATCH_SIZE} FOR UPDATE SKIP LOCKED)`
    : `DELETE FROM "${table}" WHERE rowid IN (SELECT rowid FROM "${table}" WHERE "${column}" < ? LIMIT ${BATCH_SIZE})`;
}

export interface PurgeResult {
  /** Rows deleted per table. */
  deleted: Record<string, number>;
  /** True when another instance held the purge lock (PostgreSQL) and this run stopped. */
  skipped: boolean;
}

/** One purge run over every table, in bounded batches. */
export async function purgeExpiredState(now: () => number = Date.now): Promise<PurgeResult> {
  const postgres = databaseProviderOf(databaseUrl()) === "postgresql";
  const deleted: Record<string, number> = {};
  for (const target of TARGETS) {
    deleted[target.table] = 0;
    for (;;) {
      const started = performance.now();
      // SQLite has one server process (its workers leave the purge to the primary): no lock.
      const statement = batchStatement(target, postgres);
      const count = postgres
        ? await db().$transaction(async (tx) => {
            const [{ locked }] = await tx.$queryRawUnsafe<{ locked: boolean }[]>(`SELECT pg_try_advisory_xact_lock(${PURGE_LOCK_KEY}) AS locked`);
            return locked ? tx.$executeRawUnsafe(statement, target.cutoff(now())) : null;
          })
        : await db().$executeRawUnsafe(statement, target.cutoff(now()));
      if (count === null) return { deleted, skipped: true };
      deleted[target.table] += count;
      metrics()?.purged(target.table, count);
      if (count < BATCH_SIZE) break;
      await new Promise((resolve) => setTimeout(resolve, Math.max(PAUSE_MS, performance.now() - started)));
    }
  }
  return { deleted, skipped: false };
}

/**
 * Runs the purge now and then every `state_purge_interval`; a run still going when the next is due
 * is not doubled. Returns a function that stops the timer.
 */
export function startStatePurge(config: HomeserverConfig): () => void {
  let running = false;
  const run = async () => {
    if (running) return;
    running = true;
    const started = Date.now();
    try {
      const { deleted, skipped } = await purgeExpiredState();
      const total = Object.values(deleted).reduce((sum, count) => sum + count, 0);
      if (skipped) logger.debug("state purge: another instance is purging; skipped this round");
      else if (total > 0) {
        const tables = Object.entries(deleted).filter(([, count]) => count > 0).map(([table, count]) => `${table} ${count}`);
        logger.info(`state purge: deleted ${total} expired rows (${tables.join(", ")}) in ${Date.now() - started} ms`);
      }
    } catch (error) {
      // The database may be down for a while; the next round tries again.
      logger.warn("state purge failed; retrying at the next interval", error);
    } finally {
      running = false;
    }
  };
  void run();
  const timer = setInterval(() => void run(), config.state_purge_interval);
  timer.unref();
  return () => clearInterval(timer);
}
