// Errors made by another copy of lib/matrix/errors.ts — as Next.js evaluates lib/ once for route
// handlers and once for pages, sharing the database client and rate limiters between them through
// globalThis — are still recognised: by brand, by instanceof, and by the route wrapper.
import { describe, expect, it, vi } from "vitest";
import { isMatrixError, isMatrixResponseError, MatrixError, MatrixResponseError } from "./errors";
import { errorResponse } from "./route";

async function otherCopy(): Promise<typeof import("./errors")> {
  vi.resetModules();
  const copy = await import("./errors");
  expect(copy.MatrixError).not.toBe(MatrixError);
  return copy;
}

describe("MatrixError across module copies", () => {
  it("recognises another copy's errors by brand and by instanceof", async () => {
    const copy = await otherCopy();
    const foreign = new copy.MatrixError("M_INVALID_PARAM", "Strings may not contain NUL characters");
    expect(isMatrixError(foreign)).toBe(true);
    expect(foreign instanceof MatrixError).toBe(true);
    expect(isMatrixResponseError(new copy.MatrixResponseError(401, { flows: [] }))).toBe(true);
    expect(new copy.MatrixResponseError(401, {}) instanceof MatrixResponseError).toBe(true);
  });

  it("answers another copy's error with its status and errcode, not a 500", async () => {
    const copy = await otherCopy();
    const response = errorResponse(new copy.MatrixError("M_LIMIT_EXCEEDED", "Too Many Requests", { retry_after_ms: 1500 }));
    expect(response.status).toBe(429);
    expect(response.headers.get("retry-after")).toBe("2");
    expect(await response.json()).toEqual({ errcode: "M_LIMIT_EXCEEDED", error: "Too Many Requests", retry_after_ms: 1500 });
    const challenge = errorResponse(new copy.MatrixResponseError(401, { session: "s", flows: [] }));
    expect(challenge.status).toBe(401);
    expect(await challenge.json()).toEqual({ session: "s", flows: [] });
  });

  it("recognises nothing else", () => {
    for (const value of [new Error("M_FORBIDDEN"), { errcode: "M_FORBIDDEN", status: 403 }, null, undefined, "M_FORBIDDEN", 1]) {
      expect(isMatrixError(value)).toBe(false);
      expect(value instanceof MatrixError).toBe(false);
      expect(isMatrixResponseError(value)).toBe(false);
    }
    expect(new MatrixError("M_FORBIDDEN", "x") instanceof MatrixResponseError).toBe(false);
  });

  it("keeps the ordinary prototype check for subclasses", () => {
    class Special extends MatrixError {}
    expect(new Special("M_FORBIDDEN", "x") instanceof Special).toBe(true);
    expect(new MatrixError("M_FORBIDDEN", "x") instanceof Special).toBe(false);
    expect(new Special("M_FORBIDDEN", "x") instanceof MatrixError).toBe(true);
  });
});
