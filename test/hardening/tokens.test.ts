// Login tokens and refresh tokens under attack, over HTTP against the route modules in this process (the fast tier, test-support/in-process-server.ts) on SQLite and
// PostgreSQL: replay (sequential and concurrent), expiry and tampering. A refused token never
// yields a device or a token.
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLoginToken } from "../../lib/auth/login-tokens";
import { hashSecret } from "../../lib/auth/secrets";
import { BACKENDS, freshDatabaseUrl } from "../../test-support/backends";
import { startInProcessServer } from "../../test-support/in-process-server";
import { type RunningServer } from "../../test-support/server";
import { createUserDirectly, disconnectAll, useDatabase } from "../../test-support/users";

/** The token with one character of its random part changed (its shape and length kept). */
function tamper(token: string, position = 0.5): string {
  const index = Math.min(token.length - 8, Math.max(4, Math.floor(token.length * position)));
  const replacement = token[index] === "A" ? "B" : "A";
  return token.slice(0, index) + replacement + token.slice(index + 1);
}

describe.each(BACKENDS)("tokens on %s", (backend) => {
  let server: RunningServer;
  let databaseUrl: string;
  let userId: string;
  const database = () => useDatabase(databaseUrl);

  beforeAll(async () => {
    databaseUrl = await freshDatabaseUrl(backend);
    server = await startInProcessServer({ databaseUrl });
    userId = await createUserDirectly(databaseUrl, { localpart: "tess", password: "tess-password" });
    await createUserDirectly(databaseUrl, { localpart: "gone", password: "x", deactivated: true });
  });

  afterAll(async () => {
    await server?.stop();
    await disconnectAll();
  });

  const post = (path: string, body: unknown) =>
    fetch(`${server.baseUrl}${path}`, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
  const tokenLogin = (token: unknown) => post("/_matrix/client/v3/login", { type: "m.login.token", token });
  const whoami = (accessToken: string) =>
    fetch(`${server.baseUrl}/_matrix/client/v3/account/whoami`, { headers: { Authorization: `Bearer ${accessToken}` } });
  const counts = async () => ({
    devices: await database().device.count(),
    accessTokens: await database().accessToken.count(),
    refreshTokens: await database().refreshToken.count(),
  });

  describe("login tokens", () => {
    it("work once: a replay is refused like an unknown token", async () => {
      database();
      const token = await createLoginToken(userId, 60_000);
      expect((await tokenLogin(token)).status).toBe(200);
      const replay = await tokenLogin(token);
      expect(replay.status).toBe(403);
      expect(await replay.json()).toEqual({ errcode: "M_FORBIDDEN", error: "Invalid login token" });
    });

    it("work once even when twenty requests race with the same token", async () => {
      database();
      const token = await createLoginToken(userId, 60_000);
      const before = await counts();
      const responses = await Promise.all(Array.from({ length: 20 }, () => tokenLogin(token)));
      const statuses = responses.map((response) => response.status).sort();
      expect(statuses.filter((status) => status === 200)).toHaveLength(1);
      expect(statuses.filter((status) => status === 403)).toHaveLength(19);
      const after = await counts();
      expect(after.devices - before.devices).toBe(1);
      expect(after.accessTokens - before.accessTokens).toBe(1);
    });

    it("expire", async () => {
      database();
      const token = await createLoginToken(userId, 60_000);
      await database().loginToken.update({ where: { tokenHash: hashSecret(token) }, data: { expiresAt: new Date(Date.now() - 1) } });
      const before = await counts();
      const response = await tokenLogin(token);
      expect(response.status).toBe(403);
      expect(await response.json()).toEqual({ errcode: "M_FORBIDDEN", error: "Invalid login token" });
      expect(await counts()).toEqual(before);
    });

    it("cannot be altered, shortened, extended or re-prefixed", async () => {
      database();
      const token = await createLoginToken(userId, 60_000);
      const before = await counts();
      for (const forged of [tamper(token, 0.3), tamper(token, 0.8), token.slice(0, -1), `${token}A`, token.replace(/^syl_/, "syt_"), token.toUpperCase(), ` ${token}`]) {
        const response = await tokenLogin(forged);
        expect(response.status, forged).toBe(403);
      }
      expect(await counts()).toEqual(before);
      // The genuine token was never spent by those attempts.
      expect((await tokenLogin(token)).status).toBe(200);
    });

    it("of a deactivated account do not log in", async () => {
      database();
      const token = await createLoginToken("@gone:test.local", 60_000);
      const before = await counts();
      const response = await tokenLogin(token);
      expect(response.status).toBe(403);
      expect((await response.json()).errcode).toBe("M_USER_DEACTIVATED");
      expect(await counts()).toEqual(before);
    });

    it("refuses anything that is not a live token (property)", async () => {
      const before = await counts();
      await fc.assert(
        fc.asyncProperty(fc.oneof(fc.string({ maxLength: 100 }), fc.string({ maxLength: 60 }).map((s) => `syl_${s}`)), async (token) => {
          const response = await tokenLogin(token);
          expect(response.status).toBe(403);
          expect((await response.json()).errcode).toBe("M_FORBIDDEN");
        }),
        { numRuns: 100 },
      );
      expect(await counts()).toEqual(before);
    });
  });

  describe("refresh tokens", () => {
    async function refreshableLogin() {
      const response = await post("/_matrix/client/v3/login", { type: "m.login.password", user: "tess", password: "tess-password", refresh_token: true });
      expect(response.status).toBe(200);
      return (await response.json()) as { access_token: string; refresh_token: string; device_id: string };
    }
    const refresh = (token: unknown) => post("/_matrix/client/v3/refresh", { refresh_token: token });

    it("may be retried until the new pair is used, and are dead after that", async () => {
      const first = await refreshableLogin();
      const a = await refresh(first.refresh_token);
      expect(a.status).toBe(200);
      const pairA = await a.json();
      // The client lost the answer: the same refresh token works again, and replaces pair A.
      const b = await refresh(first.refresh_token);
      expect(b.status).toBe(200);
      const pairB = await b.json();
      expect((await whoami(pairA.access_token)).status).toBe(401);
      expect((await whoami(pairB.access_token)).status).toBe(200);
      // Pair B is in use: the original refresh token is spent for good, pair A's never comes back.
      const replay = await refresh(first.refresh_token);
      expect(replay.status).toBe(403);
      expect(await replay.json()).toEqual({ errcode: "M_FORBIDDEN", error: "refresh token isn't valid anymore" });
      const stale = await refresh(pairA.refresh_token);
      expect(stale.status).toBe(401);
      expect((await stale.json()).errcode).toBe("M_UNKNOWN_TOKEN");
      expect((await refresh(pairB.refresh_token)).status).toBe(200);
    });

    it("leave exactly one live pair when ten refreshes of one token race", async () => {
      const first = await refreshableLogin();
      const responses = await Promise.all(Array.from({ length: 10 }, () => refresh(first.refresh_token)));
      const bodies = await Promise.all(responses.map((response) => response.json()));
      for (const [index, response] of responses.entries()) {
        expect([200, 403], JSON.stringify(bodies[index])).toContain(response.status);
      }
      const issued = bodies.filter((body) => typeof body.access_token === "string");
      expect(issued.length).toBeGreaterThanOrEqual(1);
      const working = [];
      for (const body of issued) if ((await whoami(body.access_token)).status === 200) working.push(body);
      expect(working).toHaveLength(1);
      const device = { userId, deviceId: first.device_id };
      // The login's own pair plus the one live successor; every losing attempt left nothing behind.
      expect(await database().refreshToken.count({ where: device })).toBe(2);
      expect(await database().accessToken.count({ where: device })).toBe(2);
      expect((await refresh(working[0].refresh_token)).status).toBe(200);
    });

    it("expire, and cannot outlive the session", async () => {
      const expired = await refreshableLogin();
      await database().refreshToken.update({ where: { tokenHash: hashSecret(expired.refresh_token) }, data: { expiresAt: new Date(Date.now() - 1) } });
      const before = await counts();
      const response = await refresh(expired.refresh_token);
      expect(response.status).toBe(403);
      expect(await response.json()).toEqual({ errcode: "M_FORBIDDEN", error: "The supplied refresh token has expired" });

      const ended = await refreshableLogin();
      const beforeEnded = await counts();
      await database().refreshToken.update({ where: { tokenHash: hashSecret(ended.refresh_token) }, data: { ultimateExpiresAt: new Date(Date.now() - 1) } });
      const late = await refresh(ended.refresh_token);
      expect(late.status).toBe(403);
      expect(await late.json()).toEqual({ errcode: "M_FORBIDDEN", error: "The session has expired and can no longer be refreshed" });
      expect(await counts()).toEqual(beforeEnded);
      expect(before.refreshTokens).toBeLessThan(beforeEnded.refreshTokens);
    });

    it("cannot be altered, nor swapped with an access token", async () => {
      const login = await refreshableLogin();
      const before = await counts();
      for (const forged of [tamper(login.refresh_token, 0.4), tamper(login.refresh_token, 0.9), login.refresh_token.slice(0, -2), login.access_token, login.refresh_token.replace(/^syr_/, "syt_")]) {
        const response = await refresh(forged);
        expect(response.status, forged).toBe(401);
        expect((await response.json()).errcode).toBe("M_UNKNOWN_TOKEN");
      }
      for (const forged of [tamper(login.access_token), login.refresh_token]) {
        const response = await whoami(forged);
        expect(response.status).toBe(401);
        expect((await response.json()).errcode).toBe("M_UNKNOWN_TOKEN");
      }
      expect(await counts()).toEqual(before);
      expect((await refresh(login.refresh_token)).status).toBe(200);
    });

    it("answers any refresh_token value without a 500 (property)", async () => {
      const before = await counts();
      await fc.assert(
        fc.asyncProperty(fc.oneof(fc.string({ maxLength: 80 }), fc.string({ maxLength: 60 }).map((s) => `syr_${s}`), fc.jsonValue({ maxDepth: 2 })), async (token) => {
          const response = await refresh(token);
          expect([400, 401, 403]).toContain(response.status);
          expect((await response.json()).errcode).toMatch(/^M_(UNKNOWN_TOKEN|INVALID_PARAM|MISSING_PARAM|FORBIDDEN)$/);
        }),
        { numRuns: 100 },
      );
      expect(await counts()).toEqual(before);
    });
  });
});
