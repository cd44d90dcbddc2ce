import { mkdtempSync, readFileSync, statSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { parse } from "yaml";
import { describe, expect, it } from "vitest";
import { ConfigError, loadConfigFile, parseHomeserverConfig } from "./load-config";
import { HOMESERVER_SECRET_KEYS, keyForPurpose, withGeneratedSecrets } from "./secrets";

const ROOT = path.resolve(__dirname, "..", "..");
const SAMPLE_CONFIGS = [path.join(ROOT, "homeserver.yaml")];

describe("published sample secrets", () => {
  it.each(SAMPLE_CONFIGS)("every homeserver secret in %s is refused, naming its key", (file) => {
    const sample = parse(readFileSync(file, "utf8")) as Record<string, unknown>;
    const present = HOMESERVER_SECRET_KEYS.filter((key) => typeof sample[key] === "string");
    expect(present.length).toBeGreaterThan(0);
    for (const key of present) {
      expect(() => parseHomeserverConfig({ server_name: "example.org", [key]: sample[key] }, file)).toThrow(ConfigError);
      expect(() => parseHomeserverConfig({ server_name: "example.org", [key]: sample[key] }, file)).toThrow(
        new RegExp(`${key}: is the sample value published in this repository`),
      );
    }
  });

  it("refuses the sample config file itself, as npm start would load it", () => {
    expect(() => loadConfigFile(SAMPLE_CONFIGS[0])).toThrow(/macaroon_secret_key: is the sample value/);
  });

  it("refuses empty and short secrets, naming the key", () => {
    expect(() => parseHomeserverConfig({ server_name: "example.org", macaroon_secret_key: "" })).toThrow(/macaroon_secret_key: must be at least 16/);
    expect(() => parseHomeserverConfig({ server_name: "example.org", form_secret: "short" })).toThrow(/form_secret: must be at least 16/);
  });
});

describe("demo secrets", () => {
  it("replaces the sample secret with a random one, generated once and kept private", () => {
    const file = path.join(mkdtempSync(path.join(os.tmpdir(), "demo-secrets-")), "data", "demo-secrets.json");
    const first = withGeneratedSecrets({ server_name: "x", macaroon_secret_key: "change-me-this-is-only-a-sample-secret" }, file);
    expect(first.macaroon_secret_key).not.toBe("change-me-this-is-only-a-sample-secret");
    expect(String(first.macaroon_secret_key).length).toBeGreaterThanOrEqual(32);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const again = withGeneratedSecrets({ server_name: "x", macaroon_secret_key: "change-me-this-is-only-a-sample-secret" }, file);
    expect(again.macaroon_secret_key).toBe(first.macaroon_secret_key);
    // An admin's own value is kept.
    const own = withGeneratedSecrets({ server_name: "x", macaroon_secret_key: "an-admin-chose-this-one-carefully" }, file);
    expect(own.macaroon_secret_key).toBe("an-admin-chose-this-one-carefully");
    // The sample loads in demo mode.
    expect(() => loadConfigFile(SAMPLE_CONFIGS[0], { generatedSecretsFile: file })).not.toThrow();
  });
});

describe("keyForPurpose", () => {
  it("gives each purpose an unrelated key", () => {
    const secret = "a-signing-secret-of-the-homeserver";
    const admin = Buffer.from(keyForPurpose(secret, "admin-console-session"));
    const sealed = Buffer.from(keyForPurpose(secret, "sealed:oidc"));
    expect(admin.length).toBe(32);
    expect(admin.equals(sealed)).toBe(false);
    expect(admin.toString("utf8")).not.toContain(secret);
    expect(Buffer.from(keyForPurpose(secret, "admin-console-session")).equals(admin)).toBe(true);
  });
});
