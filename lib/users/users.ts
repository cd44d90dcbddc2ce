// Local user accounts: creation and the case-insensitive look-ups Synapse uses.
import { db, isUniqueViolation, type Transaction } from "../db/client";
import { localpartProblem, qualifyUserId, type LocalpartRules } from "../matrix/identifiers";
import { metrics } from "../metrics/recorder";
import { UsernameTakenError } from "./errors";

export interface UserRecord {
  userId: string;
  passwordHash: string | null;
  admin: boolean;
  deactivated: boolean;
  displayName: string | null;
}

const USER_FIELDS = { userId: true, passwordHash: true, admin: true, deactivated: true, displayName: true } as const;

/** Every account whose Matrix ID equals `userId` ignoring case (Synapse's get_users_by_id_case_insensitive). */
export async function findUsersCaseInsensitive(userId: string): Promise<UserRecord[]> {
  return db().user.findMany({ where: { userIdLower: userId.toLowerCase() }, select: USER_FIELDS });
}

export async function isUserIdTaken(userId: string): Promise<boolean> {
  const match = await db().user.findFirst({ where: { userIdLower: userId.toLowerCase() }, select: { userId: true } });
  return match !== null;
}

/**
 * Resolves a case-insensitive match as Synapse's _check_local_password does: one match is that
 * account even if the case differs; several with one exact is the exact one; several inexact is
 * ambiguous (null) and logged by the caller.
 */
export function pickCaseInsensitiveMatch(
  userId: string,
  matches: UserRecord[],
): { user: UserRecord | null; ambiguous: boolean } {
  if (matches.length === 0) return { user: null, ambiguous: false };
  if (matches.length === 1) return { user: matches[0], ambiguous: false };
  const exact = matches.find((user) => user.userId === userId);
  return exact ? { user: exact, ambiguous: false } : { user: null, ambiguous: true };
}

export interface NewUser {
  localpart: string;
  passwordHash?: string | null;
  admin?: boolean;
  displayName?: string | null;
  /** Email addresses to bind as validated third-party IDs. */
  emails?: string[];
  /** An upstream identity to link in the same transaction. */
  externalId?: { authProvider: string; externalId: string };
  /** More work that must succeed with the registration or roll it back (e.g. consuming a session). */
  alsoInTransaction?: (tx: Transaction) => Promise<void>;
  /** The user_consent version agreed to before registering (Synapse records it with the account). */
  consentVersion?: string | null;
}

/**
 * Registers a user, with its emails and external ID, atomically: either all of it exists
 * afterwards or none of it does. Validates the localpart with the same rules the username picker
 * uses, and throws UsernameTakenError if the ID is taken in any letter case, even by a concurrent call.
 */
export async function createUser(user: NewUser, rules: LocalpartRules): Promise<UserRecord> {
  const problem = localpartProblem(user.localpart, rules);
  if (problem) throw problem;
  const userId = qualifyUserId(user.localpart, rules.serverName);
  if (await isUserIdTaken(userId)) throw new UsernameTakenError(userId);
  try {
    const registered = await db().$transaction(async (tx) => {
      const created = await tx.user.create({
        data: {
          userId,
          userIdLower: userId.toLowerCase(),
          lowerIdClaim: userId.toLowerCase(),
          passwordHash: user.passwordHash ?? null,
          admin: user.admin ?? false,
          displayName: user.displayName ?? null,
          ...(user.consentVersion ? { consentVersion: user.consentVersion, consentTs: new Date() } : {}),
        },
        select: USER_FIELDS,
      });
      for (const email of new Set((user.emails ?? []).map((address) => address.trim().toLowerCase()))) {
        // An address already bound to someone else stays theirs; the new account simply goes without it.
        const bound = await tx.threePid.findUnique({ where: { medium_address: { medium: "email", address: email } } });
        if (!bound) await tx.threePid.create({ data: { medium: "email", address: email, userId } });
      }
      if (user.externalId) await tx.userExternalId.create({ data: { ...user.externalId, userId } });
      await user.alsoInTransaction?.(tx);
      return created;
    });
    metrics()?.userRegistration(user.externalId?.authProvider ?? "");
    return registered;
  } catch (error) {
    if (isUniqueViolation(error)) {
      // The same upstream identity registering twice at once is not a taken name: say which.
      if (user.externalId && (await findUserIdByExternalId(user.externalId.authProvider, user.externalId.externalId))) {
        throw new ExternalIdLinkedError();
      }
      throw new UsernameTakenError(userId);
    }
    throw error;
  }
}

/** The upstream identity got linked to an account by a concurrent request. */
export class ExternalIdLinkedError extends Error {
  constructor() {
    super("external ID already linked");
    this.name = "ExternalIdLinkedError";
  }
}

export async function findUserIdByExternalId(authProvider: string, externalId: string): Promise<string | null> {
  const row = await db().userExternalId.findUnique({
    where: { authProvider_externalId: { authProvider, externalId } },
    select: { userId: true },
  });
  return row?.userId ?? null;
}

/**
 * Links an upstream identity to an existing user. Re-linking the same pair is a no-op; if the
 * identity is already linked to someone else, that link stands and its user is returned.
 */
export async function linkExternalId(authProvider: string, externalId: string, userId: string): Promise<string> {
  try {
    await db().userExternalId.create({ data: { authProvider, externalId, userId } });
    return userId;
  } catch (error) {
    if (!isUniqueViolation(error)) throw error;
    return (await findUserIdByExternalId(authProvider, externalId)) ?? userId;
  }
}

/** The user bound to a third-party ID (email addresses are compared lower-cased). */
export async function findUserIdByThreepid(medium: string, address: string): Promise<string | null> {
  const normalised = medium === "email" ? address.trim().toLowerCase() : address;
  const row = await db().threePid.findUnique({
    where: { medium_address: { medium, address: normalised } },
    select: { userId: true },
  });
  return row?.userId ?? null;
}
