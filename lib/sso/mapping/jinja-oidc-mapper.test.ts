import { describe, expect, it } from "vitest";
import { JinjaOidcMappingProvider, jinjaOidcMapperConfigSchema } from "./jinja-oidc-mapper";
import { MappingError, type OidcUserinfo } from "./types";

function provider(config: unknown): JinjaOidcMappingProvider {
  return new JinjaOidcMappingProvider(JinjaOidcMappingProvider.parseConfig(config));
}

describe("JinjaOidcMappingProvider.getRemoteUserId", () => {
  const cases: Array<{ name: string; config: unknown; userinfo: OidcUserinfo; expected: string }> = [
    { name: "default subject_template", config: {}, userinfo: { sub: "abc-123" }, expected: "abc-123" },
    { name: "no config at all", config: undefined, userinfo: { sub: "abc" }, expected: "abc" },
    { name: "legacy subject_claim", config: { subject_claim: "id" }, userinfo: { sub: "x", id: "the-id" }, expected: "the-id" },
    { name: "subject_template wins over subject_claim", config: { subject_template: "{{ user.uid }}", subject_claim: "id" }, userinfo: { uid: "u", id: "i" }, expected: "u" },
    { name: "integer sub is stringified", config: {}, userinfo: { sub: 12345 }, expected: "12345" },
    { name: "result is stripped", config: { subject_template: "  {{ user.sub }}\n" }, userinfo: { sub: "s" }, expected: "s" },
  ];
  for (const { name, config, userinfo, expected } of cases) {
    it(name, () => {
      expect(provider(config).getRemoteUserId(userinfo)).toBe(expected);
    });
  }

  it("an empty subject is a MappingError", () => {
    const mapper = provider({});
    expect(() => mapper.getRemoteUserId({ name: "no sub" })).toThrow(MappingError);
    expect(() => mapper.getRemoteUserId({ sub: "  " })).toThrow("Failed to extract subject from OIDC response");
  });
});

describe("JinjaOidcMappingProvider.mapUserAttributes", () => {
  const username = { localpart_template: "{{ user.preferred_username }}" };
  const cases: Array<{ name: string; config: unknown; userinfo: OidcUserinfo; failures?: number; expected: Record<string, unknown> }> = [
    { name: "preferred_username localpart", config: username, userinfo: { sub: "1", preferred_username: "john" }, expected: { localpart: "john" } },
    { name: "upper case is lowered", config: username, userinfo: { preferred_username: "John.Smith" }, expected: { localpart: "john.smith" } },
    { name: "invalid characters are escaped", config: username, userinfo: { preferred_username: "jöhn" }, expected: { localpart: "j=c3=b6hn" } },
    // Synapse encodes to UTF-8 before lower-casing, so non-ASCII capitals keep their own bytes.
    { name: "non-ASCII capital keeps its bytes", config: username, userinfo: { preferred_username: "Nm.Élodie Z" }, expected: { localpart: "nm.=c3=89lodie=20z" } },
    { name: "template text is stripped, then mapped", config: { localpart_template: " {{ user.preferred_username }}\n" }, userinfo: { preferred_username: "Ü" }, failures: 2, expected: { localpart: "=c3=9c2" } },
    { name: "failures=1 appends 1", config: username, userinfo: { preferred_username: "john" }, failures: 1, expected: { localpart: "john1" } },
    { name: "failures=2 appends 2", config: username, userinfo: { preferred_username: "john" }, failures: 2, expected: { localpart: "john2" } },
    { name: "missing claim → null localpart (picker)", config: username, userinfo: { sub: "1" }, expected: { localpart: null } },
    { name: "null claim → null localpart", config: username, userinfo: { preferred_username: null }, failures: 3, expected: { localpart: null } },
    { name: "no localpart_template → null", config: {}, userinfo: { preferred_username: "john" }, expected: { localpart: null } },
    {
      name: "localpart_from_email filter",
      config: { localpart_template: "{{ user.email | localpart_from_email }}" },
      userinfo: { email: "Jane.Doe@example.com" },
      expected: { localpart: "jane.doe" },
    },
    {
      name: "Python-style method call",
      config: { localpart_template: "{{ user.email.split('@')[0] }}" },
      userinfo: { email: "bob@example.com" },
      expected: { localpart: "bob" },
    },
    {
      name: "display name rendered",
      config: { display_name_template: "{{ user.given_name }} {{ user.family_name }}" },
      userinfo: { given_name: "John", family_name: "Smith" },
      expected: { displayName: "John Smith" },
    },
    {
      name: "display name empty → null",
      config: { display_name_template: "{{ user.name }}" },
      userinfo: { sub: "1" },
      expected: { displayName: null },
    },
    { name: "no display_name_template → null", config: {}, userinfo: { name: "John" }, expected: { displayName: null } },
    { name: "email template", config: { email_template: "{{ user.email }}" }, userinfo: { email: "a@b.c" }, expected: { emails: ["a@b.c"] } },
    { name: "email template empty → no email", config: { email_template: "{{ user.email }}" }, userinfo: {}, expected: { emails: [] } },
    { name: "no email_template → no email", config: {}, userinfo: { email: "a@b.c" }, expected: { emails: [] } },
    { name: "default picture_template", config: {}, userinfo: { picture: "https://x/p.png" }, expected: { picture: "https://x/p.png" } },
    { name: "no picture → null", config: {}, userinfo: {}, expected: { picture: null } },
    { name: "legacy picture_claim", config: { picture_claim: "avatar" }, userinfo: { avatar: "https://x/a.png" }, expected: { picture: "https://x/a.png" } },
    { name: "confirm_localpart defaults to false", config: username, userinfo: { preferred_username: "j" }, expected: { confirmLocalpart: false } },
    { name: "confirm_localpart: true", config: { ...username, confirm_localpart: true }, userinfo: { preferred_username: "j" }, expected: { confirmLocalpart: true } },
  ];
  for (const { name, config, userinfo, failures = 0, expected } of cases) {
    it(name, async () => {
      const attributes = await provider(config).mapUserAttributes(userinfo, {}, failures);
      expect(attributes).toMatchObject(expected);
    });
  }
});

