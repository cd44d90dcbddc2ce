// Test data, written through the same lib/ functions the service uses, straight into the database a
// started server uses.
import { randomUUID } from "node:crypto";
import { hashPassword } from "../lib/auth/passwords";
import { createDatabase, setDatabase, type Database } from "../lib/db/client";
import { createMappingSession } from "../lib/sso/mapping-sessions";
import { createUser } from "../lib/users/users";

const clients = new Map<string, Database>();

/** Points this test process's lib/ functions at the given database and returns its client. */
export function useDatabase(databaseUrl: string): Database {
  let client = clients.get(databaseUrl);
  if (!client) {
    client = createDatabase(databaseUrl);
    clients.set(databaseUrl, client);
  }
  setDatabase(client);
  return client;
}

export async function createUserDirectly(
  databaseUrl: string,
  user: { localpart: string; password?: string; admin?: boolean; emails?: string[]; deactivated?: boolean },
  serverName = "test.local",
): Promise<string> {
  const database = useDatabase(databaseUrl);
  const passwordHash = user.password === undefined ? null : await hashPassword(user.password, { pepper: "", rounds: 4 });
  const created = await createUser(
    { localpart: user.localpart, passwordHash, admin: user.admin, emails: user.emails },
    { serverName },
  );
  if (user.deactivated) await database.user.update({ where: { userId: created.userId }, data: { deactivated: true } });
  return created.userId;
}

/**
 * A username-mapping session, as after an IdP callback for a new user whose mapper chose no name;
 * returns the secret of its cookie (username_mapping_session).
 */
export async function createMappingSessionDirectly(databaseUrl: string, authProviderId = "oidc-none"): Promise<string> {
  useDatabase(databaseUrl);
  return createMappingSession({
    authProviderId,
    remoteUserId: `remote-${randomUUID()}`,
    displayName: null,
    emails: [],
    avatarUrl: null,
    extraAttributes: null,
    clientRedirectUrl: "https://client.example/",
    chosenLocalpart: null,
    lastError: null,
  });
}

export async function disconnectAll(): Promise<void> {
  for (const client of clients.values()) await client.$disconnect();
  clients.clear();
  setDatabase(undefined);
}
