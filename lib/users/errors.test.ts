import { describe, expect, it, vi } from "vitest";
import { errorResponse } from "../matrix/route";
import { isUsernameTakenError, UsernameTakenError } from "./errors";

describe("UsernameTakenError", () => {
  it("is recognised from another copy of the module, as a separate Next.js bundle would have", async () => {
    vi.resetModules();
    const copyOfTheModule = "./errors?copy";
    const copy = (await import(/* @vite-ignore */ copyOfTheModule)) as typeof import("./errors");
    const error = new copy.UsernameTakenError("@alice:example.org");
    expect(error).not.toBeInstanceOf(UsernameTakenError);
    expect(isUsernameTakenError(error)).toBe(true);
    expect(isUsernameTakenError(new Error("User ID already taken."))).toBe(false);
  });

  it("reaches a Matrix client as Synapse's M_USER_IN_USE, with Synapse's words", async () => {
    const response = errorResponse(new UsernameTakenError("@alice:example.org"));
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ errcode: "M_USER_IN_USE", error: "User ID already taken." });
  });
});
