// The admin console's access control over HTTP, against the built server: no console page or
// server action gives user data or changes anything for anyone but a signed-in admin, whatever
// request shape is used — in particular React Server Component requests that tell Next.js the
// browser already holds the console's layout (so only the page segment is rendered, and a check
// in the layout alone would never run). And the console's password sign-in is held to /login's
// policies: password_config.enabled, rc_login, and no answer that tells a non-admin's password is right.
import { readFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { saveTheme } from "../../lib/theme/theme-store";
import { isSignedInToConsole, signInToConsole } from "../../test-support/admin-console";
import { CookieClient } from "../../test-support/cookie-client";
import { startServer, type RunningServer } from "../../test-support/server";
import { createUserDirectly, disconnectAll, useDatabase } from "../../test-support/users";

const BOB = "@bob:test.local";
const BOB_PATH = `/admin/users/${encodeURIComponent(BOB)}`;
/** Strings that only the console's data can put into a response. */
const SECRETS = {
  deviceName: "Bobs secret phone",
  externalId: "bob-external-7781",
  otherUser: "@carol-in-the-list:test.local",
  themeNote: "theme-note-4471",
};

/** Next.js router-state trees a client could claim to hold, each making Next render less than the whole page. */
const segment = (children: unknown) => ({ children });
const TREES: Record<string, unknown> = {
  "the console layout (the review's reproduction)": ["", segment(["admin", segment(["(console)", segment(["__PAGE__", {}])])])],
  "the console layout and the user page's segments": [
    "",
    segment(["admin", segment(["(console)", segment(["users", segment([["userId", encodeURIComponent(BOB), "d", null], segment(["__PAGE__", {}])])])])]),
  ],
  "the console layout and the theme segment": ["", segment(["admin", segment(["(console)", segment(["theme", segment(["__PAGE__", {}])])])])],
  "only the admin segment": ["", segment(["admin", segment(["__PAGE__", {}])])],
  "only the root layout": ["", segment(["__PAGE__", {}])],
};

const PAGES = [`/admin?q=carol`, "/admin", BOB_PATH, "/admin/theme"];

function rscVariants(): { name: string; headers: Record<string, string> }[] {
  const variants: { name: string; headers: Record<string, string> }[] = Object.entries(TREES).map(([name, tree]) => ({
    name: `RSC with a router state of ${name}`,
    headers: { RSC: "1", "Next-Router-State-Tree": encodeURIComponent(JSON.stringify(tree)) },
  }));
  variants.push({ name: "RSC without a router state", headers: { RSC: "1" } });
  variants.push({
    name: "an RSC prefetch of the console layout",
    headers: { RSC: "1", "Next-Router-Prefetch": "1", "Next-Router-State-Tree": encodeURIComponent(JSON.stringify(Object.values(TREES)[0])) },
  });
  variants.push({ name: "a plain page request", headers: {} });
  return variants;
}

/**
 * A GET as the given browser. Next.js answers an RSC request without its cache-busting `_rsc`
 * parameter with a redirect to the same URL with it: follow that one, as Next's client router does,
 * so that the page itself answers.
 */
async function pageGet(browser: CookieClient, url: string, headers: Record<string, string>): Promise<Response> {
  const response = await browser.get(url, headers);
  const location = response.headers.get("location");
  if (response.status === 307 && location && new URL(location, url).searchParams.has("_rsc")) {
    await response.arrayBuffer();
    return browser.get(new URL(location, url).toString(), headers);
  }
  return response;
}

function expectNoConsoleData(body: string, where: string) {
  for (const [what, value] of Object.entries(SECRETS)) expect(body, `${what} in ${where}`).not.toContain(value);
  expect(body, `the account list in ${where}`).not.toMatch(/\d+ accounts?</);
}

/** The server action IDs of the console, by name, from the build's manifest. */
function consoleActionIds(): Record<string, string> {
  const manifestFile = path.join(process.env.NEXT_DIST_DIR || ".next", "server", "server-reference-manifest.json");
  const manifest = JSON.parse(readFileSync(manifestFile, "utf8")) as { node: Record<string, { exportedName?: string; filename?: string }> };
  const ids: Record<string, string> = {};
  for (const [id, entry] of Object.entries(manifest.node)) {
    if (entry.filename?.startsWith("app/admin/") && entry.exportedName) ids[entry.exportedName] = id;
  }
  return ids;
}

describe("admin console access control", () => {
  let server: RunningServer;
  let base: string;
  let admin: CookieClient;
  let demoted: CookieClient;

  beforeAll(async () => {
    server = await startServer({ config: { listeners: [{ port: 8008, type: "http", x_forwarded: true }] } });
    base = server.baseUrl;
    const database = useDatabase(server.databaseUrl);
    await createUserDirectly(server.databaseUrl, { localpart: "boss", password: "boss-password", admin: true });
    await createUserDirectly(server.databaseUrl, { localpart: "former", password: "former-password", admin: true });
    await createUserDirectly(server.databaseUrl, { localpart: "bob", password: "bob-password" });
    await createUserDirectly(server.databaseUrl, { localpart: "carol-in-the-list", password: "carol-password" });
    const login = await fetch(`${base}/_matrix/client/v3/login`, {
      method: "POST",
      body: JSON.stringify({ type: "m.login.password", identifier: { type: "m.id.user", user: "bob" }, password: "bob-password", initial_device_display_name: SECRETS.deviceName }),
    });
    expect(login.status).toBe(200);
    await database.userExternalId.create({ data: { userId: BOB, authProvider: "oidc-corp", externalId: SECRETS.externalId } });
    await saveTheme({}, "@boss:test.local", SECRETS.themeNote);

    admin = (await signInToConsole(base, "boss", "boss-password")).browser;
    expect(isSignedInToConsole(admin)).toBe(true);
    // A signed-in account that is no longer an admin: its session cookie is valid, its flag is gone.
    demoted = (await signInToConsole(base, "former", "former-password")).browser;
    expect(isSignedInToConsole(demoted)).toBe(true);
    await database.user.update({ where: { userId: "@former:test.local" }, data: { admin: false } });
  });

  afterAll(async () => {
    await server?.stop();
    await disconnectAll();
  });

  it("serves the data to a signed-in admin in the request shapes that leaked it (the control)", async () => {
    // (Other shapes say the browser already holds the page, and Next renders nothing new for them.)
    const leaking = rscVariants().filter((variant) => /review's reproduction|without a router state|plain page/.test(variant.name));
    expect(leaking).toHaveLength(3);
    for (const variant of leaking) {
      const body = await (await pageGet(admin, `${base}${BOB_PATH}`, variant.headers)).text();
      expect(body, variant.name).toContain(SECRETS.externalId);
    }
    expect(await (await admin.get(`${base}/admin?q=carol`)).text()).toContain(SECRETS.otherUser);
    expect(await (await admin.get(`${base}/admin/theme`)).text()).toContain(SECRETS.themeNote);
  });

  for (const who of ["anonymous", "a signed-in non-admin"] as const) {
    it.each(rscVariants())(`gives ${who} no console data for $name`, async (variant) => {
      const browser = who === "anonymous" ? new CookieClient() : demoted;
      for (const page of PAGES) {
        const response = await pageGet(browser, `${base}${page}`, variant.headers);
        const body = await response.text();
        expectNoConsoleData(body, `${page} (${response.status})`);
        expect(response.status, page).toBeLessThan(500);
        if (variant.headers.RSC) continue;
        // A page request (no RSC): anonymous visitors are sent to sign in, others refused.
        if (who === "anonymous") expect(response.headers.get("location"), page).toBe("/admin/sign-in");
        else expect(response.status, page).toBe(403);
      }
    });
  }

  it("refuses every console server action with a plain 403 to anyone but an admin, and changes nothing", async () => {
    const ids = consoleActionIds();
    const calls: [string, unknown[]][] = [
      ["setUserDeactivatedAction", [BOB, true]],
      ["removeExternalIdAction", [BOB, "oidc-corp", SECRETS.externalId]],
      ["saveThemeAction", [{ productName: "Hijacked" }]],
      ["rollBackThemeAction", [1]],
    ];
    for (const browser of [new CookieClient(), demoted]) {
      for (const [name, args] of calls) {
        expect(ids[name], name).toBeDefined();
        const response = await browser.get(`${base}${BOB_PATH}`, {}); // a page the action could be posted from
        await response.text();
        const call = await fetch(`${base}${BOB_PATH}`, {
          method: "POST",
          redirect: "manual",
          headers: {
            "Next-Action": ids[name],
            "Content-Type": "text/plain;charset=UTF-8",
            "Sec-Fetch-Site": "same-origin",
            Cookie: [...browser.cookies].map(([key, value]) => `${key}=${value}`).join("; "),
          },
          body: JSON.stringify(args),
        });
        expect(call.status, name).toBe(403);
        // Next encodes the refusal as its 403 fallback; an unhandled error would carry a numeric digest.
        expect(await call.text(), name).not.toMatch(/"digest":"\d+"|Internal Server Error/i);
      }
    }
    const database = useDatabase(server.databaseUrl);
    expect((await database.user.findUnique({ where: { userId: BOB } }))?.deactivated).toBe(false);
    expect(await database.userExternalId.count({ where: { userId: BOB } })).toBe(1);
    expect(await database.themeVersion.count()).toBe(1);
  });
});

describe("the console's password sign-in follows /login's policies", () => {
  let server: RunningServer;
  let base: string;

  beforeAll(async () => {
    server = await startServer({
      config: {
        listeners: [{ port: 8008, type: "http", x_forwarded: true }],
        // /login's defaults for the per-address limit: a burst of 5, then about one attempt a minute.
        rc_login: {
          address: { per_second: 0.003, burst_count: 5 },
          account: { per_second: 1000, burst_count: 1000 },
          failed_attempts: { per_second: 1000, burst_count: 1000 },
        },
      },
    });
    base = server.baseUrl;
    await createUserDirectly(server.databaseUrl, { localpart: "boss", password: "boss-password", admin: true });
    await createUserDirectly(server.databaseUrl, { localpart: "worker", password: "worker-password" });
  });

  afterAll(async () => {
    await server?.stop();
    await disconnectAll();
  });

  it("answers a non-admin's right password exactly as a wrong one", async () => {
    const right = await signInToConsole(base, "worker", "worker-password", "10.0.0.1");
    const wrong = await signInToConsole(base, "worker", "not-the-password", "10.0.0.2");
    expect(isSignedInToConsole(right.browser)).toBe(false);
    expect(right.response.status).toBe(wrong.response.status);
    expect(await right.response.text()).toBe(await wrong.response.text());
  });

  it("limits attempts per address as /login does, for any account, right password or not", async () => {
    for (let attempt = 0; attempt < 5; attempt += 1) {
      expect(isSignedInToConsole((await signInToConsole(base, `nobody${attempt}`, "guess", "10.0.1.1")).browser)).toBe(false);
    }
    const limited = await signInToConsole(base, "boss", "boss-password", "10.0.1.1");
    expect(isSignedInToConsole(limited.browser)).toBe(false);
    expect(await limited.response.text()).toContain("RateLimited");
    // Another address is not affected.
    expect(isSignedInToConsole((await signInToConsole(base, "boss", "boss-password", "10.0.1.2")).browser)).toBe(true);
  });
});

describe("the console with password login disabled", () => {
  let server: RunningServer;

  beforeAll(async () => {
    server = await startServer({ config: { password_config: { enabled: false } } });
    await createUserDirectly(server.databaseUrl, { localpart: "boss", password: "boss-password", admin: true });
  });

  afterAll(async () => {
    await server?.stop();
    await disconnectAll();
  });

  it("refuses a password sign-in as /login does, and offers no password form", async () => {
    const login = await fetch(`${server.baseUrl}/_matrix/client/v3/login`, {
      method: "POST",
      body: JSON.stringify({ type: "m.login.password", identifier: { type: "m.id.user", user: "boss" }, password: "boss-password" }),
    });
    expect(login.status).toBe(400);
    expect(isSignedInToConsole((await signInToConsole(server.baseUrl, "boss", "boss-password")).browser)).toBe(false);
    const page = await (await fetch(`${server.baseUrl}/admin/sign-in`)).text();
    expect(page).not.toContain('type="password"');
  });
});

describe("the console's password sign-in asks the password auth provider modules, as /login does", () => {
  let server: RunningServer;

  beforeAll(async () => {
    server = await startServer({
      config: {
        // Only the module checks passwords: the local database's is not consulted.
        password_config: { localdb_enabled: false },
        modules: [{ module: path.resolve(__dirname, "..", "..", "examples", "static-auth-provider.ts"), config: { credentials: { boss: "module-secret" } } }],
      },
    });
    await createUserDirectly(server.databaseUrl, { localpart: "boss", password: "local-password", admin: true });
  });

  afterAll(async () => {
    await server?.stop();
    await disconnectAll();
  });

  it("signs in with the password the module accepts, and not with the local one", async () => {
    const login = (password: string) =>
      fetch(`${server.baseUrl}/_matrix/client/v3/login`, {
        method: "POST",
        body: JSON.stringify({ type: "m.login.password", identifier: { type: "m.id.user", user: "boss" }, password }),
      });
    expect((await login("module-secret")).status).toBe(200);
    expect((await login("local-password")).status).toBe(403);
    expect(isSignedInToConsole((await signInToConsole(server.baseUrl, "boss", "module-secret")).browser)).toBe(true);
    expect(isSignedInToConsole((await signInToConsole(server.baseUrl, "boss", "local-password")).browser)).toBe(false);
  });
});
