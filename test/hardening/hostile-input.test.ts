// Hostile input against /login and the user-interactive-auth endpoints, over HTTP against the built
// server on SQLite and PostgreSQL, mostly property-based (fast-check): whatever the body — random or
// malformed JSON, wrong types, huge strings, deep nesting, unknown fields, look-alike user IDs — the
// answer is a Matrix error whose HTTP status matches its errcode, never a 500, and nothing is
// written: no user, device or token appears, and the operations UI auth guards do not happen.
import http from "node:http";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ERRCODE_STATUS } from "../../lib/matrix/errors";
import { BACKENDS, freshDatabaseUrl } from "../../test-support/backends";
import { startInProcessServer } from "../../test-support/in-process-server";
import { type RunningServer } from "../../test-support/server";
import { createUserDirectly, disconnectAll, useDatabase } from "../../test-support/users";

const LOGIN_ERRCODES = new Set([
  "M_NOT_JSON",
  "M_BAD_JSON",
  "M_UNKNOWN",
  "M_INVALID_PARAM",
  "M_MISSING_PARAM",
  "M_FORBIDDEN",
  "M_TOO_LARGE",
  "M_USER_DEACTIVATED",
]);

/** A JSON value of any shape, with strings that include unicode, control characters and lone surrogates. */
const anyJson = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    fc.constant(null),
    fc.boolean(),
    fc.double({ noNaN: false }),
    fc.integer(),
    fc.string({ unit: "binary", maxLength: 30 }),
    fc.constantFrom("m.login.password", "m.login.token", "m.id.user", "m.id.thirdparty", "m.id.phone", "alice", "@alice:test.local", "email", "msisdn", ""),
    fc.array(tie("value"), { maxLength: 4 }),
    fc.dictionary(fc.string({ maxLength: 12 }), tie("value"), { maxKeys: 5 }),
  ),
})).value;

/** Bodies shaped like a login, with any field of any type, and unknown fields. */
const loginLike = fc.record(
  {
    type: fc.oneof(fc.constantFrom("m.login.password", "m.login.token", "m.login.sso", "m.login.dummy"), anyJson),
    identifier: fc.oneof(
      fc.record({ type: fc.oneof(fc.constantFrom("m.id.user", "m.id.thirdparty", "m.id.phone"), anyJson), user: anyJson, medium: anyJson, address: anyJson, country: anyJson, phone: anyJson }, { requiredKeys: [] }),
      anyJson,
    ),
    user: anyJson,
    medium: anyJson,
    address: anyJson,
    password: anyJson,
    token: anyJson,
    device_id: anyJson,
    initial_device_display_name: anyJson,
    refresh_token: anyJson,
    unknown_field: anyJson,
  },
  { requiredKeys: [] },
);

