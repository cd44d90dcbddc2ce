// Start-up behaviour, rate limits and settings that need a server of their own, and the CLI.
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { productionCommand, startServer, testConfig, type RunningServer } from "../test-support/server";
import { createUserDirectly, disconnectAll } from "../test-support/users";

const run = promisify(execFile);
const ROOT = path.resolve(__dirname, "..");
const TSX = path.join(ROOT, "node_modules", ".bin", "tsx");

afterAll(disconnectAll);

describe("rc_login", () => {
  let server: RunningServer;

  beforeAll(async () => {
    server = await startServer({
      config: {
        rc_login: {
          address: { per_second: 0.01, burst_count: 5 },
          account: { per_second: 0.01, burst_count: 2 },
          failed_attempts: { per_second: 0.01, burst_count: 2 },
        },
      },
    });
    await createUserDirectly(server.databaseUrl, { localpart: "carol", password: "pw" });
    await createUserDirectly(server.databaseUrl, { localpart: "dave", password: "pw" });
  });
  afterAll(() => server?.stop());

  const login = (user: string, password: string) =>
    fetch(`${server.baseUrl}/_matrix/client/v3/login`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ type: "m.login.password", user, password }),
    });

  it("limits failed attempts per account, then every attempt per address, with Retry-After", async () => {
    expect((await login("carol", "wrong")).status).toBe(403);
    expect((await login("carol", "wrong")).status).toBe(403);
    // failed_attempts is exhausted: even the right password is refused now, and nothing was created.
    const blocked = await login("carol", "pw");
    expect(blocked.status).toBe(429);
    const body = await blocked.json();
    expect(body).toMatchObject({ errcode: "M_LIMIT_EXCEEDED", error: "Too Many Requests" });
    expect(body.retry_after_ms).toBeGreaterThan(0);
    expect(Number(blocked.headers.get("retry-after"))).toBeGreaterThan(0);

    // Another account is not affected by carol's failures...
    expect((await login("dave", "pw")).status).toBe(200);
    expect((await login("dave", "pw")).status).toBe(200);
    // ...but the address has now used its burst of 5.
    const address = await login("dave", "pw");
    expect(address.status).toBe(429);
  });
});

describe("password_config.enabled: false", () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startServer({ config: { password_config: { enabled: false } } });
  });
  afterAll(() => server?.stop());

  it("offers no password flow and refuses password logins", async () => {
    const flows = await (await fetch(`${server.baseUrl}/_matrix/client/v3/login`)).json();
    expect(flows).toEqual({ flows: [] });
    const response = await fetch(`${server.baseUrl}/_matrix/client/v3/login`, {
      method: "POST",
      body: JSON.stringify({ type: "m.login.password", user: "x", password: "y" }),
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ errcode: "M_UNKNOWN", error: "Password login has been disabled." });
  });
});

describe("start-up", () => {
  it("stops with the key, the bad value and what is expected when the config is invalid", async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "hs-bad-config-"));
    const configFile = path.join(dir, "homeserver.yaml");
    writeFileSync(configFile, stringify({ ...testConfig(), bcrypt_rounds: "lots" }));
    const failure = await run(TSX, ["server.ts"], {
      cwd: ROOT,
      env: { ...process.env, HOMESERVER_CONFIG: configFile, DATABASE_URL: `file:${dir}/db.sqlite`, PORT: "1" },
    }).catch((error: { code: number; stderr: string }) => error);
    expect((failure as { code: number }).code).toBe(1);
    expect((failure as { stderr: string }).stderr).toMatch(/bcrypt_rounds: .*\(found: "lots"\)/);
  });

  it("refuses, as npm start runs it, the repository's sample config and empty secrets, naming the key to change", async () => {
    const { args, env } = productionCommand();
    const start = (configFile: string, dir: string) =>
      run(process.execPath, args, {
        cwd: ROOT,
        env: { ...process.env, ...env, HOMESERVER_CONFIG: configFile, DATABASE_URL: `file:${dir}/db.sqlite`, PORT: "1" },
      }).catch((error: { code: number; stderr: string }) => error);
    const dir = mkdtempSync(path.join(os.tmpdir(), "hs-sample-secret-"));
    const sample = (await start(path.join(ROOT, "homeserver.yaml"), dir)) as { code: number; stderr: string };
    expect(sample.code).toBe(1);
    expect(sample.stderr).toMatch(/macaroon_secret_key: is the sample value published in this repository/);
    expect(existsSync(path.join(dir, "db.sqlite"))).toBe(false);

    const emptyFile = path.join(dir, "empty.yaml");
    writeFileSync(emptyFile, stringify({ ...testConfig(), form_secret: "" }));
    const empty = (await start(emptyFile, dir)) as { code: number; stderr: string };
    expect(empty.code).toBe(1);
    expect(empty.stderr).toMatch(/form_secret: must be at least 16 characters/);
  });

  it("loads a Synapse homeserver.yaml with keys it does not use, and says which", async () => {
    const server = await startServer({
      config: { listeners: [{ port: 8008, type: "http", x_forwarded: true }], database: { name: "sqlite3" }, media_store_path: "/tmp/media" },
    });
    try {
      expect(server.output()).toMatch(/not used by this service: listeners, database, media_store_path/);
    } finally {
      await server.stop();
    }
  });
});

describe("npm run user:create", () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "hs-cli-"));
  const configFile = path.join(dir, "homeserver.yaml");
  writeFileSync(configFile, stringify(testConfig()));
  const env = { ...process.env, HOMESERVER_CONFIG: configFile, DATABASE_URL: `file:${dir}/db.sqlite` };
  const createUser = (...args: string[]) =>
    run(TSX, ["scripts/user-create.ts", ...args], { cwd: ROOT, env }).then(
      ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
      (error: { code: number; stdout: string; stderr: string }) => error,
    );

  it("creates a user and prints its Matrix ID", async () => {
    const result = await createUser("--user", "erin", "--password", "secret", "--admin");
    expect(result).toMatchObject({ code: 0, stdout: "@erin:test.local\n" });
  });

  it.each([
    [["--user", "Erin", "--password", "x"], /User ID already taken|can only contain/],
    [["--user", "erin", "--password", "x"], /User ID already taken\./],
    [["--user", "_bot", "--password", "x"], /may not begin with _/],
    [["--user", "1234", "--password", "x"], /Numeric user IDs are reserved/],
    [["--password", "x"], /usage: npm run user:create/],
  ])("refuses %j with exit code 1", async (args, message) => {
    const result = await createUser(...args);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(message);
  });
});
