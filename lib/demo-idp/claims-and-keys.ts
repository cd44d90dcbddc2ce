// Which claims each scope releases, and the signing keys, for the demo OpenID Provider.
import { randomBytes } from "node:crypto";
import { exportJWK, generateKeyPair, type JWK } from "jose";
import type { DemoAccount } from "./types";

const STANDARD_SCOPE_CLAIMS: Record<string, string[]> = {
  openid: ["sub"],
  profile: [
    "name",
    "family_name",
    "given_name",
    "middle_name",
    "nickname",
    "preferred_username",
    "profile",
    "picture",
    "website",
    "gender",
    "birthdate",
    "zoneinfo",
    "locale",
    "updated_at",
  ],
  email: ["email", "email_verified"],
  address: ["address"],
  phone: ["phone_number", "phone_number_verified"],
};

/** Standard scope → claims, with any non-standard claim the accounts carry added to "profile". */
export function claimsConfiguration(accounts: DemoAccount[]): Record<string, string[] | null> {
  const known = new Set(Object.values(STANDARD_SCOPE_CLAIMS).flat());
  const extra = new Set<string>();
  for (const account of accounts) {
    for (const claim of Object.keys(account.claims)) {
      if (!known.has(claim) && claim !== "sub") extra.add(claim);
    }
  }
  return {
    ...STANDARD_SCOPE_CLAIMS,
    profile: [...STANDARD_SCOPE_CLAIMS.profile, ...extra],
    acr: null,
    sid: null,
    auth_time: null,
    iss: null,
  };
}

// ---------------------------------------------------------------------------------------------------
// Keys

export const KEY_FOR_ALG: Record<string, { alg: string; crv?: string }> = {
  ES256: { alg: "ES256" },
  ES384: { alg: "ES384" },
  ES512: { alg: "ES512" },
  EdDSA: { alg: "EdDSA", crv: "Ed25519" },
  Ed25519: { alg: "EdDSA", crv: "Ed25519" },
};

export async function privateJwk(alg: string, crv?: string): Promise<JWK> {
  const { privateKey } = await generateKeyPair(alg, { extractable: true, crv, ...(alg.startsWith("RS") ? { modulusLength: 2048 } : {}) });
  const jwk = await exportJWK(privateKey);
  return { ...jwk, kid: `${alg.toLowerCase()}-${randomBytes(6).toString("hex")}`, use: "sig" };
}

export function publicPart(jwk: JWK): JWK {
  const { d: _d, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, oth: _oth, ...rest } = jwk;
  return rest;
}
