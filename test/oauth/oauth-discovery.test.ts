// Discovery of the OAuth 2.0 API against the built server (server.ts mounts the provider beside
// Next.js, which serves auth_metadata): what matrix-js-sdk's current major version reads to decide
// that this homeserver logs in with OAuth 2.0, and what older clients keep seeing on GET /login.
import { createClient } from "matrix-js-sdk-current";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startOidcProvider, type RunningOidcProvider } from "../../test-support/oidc-provider";
import { freePort, startServer, type RunningServer } from "../../test-support/server";
import { corpProviderConfig } from "../../test-support/sso-fixture";

describe("OAuth 2.0 discovery on the built server", () => {
  let server: RunningServer;
  let corp: RunningOidcProvider;

  beforeAll(async () => {
    const port = await freePort();
    corp = await startOidcProvider({
      accounts: [],
      clients: [{ client_id: "homeserver", client_secret: "corp-secret", redirect_uris: [`http://127.0.0.1:${port}/_synapse/client/oidc/callback`] }],
    });
    server = await startServer({ port, config: { oidc_providers: [corpProviderConfig(corp)] } });
  });

  afterAll(async () => {
    await server?.stop();
    await corp?.stop();
  });

  it("advertises v1.15 in /versions, so matrix-js-sdk asks the stable auth_metadata, and validates what it gets", async () => {
    const client = createClient({ baseUrl: server.baseUrl });
    const versions = await client.getVersions();
    expect(versions.versions).toContain("v1.15");
    const metadata = await client.getAuthMetadata();
    expect(metadata.issuer).toBe(`${server.baseUrl}/`);
    expect(metadata.registration_endpoint).toBe(`${server.baseUrl}/oauth2/registration`);
    // An IdP with a username picker: a new person can get an account, so prompt=create is offered.
    expect(metadata.prompt_values_supported).toContain("create");
  });

  it("serves the same metadata at MSC2965's unstable path, with CORS", async () => {
    const stable = await (await fetch(`${server.baseUrl}/_matrix/client/v1/auth_metadata`)).json();
    const response = await fetch(`${server.baseUrl}/_matrix/client/unstable/org.matrix.msc2965/auth_metadata`, { headers: { Origin: "https://app.element.io" } });
    expect(response.status).toBe(200);
    expect(response.headers.get("access-control-allow-origin")).toBe("*");
    expect(await response.json()).toEqual(stable);
    // Not under v3, as the spec has it only at v1.
    expect((await fetch(`${server.baseUrl}/_matrix/client/v3/auth_metadata`)).status).toBe(404);
  });

  it("keeps m.login.sso for legacy clients, marked oauth_aware_preferred and delegated_oidc_compatibility", async () => {
    const { flows } = (await (await fetch(`${server.baseUrl}/_matrix/client/v3/login`)).json()) as { flows: Record<string, unknown>[] };
    expect(flows.find((flow) => flow.type === "m.login.sso")).toMatchObject({
      oauth_aware_preferred: true,
      "org.matrix.msc3824.delegated_oidc_compatibility": true,
      identity_providers: [expect.objectContaining({ id: "oidc-corp" })],
    });
    expect(flows.map((flow) => flow.type)).toContain("m.login.password");
  });

  it("serves the issuer's OpenID configuration and JWKS through server.ts, on public_baseurl", async () => {
    const discovery = (await (await fetch(`${server.baseUrl}/.well-known/openid-configuration`)).json()) as Record<string, string>;
    expect(discovery.issuer).toBe(`${server.baseUrl}/`);
    expect(discovery.token_endpoint).toBe(`${server.baseUrl}/oauth2/token`);
    const jwks = (await (await fetch(discovery.jwks_uri)).json()) as { keys: { kty: string; alg: string; d?: string; p?: string }[] };
    expect(jwks.keys).toEqual([expect.objectContaining({ kty: "RSA", alg: "RS256" }), expect.objectContaining({ kty: "EC", alg: "ES256" })]);
    expect(jwks.keys.every((key) => key.d === undefined && key.p === undefined)).toBe(true);
  });
});
