import { describe, expect, it } from "vitest";
import { generateToken, hashSecret, isWellFormedToken } from "./secrets";

describe("tokens", () => {
  it("have Synapse's prefix and shape, an intact checksum and a distinct value each time", () => {
    const token = generateToken("syt", "alice");
    expect(token).toMatch(/^syt_[A-Za-z0-9~-]+_[0-9A-Za-z]{43}_[0-9A-Za-z]{6,}$/);
    expect(isWellFormedToken(token, "syt")).toBe(true);
    expect(generateToken("syt", "alice")).not.toBe(token);
  });

  it("detects tampering and the wrong kind", () => {
    const token = generateToken("syr", "bob");
    const tampered = token.slice(0, 10) + (token[10] === "A" ? "B" : "A") + token.slice(11);
    expect(isWellFormedToken(tampered, "syr")).toBe(false);
    expect(isWellFormedToken(token, "syt")).toBe(false);
    expect(isWellFormedToken("syr_nonsense", "syr")).toBe(false);
  });

  it("are stored as a hash that does not contain the secret", () => {
    const token = generateToken("syl");
    expect(hashSecret(token)).not.toContain(token.split("_")[1]);
    expect(hashSecret(token)).toBe(hashSecret(token));
  });
});
