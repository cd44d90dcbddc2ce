// The adapters every mapping provider is called through: what a module may return, and how its
// errors reach the login core.
import { describe, expect, it, vi } from "vitest";
import { logger } from "../logging/logger";
import { callMapper } from "../sso/complete-sso-login";
import { MappingError, RedirectError } from "./errors";
import { adaptOidcMapper, adaptSamlMapper, checkUserAttributes, ModuleContractError } from "./mapping";
import type { OidcMappingProvider } from "./types";

const mapper = (overrides: Partial<OidcMappingProvider>): OidcMappingProvider => ({
  getRemoteUserId: () => "sub",
  mapUserAttributes: () => ({ localpart: "x" }),
  ...overrides,
});

describe("checkUserAttributes", () => {
  it("fills in the optional fields", () => {
    expect(checkUserAttributes("m", { localpart: "john" })).toEqual({
      localpart: "john",
      displayName: null,
      emails: [],
      picture: null,
      confirmLocalpart: false,
    });
    expect(checkUserAttributes("m", { localpart: null, displayName: "J", emails: ["j@x"], picture: "mxc://a/b", confirmLocalpart: true })).toEqual({
      localpart: null,
      displayName: "J",
      emails: ["j@x"],
      picture: "mxc://a/b",
      confirmLocalpart: true,
    });
  });

  it.each([
    ["not an object", "john"],
    ["a number localpart", { localpart: 42 }],
    ["emails not a list", { localpart: "a", emails: "a@b" }],
    ["emails not strings", { localpart: "a", emails: [1] }],
    ["a non-boolean confirmLocalpart", { localpart: "a", confirmLocalpart: "yes" }],
    ["a non-string displayName", { localpart: "a", displayName: { first: "J" } }],
  ])("refuses %s", (_name, value) => {
    expect(() => checkUserAttributes("m", value)).toThrow(ModuleContractError);
  });

  it("passes an invalid localpart through: the login core judges it, whatever the module says", () => {
    expect(checkUserAttributes("m", { localpart: "Not Valid!" }).localpart).toBe("Not Valid!");
  });
});

describe("adaptOidcMapper", () => {
  it("turns a malformed answer into the generic message the person sees, logged", async () => {
    const error = vi.spyOn(logger, "error").mockImplementation(() => undefined);
    const adapted = adaptOidcMapper("m", mapper({ mapUserAttributes: () => ({ localpart: 42 }) as never }));
    await expect(callMapper(async () => adapted.mapUserAttributes({}, {}, 0))).rejects.toThrow("Could not extract user attributes from SSO response.");
    expect(error).toHaveBeenCalledWith("mapping provider failed", expect.any(ModuleContractError));
    error.mockRestore();
  });

  it("lets MappingError and RedirectError through as they are", async () => {
    const refusing = adaptOidcMapper("m", mapper({ mapUserAttributes: () => { throw new MappingError("No."); } }));
    await expect(callMapper(async () => refusing.mapUserAttributes({}, {}, 0))).rejects.toThrow(new MappingError("No."));
    const redirect = new RedirectError("https://q.example/", ["c=1"]);
    const redirecting = adaptOidcMapper("m", mapper({ mapUserAttributes: async () => { throw redirect; } }));
    await expect(callMapper(async () => redirecting.mapUserAttributes({}, {}, 0))).rejects.toBe(redirect);
  });

  it("checks the remote user ID, stringifying numbers, and logs unexpected failures", async () => {
    const error = vi.spyOn(logger, "error").mockImplementation(() => undefined);
    expect(await adaptOidcMapper("m", mapper({ getRemoteUserId: () => 123 as never })).getRemoteUserId({})).toBe("123");
    await expect(adaptOidcMapper("m", mapper({ getRemoteUserId: () => "" })).getRemoteUserId({})).rejects.toThrow(ModuleContractError);
    await expect(adaptOidcMapper("m", mapper({ getRemoteUserId: () => { throw new MappingError("who?"); } })).getRemoteUserId({})).rejects.toThrow(MappingError);
    expect(error).toHaveBeenCalledTimes(1);
    error.mockRestore();
  });

  it("never fails a login over extra attributes, and keeps them JSON", async () => {
    const error = vi.spyOn(logger, "error").mockImplementation(() => undefined);
    expect(adaptOidcMapper("m", mapper({})).getExtraAttributes).toBeUndefined();
    const extra = (value: unknown) => adaptOidcMapper("m", mapper({ getExtraAttributes: () => value as never })).getExtraAttributes!({}, {});
    expect(await extra({ team: "blue", when: new Date(0), skip: undefined })).toEqual({ team: "blue", when: "1970-01-01T00:00:00.000Z" });
    expect(await extra(null)).toEqual({});
    expect(await extra(["not", "an", "object"])).toEqual({});
    expect(await adaptOidcMapper("m", mapper({ getExtraAttributes: () => { throw new Error("x"); } })).getExtraAttributes!({}, {})).toEqual({});
    expect(error).toHaveBeenCalledTimes(2);
    error.mockRestore();
  });

  it("calls the module's methods with the module as `this`", async () => {
    class WithState implements OidcMappingProvider {
      prefix = "st-";
      getRemoteUserId(userinfo: Record<string, unknown>) {
        return `${this.prefix}${String(userinfo.sub)}`;
      }
      mapUserAttributes(_u: unknown, _t: unknown, failures: number) {
        return { localpart: `${this.prefix}${failures}` };
      }
      getExtraAttributes() {
        return { prefix: this.prefix };
      }
    }
    const adapted = adaptOidcMapper("m", new WithState());
    expect(await adapted.getRemoteUserId({ sub: 1 })).toBe("st-1");
    expect((await adapted.mapUserAttributes({}, {}, 2)).localpart).toBe("st-2");
    expect(await adapted.getExtraAttributes!({}, {})).toEqual({ prefix: "st-" });
  });
});

describe("adaptSamlMapper", () => {
  it("turns mxidLocalpart into the core's localpart and checks the rest", async () => {
    const sets = { required: new Set(["uid"]), optional: new Set<string>() };
    const adapted = adaptSamlMapper(
      "m",
      { getRemoteUserId: (response) => response.ava.uid[0], samlResponseToUserAttributes: (_r, failures) => ({ mxidLocalpart: `u${failures}`, emails: ["u@x"] }) },
      sets,
    );
    expect(await adapted.mapUserAttributes({ ava: {} }, 1, "")).toEqual({ localpart: "u1", displayName: null, emails: ["u@x"], picture: null, confirmLocalpart: false });
    expect(await adapted.getRemoteUserId({ ava: { uid: ["7"] } }, "")).toBe("7");
    const bad = adaptSamlMapper("m", { getRemoteUserId: () => "x", samlResponseToUserAttributes: () => ({ mxid_localpart: "snake" }) as never }, sets);
    expect((await bad.mapUserAttributes({ ava: {} }, 0, "")).localpart).toBeNull();
  });
});
