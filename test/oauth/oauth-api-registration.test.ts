// The Matrix OAuth 2.0 API (issue 18) over HTTP, against a real database: matrix-js-sdk's current
// OAuth2 helpers for the happy paths, raw requests for every refusal, each with the exact RFC 6749 /
// RFC 7591 error code a client would see. The browser steps (interaction, consent) are plain HTTP
// here with a signed-in web session; e2e/oauth.spec.ts does them in Chromium through /sign-in.
// The shared setup (server, users, metadata, helpers) is in oauth-api-fixture.ts.
// Here: dynamic client registration, the device grant's user code guess limit and the
// client registration rate limit (these two on servers of their own).
import { type ValidatedAuthMetadata } from "matrix-js-sdk-current";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { authMetadata } from "../../lib/oauth/metadata";
import { BACKENDS, freshDatabaseUrl } from "../../test-support/backends";
import { CookieClient } from "../../test-support/cookie-client";
import { startInProcessServer } from "../../test-support/in-process-server";
import { type RunningServer } from "../../test-support/server";
import { disconnectAll } from "../../test-support/users";
import { oauthApiFixture } from "./oauth-api-fixture";
import {
  CLIENT_METADATA,
} from "./oauth-flow";

describe.each(BACKENDS)("the OAuth 2.0 API on %s", (backend) => {
  const api = oauthApiFixture(backend);
  const { register } = api;

  describe("dynamic client registration", () => {
    const valid = { ...CLIENT_METADATA };
    it.each([
      ["no client_uri", "invalid_client_metadata", { ...valid, client_uri: undefined }],
      ["an http client_uri", "invalid_client_metadata", { ...valid, client_uri: "http://client.example/" }],
      ["a client_uri with credentials", "invalid_client_metadata", { ...valid, client_uri: "https://user:pw@client.example/" }],
      ["a logo on another host", "invalid_client_metadata", { ...valid, logo_uri: "https://cdn.other.example/logo.png" }],
      ["an http policy_uri", "invalid_client_metadata", { ...valid, policy_uri: "http://client.example/privacy" }],
      ["a localized tos_uri on another host", "invalid_client_metadata", { ...valid, "tos_uri#fr": "https://other.example/cgu" }],
      ["no redirect_uris", "invalid_redirect_uri", { ...valid, redirect_uris: undefined }],
      ["a redirect URI with a fragment", "invalid_redirect_uri", { ...valid, redirect_uris: ["http://127.0.0.1/cb#x"] }],
      ["a native client's https redirect", "invalid_redirect_uri", { ...valid, redirect_uris: ["https://client.example/cb"] }],
      ["a native client's http redirect that is not loopback", "invalid_redirect_uri", { ...valid, redirect_uris: ["http://client.example/cb"] }],
      ["a private-use scheme of another domain", "invalid_redirect_uri", { ...valid, redirect_uris: ["com.other.app:/cb"] }],
      ["a web client's redirect on another host", "invalid_redirect_uri", { ...valid, application_type: "web", redirect_uris: ["https://other.example/cb"] }],
      ["a web client's http redirect", "invalid_redirect_uri", { ...valid, application_type: "web", redirect_uris: ["http://client.example/cb"] }],
      ["the implicit grant", "invalid_client_metadata", { ...valid, grant_types: ["implicit"] }],
      ["an unsupported auth method", "invalid_client_metadata", { ...valid, token_endpoint_auth_method: "private_key_jwt" }],
      ["a confidential client (its secret would be stored as it is)", "invalid_client_metadata", { ...valid, token_endpoint_auth_method: "client_secret_basic" }],
    ])("refuses %s with %s", async (_name, error, body) => {
      const response = await register(body as Record<string, unknown>);
      expect(response.status).toBe(400);
      const json = (await response.json()) as { error: string; error_description: string };
      expect(json.error).toBe(error);
      expect(json.error_description.length).toBeGreaterThan(10);
    });

    it.each([
      ["a private-use scheme of a subdomain", { ...valid, client_uri: "https://element.io/", logo_uri: undefined, policy_uri: undefined, tos_uri: undefined, redirect_uris: ["io.element.app:/callback"] }],
      ["a web client under its client_uri host", { ...valid, application_type: "web", redirect_uris: ["https://app.client.example/callback"] }],
      ["[::1] and localhost loopback redirects", { ...valid, redirect_uris: ["http://[::1]/cb", "http://localhost:8080/cb"] }],
    ])("accepts %s", async (_name, body) => {
      const response = await register(body as Record<string, unknown>);
      expect(response.status).toBe(201);
      expect(((await response.json()) as { client_id: string }).client_id).toBeTruthy();
    });

    it("registers a client that names no auth method as a public client, without a secret", async () => {
      const response = await register({ ...valid, token_endpoint_auth_method: undefined });
      expect(response.status).toBe(201);
      const json = (await response.json()) as Record<string, unknown>;
      expect(json.token_endpoint_auth_method).toBe("none");
      expect(json.client_secret).toBeUndefined();
    });

    it("gives an identical public client registration the same client_id", async () => {
      const first = (await (await register({ ...valid, client_name: "Twice" })).json()) as { client_id: string };
      const second = (await (await register({ ...valid, client_name: "Twice" })).json()) as { client_id: string };
      expect(second.client_id).toBe(first.client_id);
    });
  });
});

