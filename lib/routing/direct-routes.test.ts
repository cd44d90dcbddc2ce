import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { directHandler, matchDirectRoute } from "./direct-routes";

const ROOT = path.resolve(__dirname, "..", "..");

describe("matchDirectRoute", () => {
  it.each([
    ["/_matrix/client/v3/login", {}],
    ["/_matrix/client/r0/login/sso/redirect", { version: "r0" }],
    ["/_matrix/client/v3/login/sso/redirect/oidc-corp", { version: "v3", idpId: "oidc-corp" }],
    ["/_matrix/client/v3/devices/%41B%2FC", { version: "v3", deviceId: "AB/C" }],
    ["/_matrix/client/v3/devices/%E0%A4%A", { version: "v3", deviceId: "%E0%A4%A" }],
    ["/_synapse/client/pick_idp", {}],
    ["/_synapse/client/pick_username/check", {}],
    ["/_synapse/client/pick_username/account_details", {}],
  ])("serves %s directly, with its segments decoded as Next.js gives them", (pathname, params) => {
    expect(matchDirectRoute(pathname)?.params).toMatchObject(params);
  });

  it.each([
    // Pages, the console, next-auth and the form endpoints behind proxy.ts's CSRF check stay with Next.
    "/",
    "/admin",
    "/api/auth/csrf",
    "/_synapse/client/sso_confirm",
    "/_matrix/client/v3/auth/m.login.password/fallback/web",
    "/_matrix/static/client/login",
    // Not exactly a route: Next decides (trailing slash, empty segment, unknown path).
    "/_matrix/client/v3/login/",
    "/_matrix/client/v3/devices/",
    "/_matrix/client/v3/nothing",
  ])("leaves %s to Next.js", (pathname) => {
    expect(matchDirectRoute(pathname)).toBeUndefined();
  });

  it("answers the username picker's GET only: its form post goes through proxy.ts's cross-site check", () => {
    const match = matchDirectRoute("/_synapse/client/pick_username/account_details")!;
    expect(typeof directHandler(match, "GET")).toBe("function");
    for (const method of ["POST", "PUT", "DELETE", "HEAD", "OPTIONS"]) expect(directHandler(match, method), method).toBeUndefined();
  });

  it("names only route modules that exist, each of them outside proxy.ts's matcher but the picker's GET", () => {
    const source = readFileSync(path.join(__dirname, "direct-routes.ts"), "utf8");
    const modules = [...source.matchAll(/from "\.\.\/\.\.\/(app\/[^"]+)"/g)].map((match) => match[1]);
    expect(modules.length).toBeGreaterThan(10);
    for (const module of modules) expect(existsSync(path.join(ROOT, `${module}.ts`)), module).toBe(true);
    const proxy = readFileSync(path.join(ROOT, "proxy.ts"), "utf8");
    for (const formEndpoint of ["sso_confirm", "fallback/web"]) {
      expect(proxy).toContain(formEndpoint);
      expect(modules.some((module) => module.includes(formEndpoint))).toBe(false);
    }
    // proxy.ts checks only state-changing requests to the form endpoints and lets the rest through
    // untouched, which is what makes the picker's GET safe to answer here.
    expect(proxy).toMatch(/if \(isStateChangingMethod\(request\.method\)\)/);
    expect(proxy).toMatch(/FORM_ENDPOINTS\.some\([^)]*\)[^\n]*return NextResponse\.next\(\);/);
    // Each module loads and serves at least one method.
    for (const pathname of ["/_matrix/client/v3/login", "/_synapse/client/pick_idp"]) {
      expect(typeof matchDirectRoute(pathname)!.module.GET).toBe("function");
    }
  });
});
