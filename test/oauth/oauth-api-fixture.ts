// The shared setup of the OAuth 2.0 API tests (test/oauth/oauth-api-*.test.ts): a fresh database on
// the given backend, an in-process server, the users bob and root (an admin), the authorization server
// metadata, a browser signed in as bob, and helpers to register a client and build authorization URLs.
import { type ValidatedAuthMetadata } from "matrix-js-sdk-current";
import { afterAll, beforeAll } from "vitest";
import { authMetadata } from "../../lib/oauth/metadata";
import { type Backend, freshDatabaseUrl } from "../../test-support/backends";
import { type CookieClient } from "../../test-support/cookie-client";
import { startInProcessServer } from "../../test-support/in-process-server";
import { type RunningServer } from "../../test-support/server";
import { createUserDirectly, disconnectAll } from "../../test-support/users";
import { newDeviceId, pkcePair, REDIRECT_URI, signedInBrowser } from "./oauth-flow";

export const BOB = "@bob:test.local";
export const ADMIN = "@root:test.local";

export interface OAuthApiFixture {
  /** The running server (read it inside a test or hook: it exists only after beforeAll). */
  readonly server: RunningServer;
  readonly metadata: ValidatedAuthMetadata;
  /** A browser signed in as bob. */
  readonly bobBrowser: CookieClient;
  register(body: Record<string, unknown>): Promise<Response>;
  authorizationUrl(clientId: string, params: Record<string, string | undefined>): string;
}

/**
 * Registers beforeAll/afterAll in the caller's describe (call it at the top of a
 * describe.each(BACKENDS) callback). The returned object's fields are read lazily.
 */
export function oauthApiFixture(backend: Backend): OAuthApiFixture {
  let server: RunningServer;
  let metadata: ValidatedAuthMetadata;
  let bobBrowser: CookieClient;

  beforeAll(async () => {
    const databaseUrl = await freshDatabaseUrl(backend);
    server = await startInProcessServer({
      databaseUrl,
      config: { oauth_server: { rc_client_registration: { per_second: 100, burst_count: 1000 } } },
    });
    await createUserDirectly(databaseUrl, { localpart: "bob", password: "builder" });
    await createUserDirectly(databaseUrl, { localpart: "root", password: "rootpw", admin: true });
    metadata = authMetadata() as unknown as ValidatedAuthMetadata;
    bobBrowser = await signedInBrowser(BOB);
  });

  afterAll(async () => {
    await server?.stop();
    await disconnectAll();
  });

  const register = (body: Record<string, unknown>) =>
    fetch(metadata.registration_endpoint, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });

  /** An authorization URL with exactly the parameters given (matrix-js-sdk only builds valid ones). */
  function authorizationUrl(clientId: string, params: Record<string, string | undefined>): string {
    const url = new URL(metadata.authorization_endpoint);
    const { challenge } = pkcePair();
    const all: Record<string, string | undefined> = {
      client_id: clientId,
      response_type: "code",
      redirect_uri: REDIRECT_URI,
      scope: `urn:matrix:client:api:* urn:matrix:client:device:${newDeviceId()}`,
      state: "st4te",
      code_challenge: challenge,
      code_challenge_method: "S256",
      ...params,
    };
    for (const [key, value] of Object.entries(all)) if (value !== undefined) url.searchParams.set(key, value);
    return url.href;
  }

  return {
    get server() {
      return server;
    },
    get metadata() {
      return metadata;
    },
    get bobBrowser() {
      return bobBrowser;
    },
    register,
    authorizationUrl,
  };
}
