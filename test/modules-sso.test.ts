// Custom OIDC mapping providers inside the real service, against a real OpenID Provider: the example
// email mapper, and the rules of the mapping loop (Synapse's _call_attribute_mapper and the contract
// in its docs/sso_mapping_providers.md) with scripted modules — the 1000-call cap and invalid
// localparts ending the login (the module's word is final), the picker only for no localpart or a
// confirmation, MappingError, RedirectError, other exceptions and malformed answers. (SAML has no login flow yet; its mapping providers are covered in-process by
// lib/modules/load.test.ts and test/module-examples.test.ts.)
import { mkdtempSync, readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BACKENDS, freshDatabaseUrl } from "../test-support/backends";
import { CookieClient } from "../test-support/cookie-client";
import { loginWithFetch, startOidcProvider, type DemoAccount, type RunningOidcProvider } from "../test-support/oidc-provider";
import { freePort, startServer, type RunningServer } from "../test-support/server";
import { createUserDirectly, disconnectAll, useDatabase } from "../test-support/users";

const ROOT = path.resolve(__dirname, "..");
const EMAIL_MAPPER = path.join(ROOT, "examples", "email-localpart-mapper.ts");
const SCRIPTED = path.join(ROOT, "test-support", "modules", "scripted-mapper.ts");
const CLIENT = "https://client.example/app";
const PICKER = "/_synapse/client/pick_username/account_details";

const account = (sub: string, claims: Record<string, unknown>): DemoAccount => ({ sub, password: "pw", claims });
const ACCOUNTS = [
  account("op-john", { email: "John.Smith@example.org", email_verified: true, name: "John Smith" }),
  account("op-jane", { email: "jane.doe@example.org", email_verified: true, name: "Jane Doe" }),
  account("op-outsider", { email: "someone@other.org", email_verified: true }),
  account("op-unverified", { email: "newbie@example.org", email_verified: false }),
  account("op-nomail", { name: "No Mail" }),
  account("op-plain", { preferred_username: "plain", name: "Plain" }),
  account("op-elodie", { preferred_username: "Nm.Élodie Z", name: "Élodie" }),
];

afterAll(disconnectAll);

