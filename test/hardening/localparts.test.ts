// Localparts of every kind — each character class, upper case, leading underscores, all digits,
// empty, unicode, and lengths around the 255-character limit of a full user ID — get the same
// answer from the username picker's availability check, its submit and the user:create CLI, over
// HTTP against the built server on SQLite and PostgreSQL (property-based, fast-check).
import { execFile } from "node:child_process";
import path from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BACKENDS, freshDatabaseUrl } from "../../test-support/backends";
import { startServer, type RunningServer } from "../../test-support/server";
import { createMappingSessionDirectly, createUserDirectly, disconnectAll, useDatabase } from "../../test-support/users";

const ROOT = path.resolve(__dirname, "../..");
const SERVER_NAME = "test.local";
/** The longest localpart whose user ID "@<localpart>:test.local" fits in 255 characters. */
const LONGEST = 255 - `@:${SERVER_NAME}`.length;

type Verdict = { kind: "available" } | { kind: "taken" } | { kind: "invalid"; message: string };

const decode = (html: string) =>
  html.replace(/&#x27;|&#39;/g, "'").replace(/&quot;/g, '"').replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&");

const localparts = fc.oneof(
  fc.stringOf(fc.constantFrom(..."abcxyz0189._=-/+"), { minLength: 1, maxLength: 16 }),
  fc.stringOf(fc.constantFrom(..."abcXYZ_09 .:@!#é\u00e0\u0430\u212a\t"), { maxLength: 12 }),
  fc.constantFrom("", "_hidden", "__", "ALICE", "Alice", "12345", "0", "taken", "TAKEN", "a b", "a:b", "@a", "a\u0000b", "ａｌｉｃｅ"),
  fc.integer({ min: LONGEST - 2, max: LONGEST + 2 }).map((length) => "l".repeat(length)),
  fc.string({ unit: "grapheme", maxLength: 6 }),
);

describe.each(BACKENDS)("localparts on %s", (backend) => {
  let server: RunningServer;
  let databaseUrl: string;
  const database = () => useDatabase(databaseUrl);

  beforeAll(async () => {
    databaseUrl = await freshDatabaseUrl(backend);
    server = await startServer({ databaseUrl });
    await createUserDirectly(databaseUrl, { localpart: "taken" });
  });

  afterAll(async () => {
    await server?.stop();
    await disconnectAll();
  });

  const newSession = () => createMappingSessionDirectly(databaseUrl);

  async function check(secret: string, localpart: string): Promise<Verdict> {
    const response = await fetch(`${server.baseUrl}/_synapse/client/pick_username/check?${new URLSearchParams({ username: localpart })}`, {
      headers: { Cookie: `username_mapping_session=${secret}` },
    });
    const body = await response.json();
    expect(response.status, JSON.stringify(body)).toBeLessThan(500);
    if (response.status === 200) return body.available ? { kind: "available" } : { kind: "taken" };
    expect(body.errcode, JSON.stringify(body)).toMatch(/^M_INVALID_(USERNAME|PARAM)$/);
    return { kind: "invalid", message: body.error };
  }

  async function submit(secret: string, localpart: string): Promise<Verdict> {
    const response = await fetch(`${server.baseUrl}/_synapse/client/pick_username/account_details`, {
      method: "POST",
      redirect: "manual",
      headers: { "Content-Type": "application/x-www-form-urlencoded", Cookie: `username_mapping_session=${secret}` },
      body: new URLSearchParams({ username: localpart }).toString(),
    });
    // A NUL character is refused before the form is read at all (400, the error page).
    if (response.status === 400) return { kind: "invalid", message: decode(await response.text()) };
    await response.body?.cancel();
    const location = response.headers.get("location") ?? "";
    // Refused: POST-redirect-GET back to the form, whose GET says why (the choice kept in the session).
    if (response.status === 303 && new URL(location, server.baseUrl).pathname === "/_synapse/client/pick_username/account_details") {
      const form = await fetch(new URL(location, server.baseUrl), { headers: { Cookie: `username_mapping_session=${secret}` } });
      expect(form.status).toBe(200);
      const html = decode(await form.text());
      if (html.includes(`${localpart} is taken, please choose another.`)) return { kind: "taken" };
      return { kind: "invalid", message: html };
    }
    // Registered: on to the confirm page (303) or straight to the client.
    expect([302, 303], location).toContain(response.status);
    return { kind: "available" };
  }

  function cli(localpart: string): Promise<{ code: number; stderr: string }> {
    return new Promise((resolve) => {
      execFile(
        path.join(ROOT, "node_modules", ".bin", "tsx"),
        ["scripts/user-create.ts", "--user", localpart, "--password", "cli-password"],
        { cwd: ROOT, env: { ...process.env, HOMESERVER_CONFIG: server.configFile, DATABASE_URL: databaseUrl, LOG_LEVEL: "error" }, timeout: 60_000 },
        (error, _stdout, stderr) => resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stderr }),
      );
    });
  }

  function expectSameAnswer(checked: Verdict, other: Verdict, localpart: string) {
    expect(other.kind, JSON.stringify(localpart)).toBe(checked.kind);
    // A NUL character is refused before the name is even looked at, with its own message.
    if (checked.kind === "invalid" && other.kind === "invalid" && !localpart.includes("\u0000")) expect(other.message).toContain(checked.message);
  }

  it("the availability check and the submit agree on every localpart (property)", async () => {
    await fc.assert(
      fc.asyncProperty(localparts, async (localpart) => {
        const secret = await newSession();
        const checked = await check(secret, localpart);
        const submitted = await submit(secret, localpart);
        expectSameAnswer(checked, submitted, localpart);
        if (checked.kind === "available") {
          const user = await database().user.findUnique({ where: { userId: `@${localpart}:${SERVER_NAME}` } });
          expect(user).not.toBeNull();
          // Registered: now the check says taken, in any letter case.
          expect((await check(await newSession(), localpart)).kind).toBe("taken");
        }
      }),
      { numRuns: 120 },
    );
  });

  it("the CLI gives the same answers as the check (boundary cases)", async () => {
    const cases = ["cli.user", "CliUser", "_cli", "987", "", "cli user", "l".repeat(LONGEST), "m".repeat(LONGEST + 1), "taken"];
    for (const localpart of cases) {
      const checked = await check(await newSession(), localpart);
      const result = await cli(localpart);
      if (checked.kind === "available") {
        expect(result.code, result.stderr).toBe(0);
        expect((await check(await newSession(), localpart)).kind).toBe("taken");
      } else {
        expect(result.code, `${JSON.stringify(localpart)}: ${result.stderr}`).not.toBe(0);
        // An empty --user is refused by the CLI's usage check before validation.
        if (localpart !== "") expect(result.stderr).toContain(checked.kind === "taken" ? "already taken" : checked.message);
      }
    }
  }, 180_000);
});
