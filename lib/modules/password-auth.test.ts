// Password auth provider callbacks: registration rules, module order, what counts as an answer,
// and that a failing module is skipped rather than failing the login or logout.
import { describe, expect, it, vi } from "vitest";
import { logger } from "../logging/logger";
import {
  emptyRegistrations,
  ModuleRegistrationError,
  registerCallbacks,
  registerLegacyProvider,
  runAuthCheckers,
  runCheck3pidAuth,
  runOnLoggedOut,
} from "./password-auth";
import type { ModuleApi } from "./types";

const api = (registrations = emptyRegistrations(), module = "legacy") =>
  ({
    getQualifiedUserId: (user: string) => (user.startsWith("@") ? user : `@${user}:test.local`),
    registerPasswordAuthProviderCallbacks: (callbacks) => registerCallbacks(registrations, module, callbacks),
  }) as ModuleApi;

describe("registering", () => {
  it("keeps login types in first-registration order, and checkers in module order", () => {
    const registrations = emptyRegistrations();
    const check = async () => null;
    registerCallbacks(registrations, "a", { authCheckers: { "com.example.login": { fields: ["my_field"], check } } });
    registerCallbacks(registrations, "b", {
      authCheckers: { "m.login.password": { fields: ["password"], check }, "com.example.login": { fields: ["my_field"], check } },
    });
    expect([...registrations.loginTypes.keys()]).toEqual(["com.example.login", "m.login.password"]);
    expect(registrations.authCheckers.get("com.example.login")!.map((entry) => entry.module)).toEqual(["a", "b"]);
  });

  it.each([
    ["different fields for a known type", { authCheckers: { "com.example.login": { fields: ["other"], check: () => null } } }, /already registered that type with fields \["my_field"\]/],
    ["fields that are not strings", { authCheckers: { "x.type": { fields: [1], check: () => null } } }, /fields must be a list of strings/],
    ["a checker that is not a function", { authCheckers: { "x.type": { fields: [], check: "no" } } }, /check must be a function/],
    ["an onLoggedOut that is not a function", { onLoggedOut: 5 }, /onLoggedOut must be a function/],
  ])("refuses %s", (_name, callbacks, message) => {
    const registrations = emptyRegistrations();
    registerCallbacks(registrations, "first", { authCheckers: { "com.example.login": { fields: ["my_field"], check: () => null } } });
    expect(() => registerCallbacks(registrations, "second", callbacks as never)).toThrow(ModuleRegistrationError);
    expect(() => registerCallbacks(registrations, "second", callbacks as never)).toThrow(message);
  });

  it("accepts the same fields in another order", () => {
    const registrations = emptyRegistrations();
    registerCallbacks(registrations, "a", { authCheckers: { t: { fields: ["x", "y"], check: () => null } } });
    expect(() => registerCallbacks(registrations, "b", { authCheckers: { t: { fields: ["y", "x"], check: () => null } } })).not.toThrow();
  });
});