describe("JinjaOidcMappingProvider.getExtraAttributes", () => {
  it("renders each template", async () => {
    const mapper = provider({ extra_attributes: { team: "{{ user.team }}", verified: "{{ user.email_verified }}", none: "{{ user.missing }}" } });
    expect(await mapper.getExtraAttributes!({ team: " blue ", email_verified: true }, {})).toEqual({
      team: "blue",
      verified: "True",
      none: "",
    });
  });

  it("skips a template that fails to render", async () => {
    const mapper = provider({ extra_attributes: { ok: "{{ user.a }}", bad: "{{ user.a.nope() }}" } });
    expect(await mapper.getExtraAttributes!({ a: "x" }, {})).toEqual({ ok: "x" });
  });

  it("no extra_attributes → {}", async () => {
    expect(await provider({}).getExtraAttributes!({ a: "x" }, {})).toEqual({});
  });
});

describe("JinjaOidcMappingProvider.parseConfig", () => {
  const bad: Array<{ name: string; config: unknown; message: string | RegExp }> = [
    { name: "confirm_localpart not a bool", config: { confirm_localpart: "yes" }, message: "user_mapping_provider.config.confirm_localpart: must be a bool" },
    { name: "extra_attributes a list", config: { extra_attributes: [1] }, message: "user_mapping_provider.config.extra_attributes: must be a dict" },
    { name: "extra_attributes a string", config: { extra_attributes: "x" }, message: "user_mapping_provider.config.extra_attributes: must be a dict" },
    { name: "broken localpart_template", config: { localpart_template: "{{ user." }, message: /^user_mapping_provider\.config\.localpart_template: invalid jinja template/ },
    { name: "broken subject_template", config: { subject_template: "{% if %}" }, message: /user_mapping_provider\.config\.subject_template: invalid jinja template/ },
    { name: "broken extra attribute", config: { extra_attributes: { team: "{{ user.team " } }, message: /user_mapping_provider\.config\.extra_attributes\.team: invalid jinja template/ },
    { name: "unknown filter", config: { display_name_template: "{{ user.name | nosuchfilter }}" }, message: /display_name_template: invalid jinja template.*nosuchfilter/ },
    { name: "include (no loader)", config: { email_template: "{% include '/etc/passwd' %}" }, message: /email_template: invalid jinja template/ },
    { name: "template not a string", config: { email_template: 5 }, message: "user_mapping_provider.config.email_template: must be a string" },
    { name: "config not a dict", config: ["x"], message: "user_mapping_provider.config: must be a dict" },
  ];
  for (const { name, config, message } of bad) {
    it(`rejects: ${name}`, () => {
      expect(() => JinjaOidcMappingProvider.parseConfig(config)).toThrow(message);
    });
  }

  it("accepts unknown keys and falsy confirm_localpart / null extra_attributes", () => {
    const parsed = JinjaOidcMappingProvider.parseConfig({ something_else: 1, confirm_localpart: null, extra_attributes: null });
    expect(parsed.confirmLocalpart).toBe(false);
    expect(parsed.extraAttributes).toEqual([]);
    expect(parsed.localpartTemplate).toBeNull();
  });

  it("schema fills in defaults and turns legacy claims into templates", () => {
    expect(jinjaOidcMapperConfigSchema.parse({ subject_claim: "id" })).toEqual({
      subject_template: "{{ user.id }}",
      picture_template: "{{ user.picture }}",
      localpart_template: undefined,
      display_name_template: undefined,
      email_template: undefined,
      extra_attributes: {},
      confirm_localpart: false,
    });
  });
});

describe("JinjaOidcMappingProvider with a hostile template", () => {
  it("the mapper survives hostile templates", () => {
    const mapper = provider({ localpart_template: "{{ user.constructor.constructor('return process')().pid }}" });
    expect(() => mapper.mapUserAttributes({ sub: "x" }, {}, 0)).toThrow();
  });
});
