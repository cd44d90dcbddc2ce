// client_auth_method: private_key_jwt (issue 17, point 9) against the real OpenID Provider configured
// to require it for this client: the key in Synapse's client_secret_jwt_key block (key_file, and
// jwt_header with alg and kid), its public half printed by `npm run oidc:jwk` and registered at the
// OP; a login goes through, and a key the OP does not know is refused at the token endpoint.
import { spawnSync } from "node:child_process";
import { generateKeyPairSync } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { stringify } from "yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CookieClient } from "../test-support/cookie-client";
import { loginWithFetch, startOidcProvider, type RunningOidcProvider } from "../test-support/oidc-provider";
import { freePort, startServer, testConfig, type RunningServer } from "../test-support/server";
import { CORP_ACCOUNTS, corpProviderConfig } from "../test-support/sso-fixture";
import { disconnectAll } from "../test-support/users";

const ROOT = path.resolve(__dirname, "..");

function pemKeyFile(dir: string, name: string): string {
  const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const file = path.join(dir, name);
  writeFileSync(file, privateKey.export({ format: "pem", type: "pkcs8" }));
  return file;
}

describe("OIDC client_auth_method: private_key_jwt", () => {
  let dir: string;
  let op: RunningOidcProvider;
  let server: RunningServer;
  let impostor: RunningServer;

  const providerBlock = (keyFile: string) =>
    corpProviderConfig(op, {
      attribute_requirements: [],
      client_secret: undefined,
      client_auth_method: "private_key_jwt",
      client_secret_jwt_key: { key_file: keyFile, jwt_header: { alg: "RS256", kid: "homeserver-key-1" } },
    });

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), "pkjwt-"));
    const keyFile = pemKeyFile(dir, "oidc-client.key");
    const otherKeyFile = pemKeyFile(dir, "other.key");
    const [port, otherPort] = [await freePort(), await freePort()];

    // The admin's step: print the public key from the homeserver's config, register it at the OP.
    op = await startOidcProvider({ accounts: CORP_ACCOUNTS, clients: [] });
    const configFile = path.join(dir, "homeserver.yaml");
    writeFileSync(configFile, stringify(testConfig({ oidc_providers: [providerBlock(keyFile)] }, port)));
    const cli = spawnSync(process.execPath, ["--import", "tsx", "scripts/oidc-jwk.ts", "--idp", "oidc-corp"], {
      cwd: ROOT,
      env: { ...process.env, HOMESERVER_CONFIG: configFile },
      encoding: "utf8",
    });
    expect(cli.status, cli.stderr).toBe(0);
    const jwks = JSON.parse(cli.stdout) as { keys: Record<string, unknown>[] };
    expect(jwks.keys).toEqual([expect.objectContaining({ kty: "RSA", kid: "homeserver-key-1", alg: "RS256", use: "sig", n: expect.any(String), e: "AQAB" })]);
    expect(jwks.keys[0]).not.toHaveProperty("d");
    await op.stop();

    const callback = (p: number) => `http://127.0.0.1:${p}/_synapse/client/oidc/callback`;
    op = await startOidcProvider({
      accounts: CORP_ACCOUNTS,
      clients: [{ client_id: "homeserver", redirect_uris: [callback(port), callback(otherPort)], token_endpoint_auth_method: "private_key_jwt", jwks: jwks as never }],
    });
    server = await startServer({ port, config: { oidc_providers: [providerBlock(keyFile)], sso: { client_whitelist: ["https://client.example/"] } } });
    // The same client ID signing with a key the OP was never given.
    impostor = await startServer({ port: otherPort, config: { oidc_providers: [providerBlock(otherKeyFile)], sso: { client_whitelist: ["https://client.example/"] } } });
  });

  afterAll(async () => {
    await server?.stop();
    await impostor?.stop();
    await op?.stop();
    await disconnectAll();
    rmSync(dir, { recursive: true, force: true });
  });

  async function callbackFor(base: string): Promise<Response> {
    const browser = new CookieClient();
    const start = await browser.get(`${base}/_matrix/client/v3/login/sso/redirect/oidc-corp?${new URLSearchParams({ redirectUrl: "https://client.example/" })}`);
    expect(start.status).toBe(302);
    return browser.get(await loginWithFetch(start.headers.get("location")!, "alice", "alice-pw"));
  }

  it("logs in with a client assertion signed by the configured key", async () => {
    const callback = await callbackFor(server.baseUrl);
    expect(callback.status).toBe(302);
    const token = new URL(callback.headers.get("location")!).searchParams.get("loginToken");
    const login = await fetch(`${server.baseUrl}/_matrix/client/v3/login`, { method: "POST", body: JSON.stringify({ type: "m.login.token", token }) });
    expect(login.status).toBe(200);
    expect(await login.json()).toMatchObject({ user_id: "@alice:test.local" });
  });

  it("is refused by the OP when signed with another key", async () => {
    const callback = await callbackFor(impostor.baseUrl);
    expect(callback.status).not.toBe(302);
    expect(await callback.text()).not.toContain("loginToken");
  });

  it("stops start-up when the key block is missing", async () => {
    await expect(
      startServer({ config: { oidc_providers: [{ ...providerBlock("x"), client_secret_jwt_key: undefined }] } }),
    ).rejects.toThrow(/private_key_jwt needs client_secret_jwt_key/);
  });
});
