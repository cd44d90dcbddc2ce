// client_auth_method: private_key_jwt (RFC 7523 client assertions), with the key in the provider's
// `client_secret_jwt_key` block — Synapse's existing shape: `key` or `key_file` (a PKCS#8 PEM
// private key) and `jwt_header` with `alg` and `kid` (the kid the OP finds the public key under).
// The assertion itself is openid-client's PrivateKeyJwt; this module loads the key and gives the
// admin the public half to register at the OP (`npm run oidc:jwk`).
import { createPrivateKey, createPublicKey, type JsonWebKey } from "node:crypto";
import { readFileSync } from "node:fs";
import path from "node:path";
import { importPKCS8 } from "jose";
import * as client from "openid-client";
import type { ClientSecretJwtKeyConfig } from "./client-secret-jwt";

export interface PrivateKeyJwtSettings {
  pem: string;
  alg: string;
  kid?: string;
}

/** The key, algorithm and kid of a `client_secret_jwt_key` block; throws a message naming what is missing. */
export function privateKeyJwtSettings(block: ClientSecretJwtKeyConfig | undefined, configDir: string): PrivateKeyJwtSettings {
  if (!block) throw new Error("client_auth_method private_key_jwt needs a client_secret_jwt_key block with the private key");
  const alg = block.jwt_header.alg;
  if (typeof alg !== "string") throw new Error("client_secret_jwt_key.jwt_header.alg is required");
  const kid = block.jwt_header.kid;
  let pem: string;
  if (block.key) pem = block.key;
  else if (block.key_file) pem = readFileSync(path.resolve(configDir, block.key_file), "utf8");
  else throw new Error("client_secret_jwt_key needs key or key_file");
  return { pem, alg, kid: typeof kid === "string" ? kid : undefined };
}

/** The token endpoint authentication: a fresh signed assertion per request (openid-client). */
export function privateKeyJwtAuth(settings: PrivateKeyJwtSettings): client.ClientAuth {
  let key: Promise<CryptoKey> | undefined;
  // oauth4webapi awaits a client authentication that returns a promise.
  const authenticate = async (as: client.ServerMetadata, metadata: client.ClientMetadata, body: URLSearchParams, headers: Headers) => {
    key ??= importPKCS8(settings.pem, settings.alg);
    const signer = client.PrivateKeyJwt({ key: await key, kid: settings.kid });
    return (signer as unknown as (...args: unknown[]) => Promise<void>)(as, metadata, body, headers);
  };
  return authenticate as unknown as client.ClientAuth;
}

/** The public key to register at the OP (its `jwks`), with the kid and alg the assertions carry. */
export function publicJwkOf(settings: PrivateKeyJwtSettings): JsonWebKey {
  const jwk = createPublicKey(createPrivateKey(settings.pem)).export({ format: "jwk" });
  return { ...jwk, use: "sig", alg: settings.alg, ...(settings.kid ? { kid: settings.kid } : {}) };
}
