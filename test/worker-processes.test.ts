// worker_processes: 2 — the service as a primary and two worker processes on one port (SQLite,
// where rate limits then live in the database too). Requests on fresh connections reach both
// workers; what must hold across them does: rate limits, single-use login tokens; a worker that
// dies is replaced; stopping the server leaves no process behind.
import { readFileSync } from "node:fs";
import http from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pidListeningOn } from "../bench/rss";
import { createLoginToken } from "../lib/auth/login-tokens";
import { until } from "../test-support/eventually";
import { startServer, type RunningServer } from "../test-support/server";
import { createUserDirectly, disconnectAll, useDatabase } from "../test-support/users";

/** One request on its own TCP connection, so that successive requests spread over the workers. */
function request(base: string, path: string, init: { method?: string; body?: string } = {}): Promise<{ status: number; body: any }> {
  return new Promise((resolve, reject) => {
    const req = http.request(`${base}${path}`, { method: init.method ?? "GET", agent: false, headers: { "Content-Type": "application/json" } }, (res) => {
      let text = "";
      res.on("data", (chunk) => (text += chunk));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: text ? JSON.parse(text) : null }));
    });
    req.on("error", reject);
    req.end(init.body);
  });
}

function childrenOf(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe("worker_processes: 2", () => {
  let server: RunningServer;
  let primary: number;
  const login = (user: string, password: string) =>
    request(server.baseUrl, "/_matrix/client/v3/login", {
      method: "POST",
      body: JSON.stringify({ type: "m.login.password", identifier: { type: "m.id.user", user }, password }),
    });

  beforeAll(async () => {
    server = await startServer({
      config: {
        worker_processes: 2,
        rc_login: {
          address: { per_second: 1000, burst_count: 1000 },
          account: { per_second: 1000, burst_count: 1000 },
          failed_attempts: { per_second: 0.001, burst_count: 3 },
        },
      },
    });
    await until("both workers listening", () => (server.output().match(/worker process \d+: listening/g) ?? []).length >= 2);
    expect(server.output()).toContain("starting 2 worker processes");
    // The primary holds the listening socket and hands connections to the workers.
    primary = pidListeningOn(Number(new URL(server.baseUrl).port));
    await createUserDirectly(server.databaseUrl, { localpart: "ann", password: "ann-pw" });
  });

  afterAll(async () => {
    await server?.stop();
    await disconnectAll();
  });

  it("runs a primary and two workers that all answer", async () => {
    expect(childrenOf(primary)).toHaveLength(2);
    const answers = await Promise.all(Array.from({ length: 10 }, () => request(server.baseUrl, "/_matrix/client/v3/login")));
    expect(answers.map((answer) => answer.status)).toEqual(answers.map(() => 200));
  });

  it("counts failed logins across workers: the fourth attempt is refused whichever worker gets it", async () => {
    for (let i = 0; i < 3; i++) expect((await login("ann", "wrong")).status).toBe(403);
    const refused = await login("ann", "ann-pw");
    expect(refused.status).toBe(429);
    expect(refused.body).toMatchObject({ errcode: "M_LIMIT_EXCEEDED" });
  });

  it("accepts a login token once, on whichever worker", async () => {
    useDatabase(server.databaseUrl);
    const token = await createLoginToken("@ann:test.local", 60_000);
    const attempts = await Promise.all(
      Array.from({ length: 6 }, () => request(server.baseUrl, "/_matrix/client/v3/login", { method: "POST", body: JSON.stringify({ type: "m.login.token", token }) })),
    );
    expect(attempts.map((attempt) => attempt.status).sort()).toEqual([200, 403, 403, 403, 403, 403]);
  });

  it("replaces a worker that dies, and keeps answering meanwhile", async () => {
    const [victim, survivor] = childrenOf(primary);
    process.kill(victim, "SIGKILL");
    await until("a replacement worker", () => {
      const workers = childrenOf(primary);
      return workers.length === 2 && !workers.includes(victim) && workers.includes(survivor);
    });
    expect((await request(server.baseUrl, "/_matrix/client/v3/login")).status).toBe(200);
    await until("the replacement listening", () => (server.output().match(/worker process \d+: listening/g) ?? []).length >= 3);
    expect(server.output()).toMatch(new RegExp(`worker process ${victim} exited \\(signal SIGKILL\\); starting a new one`));
  });

  it("stops every process when the server is stopped", async () => {
    const workers = childrenOf(primary);
    await server.stop();
    await until("all processes gone", () => !alive(primary) && workers.every((pid) => !alive(pid)), 15);
  });
});
