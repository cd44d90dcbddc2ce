// Loading modules in-process: names (paths, packages, Synapse's built-in names), the checks made
// at start-up and their messages, and what gets published for the route bundles.
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { ConfigError, parseHomeserverConfig } from "../config/load-config";
import { JinjaOidcMappingProvider } from "../sso/mapping/jinja-oidc-mapper";
import { DefaultSamlMappingProvider } from "./builtin/default-saml-mapper";
import { DEFAULT_OIDC_MAPPER, DEFAULT_SAML_MAPPER, modulesFor } from "./load";
import { loadModules, splitModuleName } from "./node-loader";
import { samlMapperFor } from "./saml";
import { publishModules, publishedModules } from "./state";

const ROOT = path.resolve(__dirname, "../..");
const EXAMPLES = path.join(ROOT, "examples");
const TEST_MODULES = path.join(ROOT, "test-support", "modules");

/** A config file in a fresh folder, with `files` (relative path → content) beside it. */
function configIn(raw: Record<string, unknown>, files: Record<string, string> = {}) {
  const dir = mkdtempSync(path.join(os.tmpdir(), "hs-modules-"));
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    writeFileSync(path.join(dir, name), content);
  }
  const file = path.join(dir, "homeserver.yaml");
  const config = parseHomeserverConfig({ server_name: "test.local", macaroon_secret_key: "x".repeat(32), ...raw }, file);
  return { config, file, dir };
}

const oidcProvider = (idp: string, userMappingProvider?: Record<string, unknown>) => ({
  idp_id: idp,
  idp_name: idp,
  issuer: "https://idp.example/",
  client_id: "hs",
  client_secret: "s",
  ...(userMappingProvider ? { user_mapping_provider: userMappingProvider } : {}),
});

async function loadError(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(ConfigError);
  return (error as Error).message;
}

afterEach(() => publishModules(undefined));

describe("module names", () => {
  it.each([
    ["./mapper.ts", "./mapper.ts", undefined],
    ["acme-mapper#Mapper", "acme-mapper", "Mapper"],
    ["#internal/mapper", "#internal/mapper", undefined],
    ["/abs/mapper.mjs#default", "/abs/mapper.mjs", "default"],
  ])("%s", (name, specifier, exportName) => {
    expect(splitModuleName(name)).toEqual({ specifier, exportName });
  });
});

