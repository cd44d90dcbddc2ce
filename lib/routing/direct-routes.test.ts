import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { matchDirectRoute } from "./direct-routes";

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
  ])("serves %s directly, with its segments decoded as Next.js gives them", (pathname, params) => {
    expect(matchDirectRoute(pathname)?.params).toMatchObject(params);
  });

  it.each([
    // Pages, the console, next-auth and the form endpoints behind proxy.ts's CSRF check stay with Next.
    "/",
    "/admin",
    "/api/auth/csrf",
    "/_synapse/client/pick_username/account_details",
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

  it("names only route modules that exist, each of them outside proxy.ts's matcher", () => {
    const source = readFileSync(path.join(__dirname, "direct-routes.ts"), "utf8");
    const modules = [...source.matchAll(/from "\.\.\/\.\.\/(app\/[^"]+)"/g)].map((match) => match[1]);
    expect(modules.length).toBeGreaterThan(10);
    for (const module of modules) expect(existsSync(path.join(ROOT, `${module}.ts`)), module).toBe(true);
    const proxy = readFileSync(path.join(ROOT, "proxy.ts"), "utf8");
    for (const formEndpoint of ["pick_username/account_details", "sso_confirm", "fallback/web"]) {
      expect(proxy).toContain(formEndpoint);
      expect(modules.some((module) => module.includes(formEndpoint))).toBe(false);
    }
    // Each module loads and serves at least one method.
    for (const pathname of ["/_matrix/client/v3/login", "/_synapse/client/pick_idp"]) {
      expect(typeof matchDirectRoute(pathname)!.module.GET).toBe("function");
    }
  });
});
