// npm run demo:idp
// A local OpenID Provider for the quickstart demo: two demo accounts and one client for the
// homeserver. Listens on 127.0.0.1:$DEMO_IDP_PORT (default 8009); the client's redirect URI is
// $DEMO_PUBLIC_BASEURL (default http://127.0.0.1:8008/) + _synapse/client/oidc/callback.
// Stop it with Ctrl-C. Everything (sessions, keys) lives in memory and is gone on restart.
import { DEMO_ACCOUNTS, DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, startDemoIdp } from "../lib/demo-idp/quickstart";

function parsePort(value: string | undefined, fallback: number): number {
  if (value === undefined || value === "") return fallback;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`DEMO_IDP_PORT must be a port number, got ${JSON.stringify(value)}`);
  }
  return port;
}

async function main(): Promise<void> {
  const port = parsePort(process.env.DEMO_IDP_PORT, 8009);
  const { idp, redirectUri } = await startDemoIdp(port, process.env.DEMO_PUBLIC_BASEURL || "http://127.0.0.1:8008/");

  const lines = [
    `Demo OpenID Provider running.`,
    ``,
    `  issuer:        ${idp.issuer}`,
    `  discovery:     ${idp.endpoints.discovery}`,
    `  client_id:     ${DEMO_CLIENT_ID}`,
    `  client_secret: ${DEMO_CLIENT_SECRET}`,
    `  redirect_uri:  ${redirectUri}`,
    `  (client auth client_secret_basic or client_secret_post; scopes openid profile email; PKCE S256 supported)`,
    ``,
    `Demo accounts (username / password):`,
    ...DEMO_ACCOUNTS.map(
      (account) =>
        `  ${account.sub} / ${account.password}  (preferred_username ${String(account.claims.preferred_username)}, ` +
        `name "${String(account.claims.name)}", email ${String(account.claims.email)})`,
    ),
    ``,
    `For homeserver.yaml:`,
    ``,
    `oidc_providers:`,
    `  - idp_id: demo`,
    `    idp_name: Demo IdP`,
    `    issuer: "${idp.issuer}"`,
    `    client_id: "${DEMO_CLIENT_ID}"`,
    `    client_secret: "${DEMO_CLIENT_SECRET}"`,
    `    scopes: ["openid", "profile", "email"]`,
    `    user_mapping_provider:`,
    `      config:`,
    `        localpart_template: "{{ user.preferred_username }}"`,
    `        display_name_template: "{{ user.name }}"`,
    `        email_template: "{{ user.email }}"`,
    ``,
    `Press Ctrl-C to stop.`,
  ];
  process.stdout.write(`${lines.join("\n")}\n`);

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    process.stdout.write(`\n${signal}: stopping the demo OpenID Provider\n`);
    idp.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(error);
        process.exit(1);
      },
    );
  };
  process.on("SIGINT", () => shutdown("SIGINT"));
  process.on("SIGTERM", () => shutdown("SIGTERM"));
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
