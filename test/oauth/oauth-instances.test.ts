// The OAuth 2.0 API on two instances of the service sharing one PostgreSQL database, behind a
// round-robin balancer (each request goes to the other instance): registration, the authorization
// round trip, the code grant, refreshes, the lost-response retry and revocation work whichever
// instance answers each step, because clients, interactions, codes and tokens are in the database
// and every instance derives the same cookie and signing keys (issue 18, point 9).
import { OAuth2, type ValidatedAuthMetadata } from "matrix-js-sdk-current";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfigFile } from "../../lib/config/load-config";
import { freshDatabaseUrl } from "../../test-support/backends";
import { startRoundRobin, type RoundRobin } from "../../test-support/round-robin";
import { freePort, startServer, type RunningServer } from "../../test-support/server";
import { createUserDirectly, disconnectAll } from "../../test-support/users";
import { authorize, CLIENT_METADATA, newDeviceId, REDIRECT_URI, signedInBrowser, tokenRequest, whoami } from "./oauth-flow";

describe("the OAuth 2.0 API on two instances of one PostgreSQL database", () => {
  const instances: RunningServer[] = [];
  let balancer: RoundRobin;
  let base: string;
  let metadata: ValidatedAuthMetadata;

  beforeAll(async () => {
    const databaseUrl = await freshDatabaseUrl("postgresql");
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    const config = { public_baseurl: `${base}/` };
    // One after the other: the first applies the migrations.
    instances.push(await startServer({ databaseUrl, config }));
    instances.push(await startServer({ databaseUrl, config }));
    balancer = await startRoundRobin(instances.map((instance) => instance.baseUrl), port);
    await createUserDirectly(databaseUrl, { localpart: "ivy", password: "ivy-password" });
    metadata = (await (await fetch(`${base}/_matrix/client/v1/auth_metadata`)).json()) as ValidatedAuthMetadata;
  });

  afterAll(async () => {
    await balancer?.close();
    for (const instance of instances) await instance.stop();
    await disconnectAll();
  });

  it("logs in, refreshes (a lost answer retried) and revokes, with every step on alternating instances", async () => {
    const from = balancer.log.length;
    const browser = await signedInBrowser("@ivy:test.local", loadConfigFile(instances[0].configFile));
    const clientId = await OAuth2.registerClient(metadata, CLIENT_METADATA);
    const deviceId = newDeviceId();
    const oauth = new OAuth2(metadata, { clientId, deviceId });
    const { location, consentShown } = await authorize(browser, await oauth.generateAuthorizationCodeGrantUrl("ha", REDIRECT_URI, "query"));
    expect(consentShown).toBe(true);
    const tokens = await oauth.completeAuthorizationCodeGrant(location!.searchParams.get("code")!, REDIRECT_URI);
    for (let i = 0; i < 2; i++) expect((await whoami(base, tokens.access_token)).json.device_id).toBe(deviceId);

    const refresh = (token: string) => tokenRequest(metadata, { grant_type: "refresh_token", refresh_token: token, client_id: clientId });
    const lost = await refresh(tokens.refresh_token!);
    expect(lost.status).toBe(200);
    const retried = await refresh(tokens.refresh_token!);
    expect(retried.status).toBe(200);
    expect((await whoami(base, retried.json.access_token as string)).json.device_id).toBe(deviceId);
    expect(await refresh(tokens.refresh_token!)).toMatchObject({ status: 400, json: { error: "invalid_grant" } });
    expect((await whoami(base, retried.json.access_token as string)).json.errcode).toBe("M_UNKNOWN_TOKEN");

    const oauthSteps = balancer.log.slice(from).filter((entry) => entry.path.startsWith("/oauth2/"));
    expect(new Set(oauthSteps.map((entry) => entry.backend))).toEqual(new Set([0, 1]));
    expect(new Set(oauthSteps.filter((entry) => entry.path === "/oauth2/token").map((entry) => entry.backend))).toEqual(new Set([0, 1]));
  });
});
