// Faults: PostgreSQL stopped for a few seconds under load, and processes killed in the middle of a
// registration. Requests during an outage fail fast with a 5xx (JSON for the API, the error page
// for browser pages) instead of hanging; the service recovers by itself when the database is back;
// and whatever moment a process dies, a registration leaves the whole user or nothing.
import { spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hashSecret } from "../../lib/auth/secrets";
import { applyPendingMigrations } from "../../lib/db/schema-engine";
import { createMappingSession } from "../../lib/sso/mapping-sessions";
import { until } from "../../test-support/eventually";
import { startPostgres, type PostgresCluster } from "../../test-support/postgres";
import { startServer, type RunningServer } from "../../test-support/server";
import { createUserDirectly, disconnectAll, useDatabase } from "../../test-support/users";

const ROOT = path.resolve(__dirname, "../..");
/** No request may take longer than this, outage or not. */
const REQUEST_DEADLINE_MS = 15_000;

interface Outcome {
  kind: string;
  status: number;
  contentType: string;
  body: string;
  ms: number;
  at: number;
}

describe("PostgreSQL stopped under load", () => {
  let cluster: PostgresCluster;
  let server: RunningServer;
  const database = () => useDatabase(cluster.url);

  beforeAll(async () => {
    cluster = await startPostgres();
    server = await startServer({ databaseUrl: cluster.url });
    await createUserDirectly(cluster.url, { localpart: "olga", password: "olga-password" });
  });

  afterAll(async () => {
    await server?.stop();
    await disconnectAll();
    await cluster?.stop();
  });

  async function timed(kind: string, send: (signal: AbortSignal) => Promise<Response>): Promise<Outcome> {
    const started = Date.now();
    try {
      const response = await send(AbortSignal.timeout(REQUEST_DEADLINE_MS));
      const body = await response.text();
      return { kind, status: response.status, contentType: response.headers.get("content-type") ?? "", body, ms: Date.now() - started, at: started };
    } catch (error) {
      return { kind, status: 0, contentType: "", body: String(error), ms: Date.now() - started, at: started };
    }
  }

  it("answers 5xx quickly during the outage, recovers without a restart, and leaves nothing half-done", async () => {
    const base = server.baseUrl;
    // Sign-up sessions to register through while the database goes away.
    database();
    const sessions = await Promise.all(
      Array.from({ length: 24 }, (_, index) =>
        createMappingSession({
          authProviderId: "oidc-none",
          remoteUserId: `outage-${index}`,
          displayName: null,
          emails: [`outage${index}@example.org`],
          avatarUrl: null,
          extraAttributes: null,
          clientRedirectUrl: "https://client.example/app",
          chosenLocalpart: null,
          lastError: null,
        }),
      ),
    );
    await disconnectAll();
    const login = await (await fetch(`${base}/_matrix/client/v3/login`, { method: "POST", body: JSON.stringify({ type: "m.login.password", user: "olga", password: "olga-password" }) })).json();

    const outcomes: Outcome[] = [];
    let stop = false;
    let nextSession = 0;
    const worker = async (index: number) => {
      while (!stop) {
        const kind = ["login", "whoami", "register", "page"][index % 4];
        if (kind === "login") {
          outcomes.push(await timed(kind, (signal) => fetch(`${base}/_matrix/client/v3/login`, { method: "POST", signal, body: JSON.stringify({ type: "m.login.password", user: "olga", password: "olga-password" }) })));
        } else if (kind === "whoami") {
          outcomes.push(await timed(kind, (signal) => fetch(`${base}/_matrix/client/v3/account/whoami`, { signal, headers: { Authorization: `Bearer ${login.access_token}` } })));
        } else if (kind === "register" && nextSession < sessions.length) {
          const index = nextSession++;
          outcomes.push(
            await timed(kind, (signal) =>
              fetch(`${base}/_synapse/client/pick_username/account_details`, {
                method: "POST",
                redirect: "manual",
                signal,
                headers: { "Content-Type": "application/x-www-form-urlencoded", Cookie: `username_mapping_session=${sessions[index]}` },
                body: `username=outage.user${index}&use_email=outage${index}%40example.org`,
              }),
            ),
          );
        } else {
          outcomes.push(await timed("page", (signal) => fetch(`${base}/_synapse/client/pick_username/account_details`, { signal, headers: { Cookie: `username_mapping_session=${sessions[0]}` } })));
        }
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    };
    const workers = Array.from({ length: 8 }, (_, index) => worker(index));

    await until("successful requests before the outage", async () => (outcomes.filter((o) => o.status === 200).length >= 10 ? true : undefined), 60);
    const outageStart = Date.now();
    await cluster.pause();
    const pausedAt = Date.now();
    await until("failures during the outage", async () => (outcomes.filter((o) => o.at >= pausedAt && o.status >= 500).length >= 12 ? true : undefined), 30);
    await cluster.resume();
    const resumedAt = Date.now();
    // Recovery: the same process serves again once the database is back.
    await until(
      "recovery",
      async () => (outcomes.filter((o) => o.at >= resumedAt + 500 && o.status === 200 && o.kind === "login").length >= 3 ? true : undefined),
      60,
    );
    stop = true;
    await Promise.all(workers);

    const during = outcomes.filter((o) => o.at >= pausedAt && o.at + o.ms <= resumedAt);
    expect(during.length).toBeGreaterThan(0);
    for (const outcome of outcomes) {
      // Nothing hung, before, during or after.
      expect(outcome.status, `${outcome.kind}: ${outcome.body.slice(0, 200)}`).not.toBe(0);
      expect(outcome.ms).toBeLessThan(REQUEST_DEADLINE_MS);
    }
    for (const outcome of during) {
      if (outcome.kind === "page" || outcome.kind === "register") {
        expect(outcome.status, outcome.body.slice(0, 300)).toBeGreaterThanOrEqual(500);
        expect(outcome.contentType).toMatch(/^text\/html/);
        expect(outcome.body).not.toMatch(/PrismaClient|ECONNREFUSED|at .*\.js:\d+/);
      } else {
        expect(outcome.status, outcome.body.slice(0, 300)).toBeGreaterThanOrEqual(500);
        expect(outcome.contentType).toMatch(/^application\/json/);
        expect(JSON.parse(outcome.body)).toEqual({ errcode: "M_UNKNOWN", error: "Internal server error" });
      }
    }
    // After recovery every kind of request works again.
    const after = outcomes.filter((o) => o.at >= resumedAt + 2000);
    for (const outcome of after) expect(outcome.status, `${outcome.kind} after recovery: ${outcome.body.slice(0, 200)}`).toBeLessThan(500);
    expect(Date.now() - outageStart).toBeLessThan(120_000);
    const again = await fetch(`${base}/_matrix/client/v3/login`, { method: "POST", body: JSON.stringify({ type: "m.login.password", user: "olga", password: "olga-password" }) });
    expect(again.status).toBe(200);
    expect((await fetch(`${base}/_matrix/client/v3/account/whoami`, { headers: { Authorization: `Bearer ${(await again.json()).access_token}` } })).status).toBe(200);

    // Nothing half-done: every registration is all there (user, its e-mail, its upstream link, its
    // session used up) or not there at all (session still waiting).
    const db = useDatabase(cluster.url);
    for (const [index, secret] of sessions.entries()) {
      const user = await db.user.findUnique({ where: { userId: `@outage.user${index}:test.local` }, include: { externalIds: true, threepids: true } });
      const session = await db.usernameMappingSession.findUnique({ where: { idHash: hashSecret(secret) } });
      if (user) {
        expect(user.externalIds.map((link) => link.externalId)).toEqual([`outage-${index}`]);
        expect(user.threepids.map((threepid) => threepid.address)).toEqual([`outage${index}@example.org`]);
        expect(session).toBeNull();
      } else {
        expect(session).not.toBeNull();
        expect(await db.userExternalId.count({ where: { externalId: `outage-${index}` } })).toBe(0);
        expect(await db.threePid.count({ where: { address: `outage${index}@example.org` } })).toBe(0);
      }
    }
    // Every device has its token: no login stopped between the two.
    const devices = await db.device.findMany({ include: { _count: { select: { accessTokens: true } } } });
    for (const device of devices) expect(device._count.accessTokens).toBeGreaterThan(0);
  });
});

describe.each(["sqlite", "postgresql"] as const)("a process killed in the middle of a registration on %s", (backend) => {
  let cluster: PostgresCluster | undefined;
  let databaseUrl: string;

  beforeAll(async () => {
    if (backend === "postgresql") {
      cluster = await startPostgres();
      databaseUrl = cluster.url;
    } else {
      databaseUrl = `file:${path.join(mkdtempSync(path.join(os.tmpdir(), "hs-kill-")), "homeserver.db")}`;
    }
    await applyPendingMigrations(databaseUrl);
  });

  afterAll(async () => {
    await disconnectAll();
    await cluster?.stop();
  });

  it("inside the transaction, after the user row is written: nothing remains", async () => {
    // Node with tsx's loader (one process): killing the tsx launcher would leave its child running.
    const child = spawn(process.execPath, ["--import", "tsx", "test/resilience/register-and-hang.ts", "halfway"], {
      cwd: ROOT,
      env: { ...process.env, DATABASE_URL: databaseUrl },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (chunk) => (output += chunk));
    child.stderr.on("data", (chunk) => (output += chunk));
    await until("the registration to be inside its transaction", async () => (output.includes("inside") ? true : undefined), 60);
    // The row was there, in the transaction, when the process died.
    expect(output).toContain("inside 1");
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.kill("SIGKILL");
    await exited;

    const db = useDatabase(databaseUrl);
    const user = await until("the database to be readable again", async () => ({ found: await db.user.findUnique({ where: { userId: "@halfway:test.local" } }) }), 60);
    expect(user.found).toBeNull();
    expect(await db.userExternalId.count({ where: { externalId: "remote-halfway" } })).toBe(0);
    expect(await db.threePid.count({ where: { address: "halfway@example.org" } })).toBe(0);
    // And the name can be registered afterwards: no lock or claim was left behind.
    expect(await createUserDirectly(databaseUrl, { localpart: "halfway" })).toBe("@halfway:test.local");
  });

  it("the service killed during a burst of registrations: each is whole or absent, and it starts again", async () => {
    let server = await startServer({ databaseUrl });
    const db = useDatabase(databaseUrl);
    const sessions = await Promise.all(
      Array.from({ length: 30 }, (_, index) =>
        createMappingSession({
          authProviderId: "oidc-none",
          remoteUserId: `burst-${index}`,
          displayName: null,
          emails: [`burst${index}@example.org`],
          avatarUrl: null,
          extraAttributes: null,
          clientRedirectUrl: "https://client.example/app",
          chosenLocalpart: null,
          lastError: null,
        }),
      ),
    );
    let first: () => void = () => undefined;
    const firstAnswer = new Promise<void>((resolve) => (first = resolve));
    const submits = sessions.map((secret, index) =>
      fetch(`${server.baseUrl}/_synapse/client/pick_username/account_details`, {
        method: "POST",
        redirect: "manual",
        headers: { "Content-Type": "application/x-www-form-urlencoded", Cookie: `username_mapping_session=${secret}` },
        body: `username=burst.user${index}&use_email=burst${index}%40example.org`,
      })
        .then((response) => {
          first();
          return response.status;
        })
        .catch(() => 0),
    );
    await Promise.race([firstAnswer, new Promise((resolve) => setTimeout(resolve, 30_000))]);
    await server.kill();
    const statuses = await Promise.all(submits);
    expect(statuses.some((status) => status === 0 || status === 302 || status === 200)).toBe(true);

    let whole = 0;
    for (const [index, secret] of sessions.entries()) {
      const user = await db.user.findUnique({ where: { userId: `@burst.user${index}:test.local` }, include: { externalIds: true, threepids: true } });
      const session = await db.usernameMappingSession.findUnique({ where: { idHash: hashSecret(secret) } });
      if (user) {
        whole += 1;
        expect(user.externalIds.map((link) => link.externalId)).toEqual([`burst-${index}`]);
        expect(user.threepids.map((threepid) => threepid.address)).toEqual([`burst${index}@example.org`]);
        expect(session).toBeNull();
      } else {
        expect(session).not.toBeNull();
        expect(await db.userExternalId.count({ where: { externalId: `burst-${index}` } })).toBe(0);
      }
    }
    expect(whole).toBeGreaterThan(0);

    // The service starts again on the same database, and the sign-ups that did not finish can.
    server = await startServer({ databaseUrl });
    try {
      const unfinished = sessions.findIndex((_, index) => statuses[index] !== 302 && statuses[index] !== 200);
      if (unfinished !== -1) {
        const stillOpen = await db.usernameMappingSession.findUnique({ where: { idHash: hashSecret(sessions[unfinished]) } });
        if (stillOpen) {
          const retry = await fetch(`${server.baseUrl}/_synapse/client/pick_username/account_details`, {
            method: "POST",
            redirect: "manual",
            headers: { "Content-Type": "application/x-www-form-urlencoded", Cookie: `username_mapping_session=${sessions[unfinished]}` },
            body: `username=burst.user${unfinished}`,
          });
          expect([200, 302]).toContain(retry.status);
        }
      }
    } finally {
      await server.stop();
    }
  });
});
