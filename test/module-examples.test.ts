// The example modules in examples/, unit-tested against the module interfaces (no server). The
// integration tests (modules-*.test.ts) run the same files inside the real service.
import { mkdtempSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import { describe, expect, it, vi } from "vitest";
import EmailLocalpartMapper from "../examples/email-localpart-mapper";
import SamlEmailMapper from "../examples/saml-email-mapper";
import StaticAuthProvider from "../examples/static-auth-provider";
import { MappingError, RedirectError, type LegacyPasswordProviderModule, type ModuleApi, type SamlMappingProviderModule } from "../lib/modules";
import { emptyRegistrations, registerCallbacks, runAuthCheckers, runCheck3pidAuth, runOnLoggedOut } from "../lib/modules/password-auth";

/** A ModuleApi with an in-memory user table. */
function fakeApi(existing: string[] = []) {
  const users = new Set(existing);
  const registrations = emptyRegistrations();
  const api: ModuleApi = {
    serverName: "test.local",
    publicBaseUrl: "https://test.local/",
    logger: { info: vi.fn(), warn: vi.fn(), error: vi.fn() },
    MappingError,
    RedirectError,
    getQualifiedUserId: (user) => (user.startsWith("@") ? user : `@${user}:test.local`),
    checkUserExists: async (userId) => [...users].find((user) => user.toLowerCase() === userId.toLowerCase()) ?? null,
    registerUser: async (localpart) => {
      users.add(`@${localpart}:test.local`);
      return `@${localpart}:test.local`;
    },
    registerPasswordAuthProviderCallbacks: (callbacks) => registerCallbacks(registrations, "example", callbacks),
  };
  return { api, users, registrations };
}

describe("examples/saml-email-mapper.ts", () => {
  // Checked against the SAML interface at compile time too.
  const Module: SamlMappingProviderModule<ReturnType<typeof SamlEmailMapper.parseConfig>> = SamlEmailMapper;
  const mapper = (config: Record<string, unknown> = {}) => new Module(Module.parseConfig!(config), fakeApi().api);
  const response = { ava: { uid: ["jd-7"], email: [" Jane.Doe@Example.org "], displayName: ["Jane Doe"] } };

  it("asks for the uid and email attributes, and a display name if there is one", () => {
    expect(Module.getSamlAttributes(Module.parseConfig!({}))).toEqual({ required: new Set(["uid", "email"]), optional: new Set(["displayName"]) });
    expect(Module.getSamlAttributes(Module.parseConfig!({ email_attribute: "mail", uid_attribute: "employeeNumber" })).required).toEqual(
      new Set(["employeeNumber", "mail"]),
    );
  });

  it("takes the remote user ID from uid", () => {
    expect(mapper().getRemoteUserId(response, "https://client.example/")).toBe("jd-7");
    expect(() => mapper().getRemoteUserId({ ava: {} }, "")).toThrow(new MappingError("'uid' not in SAML2 response"));
  });

  it("derives the localpart from the email, with the failures suffix", async () => {
    expect(await mapper().samlResponseToUserAttributes(response, 0, "")).toEqual({
      mxidLocalpart: "jane.doe",
      displayName: "Jane Doe",
      emails: ["Jane.Doe@Example.org"],
    });
    expect((await mapper().samlResponseToUserAttributes(response, 3, "")).mxidLocalpart).toBe("jane.doe3");
    expect((await mapper().samlResponseToUserAttributes({ ava: { email: ["Hübner+x@a.b"] } }, 0, "")).mxidLocalpart).toBe("h-bner+x");
  });

  it("refuses a response without an email address, and a bad option", async () => {
    expect(() => mapper().samlResponseToUserAttributes({ ava: { uid: ["x"] } }, 0, "")).toThrow(MappingError);
    expect(() => Module.parseConfig!({ email_attribute: "" })).toThrow("email_attribute must be the name of a SAML attribute");
  });
});

describe("examples/email-localpart-mapper.ts", () => {
  const mapper = (config: Record<string, unknown> = {}) => new EmailLocalpartMapper(EmailLocalpartMapper.parseConfig(config), fakeApi().api);
  const john = { sub: "j1", email: "John.Smith@Example.org", name: "John Smith", email_verified: true };

  it("derives the localpart from the email and de-duplicates with the failures count", () => {
    expect(mapper().mapUserAttributes(john, {}, 0)).toEqual({
      localpart: "john.smith",
      displayName: "John Smith",
      emails: ["John.Smith@Example.org"],
      picture: null,
      confirmLocalpart: false,
    });
    expect(mapper().mapUserAttributes(john, {}, 1).localpart).toBe("john.smith1");
    expect(mapper().mapUserAttributes(john, {}, 999).localpart).toBe("john.smith999");
    expect(mapper().mapUserAttributes({ email: "_x@y" }, {}, 0).localpart).toBe("x");
    expect(mapper().mapUserAttributes({ email: "@y" }, {}, 2).localpart).toBeNull();
  });

  it("raises MappingError for a missing email or a refused domain, RedirectError for an unverified one", () => {
    expect(() => mapper().mapUserAttributes({ sub: "x" }, {}, 0)).toThrow(MappingError);
    expect(() => mapper({ allowed_domains: ["corp.example"] }).mapUserAttributes(john, {}, 0)).toThrow(
      new MappingError("Accounts from example.org cannot sign in here."),
    );
    let redirect: unknown;
    try {
      mapper({ unverified_email_redirect: "https://verify.example/check" }).mapUserAttributes({ ...john, email_verified: false }, {}, 0);
    } catch (error) {
      redirect = error;
    }
    expect(redirect).toBeInstanceOf(RedirectError);
    expect(redirect).toMatchObject({
      location: "https://verify.example/check?email=John.Smith%40Example.org",
      cookies: [expect.stringMatching(/^email_mapper_pending=John\.Smith%40Example\.org; Path=\/; HttpOnly/)],
    });
  });

  it("gives the email domain as an extra /login attribute", () => {
    expect(mapper().getExtraAttributes(john)).toEqual({ "com.example.email_domain": "example.org" });
    expect(mapper().getExtraAttributes({})).toEqual({});
  });

  it.each([
    [{ allowed_domains: "example.org" }, "allowed_domains must be a list of domain names"],
    [{ unverified_email_redirect: "not a url" }, "unverified_email_redirect must be a URL"],
    [{ email_claim: 3 }, "email_claim must be a non-empty string"],
    [{ colour: "blue" }, "unknown option 'colour'"],
  ])("refuses the options %j", (config, message) => {
    expect(() => EmailLocalpartMapper.parseConfig(config)).toThrow(message);
  });
});

describe("examples/static-auth-provider.ts", () => {
  const auditLog = () => path.join(mkdtempSync(path.join(os.tmpdir(), "audit-")), "audit.jsonl");

  it("checks the custom type and passwords against its table, answering with the canonical user and a login callback", async () => {
    const log = auditLog();
    const { api, registrations } = fakeApi(["@Bob:test.local"]);
    new StaticAuthProvider(StaticAuthProvider.parseConfig({ credentials: { bob: "building" }, audit_log: log }), api);
    expect([...registrations.loginTypes]).toEqual([["com.example.login", ["my_field"]], ["m.login.password", ["password"]]]);

    const login = await runAuthCheckers(registrations, "bob", "com.example.login", { my_field: "building" });
    expect(login?.userId).toBe("@Bob:test.local");
    await login!.callback!({ user_id: "@Bob:test.local", access_token: "t", device_id: "DEV", home_server: "test.local" });
    expect(JSON.parse(readFileSync(log, "utf8"))).toMatchObject({ event: "login", user_id: "@Bob:test.local", device_id: "DEV" });

    expect(await runAuthCheckers(registrations, "@bob:test.local", "m.login.password", { password: "building" })).toMatchObject({ userId: "@Bob:test.local" });
    expect(await runAuthCheckers(registrations, "bob", "com.example.login", { my_field: "wrong" })).toBeNull();
    expect(await runAuthCheckers(registrations, "bob", "com.example.login", { my_field: 7 })).toBeNull();
  });

  it("only lets existing accounts in unless register_unknown_users is on", async () => {
    const closed = fakeApi();
    new StaticAuthProvider(StaticAuthProvider.parseConfig({ credentials: { newbie: "pw" } }), closed.api);
    expect(await runAuthCheckers(closed.registrations, "newbie", "m.login.password", { password: "pw" })).toBeNull();

    const open = fakeApi();
    new StaticAuthProvider(StaticAuthProvider.parseConfig({ credentials: { newbie: "pw" }, register_unknown_users: true }), open.api);
    expect(await runAuthCheckers(open.registrations, "newbie", "m.login.password", { password: "pw" })).toMatchObject({ userId: "@newbie:test.local" });
    expect(open.users.has("@newbie:test.local")).toBe(true);
  });

  it("serves email logins through check3pidAuth and records logouts", async () => {
    const log = auditLog();
    const { api, registrations } = fakeApi(["@bob:test.local"]);
    new StaticAuthProvider(
      StaticAuthProvider.parseConfig({ credentials: { bob: "building" }, threepids: { "email:Bob@Example.org": "bob" }, audit_log: log, password_login: false, login_type: "org.example.pin", field: "pin" }),
      api,
    );
    expect([...registrations.loginTypes.keys()]).toEqual(["org.example.pin"]);
    expect(await runCheck3pidAuth(registrations, "email", "bob@example.org", "building")).toMatchObject({ userId: "@bob:test.local" });
    expect(await runCheck3pidAuth(registrations, "email", "eve@example.org", "building")).toBeNull();
    await runOnLoggedOut(registrations, "@bob:test.local", "DEV", null, { accessTokenHash: "h" });
    expect(JSON.parse(readFileSync(log, "utf8"))).toMatchObject({ event: "logout", device_id: "DEV", access_token: null, access_token_hash: "h" });
  });

  it.each([
    [{}, "credentials must list at least one user"],
    [{ credentials: { bob: 1 } }, "credentials must be a mapping of strings to strings"],
    [{ credentials: { bob: "x" }, password_login: "yes" }, "password_login must be true or false"],
  ])("refuses the options %j", (config, message) => {
    expect(() => StaticAuthProvider.parseConfig(config)).toThrow(message);
  });
});

describe("examples/legacy-password-provider.cjs", () => {
  const LegacyPasswordProvider = createRequire(__filename)("../examples/legacy-password-provider.cjs") as LegacyPasswordProviderModule<{ users: Record<string, string> }>;

  it("checks the qualified user ID and creates the account on first login", async () => {
    const { api, users } = fakeApi();
    const provider = new LegacyPasswordProvider(LegacyPasswordProvider.parseConfig!({ users: { legacy: "old" } }), api);
    expect(await provider.checkPassword!("@legacy:test.local", "new")).toBe(false);
    expect(users.size).toBe(0);
    expect(await provider.checkPassword!("@legacy:test.local", "old")).toBe(true);
    expect(users).toEqual(new Set(["@legacy:test.local"]));
  });
});
