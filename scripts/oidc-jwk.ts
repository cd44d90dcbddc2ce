// npm run oidc:jwk [-- --idp <idp_id>]
// Prints, as a JWK Set, the public key of every OIDC provider that uses client_auth_method
// private_key_jwt (its client_secret_jwt_key), for the admin to register at the OP as the client's
// `jwks`. Reads HOMESERVER_CONFIG (default ./homeserver.yaml), like the server.
import { parseArgs } from "node:util";
import { ConfigError, loadConfigFile } from "../lib/config/load-config";
import { ssoConfigOf } from "../lib/sso/config";
import { privateKeyJwtSettings, publicJwkOf } from "../lib/sso/providers/oidc/private-key-jwt";

function main(): number {
  const { values } = parseArgs({ options: { idp: { type: "string" } } });
  const config = loadConfigFile();
  const providers = ssoConfigOf(config).oidcProviders.filter(
    (provider) => provider.clientAuthMethod === "private_key_jwt" && (!values.idp || provider.id === values.idp || provider.idp_id === values.idp),
  );
  if (providers.length === 0) {
    process.stderr.write(`no OIDC provider${values.idp ? ` ${values.idp}` : ""} with client_auth_method: private_key_jwt in ${config.configDir}\n`);
    return 1;
  }
  const keys = providers.map((provider) => publicJwkOf(privateKeyJwtSettings(provider.client_secret_jwt_key, config.configDir)));
  process.stdout.write(`${JSON.stringify({ keys }, null, 2)}\n`);
  return 0;
}

try {
  process.exitCode = main();
} catch (error) {
  process.stderr.write(`${error instanceof ConfigError || error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
}