describe("OIDC mapping providers", () => {
  it("uses the built-in Jinja provider by default and for Synapse's names of it", async () => {
    const { config, file } = configIn({
      oidc_providers: [
        oidcProvider("a"),
        oidcProvider("b", { module: "synapse.handlers.oidc.JinjaOidcMappingProvider", config: { localpart_template: "{{ user.x }}" } }),
        oidcProvider("c", { module: "synapse.handlers.oidc_handler.JinjaOidcMappingProvider" }),
      ],
    });
    const loaded = await loadModules(config, file);
    expect([...loaded.oidcMappers.keys()]).toEqual(["oidc-a", "oidc-b", "oidc-c"]);
    for (const mapper of loaded.oidcMappers.values()) expect(mapper.instance).toBeInstanceOf(JinjaOidcMappingProvider);
    expect(loaded.oidcMappers.get("oidc-a")).toMatchObject({ name: DEFAULT_OIDC_MAPPER, keyPath: "oidc_providers.0.user_mapping_provider" });
    expect(await loaded.oidcMappers.get("oidc-b")!.instance.mapUserAttributes({ x: "Bob" }, {}, 2)).toMatchObject({ localpart: "bob2" });
    // Published for the route bundles, for exactly this config.
    expect(publishedModules()).toBe(loaded);
    expect(modulesFor(config)).toBe(loaded);
  });

  it("loads a module by path relative to the config file, and by absolute path", async () => {
    const { config, file } = configIn(
      {
        oidc_providers: [
          oidcProvider("rel", { module: "./mappers/plain.mjs", config: { suffix: "-x" } }),
          oidcProvider("abs", { module: path.join(EXAMPLES, "email-localpart-mapper.ts") }),
        ],
      },
      {
        "mappers/plain.mjs": `export default class Plain {
          constructor(config, api) { this.suffix = config.suffix; this.server = api.serverName; }
          getRemoteUserId(userinfo) { return userinfo.sub; }
          mapUserAttributes(userinfo, token, failures) { return { localpart: userinfo.sub + this.suffix + (failures || "") }; }
        }`,
      },
    );
    const loaded = await loadModules(config, file);
    const plain = loaded.oidcMappers.get("oidc-rel")!;
    expect(plain.name).toBe("./mappers/plain.mjs");
    expect(await plain.instance.mapUserAttributes({ sub: "u" }, {}, 3)).toEqual({ localpart: "u-x3" });
    expect((plain.instance as unknown as { server: string }).server).toBe("test.local");
    expect(loaded.oidcMappers.get("oidc-abs")!.instance.constructor.name).toBe("EmailLocalpartMapper");
  });

  it("loads a package by name from beside the config file, CommonJS default or named export", async () => {
    const pkg = (body: string) => ({
      "node_modules/acme-mapper/package.json": JSON.stringify({ name: "acme-mapper", main: "index.js" }),
      "node_modules/acme-mapper/index.js": body,
    });
    const { config, file } = configIn(
      { oidc_providers: [oidcProvider("pkg", { module: "acme-mapper" }), oidcProvider("named", { module: "acme-mapper#Loud" })] },
      pkg(`class Quiet { getRemoteUserId(u) { return u.sub; } mapUserAttributes() { return { localpart: "quiet" }; } }
           class Loud extends Quiet { mapUserAttributes() { return { localpart: "loud" }; } }
           module.exports = Quiet; module.exports.Loud = Loud;`),
    );
    const loaded = await loadModules(config, file);
    expect(await loaded.oidcMappers.get("oidc-pkg")!.instance.mapUserAttributes({}, {}, 0)).toEqual({ localpart: "quiet" });
    expect(await loaded.oidcMappers.get("oidc-named")!.instance.mapUserAttributes({}, {}, 0)).toEqual({ localpart: "loud" });
  });

  it("stops with the module's message and the config path when parseConfig refuses the options", async () => {
    const { config, file } = configIn({
      oidc_providers: [oidcProvider("ok"), oidcProvider("bad", { module: path.join(EXAMPLES, "email-localpart-mapper.ts"), config: { allowed_domains: "example.org" } })],
    });
    const message = await loadError(loadModules(config, file));
    expect(message).toBe(
      `Error in configuration at 'oidc_providers.1.user_mapping_provider.config' in ${file}: ` +
        `Failed to parse config for module '${path.join(EXAMPLES, "email-localpart-mapper.ts")}': allowed_domains must be a list of domain names`,
    );
    expect(publishedModules()).toBeUndefined();
  });

  it("reports the built-in provider's own config errors the same way", async () => {
    const { config, file } = configIn({ oidc_providers: [oidcProvider("j", { config: { localpart_template: "{{ user.x " } })] });
    expect(await loadError(loadModules(config, file))).toMatch(
      /^Error in configuration at 'oidc_providers\.0\.user_mapping_provider\.config' in .*: Failed to parse config for module 'synapse\.handlers\.oidc\.JinjaOidcMappingProvider': user_mapping_provider\.config\.localpart_template: invalid jinja template/,
    );
  });

  it.each([
    ["a missing file", "./nope.mjs", {}, /at 'oidc_providers\.0\.user_mapping_provider\.module' .*cannot load module '\.\/nope\.mjs': no such file/],
    ["an unknown package", "no-such-package-anywhere", {}, /cannot load module 'no-such-package-anywhere'/],
    ["no default export", "./named-only.mjs", { "named-only.mjs": "export class X {}" }, /module '\.\/named-only\.mjs' has no default export/],
    ["a missing named export", "./named-only.mjs#Y", { "named-only.mjs": "export class X {}" }, /module '\.\/named-only\.mjs#Y' has no export named 'Y'/],
    ["an export that is not a class", "./value.mjs", { "value.mjs": "export default 42;" }, /'\.\/value\.mjs' does not export a class \(found number\)/],
    ["missing methods", "./half.mjs", { "half.mjs": "export default class Half { getRemoteUserId() { return 'x'; } }" }, /missing required methods: mapUserAttributes/],
    ["a failing constructor", "./broken.mjs", { "broken.mjs": "export default class B { constructor() { throw new Error('no licence key'); } }" }, /at 'oidc_providers\.0\.user_mapping_provider' .*module '\.\/broken\.mjs' failed to start: no licence key/],
  ])("refuses %s", async (_name, module, files, expected) => {
    const { config, file } = configIn({ oidc_providers: [oidcProvider("x", { module })] }, files as Record<string, string>);
    expect(await loadError(loadModules(config, file))).toMatch(expected);
  });
});

