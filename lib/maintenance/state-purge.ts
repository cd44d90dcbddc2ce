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
import { databaseUrl, db, type Transaction } from "../db/client";
import { logger } from "../logging/logger";
import { metrics } from "../metrics/recorder";

/** Rows per batch: a few milliseconds of work for either database. */
export const BATCH_SIZE = 500;
/** Pause between batches, so that requests waiting for the database go first. */
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
  /** Deletes up to `limit` expired rows; returns how many went. */
  purgeBatch(tx: Transaction, now: number, limit: number): Promise<number>;
}

const before = (now: number, ms = 0) => new Date(now - ms);

/** Keys first, then a delete by key that re-checks expiry: a bounded delete that both databases run. */
const TARGETS: PurgeTarget[] = [
  {
    table: "login_tokens",
    async purgeBatch(tx, now, limit) {
      const where = { expiresAt: { lt: before(now, LOGIN_TOKEN_GRACE_MS) } };
      const rows = await tx.loginToken.findMany({ where, select: { tokenHash: true }, take: limit });
      if (rows.length === 0) return 0;
      return (await tx.loginToken.deleteMany({ where: { ...where, tokenHash: { in: rows.map((row) => row.tokenHash) } } })).count;
    },
  },
  {
    table: "username_mapping_sessions",
    async purgeBatch(tx, now, limit) {
      const where = { expiresAt: { lt: before(now, MAPPING_SESSION_GRACE_MS) } };
      const rows = await tx.usernameMappingSession.findMany({ where, select: { idHash: true }, take: limit });
      if (rows.length === 0) return 0;
      return (await tx.usernameMappingSession.deleteMany({ where: { ...where, idHash: { in: rows.map((row) => row.idHash) } } })).count;
    },
  },
  {
    table: "sso_handoffs",
    async purgeBatch(tx, now, limit) {
      const where = { expiresAt: { lt: before(now) } };
      const rows = await tx.ssoHandoff.findMany({ where, select: { idHash: true }, take: limit });
      if (rows.length === 0) return 0;
      return (await tx.ssoHandoff.deleteMany({ where: { ...where, idHash: { in: rows.map((row) => row.idHash) } } })).count;
    },
  },
  {
    table: "ui_auth_sessions",
    async purgeBatch(tx, now, limit) {
      const where = { expiresAt: { lt: before(now) } };
      const rows = await tx.uiAuthSession.findMany({ where, select: { id: true }, take: limit });
      if (rows.length === 0) return 0;
      return (await tx.uiAuthSession.deleteMany({ where: { ...where, id: { in: rows.map((row) => row.id) } } })).count;
    },
  },
  {
    table: "saml_requests",
    async purgeBatch(tx, now, limit) {
      const where = { expiresAt: { lt: before(now) } };
      const rows = await tx.samlRequest.findMany({ where, select: { id: true }, take: limit });
      if (rows.length === 0) return 0;
      return (await tx.samlRequest.deleteMany({ where: { ...where, id: { in: rows.map((row) => row.id) } } })).count;
    },
  },
  {
    table: "sso_extra_attributes",
    async purgeBatch(tx, now, limit) {
      const where = { createdAt: { lt: before(now, EXTRA_ATTRIBUTES_LIFETIME_MS) } };
      const rows = await tx.ssoExtraAttributes.findMany({ where, select: { userId: true }, take: limit });
      if (rows.length === 0) return 0;
      return (await tx.ssoExtraAttributes.deleteMany({ where: { ...where, userId: { in: rows.map((row) => row.userId) } } })).count;
    },
  },
  {
    // A drained bucket is the same as no bucket (lib/ratelimit/shared-buckets.ts).
    table: "rate_limit_buckets",
    async purgeBatch(tx, now, limit) {
      const where = { emptyAt: { lt: now } };
      const rows = await tx.rateLimitBucket.findMany({ where, select: { key: true }, take: limit });
      if (rows.length === 0) return 0;
      return (await tx.rateLimitBucket.deleteMany({ where: { ...where, key: { in: rows.map((row) => row.key) } } })).count;
    },
  },
];

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
      // SQLite has one server process (its workers share the primary's purge), so no lock; the
      // delete re-checks expiry, so the two statements need no transaction either.
      const count = postgres
        ? await db().$transaction(async (tx) => {
            const [{ locked }] = await tx.$queryRawUnsafe<{ locked: boolean }[]>(`SELECT pg_try_advisory_xact_lock(${PURGE_LOCK_KEY}) AS locked`);
            return locked ? target.purgeBatch(tx, now(), BATCH_SIZE) : null;
          })
        : await target.purgeBatch(db(), now(), BATCH_SIZE);
      if (count === null) return { deleted, skipped: true };
      deleted[target.table] += count;
      metrics()?.purged(target.table, count);
      if (count < BATCH_SIZE) break;
      await new Promise((resolve) => setTimeout(resolve, PAUSE_MS));
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