describe.each(BACKENDS)("hostile input on %s", (backend) => {
  let server: RunningServer;
  let databaseUrl: string;
  const database = () => useDatabase(databaseUrl);

  beforeAll(async () => {
    databaseUrl = await freshDatabaseUrl(backend);
    server = await startInProcessServer({ databaseUrl });
    await createUserDirectly(databaseUrl, { localpart: "alice", password: "wonderland", emails: ["alice@example.org"] });
    await createUserDirectly(databaseUrl, { localpart: "kate", password: "kate-password" });
  });

  afterAll(async () => {
    await server?.stop();
    await disconnectAll();
  });

  /** What must not change: every table a login or an authorised operation writes. */
  async function snapshot() {
    const db = database();
    return {
      users: await db.user.count(),
      devices: await db.device.count(),
      accessTokens: await db.accessToken.count(),
      refreshTokens: await db.refreshToken.count(),
      loginTokens: await db.loginToken.count(),
      threepids: await db.threePid.count(),
      passwords: (await db.user.findMany({ select: { userId: true, passwordHash: true, deactivated: true }, orderBy: { userId: "asc" } }))
        .map((user) => `${user.userId}:${user.passwordHash}:${user.deactivated}`)
        .join("|"),
    };
  }

  async function expectMatrixError(response: Response, allowed: Set<string> = LOGIN_ERRCODES): Promise<Record<string, unknown>> {
    const text = await response.text();
    expect(response.status, text).toBeGreaterThanOrEqual(400);
    expect(response.status, text).toBeLessThan(500);
    const body = JSON.parse(text) as Record<string, unknown>;
    expect(typeof body.errcode).toBe("string");
    expect(typeof body.error).toBe("string");
    expect(allowed.has(body.errcode as string), `unexpected ${text}`).toBe(true);
    // The status is the one the spec gives this errcode (M_UNKNOWN also stands for 404/405 answers).
    if (body.errcode !== "M_UNKNOWN") {
      expect(response.status, text).toBe(ERRCODE_STATUS[body.errcode as keyof typeof ERRCODE_STATUS]);
    }
    return body;
  }

  const postRaw = (path: string, body: string | Uint8Array, headers: Record<string, string> = {}) =>
    fetch(`${server.baseUrl}${path}`, { method: "POST", headers: { "Content-Type": "application/json", ...headers }, body: body as BodyInit });

  const login = (body: unknown) => postRaw("/_matrix/client/v3/login", JSON.stringify(body));

  /** POSTs to /login on a fresh connection (chunked when `streamed`), and returns the answer as a Response. */
  function postOnOwnSocket(body: string, streamed: boolean): Promise<Response> {
    const url = new URL(`${server.baseUrl}/_matrix/client/v3/login`);
    return new Promise((resolve, reject) => {
      const request = http.request(
        {
          host: url.hostname,
          port: url.port,
          path: url.pathname,
          method: "POST",
          agent: false,
          headers: { "Content-Type": "application/json", ...(streamed ? { "Transfer-Encoding": "chunked" } : { "Content-Length": Buffer.byteLength(body) }) },
        },
        (answer) => {
          const chunks: Buffer[] = [];
          answer.on("data", (chunk: Buffer) => chunks.push(chunk));
          answer.on("end", () => resolve(new Response(Buffer.concat(chunks), { status: answer.statusCode, headers: { "content-type": String(answer.headers["content-type"]) } })));
          answer.on("error", reject);
        },
      );
      // The server may stop reading once it has answered; that is not a failure of the test.
      request.on("error", () => undefined);
      if (streamed) for (let offset = 0; offset < body.length; offset += 8192) request.write(body.slice(offset, offset + 8192));
      else request.write(body);
      request.end();
    });
  }

  it("answers any login-shaped body with the right Matrix error and writes nothing (property)", async () => {
    const before = await snapshot();
    await fc.assert(
      fc.asyncProperty(loginLike, async (body) => {
        await expectMatrixError(await login(body));
      }),
      { numRuns: 250 },
    );
    expect(await snapshot()).toEqual(before);
  });

  it("answers any JSON value at all, and any bytes, with M_NOT_JSON or M_BAD_JSON and friends (property)", async () => {
    const before = await snapshot();
    await fc.assert(
      fc.asyncProperty(fc.oneof(anyJson.map((value) => JSON.stringify(value) ?? "null"), fc.string({ unit: "binary", maxLength: 200 }), fc.uint8Array({ maxLength: 200 })), async (raw) => {
        const response = await postRaw("/_matrix/client/v3/login", raw);
        const body = await expectMatrixError(response);
        const text = typeof raw === "string" ? raw : new TextDecoder("utf-8", { fatal: false }).decode(raw);
        let parsed: unknown;
        let isJson = true;
        try {
          parsed = typeof raw === "string" ? JSON.parse(raw) : JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(raw));
        } catch {
          isJson = false;
        }
        if (!isJson || text.length === 0) expect(body.errcode).toBe("M_NOT_JSON");
        else if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) expect(body.errcode).toBe("M_BAD_JSON");
      }),
      { numRuns: 200 },
    );
    expect(await snapshot()).toEqual(before);
  });

  it.each([
    // Over the limit, the server answers before reading the rest and drops the connection: these go
    // on a socket of their own, so that no later request reuses it.
    ["a body over the limit, declared", () => postOnOwnSocket("x".repeat(70_000), false), "M_TOO_LARGE"],
    ["a body over the limit, streamed without Content-Length", () => postOnOwnSocket("x".repeat(160_000), true), "M_TOO_LARGE"],
    ["a password just under the limit", () => login({ type: "m.login.password", user: "alice", password: "p".repeat(60_000) }), "M_FORBIDDEN"],
    ["a user ID just under the limit", () => login({ type: "m.login.password", user: "a".repeat(60_000), password: "wonderland" }), "M_FORBIDDEN"],
    ["an over-long device_id", () => login({ type: "m.login.password", user: "alice", password: "wonderland", device_id: "D".repeat(513) }), "M_INVALID_PARAM"],
    ["a login token of 60 000 characters", () => login({ type: "m.login.token", token: "syl_".padEnd(60_000, "A") }), "M_FORBIDDEN"],
    ["arrays nested 30 000 deep", () => postRaw("/_matrix/client/v3/login", "[".repeat(30_000) + "]".repeat(30_000)), "M_BAD_JSON"],
    [
      "an identifier nested 10 000 deep",
      () => postRaw("/_matrix/client/v3/login", `{"type":"m.login.password","password":"x","identifier":${'{"a":'.repeat(10_000)}1${"}".repeat(10_000)}}`),
      "M_MISSING_PARAM",
    ],
    ["a body of NUL bytes", () => postRaw("/_matrix/client/v3/login", new Uint8Array(1000)), "M_NOT_JSON"],
    ["invalid UTF-8", () => postRaw("/_matrix/client/v3/login", new Uint8Array([0x7b, 0x22, 0xc3, 0x28, 0x22, 0x3a, 0x31, 0x7d])), "M_NOT_JSON"],
    // A leading byte-order mark is ignored (RFC 8259 allows it): the body is read as the JSON it is.
    ["a UTF-8 byte-order mark", () => postRaw("/_matrix/client/v3/login", `\ufeff${JSON.stringify({ type: "m.login.password", user: "alice", password: "nope" })}`), "M_FORBIDDEN"],
  ].map(([name, send, errcode]) => ({ name: name as string, send: send as () => Promise<Response>, errcode: errcode as string })))("answers $name with $errcode", async ({ send, errcode }) => {
    const before = await snapshot();
    const body = await expectMatrixError(await send());
    expect(body.errcode).toBe(errcode);
    expect(await snapshot()).toEqual(before);
  });

  it.each([
    ["Cyrillic к", "\u043aate"],
    ["Cyrillic е", "kat\u0435"],
    ["fullwidth letters", "\uff4b\uff41\uff54\uff45"],
    ["a zero-width space", "kate\u200b"],
    ["a combining accent", "ka\u0301te"],
    ["a right-to-left override", "\u202ekate"],
    ["the qualified ID with a look-alike server", "@kate:test.lоcal"],
  ])("never lets a look-alike user ID (%s) log in, even with the right password", async (_name, user) => {
    const before = await snapshot();
    const response = await login({ type: "m.login.password", identifier: { type: "m.id.user", user }, password: "kate-password" });
    expect((await expectMatrixError(response)).errcode).toBe("M_FORBIDDEN");
    expect(await snapshot()).toEqual(before);
  });

  it.each([
    ["a user ID", { type: "m.login.password", identifier: { type: "m.id.user", user: "kate\u0000" }, password: "kate-password" }],
    ["a device ID", { type: "m.login.password", user: "kate", password: "kate-password", device_id: "DEV\u0000ICE" }],
    ["a device name", { type: "m.login.password", user: "kate", password: "kate-password", initial_device_display_name: "phone\u0000" }],
    ["an email address", { type: "m.login.password", identifier: { type: "m.id.thirdparty", medium: "email", address: "kate@example.org\u0000" }, password: "kate-password" }],
  ])("refuses a NUL character in %s with a 400, on either database", async (_name, body) => {
    const before = await snapshot();
    const response = await login(body);
    expect((await expectMatrixError(response)).errcode).toBe("M_INVALID_PARAM");
    expect(await snapshot()).toEqual(before);
  });

  it("still finds an account whose ID differs only in ASCII case, as Synapse does", async () => {
    const response = await login({ type: "m.login.password", identifier: { type: "m.id.user", user: "@KATE:test.local" }, password: "kate-password" });
    expect(response.status).toBe(200);
    expect((await response.json()).user_id).toBe("@kate:test.local");
  });

  describe("user-interactive auth", () => {
    let token: string;
    let deviceId: string;
    const call = (method: string, path: string, body?: string) =>
      fetch(`${server.baseUrl}${path}`, { method, headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" }, body });
    const UIA_ERRCODES = new Set([...LOGIN_ERRCODES, "M_UNKNOWN_TOKEN", "M_MISSING_TOKEN", "M_NOT_FOUND", "M_WEAK_PASSWORD"]);

    beforeAll(async () => {
      const response = await login({ type: "m.login.password", user: "alice", password: "wonderland" });
      ({ access_token: token, device_id: deviceId } = await response.json());
    });

    /** A 401 with flows is UI auth asking for more: the operation did not happen. */
    async function expectRefused(response: Response) {
      if (response.status === 401) {
        const body = await response.json();
        expect(body.flows ?? body.errcode, JSON.stringify(body)).toBeDefined();
        return;
      }
      await expectMatrixError(response, UIA_ERRCODES);
    }

    const authLike = fc.oneof(
      anyJson,
      fc.record(
        {
          type: fc.oneof(fc.constantFrom("m.login.password", "m.login.sso", "m.login.dummy", "m.login.token"), anyJson),
          session: fc.oneof(fc.string({ maxLength: 30 }), anyJson),
          identifier: fc.oneof(fc.record({ type: fc.constant("m.id.user"), user: fc.oneof(fc.constantFrom("alice", "@alice:test.local", "kate"), anyJson) }), anyJson),
          user: anyJson,
          password: fc.oneof(fc.constantFrom("wrong", "kate-password", ""), anyJson),
        },
        { requiredKeys: [] },
      ),
    );

    it("refuses any auth dict on the guarded operations and never performs them (property)", async () => {
      const before = await snapshot();
      await fc.assert(
        fc.asyncProperty(
          authLike,
          anyJson,
          fc.constantFrom("delete-device", "delete-devices", "password", "deactivate"),
          async (auth, extra, operation) => {
            const body = { auth, extra };
            let response: Response;
            if (operation === "delete-device") response = await call("DELETE", `/_matrix/client/v3/devices/${deviceId}`, JSON.stringify(body));
            else if (operation === "delete-devices") response = await call("POST", "/_matrix/client/v3/delete_devices", JSON.stringify({ ...body, devices: [deviceId] }));
            else if (operation === "password") response = await call("POST", "/_matrix/client/v3/account/password", JSON.stringify({ ...body, new_password: "a-new-password" }));
            else response = await call("POST", "/_matrix/client/v3/account/deactivate", JSON.stringify(body));
            await expectRefused(response);
          },
        ),
        { numRuns: 150 },
      );
      expect(await snapshot()).toEqual(before);
      expect((await call("GET", "/_matrix/client/v3/account/whoami")).status).toBe(200);
    });

    it.each([
      ["not JSON", "{nope", "M_NOT_JSON"],
      ["a JSON array", "[]", "M_BAD_JSON"],
      ["auth as a string", JSON.stringify({ devices: [], auth: "password" }), "M_BAD_JSON"],
      ["auth as an array", JSON.stringify({ devices: [], auth: [] }), "M_BAD_JSON"],
      ["an extra field nested 10 000 deep", `{"devices":[],"extra":${"[".repeat(10_000)}${"]".repeat(10_000)}}`, "M_BAD_JSON"],
      ["a session that does not exist", JSON.stringify({ devices: [], auth: { session: "x".repeat(10_000), type: "m.login.password", user: "alice", password: "wonderland" } }), "M_UNKNOWN"],
    ].map(([name, raw, errcode]) => ({ name, raw, errcode })))("answers a guarded operation with $name as $errcode", async ({ raw, errcode }) => {
      const before = await snapshot();
      const response = await call("POST", "/_matrix/client/v3/delete_devices", raw);
      expect((await expectMatrixError(response, UIA_ERRCODES)).errcode).toBe(errcode);
      expect(await snapshot()).toEqual(before);
    });

    it("does not let a UI-auth session authorise a different request (changed body)", async () => {
      const first = await call("POST", "/_matrix/client/v3/delete_devices", JSON.stringify({ devices: ["OTHER"] }));
      const { session } = await first.json();
      const auth = { type: "m.login.password", identifier: { type: "m.id.user", user: "alice" }, password: "wonderland", session };
      const swapped = await call("POST", "/_matrix/client/v3/delete_devices", JSON.stringify({ devices: [deviceId], auth }));
      expect((await expectMatrixError(swapped, UIA_ERRCODES)).errcode).toBe("M_FORBIDDEN");
      expect((await call("GET", "/_matrix/client/v3/account/whoami")).status).toBe(200);
    });
  });
});
