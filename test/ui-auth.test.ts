// User-interactive auth over HTTP against the built server, on SQLite and PostgreSQL: the 401
// dance, the password stage driven by matrix-js-sdk, sessions bound to one request, the password
// fallback page, and the operations UI auth protects.
import { createClient, MatrixError as SdkMatrixError } from "matrix-js-sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BACKENDS, freshDatabaseUrl } from "../test-support/backends";
import { startServer, type RunningServer } from "../test-support/server";
import { createUserDirectly, disconnectAll, useDatabase } from "../test-support/users";

describe.each(BACKENDS)("user-interactive auth on %s", (backend) => {
  let server: RunningServer;
  let databaseUrl: string;
  const database = () => useDatabase(databaseUrl);

  beforeAll(async () => {
    databaseUrl = await freshDatabaseUrl(backend);
    server = await startServer({ databaseUrl, config: { password_config: { policy: { enabled: true, minimum_length: 8 } } } });
    for (const localpart of ["dana", "eve", "frank", "gina", "hank", "ivy"]) {
      await createUserDirectly(databaseUrl, { localpart, password: `${localpart}-password` });
    }
  });

  afterAll(async () => {
    await server?.stop();
    await disconnectAll();
  });

  async function logIn(localpart: string, password = `${localpart}-password`) {
    const response = await fetch(`${server.baseUrl}/_matrix/client/v3/login`, {
      method: "POST",
      body: JSON.stringify({ type: "m.login.password", identifier: { type: "m.id.user", user: localpart }, password }),
    });
    expect(response.status).toBe(200);
    return (await response.json()) as { access_token: string; device_id: string; user_id: string };
  }

  const call = (path: string, token: string, method: string, body?: unknown) =>
    fetch(`${server.baseUrl}${path}`, {
      method,
      headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });

  const passwordAuth = (localpart: string, session: string, password = `${localpart}-password`) => ({
    type: "m.login.password",
    identifier: { type: "m.id.user", user: `@${localpart}:test.local` },
    password,
    session,
  });

  it("matrix-js-sdk deletes a device through UI auth with a password", async () => {
    const keep = await logIn("dana");
    const other = await logIn("dana");
    const client = createClient({ baseUrl: server.baseUrl, accessToken: keep.access_token, userId: keep.user_id });

    const challenge = (await client.deleteDevice(other.device_id).catch((error: unknown) => error)) as SdkMatrixError;
    expect(challenge.httpStatus).toBe(401);
    const session = challenge.data.session as string;
    expect(challenge.data).toMatchObject({ flows: [{ stages: ["m.login.password"] }], params: {}, completed: [] });

    await client.deleteDevice(other.device_id, passwordAuth("dana", session));
    const { devices } = await client.getDevices();
    expect(devices.map((device) => device.device_id)).toEqual([keep.device_id]);
    expect((await call("/_matrix/client/v3/account/whoami", other.access_token, "GET")).status).toBe(401);
  });

  it("keeps the session after a wrong password, with M_FORBIDDEN in the 401", async () => {
    const me = await logIn("eve");
    const other = await logIn("eve");
    const path = `/_matrix/client/v3/devices/${other.device_id}`;
    const first = await (await call(path, me.access_token, "DELETE")).json();
    const wrong = await call(path, me.access_token, "DELETE", { auth: passwordAuth("eve", first.session, "nope") });
    expect(wrong.status).toBe(401);
    expect(await wrong.json()).toMatchObject({ errcode: "M_FORBIDDEN", session: first.session, completed: [] });
    expect((await call(path, me.access_token, "DELETE", { auth: passwordAuth("eve", first.session) })).status).toBe(200);
  });

  it("refuses a password that proves another user", async () => {
    const me = await logIn("eve");
    const other = await logIn("eve");
    const path = `/_matrix/client/v3/devices/${other.device_id}`;
    const first = await (await call(path, me.access_token, "DELETE")).json();
    const response = await call(path, me.access_token, "DELETE", { auth: passwordAuth("frank", first.session) });
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ errcode: "M_FORBIDDEN", error: "Invalid auth" });
    expect(await database().device.count({ where: { deviceId: other.device_id } })).toBe(1);
  });

  it("binds a session to its request, and a completed session cannot be replayed", async () => {
    const me = await logIn("frank");
    const a = await logIn("frank");
    const b = await logIn("frank");
    const first = await (await call(`/_matrix/client/v3/devices/${a.device_id}`, me.access_token, "DELETE")).json();

    const otherDevice = await call(`/_matrix/client/v3/devices/${b.device_id}`, me.access_token, "DELETE", { auth: passwordAuth("frank", first.session) });
    expect(otherDevice.status).toBe(403);
    expect(await otherDevice.json()).toEqual({ errcode: "M_FORBIDDEN", error: "Requested operation has changed during the UI authentication session." });

    const bulk = await (await call("/_matrix/client/v3/delete_devices", me.access_token, "POST", { devices: [a.device_id] })).json();
    const changedBody = await call("/_matrix/client/v3/delete_devices", me.access_token, "POST", { devices: [a.device_id, b.device_id], auth: passwordAuth("frank", bulk.session) });
    expect(changedBody.status).toBe(403);

    expect((await call(`/_matrix/client/v3/devices/${a.device_id}`, me.access_token, "DELETE", { auth: passwordAuth("frank", first.session) })).status).toBe(200);
    const replay = await call("/_matrix/client/r0/delete_devices", me.access_token, "POST", { devices: [b.device_id], auth: { session: first.session } });
    expect(replay.status).toBe(400);
    expect(await database().device.count({ where: { deviceId: b.device_id } })).toBe(1);
  });

  it("refuses another user's session and an expired one", async () => {
    const gina = await logIn("gina");
    const hank = await logIn("hank");
    const ginaDevice = await logIn("gina");
    const hankSession = (await (await call("/_matrix/client/v3/delete_devices", hank.access_token, "POST", { devices: [] })).json()).session;
    const stolen = await call("/_matrix/client/v3/delete_devices", gina.access_token, "POST", { devices: [], auth: passwordAuth("gina", hankSession) });
    expect(stolen.status).toBe(400);
    expect((await stolen.json()).error).toBe(`Unknown session ID: ${hankSession}`);

    const path = `/_matrix/client/v3/devices/${ginaDevice.device_id}`;
    const session = (await (await call(path, gina.access_token, "DELETE")).json()).session;
    await database().uiAuthSession.update({ where: { id: session }, data: { expiresAt: new Date(Date.now() - 1000) } });
    expect((await call(path, gina.access_token, "DELETE", { auth: passwordAuth("gina", session) })).status).toBe(400);
  });

  it("changes the password, ending every other session unless logout_devices is false", async () => {
    const me = await logIn("hank");
    const other = await logIn("hank");
    const path = "/_matrix/client/v3/account/password";
    const weak = await call(path, me.access_token, "POST", { new_password: "short" });
    expect(weak.status).toBe(400);
    expect((await weak.json()).errcode).toBe("M_WEAK_PASSWORD");

    const challenge = await (await call(path, me.access_token, "POST", { new_password: "hank-new-password" })).json();
    const done = await call(path, me.access_token, "POST", { new_password: "hank-new-password", auth: passwordAuth("hank", challenge.session) });
    expect(done.status).toBe(200);
    expect((await call("/_matrix/client/v3/account/whoami", me.access_token, "GET")).status).toBe(200);
    expect((await call("/_matrix/client/v3/account/whoami", other.access_token, "GET")).status).toBe(401);
    await logIn("hank", "hank-new-password");
    const old = await fetch(`${server.baseUrl}/_matrix/client/v3/login`, { method: "POST", body: JSON.stringify({ type: "m.login.password", user: "hank", password: "hank-password" }) });
    expect(old.status).toBe(403);

    const keeper = await logIn("hank", "hank-new-password");
    const again = await (await call(path, me.access_token, "POST", { new_password: "hank-third-password", logout_devices: false })).json();
    await call(path, me.access_token, "POST", { new_password: "hank-third-password", logout_devices: false, auth: passwordAuth("hank", again.session, "hank-new-password") });
    expect((await call("/_matrix/client/v3/account/whoami", keeper.access_token, "GET")).status).toBe(200);
  });

  it("deactivates an account: no more logins, no more tokens", async () => {
    const me = await logIn("ivy");
    const challenge = await (await call("/_matrix/client/v3/account/deactivate", me.access_token, "POST", {})).json();
    const done = await call("/_matrix/client/v3/account/deactivate", me.access_token, "POST", { auth: passwordAuth("ivy", challenge.session) });
    expect(done.status).toBe(200);
    expect((await call("/_matrix/client/v3/account/whoami", me.access_token, "GET")).status).toBe(401);
    const login = await fetch(`${server.baseUrl}/_matrix/client/v3/login`, { method: "POST", body: JSON.stringify({ type: "m.login.password", user: "ivy", password: "ivy-password" }) });
    expect(login.status).toBe(403);
  });

  it("completes the password stage on the fallback page, then the operation goes ahead", async () => {
    const me = await logIn("gina");
    const other = await logIn("gina");
    const path = `/_matrix/client/v3/devices/${other.device_id}`;
    const { session } = await (await call(path, me.access_token, "DELETE")).json();
    const page = `${server.baseUrl}/_matrix/client/v3/auth/m.login.password/fallback/web?session=${session}`;
    const form = await fetch(page);
    expect(form.status).toBe(200);
    expect(await form.text()).toContain("@gina:test.local");

    const post = (password: string) =>
      fetch(page, { method: "POST", headers: { "Content-Type": "application/x-www-form-urlencoded" }, body: new URLSearchParams({ password }).toString() });
    const wrong = await post("nope");
    expect(wrong.status).toBe(401);
    expect(await wrong.text()).toContain("That password is not right");
    const right = await post("gina-password");
    expect(right.status).toBe(200);
    const html = await right.text();
    expect(html).toContain("Thank you");
    expect(html).toContain('src="/sso-auth-done.js"');

    expect((await call(path, me.access_token, "DELETE", { auth: { session } })).status).toBe(200);
  });

  it.each([
    ["no session", "/_matrix/client/v3/auth/m.login.password/fallback/web", 400, "No session supplied"],
    ["an unknown session", "/_matrix/client/v3/auth/m.login.sso/fallback/web?session=nope", 400, "unknown or has expired"],
    ["an unknown stage", "/_matrix/client/v3/auth/m.login.magic/fallback/web?session=nope", 404, "Unknown auth stage type"],
  ])("answers the fallback page with %s clearly", async (_name, path, status, text) => {
    const response = await fetch(`${server.baseUrl}${path}`);
    expect(response.status).toBe(status);
    expect(await response.text()).toContain(text);
  });
});
