// What a UI-auth session costs the server, over HTTP against the route modules in this process (the fast tier, test-support/in-process-server.ts) on SQLite and
// PostgreSQL: any signed-in user can start one with any body (up to max_request_body_size) and no
// `auth`. A session keeps a digest of the request, never the body, and one user can start only so
// many (lib/auth/ui-auth/sessions.ts: UI_AUTH_SESSION_LIMIT), answered as Synapse answers a rate
// limit, 429 M_LIMIT_EXCEEDED with retry_after_ms.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { UI_AUTH_SESSION_LIMIT } from "../../lib/auth/ui-auth/sessions";
import { BACKENDS, freshDatabaseUrl } from "../../test-support/backends";
import { startInProcessServer } from "../../test-support/in-process-server";
import { type RunningServer } from "../../test-support/server";
import { createUserDirectly, disconnectAll, useDatabase } from "../../test-support/users";

/** A /delete_devices body of 64 KB (the default max_request_body_size is 65 536 bytes). */
const PADDING = "p".repeat(65_000);

describe.each(BACKENDS)("UI-auth sessions on %s", (backend) => {
  let server: RunningServer;
  let databaseUrl: string;

  beforeAll(async () => {
    databaseUrl = await freshDatabaseUrl(backend);
    server = await startInProcessServer({ databaseUrl });
    for (const localpart of ["mallory", "oscar", "peggy"]) {
      await createUserDirectly(databaseUrl, { localpart, password: `${localpart}-password` });
    }
  });

  afterAll(async () => {
    await server?.stop();
    await disconnectAll();
  });

  async function logIn(localpart: string) {
    const response = await fetch(`${server.baseUrl}/_matrix/client/v3/login`, {
      method: "POST",
      body: JSON.stringify({ type: "m.login.password", identifier: { type: "m.id.user", user: localpart }, password: `${localpart}-password` }),
    });
    expect(response.status).toBe(200);
    return (await response.json()) as { access_token: string; device_id: string; user_id: string };
  }

  const deleteDevices = (token: string, body: Record<string, unknown>) =>
    fetch(`${server.baseUrl}/_matrix/client/v3/delete_devices`, {
      method: "POST",
      headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
      body: JSON.stringify(body),
    });

  /**
   * Every stored value of the user's session rows, as text (raw SQL, so that the query does not
   * depend on the columns a given version of the schema has).
   */
  async function storedSessions(userId: string): Promise<string[][]> {
    const database = useDatabase(databaseUrl);
    const rows = await database.$queryRawUnsafe<Record<string, unknown>[]>(
      backend === "postgresql" ? "SELECT * FROM ui_auth_sessions WHERE user_id = $1" : "SELECT * FROM ui_auth_sessions WHERE user_id = ?",
      userId,
    );
    return rows.map((row) => Object.values(row).map((value) => String(value)));
  }

  it("keeps a digest of the request, not its 64 KB body", async () => {
    const peggy = await logIn("peggy");
    const response = await deleteDevices(peggy.access_token, { devices: ["NOSUCHDEVICE"], padding: PADDING });
    expect(response.status).toBe(401);
    const { session } = (await response.json()) as { session: string };

    const rows = await storedSessions(peggy.user_id);
    expect(rows).toHaveLength(1);
    const stored = rows[0].join("");
    expect(stored).not.toContain("ppppp");
    expect(stored.length).toBeLessThan(1_000);

    // The digest still binds the session to its request: the same body (keys in another order)
    // completes it, a different one does not.
    const auth = { type: "m.login.password", identifier: { type: "m.id.user", user: "peggy" }, password: "peggy-password", session };
    const changed = await deleteDevices(peggy.access_token, { devices: ["NOSUCHDEVICE"], padding: `${PADDING}q`, auth });
    expect(changed.status).toBe(403);
    expect(await changed.json()).toEqual({ errcode: "M_FORBIDDEN", error: "Requested operation has changed during the UI authentication session." });
    const same = await deleteDevices(peggy.access_token, { padding: PADDING, auth, devices: ["NOSUCHDEVICE"] });
    expect(same.status).toBe(200);
  });

  it("limits how many sessions one user starts: 429 M_LIMIT_EXCEEDED with retry_after_ms, rows bounded", async () => {
    const mallory = await logIn("mallory");
    const first = await deleteDevices(mallory.access_token, { devices: [mallory.device_id], padding: PADDING });
    expect(first.status).toBe(401);
    const { session } = (await first.json()) as { session: string };

    // The shape of the report: POST /delete_devices, a 64 KB body, no `auth`, again and again.
    let refused: Response | undefined;
    let accepted = 1;
    for (let call = 0; call < UI_AUTH_SESSION_LIMIT.burst_count + 20 && !refused; call += 1) {
      const response = await deleteDevices(mallory.access_token, { devices: [mallory.device_id], padding: PADDING });
      if (response.status === 401) accepted += 1;
      else refused = response;
    }
    expect(refused, `${accepted} sessions were started without a limit`).toBeDefined();
    expect(refused!.status).toBe(429);
    const body = (await refused!.json()) as { errcode: string; retry_after_ms: number };
    expect(body.errcode).toBe("M_LIMIT_EXCEEDED");
    expect(body.retry_after_ms).toBeGreaterThan(0);
    expect(Number(refused!.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(accepted).toBeLessThanOrEqual(UI_AUTH_SESSION_LIMIT.burst_count + 1);

    const rows = await storedSessions(mallory.user_id);
    expect(rows).toHaveLength(accepted);
    expect(rows.reduce((total, row) => total + row.join("").length, 0)).toBeLessThan(accepted * 1_000);

    // The limit is on starting sessions: one already started can still be completed.
    const auth = { type: "m.login.password", identifier: { type: "m.id.user", user: "mallory" }, password: "mallory-password", session };
    const done = await deleteDevices(mallory.access_token, { devices: [mallory.device_id], padding: PADDING, auth });
    expect(done.status).toBe(200);

    // And it is per user.
    const oscar = await logIn("oscar");
    expect((await deleteDevices(oscar.access_token, { devices: [oscar.device_id], padding: PADDING })).status).toBe(401);
  });
});
