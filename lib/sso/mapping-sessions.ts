// Username-mapping sessions: the state of a new SSO user between the IdP callback and choosing a
// username (Synapse's UsernameMappingSession, but in the database: see prisma/schema.prisma).
import { hashSecret } from "../auth/secrets";
import { randomBase64Url } from "../crypto/random-pool";
import { db, type Transaction } from "../db/client";

export const MAPPING_SESSION_COOKIE = "username_mapping_session";
export const MAPPING_SESSION_LIFETIME_MS = 15 * 60_000;

export interface MappingSession {
  authProviderId: string;
  authProviderSessionId: string | null;
  remoteUserId: string;
  displayName: string | null;
  emails: string[];
  avatarUrl: string | null;
  extraAttributes: Record<string, unknown> | null;
  clientRedirectUrl: string;
  chosenLocalpart: string | null;
  useDisplayName: boolean;
  emailsToUse: string[];
  lastError: string | null;
  /** The policy version agreed to on the consent step, if any (user_consent). */
  termsAcceptedVersion: string | null;
  expiresAt: Date;
}

export type NewMappingSession = Pick<
  MappingSession,
  "authProviderId" | "remoteUserId" | "displayName" | "emails" | "avatarUrl" | "extraAttributes" | "clientRedirectUrl" | "chosenLocalpart" | "lastError"
> & { authProviderSessionId?: string | null };

/** Creates a session and returns the secret for the browser's cookie. */
export async function createMappingSession(session: NewMappingSession): Promise<string> {
  const secret = randomBase64Url(32);
  await db().usernameMappingSession.create({
    data: {
      idHash: hashSecret(secret),
      authProviderId: session.authProviderId,
      authProviderSessionId: session.authProviderSessionId ?? null,
      remoteUserId: session.remoteUserId,
      displayName: session.displayName,
      emails: JSON.stringify(session.emails),
      avatarUrl: session.avatarUrl,
      extraAttributes: session.extraAttributes ? JSON.stringify(session.extraAttributes) : null,
      clientRedirectUrl: session.clientRedirectUrl,
      chosenLocalpart: session.chosenLocalpart,
      emailsToUse: JSON.stringify(session.emails),
      lastError: session.lastError,
      expiresAt: new Date(Date.now() + MAPPING_SESSION_LIFETIME_MS),
    },
  });
  return secret;
}

function toSession(row: NonNullable<Awaited<ReturnType<ReturnType<typeof db>["usernameMappingSession"]["findUnique"]>>>): MappingSession {
  return {
    authProviderId: row.authProviderId,
    authProviderSessionId: row.authProviderSessionId,
    remoteUserId: row.remoteUserId,
    displayName: row.displayName,
    emails: JSON.parse(row.emails) as string[],
    avatarUrl: row.avatarUrl,
    extraAttributes: row.extraAttributes ? (JSON.parse(row.extraAttributes) as Record<string, unknown>) : null,
    clientRedirectUrl: row.clientRedirectUrl,
    chosenLocalpart: row.chosenLocalpart,
    useDisplayName: row.useDisplayName,
    emailsToUse: JSON.parse(row.emailsToUse) as string[],
    lastError: row.lastError,
    termsAcceptedVersion: row.termsAcceptedVersion,
    expiresAt: row.expiresAt,
  };
}

export type MappingSessionLookup =
  | { status: "valid"; session: MappingSession }
  | { status: "expired"; session: MappingSession }
  | { status: "unknown" };

export async function findMappingSession(secret: string): Promise<MappingSessionLookup> {
  const row = await db().usernameMappingSession.findUnique({ where: { idHash: hashSecret(secret) } });
  if (!row) return { status: "unknown" };
  const session = toSession(row);
  return session.expiresAt.getTime() > Date.now() ? { status: "valid", session } : { status: "expired", session };
}

export async function recordMappingChoice(
  secret: string,
  choice: { chosenLocalpart: string; useDisplayName: boolean; emailsToUse: string[]; lastError: string | null },
): Promise<void> {
  await db().usernameMappingSession.updateMany({
    where: { idHash: hashSecret(secret) },
    data: { ...choice, emailsToUse: JSON.stringify(choice.emailsToUse) },
  });
}

/** The consent step: Synapse keeps the submitted version as it is (registration records the configured one). */
export async function recordTermsAccepted(secret: string, version: string): Promise<void> {
  await db().usernameMappingSession.updateMany({ where: { idHash: hashSecret(secret) }, data: { termsAcceptedVersion: version } });
}

/**
 * Deletes the session inside the registration's transaction; false if it was already gone (a
 * second submit of the same session), in which case the caller rolls the registration back.
 */
export async function consumeMappingSession(tx: Transaction, secret: string): Promise<boolean> {
  const { count } = await tx.usernameMappingSession.deleteMany({
    where: { idHash: hashSecret(secret), expiresAt: { gt: new Date() } },
  });
  return count === 1;
}
