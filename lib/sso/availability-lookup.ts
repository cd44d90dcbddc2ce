// The data behind the username picker's live availability check: is the mapping session live, and
// is the name taken — both answered by one statement. The check is the picker's hottest request (one
// per pause in typing); as two Prisma model queries it spent more CPU in Prisma's client runtime
// than in the database (BENCHMARKS.md, availability check). One statement sent straight to the
// Prisma client's driver adapter (lib/db/direct-sql.ts), the same text on SQLite and PostgreSQL;
// expiry compared by the database on the stored values, as the state purge does
// (lib/maintenance/state-purge.ts).
import { hashSecret } from "../auth/secrets";
import { db } from "../db/client";
import { queryRows, sql } from "../db/direct-sql";

export interface AvailabilityLookup {
  /** The mapping session exists and has not expired. */
  sessionValid: boolean;
  /** An account has this user ID, compared case-insensitively (as isUserIdTaken); false when not asked. */
  taken: boolean;
}

/**
 * `sessionSecret` is the username_mapping_session cookie's value (only its hash is looked up);
 * `userId` the fully qualified name to look for, or null to ask about the session only (a name that
 * failed validation is never looked up).
 */
export async function lookUpAvailability(sessionSecret: string, userId: string | null): Promise<AvailabilityLookup> {
  const now = new Date();
  const idHash = hashSecret(sessionSecret);
  const rows = await queryRows<{ session_valid: unknown; taken: unknown }>(
    db(),
    userId === null
      ? sql`
          SELECT EXISTS (SELECT 1 FROM username_mapping_sessions WHERE id_hash = ${idHash} AND expires_at > ${now}) AS session_valid,
            0 AS taken`
      : sql`
          SELECT EXISTS (SELECT 1 FROM username_mapping_sessions WHERE id_hash = ${idHash} AND expires_at > ${now}) AS session_valid,
            EXISTS (SELECT 1 FROM users WHERE user_id_lower = ${userId.toLowerCase()}) AS taken`,
  );
  const row = rows[0];
  return { sessionValid: truthy(row?.session_valid), taken: truthy(row?.taken) };
}

/** SQLite answers EXISTS as 0/1, PostgreSQL as a boolean. */
function truthy(value: unknown): boolean {
  return value === true || value === 1 || value === 1n;
}
