import { describe, expect, it } from "vitest";
import { pickCaseInsensitiveMatch, type UserRecord } from "./users";

const user = (userId: string): UserRecord => ({ userId, passwordHash: "x", admin: false, deactivated: false, displayName: null });

describe("pickCaseInsensitiveMatch (Synapse's _check_local_password)", () => {
  it("takes a single match whatever its case", () => {
    expect(pickCaseInsensitiveMatch("@ALICE:hs", [user("@alice:hs")])).toEqual({ user: user("@alice:hs"), ambiguous: false });
  });

  it("prefers the exact match among several", () => {
    const matches = [user("@Alice:hs"), user("@alice:hs")];
    expect(pickCaseInsensitiveMatch("@alice:hs", matches).user?.userId).toBe("@alice:hs");
  });

  it("refuses several inexact matches", () => {
    expect(pickCaseInsensitiveMatch("@ALICE:hs", [user("@Alice:hs"), user("@alice:hs")])).toEqual({ user: null, ambiguous: true });
  });

  it("finds nobody in no matches", () => {
    expect(pickCaseInsensitiveMatch("@bob:hs", [])).toEqual({ user: null, ambiguous: false });
  });
});
