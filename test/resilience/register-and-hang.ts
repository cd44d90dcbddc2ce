// Helper process for faults.resilience.ts: starts registering a user (the same createUser the
// service uses, with its e-mail address and upstream identity) and, from inside the registration's
// transaction — after the user row is written, before the commit — prints "inside" and waits
// forever, so that the test can kill it exactly there.
//   tsx test/resilience/register-and-hang.ts <localpart>      (DATABASE_URL names the database)
import { createUser } from "../../lib/users/users";

const localpart = process.argv[2];
createUser(
  {
    localpart,
    displayName: "Half Registered",
    emails: [`${localpart}@example.org`],
    externalId: { authProvider: "oidc-test", externalId: `remote-${localpart}` },
    alsoInTransaction: async (tx) => {
      const written = await tx.user.count({ where: { userId: `@${localpart}:test.local` } });
      process.stdout.write(`inside ${written}\n`);
      await new Promise(() => undefined);
    },
  },
  { serverName: "test.local" },
).catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
