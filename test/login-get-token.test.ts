// POST /_matrix/client/v1/login/get_token against the route modules in this process (the fast tier, test-support/in-process-server.ts) (spec v1.7, MSC3882; Synapse's
// LoginTokenRequestServlet): a signed-in device gets a login token for
// another device, after UI auth, at most once a minute per user; disabled, the endpoint is absent.
import { createClient, MatrixError as SdkMatrixError } from "matrix-js-sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freshDatabaseUrl } from "../test-support/backends";
import { startInProcessServer } from "../test-support/in-process-server";
import { type RunningServer } from "../test-support/server";
import { createUserDirectly, disconnectAll } from "../test-support/users";

const GET_TOKEN = "/_matrix/client/v1/login/get_token";

function serverWith(loginViaExistingSession: Record<string, unknown> | undefined, localparts: string[]) {
  const running: { server?: RunningServer } = {};
  beforeAll(async () => {
    const databaseUrl = await freshDatabaseUrl("sqlite");
    const config = loginViaExistingSession === undefined ? {} : { login_via_existing_session: loginViaExistingSession };
    running.server = await startInProcessServer({ databaseUrl, config });
    for (const localpart of localparts) await createUserDirectly(databaseUrl, { localpart, password: `${localpart}-password` });
  });
  afterAll(async () => {
    await running.server?.stop();
  });
  return () => running.server!;
}

afterAll(async () => {
  await disconnectAll();
});

async function logIn(server: RunningServer, body: Record<string, unknown>) {
  const response = await fetch(`${server.baseUrl}/_matrix/client/v3/login`, { method: "POST", body: JSON.stringify(body) });
  return { status: response.status, json: (await response.json()) as Record<string, unknown> };
}

async function passwordLogIn(server: RunningServer, localpart: string) {
  const { status, json } = await logIn(server, {
    type: "m.login.password",
    identifier: { type: "m.id.user", user: localpart },
    password: `${localpart}-password`,
  });
  expect(status).toBe(200);
  return json as { access_token: string; device_id: string; user_id: string };
}

