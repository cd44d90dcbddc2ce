// NUL characters and over-long device names, over HTTP against the built server on SQLite and
// PostgreSQL. PostgreSQL cannot store a NUL in text, so the database client refuses such values with
// 400 M_INVALID_PARAM on both databases (lib/db/client.ts). That client is made once per process
// and shared through globalThis, but Next.js evaluates lib/ once for the route handlers and again
// for the pages (the admin console): when a console page is the first to use the database, every
// JSON endpoint meets errors from the pages' copy of MatrixError, which a plain `instanceof` does
// not recognise (it answered 500). Errors are recognised by their brand (lib/matrix/errors.ts), so
// here the server's first database use is the admin console's user list.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cookieHeaderOf, isSignedInToConsole, signInToConsole } from "../../test-support/admin-console";
import { BACKENDS, freshDatabaseUrl } from "../../test-support/backends";
import { startServer, type RunningServer } from "../../test-support/server";
import { createUserDirectly, disconnectAll, useDatabase } from "../../test-support/users";

describe.each(BACKENDS)("NUL characters and device names on %s", (backend) => {
  let server: RunningServer;
  let databaseUrl: string;
  let token: string;
  let deviceId: string;
  const database = () => useDatabase(databaseUrl);

  beforeAll(async () => {
    databaseUrl = await freshDatabaseUrl(backend);
    // An admin's console session, signed in on a first server: the sign-in itself uses the database
    // from the route handlers' copy of lib/. The session cookie stays valid on the next server.
    const first = await startServer({ databaseUrl });
    let consoleCookie: string;
    try {
      await createUserDirectly(databaseUrl, { localpart: "root", password: "root-password", admin: true });
      await createUserDirectly(databaseUrl, { localpart: "nadia", password: "nadia-password" });
      const { browser, response } = await signInToConsole(first.baseUrl, "root", "root-password");
      expect(isSignedInToConsole(browser), `console sign-in answered ${response.status}`).toBe(true);
      consoleCookie = cookieHeaderOf(browser);
    } finally {
      await first.stop();
    }
    server = await startServer({ databaseUrl });
    const consolePage = await fetch(`${server.baseUrl}/admin`, { headers: { Cookie: consoleCookie }, redirect: "manual" });
    expect(consolePage.status).toBe(200);
    const login = await call("POST", "/_matrix/client/v3/login", { type: "m.login.password", user: "nadia", password: "nadia-password" }, "");
    expect(login.status).toBe(200);
    ({ access_token: token, device_id: deviceId } = await login.json());
  });

  afterAll(async () => {
    await server?.stop();
    await disconnectAll();
  });

  function call(method: string, path: string, body?: unknown, bearer = token): Promise<Response> {
    return fetch(`${server.baseUrl}${path}`, {
      method,
      headers: { ...(bearer ? { Authorization: `Bearer ${bearer}` } : {}), "Content-Type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  }

  async function snapshot() {
    const db = database();
    return {
      devices: (await db.device.findMany({ select: { deviceId: true, displayName: true }, orderBy: { deviceId: "asc" } }))
        .map((device) => `${device.deviceId}:${device.displayName}`)
        .join("|"),
      accessTokens: await db.accessToken.count(),
    };
  }

  async function expectError(response: Response, status: number, errcode: string) {
    const text = await response.text();
    expect(response.status, text).toBe(status);
    expect(JSON.parse(text).errcode, text).toBe(errcode);
  }

  /** A UI-auth session for deleting nothing, bound to `{ devices: [] }`. */
  async function uiAuthSession(): Promise<string> {
    const response = await call("POST", "/_matrix/client/v3/delete_devices", { devices: [] });
    expect(response.status).toBe(401);
    return ((await response.json()) as { session: string }).session;
  }

  it.each([
    ["/login with a NUL in identifier.user", () => call("POST", "/_matrix/client/v3/login", { type: "m.login.password", identifier: { type: "m.id.user", user: "nadia\u0000" }, password: "nadia-password" }, "")],
    ["/login with a NUL in device_id", () => call("POST", "/_matrix/client/v3/login", { type: "m.login.password", identifier: { type: "m.id.user", user: "nadia" }, password: "nadia-password", device_id: "A\u0000B" }, "")],
    ["GET /devices/A%00B", () => call("GET", "/_matrix/client/v3/devices/A%00B")],
    ["PUT /devices/A%00B", () => call("PUT", "/_matrix/client/v3/devices/A%00B", { display_name: "phone" })],
    ["DELETE /devices/A%00B", () => call("DELETE", "/_matrix/client/v3/devices/A%00B")],
    ["DELETE /devices/A%00B with a body", () => call("DELETE", "/_matrix/client/v3/devices/A%00B", { auth: { type: "m.login.password" } })],
    [
      "a UI-auth session ID with a NUL",
      () => call("POST", "/_matrix/client/v3/delete_devices", { devices: [], auth: { session: "A\u0000B", type: "m.login.password", identifier: { type: "m.id.user", user: "nadia" }, password: "nadia-password" } }),
    ],
    [
      "a password stage whose user has a NUL",
      async () => {
        const session = await uiAuthSession();
        return call("POST", "/_matrix/client/v3/delete_devices", { devices: [], auth: { session, type: "m.login.password", identifier: { type: "m.id.user", user: "nadia\u0000" }, password: "nadia-password" } });
      },
    ],
    [
      "a password stage, without a session, whose user has a NUL",
      () => call("POST", "/_matrix/client/v3/delete_devices", { devices: [], auth: { type: "m.login.password", identifier: { type: "m.id.user", user: "@nadia\u0000:test.local" }, password: "nadia-password" } }),
    ],
  ] as [string, () => Promise<Response>][])("answers %s with 400 M_INVALID_PARAM", async (_name, send) => {
    const before = await snapshot();
    await expectError(await send(), 400, "M_INVALID_PARAM");
    expect(await snapshot()).toEqual(before);
    expect((await call("GET", "/_matrix/client/v3/account/whoami")).status).toBe(200);
  });

  it.each([
    ["GET", "m.login.password"],
    ["POST", "m.login.password"],
    ["GET", "m.login.sso"],
  ])("answers the fallback page (%s %s) with a NUL in ?session= with its error view", async (method, stage) => {
    const response = await fetch(`${server.baseUrl}/_matrix/client/v3/auth/${stage}/fallback/web?session=A%00B`, {
      method,
      ...(method === "POST" ? { headers: { "Content-Type": "application/x-www-form-urlencoded" }, body: "password=nadia-password" } : {}),
    });
    expect(response.status).toBe(400);
    expect(response.headers.get("content-type")).toContain("text/html");
    expect(await response.text()).toContain("unknown or has expired");
  });

  describe("device display names (Synapse: at most 100 characters, 400 M_TOO_LARGE)", () => {
    const tooLong = "n".repeat(60_000);

    it("refuses renaming a device to 60 000 characters, and to 101", async () => {
      for (const name of [tooLong, "n".repeat(101)]) {
        const before = await snapshot();
        const response = await call("PUT", `/_matrix/client/v3/devices/${deviceId}`, { display_name: name });
        expect(await response.json()).toEqual({ errcode: "M_TOO_LARGE", error: "Device display name is too long (max 100)" });
        expect(response.status).toBe(400);
        expect(await snapshot()).toEqual(before);
      }
    });

    it("accepts 100 characters, counted as code points", async () => {
      const name = "\u{1F4F1}".repeat(100);
      expect((await call("PUT", `/_matrix/client/v3/devices/${deviceId}`, { display_name: name })).status).toBe(200);
      expect((await (await call("GET", `/_matrix/client/v3/devices/${deviceId}`)).json()).display_name).toBe(name);
    });

    it("refuses a login with an initial_device_display_name of 60 000 characters, creating nothing", async () => {
      const before = await snapshot();
      const response = await call("POST", "/_matrix/client/v3/login", { type: "m.login.password", user: "nadia", password: "nadia-password", initial_device_display_name: tooLong }, "");
      await expectError(response, 400, "M_TOO_LARGE");
      expect(await snapshot()).toEqual(before);
    });
  });
});
