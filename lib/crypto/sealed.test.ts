// Sealed cookie values: what one request seals, a later one reads back — and nothing else reads
// or forges it. seal() writes the JWE itself; these tests hold it to what jose accepts.
import { compactDecrypt, EncryptJWT } from "jose";
import { afterEach, describe, expect, it, vi } from "vitest";
import { keyForPurpose } from "../config/secrets";
import { seal, unseal } from "./sealed";

const SECRET = "signing secret of the homeserver";

describe("sealed values", () => {
  afterEach(() => vi.useRealTimers());

  it("reads back what was sealed, with the expiry and purpose as standard JWT claims", async () => {
    vi.useFakeTimers({ now: new Date("2026-12-07T04:00:00Z"), toFake: ["Date"] });
    const sealed = await seal({ state: "abc", redirectUrl: "https://client.example/cb?x=1&é" }, SECRET, "oidc-state", 600);
    const iat = Date.parse("2026-12-07T04:00:00Z") / 1000;
    expect(await unseal(sealed, SECRET, "oidc-state")).toEqual({ state: "abc", redirectUrl: "https://client.example/cb?x=1&é", iat, exp: iat + 600, aud: "oidc-state" });
    // A standard JWE (dir, A256GCM) of a JWT, as jose writes one.
    const { protectedHeader, plaintext } = await compactDecrypt(sealed, keyForPurpose(SECRET, "sealed:oidc-state"));
    expect(protectedHeader).toEqual({ alg: "dir", enc: "A256GCM" });
    expect(JSON.parse(new TextDecoder().decode(plaintext))).toMatchObject({ state: "abc", aud: "oidc-state" });
  });

  it("still reads values jose sealed (cookies set before an upgrade)", async () => {
    const old = await new EncryptJWT({ state: "before" })
      .setProtectedHeader({ alg: "dir", enc: "A256GCM" })
      .setIssuedAt()
      .setExpirationTime("60s")
      .setAudience("oidc-state")
      .encrypt(keyForPurpose(SECRET, "sealed:oidc-state"));
    expect(await unseal(old, SECRET, "oidc-state")).toMatchObject({ state: "before" });
  });

  it("gives nothing for another purpose, another secret, an altered value or an expired one", async () => {
    const sealed = await seal({ state: "abc" }, SECRET, "oidc-state", 60);
    expect(await unseal(sealed, SECRET, "link-attempt")).toBeNull();
    expect(await unseal(sealed, "another secret", "oidc-state")).toBeNull();
    const parts = sealed.split(".");
    const flipped = parts[3][0] === "A" ? `B${parts[3].slice(1)}` : `A${parts[3].slice(1)}`;
    expect(await unseal([parts[0], parts[1], parts[2], flipped, parts[4]].join("."), SECRET, "oidc-state")).toBeNull();
    expect(await unseal(sealed.slice(0, -2), SECRET, "oidc-state")).toBeNull();

    vi.useFakeTimers({ now: Date.now() + 61_000, toFake: ["Date"] });
    expect(await unseal(sealed, SECRET, "oidc-state")).toBeNull();
  });

  it("never seals two values alike, even for the same payload", async () => {
    const a = await seal({ state: "same" }, SECRET, "oidc-state", 60);
    const b = await seal({ state: "same" }, SECRET, "oidc-state", 60);
    expect(a).not.toBe(b);
  });
});