describe("SAML mapping providers", () => {
  const sp = { sp_config: { metadata: { local: ["idp.xml"] } } };

  it("loads the example SAML module through the interface, with the attributes it asks for", async () => {
    const { config, file } = configIn({
      saml2_config: { ...sp, user_mapping_provider: { module: path.join(EXAMPLES, "saml-email-mapper.ts"), config: { email_attribute: "mail" } } },
    });
    const loaded = await loadModules(config, file);
    expect(loaded.samlMapper).toMatchObject({ keyPath: "saml2_config.user_mapping_provider", required: new Set(["uid", "mail"]), optional: new Set(["displayName"]) });
    const mapper = samlMapperFor(config)!;
    const response = { ava: { uid: ["j-1"], mail: ["Jane.Doe@example.org"], displayName: ["Jane"] } };
    expect(await mapper.getRemoteUserId(response, "https://client.example/")).toBe("j-1");
    expect(await mapper.mapUserAttributes(response, 2, "https://client.example/")).toEqual({
      localpart: "jane.doe2",
      displayName: "Jane",
      emails: ["Jane.Doe@example.org"],
      picture: null,
      confirmLocalpart: false,
    });
  });

  it("uses the built-in default (Synapse's names, deprecated top-level options) and loads nothing when SAML is off", async () => {
    const { config, file } = configIn({ saml2_config: { ...sp, mxid_source_attribute: "mail", mxid_mapping: "dotreplace" } });
    const loaded = await loadModules(config, file);
    expect(loaded.samlMapper).toMatchObject({ name: DEFAULT_SAML_MAPPER, required: new Set(["uid", "mail"]) });
    expect(loaded.samlMapper!.instance).toBeInstanceOf(DefaultSamlMappingProvider);
    expect(await samlMapperFor(config)!.mapUserAttributes({ ava: { uid: ["1"], mail: ["Jo Bloggs"] } }, 0, "")).toMatchObject({ localpart: "jo.bloggs" });

    const legacyName = configIn({ saml2_config: { ...sp, user_mapping_provider: { module: "synapse.handlers.saml_handler.DefaultSamlMappingProvider" } } });
    expect((await loadModules(legacyName.config, legacyName.file)).samlMapper!.instance).toBeInstanceOf(DefaultSamlMappingProvider);

    for (const off of [{ saml2_config: { enabled: false, ...sp } }, { saml2_config: { sp_config: {} } }, {}]) {
      const { config: offConfig, file: offFile } = configIn(off);
      expect((await loadModules(offConfig, offFile)).samlMapper).toBeNull();
    }
  });

  it.each([
    ["a bad option of the default", { config: { mxid_mapping: "rot13" } }, /saml2_config\.user_mapping_provider\.config' .*'rot13' is not a valid mxid_mapping value/],
    ["a bad option of a module", { module: path.join(EXAMPLES, "saml-email-mapper.ts"), config: { email_attribute: 7 } }, /saml2_config\.user_mapping_provider\.config' .*email_attribute must be the name of a SAML attribute/],
    ["an OIDC mapper as SAML mapper", { module: "synapse.handlers.oidc.JinjaOidcMappingProvider" }, /missing required methods: getSamlAttributes/],
  ])("refuses %s", async (_name, userMappingProvider, expected) => {
    const { config, file } = configIn({ saml2_config: { ...sp, user_mapping_provider: userMappingProvider } });
    expect(await loadError(loadModules(config, file))).toMatch(expected);
  });
});

describe("password auth provider modules", () => {
  const probe = (name: string, extra: Record<string, unknown> = {}) => ({
    module: path.join(TEST_MODULES, "probe-auth-provider.ts"),
    config: { name, log_file: path.join(os.tmpdir(), `probe-${name}.jsonl`), ...extra },
  });

  it("registers modules, then legacy password_providers, in config order", async () => {
    const { config, file } = configIn({
      modules: [probe("one", { login_types: { "com.example.login": ["my_field"] } }), probe("two")],
      password_providers: [{ module: path.join(EXAMPLES, "legacy-password-provider.cjs"), config: { users: { legacy: "pw" } } }],
    });
    const loaded = await loadModules(config, file);
    expect(loaded.authProviders.map((module) => module.keyPath)).toEqual(["modules.0", "modules.1", "password_providers.0"]);
    expect([...loaded.passwordAuth.loginTypes]).toEqual([["com.example.login", ["my_field"]], ["m.login.password", ["password"]]]);
    expect(loaded.passwordAuth.authCheckers.get("m.login.password")!.map((checker) => checker.module)).toEqual([
      probe("two").module,
      path.join(EXAMPLES, "legacy-password-provider.cjs"),
    ]);
    expect(loaded.passwordAuth.onLoggedOut).toHaveLength(2);
  });

  it("stops when parseConfig refuses the options, naming the module and where it is configured", async () => {
    const { config, file } = configIn({ modules: [probe("ok"), probe("picky", { reject: "option 'colour' must be blue" })] });
    expect(await loadError(loadModules(config, file))).toBe(
      `Error in configuration at 'modules.1.config' in ${file}: Failed to parse config for module '${probe("x").module}': option 'colour' must be blue`,
    );
  });

  it("stops when two modules want the same login type with different fields", async () => {
    const { config, file } = configIn({
      modules: [probe("a", { login_types: { "com.example.login": ["my_field"] } }), probe("b", { login_types: { "com.example.login": ["other"] } })],
    });
    expect(await loadError(loadModules(config, file))).toMatch(
      /at 'modules\.1' .*tried to register support for login type com\.example\.login with fields \["other"\], but another module had already registered that type with fields \["my_field"\]/,
    );
  });

  it("refuses a modules entry without a module name at config validation", () => {
    expect(() => configIn({ modules: [{ config: {} }] })).toThrow(/modules\.0\.module: is required: a path relative to this config file, or a package name/);
  });
});

describe("a process that did not load the modules", () => {
  it("serves built-in mapping providers but refuses to guess at extension modules", () => {
    const builtins = configIn({ oidc_providers: [oidcProvider("a")] }).config;
    expect(modulesFor(builtins).oidcMappers.get("oidc-a")!.instance).toBeInstanceOf(JinjaOidcMappingProvider);
    const custom = configIn({ modules: [{ module: "./mod.mjs" }] }).config;
    expect(() => modulesFor(custom)).toThrow(/'\.\/mod\.mjs' is an extension module; extension modules are loaded at start-up by server\.ts/);
  });
});
