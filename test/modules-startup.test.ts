// Modules at start-up: loaded once by server.ts before it listens; a module that refuses its config
// (or cannot be loaded) stops start-up with its message and where it is configured.
import { execFile } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { startServer, testConfig } from "../test-support/server";

const run = promisify(execFile);
const ROOT = path.resolve(__dirname, "..");
const TSX = path.join(ROOT, "node_modules", ".bin", "tsx");
const EXAMPLES = path.join(ROOT, "examples");
const PROBE = path.join(ROOT, "test-support", "modules", "probe-auth-provider.ts");
// Remote metadata is fetched on first use, not at start-up, so no IdP needs to run for these tests.
const SAML = { sp_config: { metadata: { remote: [{ url: "http://127.0.0.1:9/metadata.xml" }] } } };

/** Runs server.ts with `config` and returns its exit code and stderr (it is expected to stop). */
async function failedStart(config: Record<string, unknown>) {
  const dir = mkdtempSync(path.join(os.tmpdir(), "hs-module-start-"));
  const configFile = path.join(dir, "homeserver.yaml");
  writeFileSync(configFile, stringify(testConfig(config)));
  const result = await run(TSX, ["server.ts"], {
    cwd: ROOT,
    env: { ...process.env, HOMESERVER_CONFIG: configFile, DATABASE_URL: `file:${dir}/db.sqlite`, PORT: "1", NODE_ENV: "production" },
  }).then(
    ({ stderr }) => ({ code: 0, stderr }),
    (error: { code: number; stderr: string }) => error,
  );
  return { ...result, configFile };
}

describe("module start-up failures", () => {
  it("stops when a module's parseConfig refuses its options, with the module's message and the config path", async () => {
    const { code, stderr, configFile } = await failedStart({
      modules: [{ module: PROBE, config: { reject: "option 'colour' must be one of red, green" } }],
    });
    expect(code).toBe(1);
    expect(stderr).toContain(
      `Error in configuration at 'modules.0.config' in ${configFile}: Failed to parse config for module '${PROBE}': option 'colour' must be one of red, green`,
    );
  });

  it.each([
    [
      "an OIDC mapping provider",
      {
        oidc_providers: [
          {
            idp_id: "corp",
            idp_name: "Corp",
            issuer: "https://idp.example/",
            client_id: "c",
            client_secret: "s",
            user_mapping_provider: { module: path.join(EXAMPLES, "email-localpart-mapper.ts"), config: { allowed_domains: "example.org" } },
          },
        ],
      },
      /Error in configuration at 'oidc_providers\.0\.user_mapping_provider\.config' in .*: Failed to parse config for module '.*email-localpart-mapper\.ts': allowed_domains must be a list of domain names/,
    ],
    [
      "a SAML mapping provider",
      { saml2_config: { ...SAML, user_mapping_provider: { module: path.join(EXAMPLES, "saml-email-mapper.ts"), config: { uid_attribute: "" } } } },
      /Error in configuration at 'saml2_config\.user_mapping_provider\.config' in .*: Failed to parse config for module '.*saml-email-mapper\.ts': uid_attribute must be the name of a SAML attribute/,
    ],
    [
      "a legacy password provider",
      { password_providers: [{ module: path.join(EXAMPLES, "legacy-password-provider.cjs"), config: { users: ["not", "a", "mapping"] } }] },
      /Error in configuration at 'password_providers\.0\.config' in .*: Failed to parse config for module '.*legacy-password-provider\.cjs': users must be a mapping of user to password/,
    ],
    ["a module that cannot be found", { modules: [{ module: "./not-there.ts" }] }, /Error in configuration at 'modules\.0\.module' in .*: cannot load module '\.\/not-there\.ts': no such file/],
    [
      "two modules that disagree about a login type's fields",
      {
        modules: [
          { module: PROBE, config: { name: "a", log_file: "/dev/null", login_types: { "com.example.login": ["my_field"] } } },
          { module: PROBE, config: { name: "b", log_file: "/dev/null", login_types: { "com.example.login": ["pin"] } } },
        ],
      },
      /Error in configuration at 'modules\.1' .*tried to register support for login type com\.example\.login with fields \["pin"\]/,
    ],
  ])("stops for %s", async (_name, config, message) => {
    const { code, stderr } = await failedStart(config);
    expect(code).toBe(1);
    expect(stderr).toMatch(message);
  });
});

describe("a SAML mapping provider module", () => {
  it("is loaded and checked at start-up", async () => {
    const server = await startServer({
      config: { saml2_config: { ...SAML, user_mapping_provider: { module: path.join(EXAMPLES, "saml-email-mapper.ts"), config: { email_attribute: "mail" } } } },
    });
    try {
      expect(server.output()).toMatch(/module .*saml-email-mapper\.ts loaded \(saml2_config\.user_mapping_provider\)/);
    } finally {
      await server.stop();
    }
  });
});