describe("running auth checkers", () => {
  it("asks modules in order until one vouches for a user, and passes what the client sent", async () => {
    const registrations = emptyRegistrations();
    const calls: string[] = [];
    const checker = (name: string, answer: unknown) => async (username: string, type: string, dict: Record<string, unknown>) => {
      calls.push(`${name}:${username}:${type}:${JSON.stringify(dict)}`);
      return answer as never;
    };
    registerCallbacks(registrations, "none", { authCheckers: { t: { fields: ["f"], check: checker("none", null) } } });
    registerCallbacks(registrations, "yes", { authCheckers: { t: { fields: ["f"], check: checker("yes", "@a:test.local") } } });
    registerCallbacks(registrations, "later", { authCheckers: { t: { fields: ["f"], check: checker("later", "@b:test.local") } } });
    expect(await runAuthCheckers(registrations, "bob", "t", { f: 1 })).toEqual({ userId: "@a:test.local", callback: null, module: "yes" });
    expect(calls).toEqual(['none:bob:t:{"f":1}', 'yes:bob:t:{"f":1}']);
    expect(await runAuthCheckers(registrations, "bob", "other.type", {})).toBeNull();
  });

  it("accepts a string, { userId, callback } and Synapse's [userId, callback]", async () => {
    const callback = async () => undefined;
    for (const answer of ["@u:s", { userId: "@u:s", callback }, ["@u:s", callback], ["@u:s", null], ["@u:s"]]) {
      const registrations = emptyRegistrations();
      registerCallbacks(registrations, "m", { authCheckers: { t: { fields: [], check: () => answer as never } } });
      const login = await runAuthCheckers(registrations, "u", "t", {});
      expect(login?.userId).toBe("@u:s");
      expect(login?.callback === callback || login?.callback === null).toBe(true);
    }
  });

  it("logs and skips a checker that throws or answers nonsense", async () => {
    const warn = vi.spyOn(logger, "warn").mockImplementation(() => undefined);
    const registrations = emptyRegistrations();
    registerCallbacks(registrations, "boom", { authCheckers: { t: { fields: [], check: () => { throw new Error("kaput"); } } } });
    for (const nonsense of [42, "bob", { user: "@x:s" }, ["@x:s", "not a function"], { userId: "@x:s", callback: 7 }]) {
      registerCallbacks(registrations, `nonsense ${JSON.stringify(nonsense)}`, { authCheckers: { t: { fields: [], check: () => nonsense as never } } });
    }
    registerCallbacks(registrations, "good", { authCheckers: { t: { fields: [], check: async () => "@good:s" } } });
    expect(await runAuthCheckers(registrations, "u", "t", {})).toMatchObject({ userId: "@good:s", module: "good" });
    expect(warn).toHaveBeenCalledWith("module boom: auth checker for t failed", expect.objectContaining({ message: "kaput" }));
    expect(warn).toHaveBeenCalledTimes(6);
    warn.mockRestore();
  });

  it("runs check3pidAuth in module order", async () => {
    const registrations = emptyRegistrations();
    registerCallbacks(registrations, "a", { check3pidAuth: () => null });
    registerCallbacks(registrations, "b", { check3pidAuth: (medium, address, password) => (address === "b@x" && password === "pw" ? "@b:s" : null) });
    expect(await runCheck3pidAuth(registrations, "email", "b@x", "pw")).toMatchObject({ userId: "@b:s", module: "b" });
    expect(await runCheck3pidAuth(registrations, "email", "b@x", "wrong")).toBeNull();
  });
});

describe("onLoggedOut", () => {
  it("awaits every module, and one that throws does not stop the others", async () => {
    const warn = vi.spyOn(logger, "warn").mockImplementation(() => undefined);
    const registrations = emptyRegistrations();
    const seen: unknown[] = [];
    registerCallbacks(registrations, "thrower", { onLoggedOut: async () => { throw new Error("nope"); } });
    registerCallbacks(registrations, "slow", {
      onLoggedOut: async (...args) => {
        await new Promise((resolve) => setTimeout(resolve, 20));
        seen.push(args);
      },
    });
    await runOnLoggedOut(registrations, "@u:s", "DEV", "syt_token", { accessTokenHash: "hash" });
    expect(seen).toEqual([["@u:s", "DEV", "syt_token", { accessTokenHash: "hash" }]]);
    expect(warn).toHaveBeenCalledWith("module thrower: onLoggedOut failed", expect.any(Error));
    warn.mockRestore();
  });
});

describe("legacy password providers", () => {
  it("calls checkPassword with the qualified user ID and answers with it", async () => {
    const registrations = emptyRegistrations();
    const checkPassword = vi.fn(async (userId: string, password: string) => password === "pw");
    registerLegacyProvider({ checkPassword }, api(registrations));
    expect([...registrations.loginTypes]).toEqual([["m.login.password", ["password"]]]);
    expect(await runAuthCheckers(registrations, "u", "m.login.password", { password: "pw" })).toMatchObject({ userId: "@u:test.local" });
    expect(checkPassword).toHaveBeenCalledWith("@u:test.local", "pw");
    expect(await runAuthCheckers(registrations, "u", "m.login.password", { password: "bad" })).toBeNull();
  });

  it("offers getSupportedLoginTypes through checkAuth, and passes check3pidAuth and onLoggedOut on", async () => {
    const registrations = emptyRegistrations();
    const onLoggedOut = vi.fn();
    registerLegacyProvider(
      {
        getSupportedLoginTypes: () => ({ "org.example.otp": ["otp"] }),
        checkAuth: (username, type, dict) => (dict.otp === "123" ? `@${username}:test.local` : null),
        check3pidAuth: () => "@third:test.local",
        onLoggedOut,
      },
      api(registrations),
    );
    expect(await runAuthCheckers(registrations, "otto", "org.example.otp", { otp: "123" })).toMatchObject({ userId: "@otto:test.local" });
    expect(await runCheck3pidAuth(registrations, "email", "a@b", "x")).toMatchObject({ userId: "@third:test.local" });
    await runOnLoggedOut(registrations, "@u:s", null, null, { accessTokenHash: "h" });
    expect(onLoggedOut).toHaveBeenCalledWith("@u:s", null, null, { accessTokenHash: "h" });
  });
});
