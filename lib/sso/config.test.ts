import { describe, expect, it } from "vitest";
import { ConfigError, parseHomeserverConfig } from "../config/load-config";
import { parseSsoConfig } from "./config";

const base = { server_name: "example.org", macaroon_secret_key: "0123456789abcdef0123" };
const provider = { idp_id: "corp", idp_name: "Corp", issuer: "https://idp.example.org/", client_id: "hs", client_secret: "s" };
const sso = (raw: Record<string, unknown>) => parseSsoConfig(parseHomeserverConfig({ ...base, ...raw }, "/etc/hs/homeserver.yaml"));

describe("parseSsoConfig", () => {
  it("prefixes IdP IDs with oidc- and keeps the legacy oidc_config as plain 'oidc'", () => {
    const config = sso({ oidc_providers: [provider], oidc_config: { enabled: true, issuer: "https://legacy.example.org/", client_id: "x", client_secret: "y" } });
    expect(config.oidcProviders.map((p) => p.id)).toEqual(["oidc-corp", "oidc"]);
    expect(config.oidcProviders[1].idp_name).toBe("OIDC");
  });

  it("applies Synapse's defaults", () => {
    const [corp] = sso({ oidc_providers: [provider] }).oidcProviders;
    expect(corp).toMatchObject({ discover: true, scopes: ["openid"], pkce_method: "auto", user_profile_method: "auto", clientAuthMethod: "client_secret_basic", allow_existing_users: false, enable_registration: true });
    const [publicClient] = sso({ oidc_providers: [{ ...provider, client_secret: undefined }] }).oidcProviders;
    expect(publicClient.clientAuthMethod).toBe("none");
  });

  it("always trusts the login fallback page, the root page's signed-in page and the sign-in page's return", () => {
    expect(sso({ sso: { client_whitelist: ["https://app.example/"] } }).clientWhitelist).toEqual([
      "https://app.example/",
      "https://example.org/_matrix/static/client/login",
      "https://example.org/signed-in",
      "https://example.org/sign-in/sso",
    ]);
  });

  it.each([
    [{ oidc_providers: [provider, provider] }, "Multiple OIDC providers have the idp_id 'corp'."],
    [{ oidc_providers: [{ ...provider, client_secret_path: "/x" }] }, "Cannot specify both client_secret and client_secret_path"],
    [{ oidc_providers: [{ ...provider, client_secret: undefined, client_auth_method: "client_secret_post" }] }, "No 'client_secret' is set in OIDC config, and 'client_auth_method' is not set to 'none'"],
    [{ oidc_providers: [{ ...provider, idp_id: "bad id" }] }, "oidc_providers.0.idp_id"],
    [{ oidc_providers: [{ ...provider, idp_icon: "http://insecure/icon.png" }] }, "oidc_providers.0.idp_icon: must be an mxc:// URI or an https:// URL"],
  ])("refuses %j", (raw, message) => {
    expect(() => sso(raw)).toThrowError(ConfigError);
    expect(() => sso(raw)).toThrowError(message);
  });
});
