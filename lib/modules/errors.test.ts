// MappingError and RedirectError are recognised by their brand, so that an error made by another
// copy of the class (a module loaded outside the route bundle) is still one.
import { copyFileSync, mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import { MappingError as TypesMappingError } from "../sso/mapping/types";
import { isMappingError, isRedirectError, MappingError, RedirectError } from "./errors";

/** A second, separately evaluated copy of errors.ts, as a route bundle and the start-up process each have. */
async function otherCopy(): Promise<typeof import("./errors")> {
  const file = path.join(mkdtempSync(path.join(os.tmpdir(), "errors-copy-")), "errors.ts");
  copyFileSync(path.join(__dirname, "errors.ts"), file);
  return (await import(/* @vite-ignore */ pathToFileURL(file).href)) as typeof import("./errors");
}

describe("error brands", () => {
  it("recognises errors made by another copy of the classes", async () => {
    const copy = await otherCopy();
    expect(copy.MappingError).not.toBe(MappingError);
    const mapping = new copy.MappingError("No entry.");
    const redirect = new copy.RedirectError("https://q.example/", ["a=b"]);
    expect(mapping instanceof MappingError).toBe(true);
    expect(isMappingError(mapping)).toBe(true);
    expect(redirect instanceof RedirectError).toBe(true);
    expect(isRedirectError(redirect)).toBe(true);
    expect(redirect).toMatchObject({ location: "https://q.example/", cookies: ["a=b"] });
    // And the SSO code's import of the class is the same class.
    expect(TypesMappingError).toBe(MappingError);
  });

  it("does not take other errors, or lookalikes named the same, for them", () => {
    const lookalike = Object.assign(new Error("x"), { name: "MappingError" });
    expect(lookalike instanceof MappingError).toBe(false);
    expect(isMappingError(new RedirectError("/"))).toBe(false);
    expect(isRedirectError(new MappingError("m"))).toBe(false);
    expect(isMappingError(null)).toBe(false);
    expect(isMappingError("MappingError")).toBe(false);
  });

  it("keeps ordinary instanceof for a module's own subclass", () => {
    class StaffOnly extends MappingError {}
    const error = new StaffOnly("Staff only.");
    expect(error instanceof MappingError).toBe(true);
    expect(error instanceof StaffOnly).toBe(true);
    expect(new MappingError("m") instanceof StaffOnly).toBe(false);
    expect(error.message).toBe("Staff only.");
  });
});