describe.each(BACKENDS)("OIDC mapping provider modules on %s", (backend) => {
  let op: RunningOidcProvider;
  let server: RunningServer;
  let databaseUrl: string;
  const callsDir = mkdtempSync(path.join(os.tmpdir(), "hs-mapper-calls-"));
  const callsFile = (idp: string) => path.join(callsDir, `${idp}.txt`);
  const calls = (idp: string) => readFileSync(callsFile(idp), "utf8").split("\n").filter(Boolean).map(Number);
  const database = () => useDatabase(databaseUrl);

  beforeAll(async () => {
    databaseUrl = await freshDatabaseUrl(backend);
    const port = await freePort();
    op = await startOidcProvider({
      accounts: ACCOUNTS,
      clients: [{ client_id: "homeserver", client_secret: "secret", redirect_uris: [`http://127.0.0.1:${port}/_synapse/client/oidc/callback`] }],
    });
    const provider = (idp: string, userMappingProvider: Record<string, unknown>) => ({
      idp_id: idp,
      idp_name: `IdP ${idp}`,
      issuer: op.issuer,
      client_id: "homeserver",
      client_secret: "secret",
      scopes: ["openid", "profile", "email"],
      user_mapping_provider: userMappingProvider,
    });
    const scripted = (idp: string, config: Record<string, unknown>) => provider(idp, { module: SCRIPTED, config: { calls_file: callsFile(idp), ...config } });
    server = await startServer({
      port,
      databaseUrl,
      config: {
        sso: { client_whitelist: ["https://client.example/"] },
        oidc_providers: [
          provider("email", { module: EMAIL_MAPPER, config: { allowed_domains: ["example.org"], unverified_email_redirect: "https://verify.example/check" } }),
          scripted("taken", { behaviour: "constant", localpart: "taken" }),
          scripted("invalid", { behaviour: "constant", localpart: "Not Valid!" }),
          scripted("underscore", { behaviour: "constant", localpart: "_hidden" }),
          scripted("empty", { behaviour: "constant", localpart: "" }),
          scripted("nobody", { behaviour: "constant", localpart: null }),
          scripted("confirm", { behaviour: "constant", localpart: "Not Valid!", confirm: true }),
          scripted("boom", { behaviour: "throw", message: "kaboom" }),
          scripted("refuse", { behaviour: "mapping-error", message: "Only staff may sign in here." }),
          scripted("redirect", { behaviour: "redirect", location: "https://questions.example/more?step=1" }),
          scripted("bad", { behaviour: "bad-result" }),
          provider("jinja", { module: "synapse.handlers.oidc_handler.JinjaOidcMappingProvider", config: { localpart_template: "{{ user.preferred_username }}" } }),
        ],
      },
    });
    await createUserDirectly(databaseUrl, { localpart: "taken" });
    await createUserDirectly(databaseUrl, { localpart: "jane.doe" });
  });

  afterAll(async () => {
    await server?.stop();
    await op?.stop();
  });

  /** Starts an SSO login at `oidc-<idp>`, signs in at the OP as `sub`, and returns our callback's response. */
  async function signIn(idp: string, sub: string) {
    const browser = new CookieClient();
    const start = await browser.get(`${server.baseUrl}/_matrix/client/v3/login/sso/redirect/oidc-${idp}?redirectUrl=${encodeURIComponent(CLIENT)}`);
    expect(start.status).toBe(302);
    const callbackUrl = await loginWithFetch(start.headers.get("location")!, sub, "pw");
    return { browser, response: await browser.get(callbackUrl) };
  }

  async function tokenLogin(location: string) {
    const token = new URL(location).searchParams.get("loginToken");
    const response = await fetch(`${server.baseUrl}/_matrix/client/v3/login`, { method: "POST", body: JSON.stringify({ type: "m.login.token", token }) });
    expect(response.status).toBe(200);
    return response.json();
  }

  const usersLinkedTo = (idp: string) => database().userExternalId.count({ where: { authProvider: `oidc-${idp}` } });

  describe("the example email mapper", () => {
    it("registers the localpart of the email, with its extra attribute in the /login response", async () => {
      const { response } = await signIn("email", "op-john");
      expect(response.status).toBe(302);
      const login = await tokenLogin(response.headers.get("location")!);
      expect(login).toMatchObject({ user_id: "@john.smith:test.local", "com.example.email_domain": "example.org" });
      const user = await database().user.findUnique({ where: { userId: "@john.smith:test.local" }, include: { threepids: true, externalIds: true } });
      expect(user).toMatchObject({ displayName: "John Smith", threepids: [{ medium: "email", address: "john.smith@example.org" }], externalIds: [{ externalId: "op-john" }] });
    });

    it("takes the next name with the failures suffix when the first is taken", async () => {
      const { response } = await signIn("email", "op-jane");
      expect((await tokenLogin(response.headers.get("location")!)).user_id).toBe("@jane.doe1:test.local");
    });

    it.each([
      ["a refused domain", "op-outsider", "Accounts from other.org cannot sign in here."],
      ["no email at all", "op-nomail", "Your identity provider did not share an email address"],
    ])("shows its MappingError's message for %s, creating nothing", async (_name, sub, message) => {
      const before = await database().user.count();
      const { response } = await signIn("email", sub);
      expect(response.status).toBe(400);
      const html = await response.text();
      expect(html).toContain(message);
      expect(html).toContain("mapping_error");
      expect(await database().user.count()).toBe(before);
    });

    it("sends an unverified address to the module's own page, with its cookie", async () => {
      const { response } = await signIn("email", "op-unverified");
      expect(response.status).toBe(302);
      expect(response.headers.get("location")).toBe("https://verify.example/check?email=newbie%40example.org");
      expect(response.headers.getSetCookie()).toContainEqual(expect.stringMatching(/^email_mapper_pending=newbie%40example\.org; Path=\/; HttpOnly; SameSite=Lax/));
      expect(await database().user.findUnique({ where: { userId: "@newbie:test.local" } })).toBeNull();
    });
  });

  describe("the mapping loop", () => {
    /** The error page a person gets when the module's proposal cannot become an account, nothing stored. */
    async function expectMappingFailure(response: Response, sentence: string) {
      expect(response.status).toBe(400);
      expect(response.headers.get("location")).toBeNull();
      const html = await response.text();
      expect(html).toContain("mapping_error");
      expect(html).toContain(sentence);
    }

    it("calls the mapper 1000 times with failures 0…999 while the name is taken, then ends the login on the error page", async () => {
      const before = await database().user.count();
      const { response } = await signIn("taken", "op-plain");
      await expectMappingFailure(response, "every user name this server&#x27;s login settings proposed for you is already in use");
      expect(calls("taken")).toEqual(Array.from({ length: 1000 }, (_, index) => index));
      // The admin learns which module and what it kept proposing.
      expect(server.output()).toContain(`oidc-taken failed: ${SCRIPTED} proposed only localparts already in use in 1000 attempts`);
      expect(await database().user.count()).toBe(before);
      expect(await usersLinkedTo("taken")).toBe(0);
    }, 120_000);

    it.each([
      ["invalid", "Not Valid!", "User ID can only contain characters a-z, 0-9, or"],
      ["underscore", "_hidden", "User ID may not begin with _"],
      ["empty", "", "User ID cannot be empty"],
    ])("ends the login on the error page for a localpart that is not valid (%s), naming module and localpart in the log", async (idp, localpart, reason) => {
      const before = await database().user.count();
      const { browser, response } = await signIn(idp, "op-plain");
      await expectMappingFailure(response, "this server&#x27;s login settings proposed a user name that is not allowed");
      expect(calls(idp)).toEqual([0]);
      expect(server.output()).toContain(`oidc-${idp} failed: ${SCRIPTED} proposed the localpart ${JSON.stringify(localpart)}, which is not valid in a Matrix ID (${reason}`);
      // No username picker session was made: the picker has nothing to offer this browser.
      expect((await browser.get(`${server.baseUrl}${PICKER}`)).status).not.toBe(200);
      expect(await database().user.count()).toBe(before);
      expect(await usersLinkedTo(idp)).toBe(0);
    });

    it("sends the person to the username picker when the module proposes no localpart", async () => {
      const { browser, response } = await signIn("nobody", "op-plain");
      expect(response.status).toBe(302);
      expect(response.headers.get("location")).toBe(PICKER);
      expect(calls("nobody")).toEqual([0]);
      expect((await browser.get(`${server.baseUrl}${PICKER}`)).status).toBe(200);
    });

    it("sends the person to the username picker when the module asks for confirmation, even of an invalid name, with the reason", async () => {
      const { browser, response } = await signIn("confirm", "op-plain");
      expect(response.status).toBe(302);
      expect(response.headers.get("location")).toBe(PICKER);
      const form = await (await browser.get(`${server.baseUrl}${PICKER}`)).text();
      expect(form).toContain("User ID can only contain characters a-z, 0-9, or");
      // Submitting the proposal as it is is refused there too.
      expect((await browser.postForm(`${server.baseUrl}${PICKER}`, { username: "Not Valid!" })).status).toBe(303);
      expect(await (await browser.get(`${server.baseUrl}${PICKER}`)).text()).toContain("User ID can only contain characters a-z, 0-9, or");
      expect(await usersLinkedTo("confirm")).toBe(0);
    });

    it("shows a MappingError's message to the person", async () => {
      const { response } = await signIn("refuse", "op-plain");
      expect(response.status).toBe(400);
      const html = await response.text();
      expect(html).toContain("Only staff may sign in here.");
      expect(html).toContain("mapping_error");
    });

    it("follows a RedirectError to the module's URL, with its cookies", async () => {
      const { response } = await signIn("redirect", "op-plain");
      expect(response.status).toBe(302);
      expect(response.headers.get("location")).toBe("https://questions.example/more?step=1");
      expect(response.headers.getSetCookie()).toContain("scripted_cookie=asked; Path=/; HttpOnly");
      expect(await usersLinkedTo("redirect")).toBe(0);
    });

    it.each([
      ["throws", "boom", /mapping provider failed\nTypeError: scripted failure: kaboom\n\s+at /],
      ["returns something malformed", "bad", /mapping provider failed\nModuleContractError: mapping provider .*scripted-mapper\.ts: localpart must be a string or null, got number/],
    ])("turns a module that %s into the generic message, logged with its stack", async (_name, idp, logged) => {
      const { response } = await signIn(idp, "op-plain");
      expect(response.status).toBe(400);
      const html = await response.text();
      expect(html).toContain("Could not extract user attributes from SSO response.");
      expect(html).not.toContain("kaboom");
      expect(server.output()).toMatch(logged);
      expect(await usersLinkedTo(idp)).toBe(0);
    });

    it("serves the built-in Jinja provider by its legacy Synapse module name", async () => {
      const { response } = await signIn("jinja", "op-plain");
      expect((await tokenLogin(response.headers.get("location")!)).user_id).toBe("@plain:test.local");
    });

    it("normalises localpart_template's output byte for byte as Synapse (Nm.Élodie Z -> nm.=c3=89lodie=20z)", async () => {
      const { response } = await signIn("jinja", "op-elodie");
      expect((await tokenLogin(response.headers.get("location")!)).user_id).toBe("@nm.=c3=89lodie=20z:test.local");
    });
  });
});
