import { afterEach, describe, expect, it, vi } from "vitest";
import { processSlot, resetProcessState } from "./process-state";

afterEach(() => resetProcessState());

describe("processSlot", () => {
  it("is shared by every copy of a module in the process", async () => {
    const here = processSlot<{ id: number }>("test.shared");
    here.set({ id: 7 });
    // A second copy of this module, as a separate Next.js bundle would have.
    vi.resetModules();
    const copyOfTheModule = "./process-state?copy";
    const copy = (await import(/* @vite-ignore */ copyOfTheModule)) as typeof import("./process-state");
    expect(copy.processSlot<{ id: number }>("test.shared").get()).toEqual({ id: 7 });
    expect(copy.processSlot).not.toBe(processSlot);
  });

  it("creates a value once, keeps null as a value, and forgets everything on reset", () => {
    const slot = processSlot<string | null>("test.create");
    const create = vi.fn(() => null);
    expect(slot.getOrCreate(create)).toBeNull();
    expect(slot.getOrCreate(create)).toBeNull();
    expect(create).toHaveBeenCalledTimes(1);
    resetProcessState();
    expect(slot.get()).toBeUndefined();
    expect(slot.getOrCreate(() => "again")).toBe("again");
  });
});
