// A real Matrix client library against the route modules in this process (the fast tier, test-support/in-process-server.ts): password login, whoami, logout.
import { createClient, MatrixError as SdkMatrixError } from "matrix-js-sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BACKENDS, freshDatabaseUrl } from "../test-support/backends";
import { startInProcessServer } from "../test-support/in-process-server";
import { type RunningServer } from "../test-support/server";
import { createUserDirectly, disconnectAll } from "../test-support/users";

describe.each(BACKENDS)("matrix-js-sdk on %s", (backend) => {
  let server: RunningServer;

  beforeAll(async () => {
    const databaseUrl = await freshDatabaseUrl(backend);
    server = await startInProcessServer({ databaseUrl });
    await createUserDirectly(databaseUrl, { localpart: "bob", password: "builder" });
  });

  afterAll(async () => {
    await server?.stop();
    await disconnectAll();
  });

  it("logs in by password, calls whoami and logs out", async () => {
    const client = createClient({ baseUrl: server.baseUrl });
    const flows = await client.loginFlows();
    expect(flows.flows.map((flow) => flow.type)).toContain("m.login.password");

    const login = await client.loginRequest({
      type: "m.login.password",
      identifier: { type: "m.id.user", user: "bob" },
      password: "builder",
      initial_device_display_name: "js-sdk test",
    });
    expect(login.user_id).toBe("@bob:test.local");

    const authed = createClient({ baseUrl: server.baseUrl, accessToken: login.access_token, userId: login.user_id });
    const whoami = await authed.whoami();
    expect(whoami.user_id).toBe("@bob:test.local");
    expect(whoami.device_id).toBe(login.device_id);

    await authed.logout();
    const error = await authed.whoami().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(SdkMatrixError);
    expect((error as SdkMatrixError).errcode).toBe("M_UNKNOWN_TOKEN");
  });

  it("surfaces a wrong password as M_FORBIDDEN", async () => {
    const client = createClient({ baseUrl: server.baseUrl });
    const error = await client
      .loginRequest({ type: "m.login.password", identifier: { type: "m.id.user", user: "bob" }, password: "nope" })
      .catch((caught: unknown) => caught);
    expect((error as SdkMatrixError).errcode).toBe("M_FORBIDDEN");
    expect((error as SdkMatrixError).httpStatus).toBe(403);
  });
});
