// ui_auth.session_timeout (issue 17, point 6), as Synapse 1.67 honours it: per access token, a login
// or a successful UI-auth is a validation, and within the window the next device deletion (the
// only operation Synapse lets skip the prompt) goes ahead without one; another token of the same
// user, and a password change, are still asked; after the window the prompt is back.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BACKENDS, freshDatabaseUrl } from "../test-support/backends";
import { startInProcessServer } from "../test-support/in-process-server";
import { type RunningServer } from "../test-support/server";
import { createUserDirectly, disconnectAll } from "../test-support/users";

const WINDOW_MS = 5_000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.each(BACKENDS)("ui_auth.session_timeout on %s", (backend) => {
  let server: RunningServer;

  beforeAll(async () => {
    const databaseUrl = await freshDatabaseUrl(backend);
    server = await startInProcessServer({ databaseUrl, config: { ui_auth: { session_timeout: `${WINDOW_MS / 1000}s` } } });
    await createUserDirectly(databaseUrl, { localpart: "tess", password: "tess-password" });
  });

  afterAll(async () => {
    await server?.stop();
    await disconnectAll();
  });

  async function logIn(deviceId: string): Promise<string> {
    const response = await fetch(`${server.baseUrl}/_matrix/client/v3/login`, {
      method: "POST",
      body: JSON.stringify({ type: "m.login.password", identifier: { type: "m.id.user", user: "tess" }, password: "tess-password", device_id: deviceId }),
    });
    expect(response.status).toBe(200);
    return ((await response.json()) as { access_token: string }).access_token;
  }

  const call = (path: string, token: string, method: string, body: unknown = {}) =>
    fetch(`${server.baseUrl}/_matrix/client/v3${path}`, {
      method,
      headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
      body: JSON.stringify(body),
    });

  const deleteDevice = (token: string, deviceId: string, auth?: Record<string, unknown>) => call(`/devices/${deviceId}`, token, "DELETE", auth ? { auth } : {});

  it("skips the prompt for device deletion within the window of the token's own validation, and only there", async () => {
    const older = await logIn("OLDER");
    for (const device of ["C1", "C2", "C3", "C4", "C5"]) await logIn(device);
    await sleep(WINDOW_MS + 500);

    // After the window: asked again.
    const asked = await deleteDevice(older, "C1");
    expect(asked.status).toBe(401);
    expect(await asked.json()).toMatchObject({ session: expect.any(String), flows: [{ stages: ["m.login.password"] }] });

    // A fresh login is a validation: its token deletes a device without a prompt...
    const fresh = await logIn("FRESH");
    expect((await deleteDevice(fresh, "C1")).status).toBe(200);
    // ...but that says nothing about the user's other token,
    expect((await deleteDevice(older, "C2")).status).toBe(401);
    // and a password change is asked even with the fresh token (Synapse does not let it skip).
    const password = await call("/account/password", fresh, "POST", { new_password: "tess-password-2", logout_devices: false });
    expect(password.status).toBe(401);
    expect(await password.json()).toMatchObject({ flows: [{ stages: ["m.login.password"] }] });

    // A successful UI-auth is a validation too: the older token's next deletion needs no prompt.
    const challenge = (await (await deleteDevice(older, "C2")).json()) as { session: string };
    const withPassword = await deleteDevice(older, "C2", {
      type: "m.login.password",
      identifier: { type: "m.id.user", user: "tess" },
      password: "tess-password",
      session: challenge.session,
    });
    expect(withPassword.status).toBe(200);
    expect((await deleteDevice(older, "C3")).status).toBe(200);
    // POST /delete_devices may skip too (Synapse's DeleteDevicesRestServlet).
    expect((await call("/delete_devices", older, "POST", { devices: ["C4"] })).status).toBe(200);

    // After the window, both tokens are asked again.
    await sleep(WINDOW_MS + 500);
    expect((await deleteDevice(older, "C5")).status).toBe(401);
    expect((await deleteDevice(fresh, "C5")).status).toBe(401);
  });
});
