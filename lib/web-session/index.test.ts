// Where the sign-in page may send a browser afterwards, and the sign-in path other pages build.
import { describe, expect, it } from "vitest";
import { safeNextPath, signInPath } from "./index";

describe("safeNextPath", () => {
  it.each([
    ["/account", "/account"],
    ["/account?action=org.matrix.profile", "/account?action=org.matrix.profile"],
    ["/oauth2/auth?client_id=x&state=y#f", "/oauth2/auth?client_id=x&state=y#f"],
    ["/a/../b", "/b"],
    // Encoded CR/LF stay encoded: harmless in a Location header.
    ["/%0d%0aSet-Cookie:x", "/%0d%0aSet-Cookie:x"],
  ])("keeps the same-origin path %s", (next, expected) => {
    expect(safeNextPath(next)).toBe(expected);
  });

  it.each([
    undefined,
    null,
    "",
    "account",
    "https://evil.example/",
    "http://127.0.0.1:8008/account",
    "//evil.example/",
    "/\\evil.example",
    // Dot segments that collapse into "//host" once resolved.
    "/.//evil.example",
    "/a/..//evil.example",
    "/%2e//evil.example",
    "/%2E%2E//evil.example/x",
    "/\nfoo",
    "javascript:alert(1)",
    `/${"a".repeat(3000)}`,
  ])("sends %s to /account instead", (next) => {
    expect(safeNextPath(next as string | null | undefined)).toBe("/account");
  });
});

describe("signInPath", () => {
  it("names the page, where to go after, and how to ask", () => {
    expect(signInPath("/oauth2/auth?x=1")).toBe("/sign-in?next=%2Foauth2%2Fauth%3Fx%3D1");
    const path = new URL(signInPath("/account", { create: true, reauth: true, loginHint: "alice" }), "http://x");
    expect(path.pathname).toBe("/sign-in");
    expect(Object.fromEntries(path.searchParams)).toEqual({ next: "/account", create: "1", reauth: "1", login_hint: "alice" });
    expect(signInPath("https://evil.example/")).toBe("/sign-in?next=%2Faccount");
  });
});
