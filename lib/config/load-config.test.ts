import { describe, expect, it } from "vitest";
import { parseDuration } from "./duration";
import { ConfigError, parseHomeserverConfig } from "./load-config";

const minimal = { server_name: "example.org", macaroon_secret_key: "0123456789abcdef0123" };

describe("parseHomeserverConfig", () => {
  it("fills Synapse's defaults", () => {
    const config = parseHomeserverConfig(minimal, "/etc/hs/homeserver.yaml");
    expect(config.public_baseurl).toBe("https://example.org/");
    expect(config.password_config).toMatchObject({ enabled: true, localdb_enabled: true, pepper: "" });
    expect(config.bcrypt_rounds).toBe(12);
    expect(config.rc_login.failed_attempts).toEqual({ per_second: 0.17, burst_count: 3 });
    expect(config.refreshable_access_token_lifetime).toBe(300_000);
    expect(config.ui_auth.session_timeout).toBe(0);
    expect(config.configDir).toBe("/etc/hs");
    expect(config.rc_username_availability).toEqual({ per_second: 2, burst_count: 50 });
  });

  it("appends the trailing slash to public_baseurl and parses durations", () => {
    const config = parseHomeserverConfig({
      ...minimal,
      public_baseurl: "https://matrix.example.org",
      ui_auth: { session_timeout: "15s" },
      session_lifetime: "2h",
    });
    expect(config.public_baseurl).toBe("https://matrix.example.org/");
    expect(config.ui_auth.session_timeout).toBe(15_000);
    expect(config.session_lifetime).toBe(7_200_000);
  });

  it.each([
    [{ ...minimal, server_name: undefined }, /server_name: .*is required.*\(found: nothing\)/],
    [{ ...minimal, bcrypt_rounds: "many" }, /bcrypt_rounds: .*\(found: "many"\)/],
    [{ ...minimal, password_config: { enabled: "sometimes" } }, /password_config\.enabled: .*\(found: "sometimes"\)/],
    [{ ...minimal, public_baseurl: "ftp://example.org/" }, /public_baseurl: must be an http/],
    [{ ...minimal, rc_login: { address: { per_second: -1 } } }, /rc_login\.address\.per_second/],
    [{ ...minimal, ui_auth: { session_timeout: "soon" } }, /ui_auth\.session_timeout: "soon" is not a duration/],
  ])("names the bad key, the value and what is expected: %j", (raw, message) => {
    expect(() => parseHomeserverConfig(raw, "hs.yaml")).toThrowError(ConfigError);
    expect(() => parseHomeserverConfig(raw, "hs.yaml")).toThrowError(message);
  });

  it("accepts keys Synapse knows that this service does not use", () => {
    const config = parseHomeserverConfig({
      ...minimal,
      listeners: [{ port: 8008, type: "http" }],
      database: { name: "psycopg2" },
      media_store_path: "/data/media",
    });
    expect(config.server_name).toBe("example.org");
  });

  it("refuses a file that is not a mapping", () => {
    expect(() => parseHomeserverConfig(["server_name"], "hs.yaml")).toThrowError(/expected a YAML mapping/);
  });
});

describe("parseDuration", () => {
  it.each([
    [500, 500],
    ["500", 500],
    ["10s", 10_000],
    ["5m", 300_000],
    ["1h", 3_600_000],
    ["2d", 172_800_000],
    ["1w", 604_800_000],
    ["1y", 31_536_000_000],
  ])("%j is %d ms", (input, expected) => expect(parseDuration(input)).toBe(expected));

  it("refuses nonsense", () => expect(() => parseDuration("ten minutes")).toThrow(/not a duration/));
});
