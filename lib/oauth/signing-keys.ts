// The keys that sign ID tokens (published at jwks_uri). Every process and instance must sign with
// the same keys, and none may need a new secret in homeserver.yaml:
// - ES256: derived from the homeserver's secret (HKDF), so it is the same everywhere by construction;
// - RS256, which oidc-client-ts based clients (matrix-js-sdk ≤ 41, element-web) register for and
//   which cannot be derived that way: generated once by whichever process needs it first and kept
//   in the database, sealed with a key derived from the homeserver's secret.
import { createECDH, createHash, generateKeyPair } from "node:crypto";
import { promisify } from "node:util";
import { keyForPurpose } from "../config/secrets";
import type { HomeserverConfig } from "../config/schema";
import { seal, unseal } from "../crypto/sealed";
import { db, isUniqueViolation } from "../db/client";

type Jwk = Record<string, string>;

const kidOf = (parts: string[]) => createHash("sha256").update(parts.join(".")).digest("base64url").slice(0, 16);

export function es256SigningJwk(config: HomeserverConfig): Jwk {
  const d = Buffer.from(keyForPurpose(config.signingSecret, "oauth-id-token-es256"));
  const ecdh = createECDH("prime256v1");
  ecdh.setPrivateKey(d);
  const point = ecdh.getPublicKey();
  const x = point.subarray(1, 33).toString("base64url");
  const y = point.subarray(33, 65).toString("base64url");
  return { kty: "EC", crv: "P-256", x, y, d: d.toString("base64url"), alg: "ES256", use: "sig", kid: kidOf([x, y]) };
}

const RSA_ROW_KEY = "SigningKey:RS256";
const SEAL_PURPOSE = "oauth-rs256-signing-key";
const HUNDRED_YEARS = 100 * 365 * 86_400;

async function readRsaKey(config: HomeserverConfig): Promise<Jwk | null> {
  const row = await db().oAuthObject.findUnique({ where: { key: RSA_ROW_KEY }, select: { payload: true } });
  if (!row) return null;
  const opened = await unseal(row.payload, config.signingSecret, SEAL_PURPOSE);
  // Sealed under another secret (the secret was changed): the key cannot be used any more.
  return opened ? (opened.jwk as Jwk) : null;
}

export async function rs256SigningJwk(config: HomeserverConfig): Promise<Jwk> {
  const existing = await readRsaKey(config);
  if (existing) return existing;
  // Off the event loop: an RSA key takes tens to hundreds of milliseconds to generate.
  const { privateKey } = await promisify(generateKeyPair)("rsa", { modulusLength: 2048 });
  const exported = privateKey.export({ format: "jwk" }) as Jwk;
  const jwk: Jwk = { ...exported, alg: "RS256", use: "sig", kid: kidOf([exported.n, exported.e]) };
  const payload = await seal({ jwk }, config.signingSecret, SEAL_PURPOSE, HUNDRED_YEARS);
  try {
    await db().oAuthObject.upsert({ where: { key: RSA_ROW_KEY }, create: { key: RSA_ROW_KEY, model: "SigningKey", payload }, update: { payload } });
  } catch (error) {
    if (!isUniqueViolation(error)) throw error;
  }
  // Another process may have stored its key at the same time: everyone uses the stored one.
  return (await readRsaKey(config)) ?? jwk;
}
