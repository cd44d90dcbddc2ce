import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isMatrixError } from "./errors";
import { isInvalidUsernameError, localpartProblem, mapUsernameToLocalpart, qualifyUserId } from "./identifiers";

const rules = { serverName: "example.org" };

describe("localpartProblem", () => {
  it("answers with an error the SSO pages recognise by type, and the JSON API as M_INVALID_USERNAME", () => {
    const problem = localpartProblem("_reserved", rules);
    expect(isInvalidUsernameError(problem)).toBe(true);
    expect(isMatrixError(problem)).toBe(true);
    expect(problem?.toJSON()).toEqual({ errcode: "M_INVALID_USERNAME", error: "User ID may not begin with _" });
    expect(problem?.status).toBe(400);
    expect(isInvalidUsernameError(new Error("User ID may not begin with _"))).toBe(false);
  });

  it.each(["alice", "a.b-c_d=e/f+g", "user123", "x"])("accepts %s", (localpart) => {
    expect(localpartProblem(localpart, rules)).toBeNull();
  });

  it.each([
    ["", "User ID cannot be empty"],
    ["Alice", "User ID can only contain characters a-z, 0-9, or '=_-./+'"],
    ["al ice", "User ID can only contain characters a-z, 0-9, or '=_-./+'"],
    ["föö", "User ID can only contain characters a-z, 0-9, or '=_-./+'"],
    ["al:ice", "User ID can only contain characters a-z, 0-9, or '=_-./+'"],
    ["_bridge", "User ID may not begin with _"],
    ["12345", "Numeric user IDs are reserved for guest users."],
    ["a".repeat(255), "User ID may not be longer than 255 characters"],
  ])("refuses %j: %s", (localpart, message) => {
    const problem = localpartProblem(localpart, rules);
    expect(problem?.errcode).toBe("M_INVALID_USERNAME");
    expect(problem?.message).toBe(message);
  });

  it("measures the length limit on the full user ID", () => {
    const fits = "a".repeat(255 - "@:example.org".length);
    expect(localpartProblem(fits, rules)).toBeNull();
    expect(localpartProblem(`${fits}a`, rules)).not.toBeNull();
  });

  it("allows a leading underscore when configured", () => {
    expect(localpartProblem("_bridge", { ...rules, allowUnderscorePrefix: true })).toBeNull();
  });
});

// Expected localparts worked out by hand from Synapse's map_username_to_mxid_localpart
// (synapse/types/__init__.py): encode to UTF-8; bytes.lower() (ASCII A-Z only); every byte outside
// [a-z0-9._/+-] ("=" included) becomes "=xx"; a leading "_" becomes "=5f".
describe("mapUsernameToLocalpart (Synapse's map_username_to_mxid_localpart)", () => {
  it.each([
    // ASCII
    ["alice", "alice"],
    ["Alice", "alice"],
    ["John.Smith", "john.smith"],
    ["ALL-CAPS_99", "all-caps_99"],
    // non-ASCII capitals keep their upper-case bytes: É = C3 89, Ü = C3 9C, À = C3 80
    ["Nm.Élodie Z", "nm.=c3=89lodie=20z"],
    ["Cas.Ü", "cas.=c3=9c"],
    ["ÀB", "=c3=80b"],
    ["Σ", "=ce=a3"],
    ["İ", "=c4=b0"], // U+0130; Unicode lower-casing would give "i" + U+0307
    ["\u212a", "=e2=84=aa"], // KELVIN SIGN; Unicode lower-casing would give ASCII "k"
    // non-ASCII lower case: é = C3 A9, ü = C3 BC, ö = C3 B6, ß = C3 9F
    ["élodie", "=c3=a9lodie"],
    ["ü", "=c3=bc"],
    ["jöhn", "j=c3=b6hn"],
    ["ß", "=c3=9f"],
    // combining characters: U+0301 COMBINING ACUTE ACCENT = CC 81
    ["e\u0301", "e=cc=81"],
    ["E\u0301lodie", "e=cc=81lodie"],
    // emoji: U+1F600 = F0 9F 98 80; U+1F44D U+1F3FD (with a skin-tone modifier) = F0 9F 91 8D F0 9F 8F BD
    ["😀", "=f0=9f=98=80"],
    ["Bob😀", "bob=f0=9f=98=80"],
    ["👍🏽", "=f0=9f=91=8d=f0=9f=8f=bd"],
    // "=" is the escape character itself
    ["a=b", "a=3db"],
    ["=", "=3d"],
    ["=3d", "=3d3d"],
    // "_": kept inside, escaped at the start only
    ["a_b", "a_b"],
    ["_x", "=5fx"],
    ["__x", "=5f_x"],
    ["_", "=5f"],
    // spaces and other ASCII
    ["a b", "a=20b"],
    [" ", "=20"],
    ["a\tb", "a=09b"],
    ["~x", "=7ex"],
    ["@alice:evil.org", "=40alice=3aevil.org"],
    // dots, slashes, plus and hyphen are localpart characters
    ["a.b", "a.b"],
    ["..", ".."],
    ["a/b", "a/b"],
    ["a\\b", "a=5cb"],
    ["a+b", "a+b"],
    ["-", "-"],
    ["", ""],
  ])("%j -> %s", (input, expected) => expect(mapUsernameToLocalpart(input)).toBe(expected));

  it.each([
    ["AbC", "=5fab_c"],
    ["a_b", "a__b"],
    ["_a", "=5f_a"],
    ["Élodie", "=c3=89lodie"],
  ])("case-sensitive mode marks ASCII capitals and _ with a leading _: %j -> %s", (input, expected) => {
    expect(mapUsernameToLocalpart(input, true)).toBe(expected);
  });

  it("fails on a lone surrogate, as Synapse's UTF-8 encoding does, rather than inventing a name", () => {
    expect(() => mapUsernameToLocalpart("a\ud800b")).toThrow(TypeError);
  });

  it("only ever outputs localpart characters, never a leading _, and keeps distinct names apart (property)", () => {
    const anyName = fc.oneof(fc.fullUnicodeString({ maxLength: 40 }), fc.string({ maxLength: 40 }), fc.stringOf(fc.constantFrom("A", "a", "_", "=", " ", ".", "/", "É", "é", "\u0301", "😀")));
    fc.assert(
      fc.property(anyName, fc.boolean(), (name, caseSensitive) => {
        const mapped = mapUsernameToLocalpart(name, caseSensitive);
        expect(mapped).toMatch(/^[a-z0-9._=\-/+]*$/);
        expect(mapped.startsWith("_")).toBe(false);
        // Nothing but the 255-character limit can make it unregistrable (the "x" avoids an all-digit name).
        if (mapped.length < 200) expect(localpartProblem(`${mapped}x`, rules)).toBeNull();
      }),
      { numRuns: 2000 },
    );
    // Case-sensitive mode is injective: different names never share a localpart.
    fc.assert(
      fc.property(fc.fullUnicodeString({ maxLength: 12 }), fc.fullUnicodeString({ maxLength: 12 }), (a, b) => {
        fc.pre(a !== b);
        expect(mapUsernameToLocalpart(a, true)).not.toBe(mapUsernameToLocalpart(b, true));
      }),
      { numRuns: 2000 },
    );
  });
});

describe("qualifyUserId", () => {
  it("qualifies a localpart and keeps a full ID", () => {
    expect(qualifyUserId("alice", "example.org")).toBe("@alice:example.org");
    expect(qualifyUserId("@Alice:example.org", "example.org")).toBe("@Alice:example.org");
  });
});