describe("device grant user code guesses", () => {
  let server: RunningServer;
  beforeAll(async () => {
    const databaseUrl = await freshDatabaseUrl("sqlite");
    server = await startInProcessServer({ databaseUrl, config: { oauth_server: { rc_device_code_verification: { per_second: 0.01, burst_count: 3 } } } });
  });
  afterAll(async () => {
    await server?.stop();
    await disconnectAll();
  });

  it("are limited per address: past the burst, a page in words with 429 and Retry-After, and the code is not checked", async () => {
    const browser = new CookieClient();
    const input = await (await browser.get(`${server.baseUrl}/oauth2/device`)).text();
    const action = new URL(/<form[^>]*action="([^"]+)"/.exec(input)![1].replace(/&amp;/g, "&"), server.baseUrl).href;
    const xsrf = /name="xsrf" value="([^"]*)"/.exec(input)![1];
    const answers: Response[] = [];
    for (let guess = 0; guess < 4; guess++) answers.push(await browser.postForm(action, { xsrf, user_code: `BCDF-GHJ${"KLMN"[guess]}` }));
    expect(answers.map((answer) => answer.status)).toEqual([400, 400, 400, 429]);
    expect(await answers[0].text()).toContain("That code is not right");
    expect(Number(answers[3].headers.get("retry-after"))).toBeGreaterThan(0);
    const page = await answers[3].text();
    expect(page).toContain("Too many codes were tried from your network");
    expect(page).not.toContain("That code is not right");
  });
});

describe("client registration rate limit", () => {
  let server: RunningServer;
  beforeAll(async () => {
    const databaseUrl = await freshDatabaseUrl("sqlite");
    server = await startInProcessServer({ databaseUrl, config: { oauth_server: { rc_client_registration: { per_second: 0.01, burst_count: 2 } } } });
  });
  afterAll(async () => {
    await server?.stop();
    await disconnectAll();
  });

  it("refuses the third registration from one address in a burst with 429 and Retry-After", async () => {
    const metadata = authMetadata() as unknown as ValidatedAuthMetadata;
    const statuses: number[] = [];
    let last: Response | undefined;
    for (let i = 0; i < 3; i++) {
      last = await fetch(metadata.registration_endpoint, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ ...CLIENT_METADATA, client_name: `n${i}` }) });
      statuses.push(last.status);
    }
    expect(statuses).toEqual([201, 201, 429]);
    expect(Number(last!.headers.get("retry-after"))).toBeGreaterThan(0);
  });

  it("is off with oauth_server.enabled: false", async () => {
    await server.stop();
    server = await startInProcessServer({ config: { oauth_server: { enabled: false } } });
    const response = await fetch(`${server.baseUrl}/oauth2/registration`, { method: "POST", body: "{}" });
    expect(response.status).toBe(404);
    expect(() => authMetadata()).toThrow(/OAuth 2.0/);
  });
});
