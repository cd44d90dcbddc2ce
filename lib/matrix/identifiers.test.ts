import { describe, expect, it } from "vitest";
import { localpartProblem, mapUsernameToLocalpart, qualifyUserId } from "./identifiers";

const rules = { serverName: "example.org" };

describe("localpartProblem", () => {
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

describe("mapUsernameToLocalpart (Synapse's map_username_to_mxid_localpart)", () => {
  it.each([
    ["alice", "alice"],
    ["Alice", "alice"],
    ["John.Smith", "john.smith"],
    ["jöhn", "j=c3=b6hn"],
    ["a b", "a=20b"],
    ["a=b", "a=3db"],
    ["a+b", "a+b"],
    ["_x", "=5fx"],
  ])("%s -> %s", (input, expected) => expect(mapUsernameToLocalpart(input)).toBe(expected));

  it("produces only valid localpart characters", () => {
    for (const input of ["Ünïcödé ✓", "<script>", "@alice:evil", "UPPER"]) {
      expect(mapUsernameToLocalpart(input)).toMatch(/^[a-z0-9._=\-/+]+$/);
    }
  });

  it("marks capitals with an underscore in case-sensitive mode", () => {
    expect(mapUsernameToLocalpart("AbC", true)).toBe("=5fab_c");
  });
});

describe("qualifyUserId", () => {
  it("qualifies a localpart and keeps a full ID", () => {
    expect(qualifyUserId("alice", "example.org")).toBe("@alice:example.org");
    expect(qualifyUserId("@Alice:example.org", "example.org")).toBe("@Alice:example.org");
  });
});