async function call(server: RunningServer, path: string, method: string, token?: string, body?: unknown) {
  const response = await fetch(`${server.baseUrl}${path}`, {
    method,
    headers: token === undefined ? {} : { Authorization: `Bearer ${token}` },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, json: (await response.json()) as Record<string, unknown> };
}

const passwordAuth = (localpart: string, session: string, password = `${localpart}-password`) => ({
  type: "m.login.password",
  identifier: { type: "m.id.user", user: `@${localpart}:test.local` },
  password,
  session,
});

describe("login_via_existing_session enabled (UI auth required, the default)", () => {
  const server = serverWith({ enabled: true }, ["ada", "ben", "cleo", "dev"]);

  it("GET /login offers m.login.token with get_login_token", async () => {
    const { json } = await call(server(), "/_matrix/client/v3/login", "GET");
    expect(json.flows).toContainEqual({ type: "m.login.token", get_login_token: true });
  });

  it("matrix-js-sdk gets a token through UI auth with a password, and another device signs in with it once", async () => {
    const me = await passwordLogIn(server(), "ada");
    const client = createClient({ baseUrl: server().baseUrl, accessToken: me.access_token, userId: me.user_id });

    const challenge = (await client.requestLoginToken().catch((error: unknown) => error)) as SdkMatrixError;
    expect(challenge.httpStatus).toBe(401);
    expect(challenge.data).toMatchObject({ flows: [{ stages: ["m.login.password"] }], params: {}, completed: [] });

    const granted = await client.requestLoginToken(passwordAuth("ada", challenge.data.session as string));
    expect(granted).toEqual({ login_token: expect.stringMatching(/^syl_/), expires_in_ms: 300_000, expires_in: 300 });

    const other = await logIn(server(), { type: "m.login.token", token: granted.login_token });
    expect(other.status).toBe(200);
    expect(other.json).toMatchObject({ user_id: "@ada:test.local" });
    expect(other.json.device_id).not.toBe(me.device_id);

    const again = await logIn(server(), { type: "m.login.token", token: granted.login_token });
    expect(again).toEqual({ status: 403, json: { errcode: "M_FORBIDDEN", error: "Invalid login token" } });
  });

  it("a wrong password keeps the session and issues nothing", async () => {
    const me = await passwordLogIn(server(), "ben");
    const first = await call(server(), GET_TOKEN, "POST", me.access_token, {});
    expect(first.status).toBe(401);
    const wrong = await call(server(), GET_TOKEN, "POST", me.access_token, { auth: passwordAuth("ben", first.json.session as string, "nope") });
    expect(wrong.status).toBe(401);
    expect(wrong.json).toMatchObject({ errcode: "M_FORBIDDEN", session: first.json.session, completed: [] });
    expect(wrong.json.login_token).toBeUndefined();
  });

  it("one token a minute per user, counted after UI auth", async () => {
    const me = await passwordLogIn(server(), "cleo");
    const grant = async () => {
      const challenge = await call(server(), GET_TOKEN, "POST", me.access_token, {});
      expect(challenge.status).toBe(401);
      return call(server(), GET_TOKEN, "POST", me.access_token, { auth: passwordAuth("cleo", challenge.json.session as string) });
    };
    expect((await grant()).status).toBe(200);
    const refused = await grant();
    expect(refused.status).toBe(429);
    expect(refused.json).toMatchObject({ errcode: "M_LIMIT_EXCEEDED", error: "Too Many Requests" });
    expect(refused.json.retry_after_ms).toBeGreaterThan(55_000);

    // Another user has a minute of their own.
    const other = await passwordLogIn(server(), "dev");
    const challenge = await call(server(), GET_TOKEN, "POST", other.access_token, {});
    const granted = await call(server(), GET_TOKEN, "POST", other.access_token, { auth: passwordAuth("dev", challenge.json.session as string) });
    expect(granted.status).toBe(200);
  });

  const refusals: Array<{ name: string; request: () => Promise<{ status: number; json: Record<string, unknown> }>; expected: { status: number; json: Record<string, unknown> } }> = [
    {
      name: "no access token",
      request: () => call(server(), GET_TOKEN, "POST", undefined, {}),
      expected: { status: 401, json: { errcode: "M_MISSING_TOKEN" } },
    },
    {
      name: "an unknown access token",
      request: () => call(server(), GET_TOKEN, "POST", "syt_not_a_token", {}),
      expected: { status: 401, json: { errcode: "M_UNKNOWN_TOKEN" } },
    },
    {
      name: "GET",
      request: () => call(server(), GET_TOKEN, "GET"),
      expected: { status: 405, json: { errcode: "M_UNRECOGNIZED" } },
    },
    {
      name: "the v3 path (the endpoint is v1 only)",
      request: () => call(server(), "/_matrix/client/v3/login/get_token", "POST", undefined, {}),
      expected: { status: 404, json: { errcode: "M_UNRECOGNIZED" } },
    },
  ];
  for (const { name, request, expected } of refusals) {
    it(`refuses ${name}`, async () => {
      const { status, json } = await request();
      expect(status).toBe(expected.status);
      expect(json).toMatchObject(expected.json);
    });
  }
});

describe("login_via_existing_session enabled without UI auth", () => {
  const server = serverWith({ enabled: true, require_ui_auth: false, token_timeout: "1m" }, ["eli"]);

  it("answers at once, with the configured lifetime", async () => {
    const me = await passwordLogIn(server(), "eli");
    const { status, json } = await call(server(), GET_TOKEN, "POST", me.access_token, {});
    expect(status).toBe(200);
    expect(json).toEqual({ login_token: expect.stringMatching(/^syl_/), expires_in_ms: 60_000, expires_in: 60 });
    expect((await logIn(server(), { type: "m.login.token", token: json.login_token })).json).toMatchObject({ user_id: "@eli:test.local" });
  });
});

describe("login_via_existing_session disabled (the default)", () => {
  const server = serverWith(undefined, ["fay"]);

  it("GET /login does not offer get_login_token, and the endpoint is absent for every method", async () => {
    const { json } = await call(server(), "/_matrix/client/v3/login", "GET");
    expect(JSON.stringify(json.flows)).not.toContain("get_login_token");
    const me = await passwordLogIn(server(), "fay");
    for (const method of ["POST", "GET"]) {
      const response = await call(server(), GET_TOKEN, method, me.access_token, method === "POST" ? {} : undefined);
      expect(response).toEqual({ status: 404, json: { errcode: "M_UNRECOGNIZED", error: "Unrecognized request" } });
    }
  });
});
