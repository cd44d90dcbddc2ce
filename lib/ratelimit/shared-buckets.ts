// Rate-limit buckets in the database (table rate_limit_buckets), so that every instance of the
// service on one PostgreSQL database, or every worker process on one SQLite file, enforces the
// same limits. Each bucket is one row holding the time it
// will be empty (see ./rate-limiter.ts); every change is a single atomic statement, so concurrent
// requests on any number of instances cannot both take the last slot.
import { createHash } from "node:crypto";
import { randomBase64Url } from "../crypto/random-pool";
import type { Database } from "../db/client";
import { logger } from "../logging/logger";

export interface BucketStore {
  /** Adds one action of `increment` ms if the bucket then stays within `window` ms; the bucket's state after. */
  consume(key: string, increment: number, window: number, now: number): Promise<{ allowed: boolean; emptyAt: number }>;
  /** Adds one action unconditionally; the bucket's new empty time. */
  add(key: string, increment: number, now: number): Promise<number>;
  /** The bucket's empty time, or null if it has none. */
  peek(key: string): Promise<number | null>;
}

const PURGE_INTERVAL_MS = 5 * 60_000;
const EPSILON_MS = 1e-6;

type Row = { empty_at: number | string; last_token?: string };

/**
 * The stored key: a digest, so that client addresses and user IDs are not kept in the table, and
 * any key (however long, whatever characters) fits.
 */
function storedKey(key: string): string {
  return createHash("sha256").update(key, "utf8").digest("base64url");
}

/** What both stores share: drained buckets are the same as no bucket, so they are deleted now and then. */
abstract class DatabaseBucketStore {
  private lastPurge = 0;

  constructor(
    protected readonly database: () => Database,
    private readonly purgeStatement: string,
  ) {}

  protected purgeNowAndThen(now: number): void {
    if (now - this.lastPurge < PURGE_INTERVAL_MS) return;
    this.lastPurge = now;
    this.database()
      .$executeRawUnsafe(this.purgeStatement, now)
      .catch((error: unknown) => logger.warn("rate limiter: purging drained buckets failed", error));
  }
}

export class PostgresBucketStore extends DatabaseBucketStore implements BucketStore {
  constructor(database: () => Database) {
    super(database, `DELETE FROM rate_limit_buckets WHERE empty_at < $1::float8`);
  }

  async consume(key: string, increment: number, window: number, now: number): Promise<{ allowed: boolean; emptyAt: number }> {
    this.purgeNowAndThen(now);
    // A random token marks the row as changed by this statement: the RETURNING row alone cannot
    // tell "allowed" from "refused" when another request changed the bucket in the same millisecond.
    const token = randomBase64Url(12);
    const rows = await this.database().$queryRawUnsafe<Row[]>(
      `INSERT INTO rate_limit_buckets AS b (key, empty_at, last_token)
       VALUES ($1, $2::float8 + $3::float8, $5)
       ON CONFLICT (key) DO UPDATE SET
         empty_at = CASE WHEN GREATEST(b.empty_at, $2::float8) + $3::float8 - $2::float8 - $4::float8 <= ${EPSILON_MS}
                         THEN GREATEST(b.empty_at, $2::float8) + $3::float8 ELSE b.empty_at END,
         last_token = CASE WHEN GREATEST(b.empty_at, $2::float8) + $3::float8 - $2::float8 - $4::float8 <= ${EPSILON_MS}
                         THEN $5 ELSE b.last_token END
       RETURNING empty_at, last_token`,
      storedKey(key),
      now,
      increment,
      window,
      token,
    );
    return { allowed: rows[0].last_token === token, emptyAt: Number(rows[0].empty_at) };
  }

  async add(key: string, increment: number, now: number): Promise<number> {
    this.purgeNowAndThen(now);
    const rows = await this.database().$queryRawUnsafe<Row[]>(
      `INSERT INTO rate_limit_buckets AS b (key, empty_at, last_token)
       VALUES ($1, $2::float8 + $3::float8, '')
       ON CONFLICT (key) DO UPDATE SET empty_at = GREATEST(b.empty_at, $2::float8) + $3::float8
       RETURNING empty_at`,
      storedKey(key),
      now,
      increment,
    );
    return Number(rows[0].empty_at);
  }

  async peek(key: string): Promise<number | null> {
    const rows = await this.database().$queryRawUnsafe<Row[]>(`SELECT empty_at FROM rate_limit_buckets WHERE key = $1`, storedKey(key));
    return rows.length === 0 ? null : Number(rows[0].empty_at);
  }

}

/**
 * The same buckets in SQLite, for several worker processes on one file (`worker_processes`). The
 * statements are PostgreSQL's with SQLite's spelling (scalar MAX for GREATEST, positional
 * parameters); SQLite runs each one alone under its write lock, so it is just as atomic.
 */
export class SqliteBucketStore extends DatabaseBucketStore implements BucketStore {
  constructor(database: () => Database) {
    super(database, `DELETE FROM rate_limit_buckets WHERE empty_at < ?`);
  }

  async consume(key: string, increment: number, window: number, now: number): Promise<{ allowed: boolean; emptyAt: number }> {
    this.purgeNowAndThen(now);
    const token = randomBase64Url(12);
    const admits = `MAX(empty_at, ?) + ? - ? - ? <= ${EPSILON_MS}`;
    const rows = await this.database().$queryRawUnsafe<Row[]>(
      `INSERT INTO rate_limit_buckets (key, empty_at, last_token) VALUES (?, ? + ?, ?)
       ON CONFLICT (key) DO UPDATE SET
         empty_at = CASE WHEN ${admits} THEN MAX(empty_at, ?) + ? ELSE empty_at END,
         last_token = CASE WHEN ${admits} THEN ? ELSE last_token END
       RETURNING empty_at, last_token`,
      storedKey(key), now, increment, token,
      now, increment, now, window, now, increment,
      now, increment, now, window, token,
    );
    return { allowed: rows[0].last_token === token, emptyAt: Number(rows[0].empty_at) };
  }

  async add(key: string, increment: number, now: number): Promise<number> {
    this.purgeNowAndThen(now);
    const rows = await this.database().$queryRawUnsafe<Row[]>(
      `INSERT INTO rate_limit_buckets (key, empty_at, last_token) VALUES (?, ? + ?, '')
       ON CONFLICT (key) DO UPDATE SET empty_at = MAX(empty_at, ?) + ?
       RETURNING empty_at`,
      storedKey(key), now, increment, now, increment,
    );
    return Number(rows[0].empty_at);
  }

  async peek(key: string): Promise<number | null> {
    const rows = await this.database().$queryRawUnsafe<Row[]>(`SELECT empty_at FROM rate_limit_buckets WHERE key = ?`, storedKey(key));
    return rows.length === 0 ? null : Number(rows[0].empty_at);
  }
}
