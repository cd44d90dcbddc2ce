// npm run user:create -- --user <localpart> --password <password> [--admin]
// Creates a local user non-interactively and prints its Matrix ID. Exit code 1, with the reason on
// stderr, if the name is invalid or taken. Uses the same validation as registration over SSO.
import { parseArgs } from "node:util";
import { hashPassword } from "../lib/auth/passwords";
import { ConfigError, loadConfigFile, setConfig } from "../lib/config/load-config";
import { databaseUrl, db } from "../lib/db/client";
import { applyPendingMigrations } from "../lib/db/schema-engine";
import { MatrixError } from "../lib/matrix/errors";
import { createUser } from "../lib/users/users";

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      user: { type: "string" },
      password: { type: "string" },
      admin: { type: "boolean", default: false },
    },
  });
  if (!values.user || !values.password) {
    process.stderr.write("usage: npm run user:create -- --user <localpart> --password <password> [--admin]\n");
    return 1;
  }
  const config = loadConfigFile();
  setConfig(config);
  await applyPendingMigrations(databaseUrl());
  const passwordHash = await hashPassword(values.password, {
    pepper: config.password_config.pepper,
    rounds: config.bcrypt_rounds,
  });
  const user = await createUser(
    { localpart: values.user, passwordHash, admin: values.admin },
    { serverName: config.server_name, allowUnderscorePrefix: config.allow_underscore_prefixed_localpart },
  );
  process.stdout.write(`${user.userId}\n`);
  return 0;
}

main()
  .then(async (code) => {
    await db().$disconnect();
    process.exit(code);
  })
  .catch((error) => {
    if (error instanceof MatrixError || error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
    } else {
      process.stderr.write(`${error instanceof Error ? error.stack : error}\n`);
    }
    process.exit(1);
  });
