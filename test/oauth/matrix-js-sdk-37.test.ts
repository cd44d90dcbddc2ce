// matrix-js-sdk 37.x's OIDC login (the path of element-web builds before the sdk's own OAuth2
// helpers): oidc-client-ts, the `openid` scope with MSC2967's unstable scopes, and an id token it
// validates (issuer, audience, nonce). It runs in a browser; here its window.sessionStorage and
// window.location are stood in for, and the browser steps are HTTP with a signed-in session.
import {
  completeAuthorizationCodeGrant,
  createClient,
  generateOidcAuthorizationUrl,
  registerOidcClient,
  validateAuthMetadataAndKeys,
} from "matrix-js-sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { authMetadata } from "../../lib/oauth/metadata";
import { BACKENDS, freshDatabaseUrl } from "../../test-support/backends";
import { startInProcessServer } from "../../test-support/in-process-server";
import { type RunningServer } from "../../test-support/server";
import { createUserDirectly, disconnectAll } from "../../test-support/users";
import { authorize, REDIRECT_URI, signedInBrowser } from "./browser-steps";

class MemoryStorage {
  private readonly items = new Map<string, string>();
  get length() {
    return this.items.size;
  }
  key(index: number) {
    return [...this.items.keys()][index] ?? null;
  }
  getItem(key: string) {
    return this.items.get(key) ?? null;
  }
  setItem(key: string, value: string) {
    this.items.set(key, String(value));
  }
  removeItem(key: string) {
    this.items.delete(key);
  }
  clear() {
    this.items.clear();
  }
}

describe.each(BACKENDS)("matrix-js-sdk 37.x's OIDC login on %s", (backend) => {
  let server: RunningServer;
  const globals = globalThis as unknown as { window?: unknown };
  let previousWindow: unknown;

  beforeAll(async () => {
    const databaseUrl = await freshDatabaseUrl(backend);
    server = await startInProcessServer({ databaseUrl });
    await createUserDirectly(databaseUrl, { localpart: "bob", password: "builder" });
    previousWindow = globals.window;
    globals.window = { sessionStorage: new MemoryStorage(), localStorage: new MemoryStorage(), location: new URL(REDIRECT_URI) };
  });

  afterAll(async () => {
    globals.window = previousWindow;
    await server?.stop();
    await disconnectAll();
  });

  it("registers, authorizes and validates the id token; the access token works on the Matrix API", async () => {
    const config = await validateAuthMetadataAndKeys(authMetadata());
    expect(config.signingKeys?.map((key) => key.alg)).toEqual(["RS256", "ES256"]);
    const clientId = await registerOidcClient(config, {
      clientName: "Element Web 1.11",
      clientUri: "https://app.element.example/",
      applicationType: "web",
      // A web client's redirect is https on its own host; this test's never gets loaded.
      redirectUris: ["https://app.element.example/"],
      contacts: ["admin@element.example"],
      tosUri: "https://app.element.example/terms",
      policyUri: "https://app.element.example/privacy",
    });
    const url = await generateOidcAuthorizationUrl({
      metadata: config,
      redirectUri: "https://app.element.example/",
      clientId,
      homeserverUrl: server.baseUrl,
      nonce: "37-nonce-value",
    });
    expect(new URL(url).searchParams.get("scope")).toMatch(/^openid urn:matrix:org\.matrix\.msc2967\.client:api:\* urn:matrix:org\.matrix\.msc2967\.client:device:\S{10}$/);
    const { location } = await authorize(await signedInBrowser("@bob:test.local"), url);
    expect(location?.origin).toBe("https://app.element.example");

    const result = await completeAuthorizationCodeGrant(location!.searchParams.get("code")!, location!.searchParams.get("state")!);
    expect(result.tokenResponse.id_token).toBeTruthy();
    // The sdk checked the id token's issuer, audience and nonce (validateIdToken throws otherwise);
    // the claims it hands back are oidc-client-ts's profile, without the protocol claims.
    expect(result.idTokenClaims).toMatchObject({ sub: "@bob:test.local", aud: clientId });
    const client = createClient({ baseUrl: server.baseUrl, accessToken: result.tokenResponse.access_token });
    const me = await client.whoami();
    expect(me.user_id).toBe("@bob:test.local");
    expect(new URL(url).searchParams.get("scope")).toContain(`device:${me.device_id}`);
  });
});
