// An OAuth login may not take over a device of another session (issue 18, scopes): the client names
// the device ID, and a device that exists already belongs to a /login session or another client's
// OAuth session, whose to-device messages and keys it would receive. The same client logging in
// again on its own device may.
import { OAuth2, type ValidatedAuthMetadata } from "matrix-js-sdk-current";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { authMetadata } from "../../lib/oauth/metadata";
import { freshDatabaseUrl } from "../../test-support/backends";
import { startInProcessServer } from "../../test-support/in-process-server";
import { type RunningServer } from "../../test-support/server";
import { createUserDirectly, disconnectAll } from "../../test-support/users";
import { authorize, CLIENT_METADATA, logInWithOAuth, REDIRECT_URI, signedInBrowser, whoami } from "./oauth-flow";

describe("the device an OAuth login names", () => {
  let server: RunningServer;
  let metadata: ValidatedAuthMetadata;

  beforeAll(async () => {
    const databaseUrl = await freshDatabaseUrl("sqlite");
    server = await startInProcessServer({ databaseUrl });
    await createUserDirectly(databaseUrl, { localpart: "dora", password: "dora-password" });
    metadata = authMetadata() as unknown as ValidatedAuthMetadata;
  });

  afterAll(async () => {
    await server?.stop();
    await disconnectAll();
  });

  async function authorizeDevice(clientId: string, deviceId: string) {
    const oauth = new OAuth2(metadata, { clientId, deviceId });
    const { location } = await authorize(await signedInBrowser("@dora:test.local"), await oauth.generateAuthorizationCodeGrantUrl("d", REDIRECT_URI, "query"));
    return { oauth, location: location! };
  }

  it("refuses a device of a /login session (invalid_request) and leaves that session working", async () => {
    const login = await fetch(`${server.baseUrl}/_matrix/client/v3/login`, {
      method: "POST",
      body: JSON.stringify({ type: "m.login.password", identifier: { type: "m.id.user", user: "dora" }, password: "dora-password", device_id: "PASSWORDDEVICE" }),
    });
    const { access_token: accessToken } = (await login.json()) as { access_token: string };
    const clientId = await OAuth2.registerClient(metadata, CLIENT_METADATA);
    const { location } = await authorizeDevice(clientId, "PASSWORDDEVICE");
    expect(location.searchParams.get("error")).toBe("invalid_request");
    expect(location.searchParams.get("error_description")).toMatch(/already used by another session/);
    expect((await whoami(server.baseUrl, accessToken)).json.device_id).toBe("PASSWORDDEVICE");
  });

  it("refuses another client's OAuth device, and lets the same client log in on its own device again", async () => {
    const first = await logInWithOAuth(server.baseUrl, metadata, await signedInBrowser("@dora:test.local"));
    const other = await OAuth2.registerClient(metadata, { ...CLIENT_METADATA, client_name: "Another app" });
    expect((await authorizeDevice(other, first.deviceId)).location.searchParams.get("error")).toBe("invalid_request");

    const again = await authorizeDevice(first.clientId, first.deviceId);
    const tokens = await again.oauth.completeAuthorizationCodeGrant(again.location.searchParams.get("code")!, REDIRECT_URI);
    expect((await whoami(server.baseUrl, tokens.access_token)).json.device_id).toBe(first.deviceId);
  });
});
