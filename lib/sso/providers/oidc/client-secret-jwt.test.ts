import { exportPKCS8, exportSPKI, generateKeyPair, importSPKI, jwtVerify } from "jose";
import { describe, expect, it } from "vitest";
import { JwtClientSecret } from "./client-secret-jwt";

describe("client_secret_jwt_key (Apple-style JWT client secret)", () => {
  it("signs sub, aud, iat, exp and the configured payload, and renews it only near expiry", async () => {
    const { privateKey, publicKey } = await generateKeyPair("ES256", { extractable: true });
    let now = 1_800_000_000;
    const secret = new JwtClientSecret(
      { key: await exportPKCS8(privateKey), jwt_header: { alg: "ES256", kid: "KEY123" }, jwt_payload: { iss: "TEAMID" } },
      "org.example.matrix",
      "https://appleid.apple.com",
      "/",
      () => now,
    );
    const first = await secret.get();
    const verifier = await importSPKI(await exportSPKI(publicKey), "ES256");
    const { payload, protectedHeader } = await jwtVerify(first, verifier, { currentDate: new Date(now * 1000) });
    expect(protectedHeader).toMatchObject({ alg: "ES256", kid: "KEY123" });
    expect(payload).toEqual({ iss: "TEAMID", sub: "org.example.matrix", aud: "https://appleid.apple.com", iat: now, exp: now + 3600 });

    now += 2900; // 700 s of validity left: still good
    expect(await secret.get()).toBe(first);
    now += 200; // 500 s left: renewed
    expect(await secret.get()).not.toBe(first);
  });

  it("needs an algorithm and a key", () => {
    expect(() => new JwtClientSecret({ key: "x", jwt_header: {}, jwt_payload: {} }, "c", "i", "/")).toThrow(/jwt_header.alg is required/);
    expect(() => new JwtClientSecret({ jwt_header: { alg: "ES256" }, jwt_payload: {} }, "c", "i", "/")).toThrow(/needs key or key_file/);
  });
});
