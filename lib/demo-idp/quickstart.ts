// The quickstart's demo OpenID Provider: two demo accounts and one client for the homeserver, as the
// sample homeserver.yaml names them. server.ts starts it for `npm run demo` / `npm run dev`
// (--demo-idp); `npm run demo:idp` (scripts/demo-idp.ts) runs it on its own.
import { startOidcProvider, type DemoAccount } from "./provider";

export const DEMO_CLIENT_ID = "matrix-demo";
export const DEMO_CLIENT_SECRET = "matrix-demo-secret";

export const DEMO_ACCOUNTS: DemoAccount[] = [
  {
    sub: "alice",
    password: "alice-password",
    claims: {
      preferred_username: "alice",
      name: "Alice Liddell",
      email: "alice@example.org",
      email_verified: true,
    },
  },
  {
    sub: "bob",
    password: "bob-password",
    claims: {
      preferred_username: "Bob.Builder",
      name: "Bob the Builder",
      email: "bob@example.org",
      email_verified: true,
    },
  },
];

export function callbackUrl(publicBaseUrl: string): string {
  const base = new URL(publicBaseUrl);
  if (!base.pathname.endsWith("/")) base.pathname += "/";
  return new URL("_synapse/client/oidc/callback", base).href;
}

/** Starts the demo IdP; server.ts calls this for `npm run demo` / `npm run dev`. */
export async function startDemoIdp(port: number, publicBaseUrl: string) {
  const redirectUri = callbackUrl(publicBaseUrl);
  const idp = await startOidcProvider({
    port,
    accounts: DEMO_ACCOUNTS,
    clients: [
      {
        client_id: DEMO_CLIENT_ID,
        client_secret: DEMO_CLIENT_SECRET,
        client_name: "Matrix demo homeserver",
        redirect_uris: [redirectUri],
        token_endpoint_auth_method: "client_secret_basic",
      },
    ],
  });
  return { idp, redirectUri };
}
