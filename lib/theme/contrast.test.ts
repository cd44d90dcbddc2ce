import { describe, expect, it } from "vitest";
import { contrastRatio, contrastWarnings } from "./contrast";

describe("WCAG contrast", () => {
  it("computes the WCAG ratio", () => {
    expect(contrastRatio("#000000", "#ffffff")).toBeCloseTo(21, 5);
    expect(contrastRatio("#777777", "#ffffff")).toBeCloseTo(4.48, 2);
  });

  it("warns about pairs below AA's 4.5:1 and is quiet for the default look", () => {
    expect(contrastWarnings({ primary: "#0b7a5f", background: "#f4f6f8", text: "#17191c" })).toEqual([]);
    const warnings = contrastWarnings({ primary: "#ffff00", background: "#ffffff", text: "#cccccc" });
    expect(warnings).toHaveLength(3);
    expect(warnings[0]).toMatch(/below WCAG AA's 4.5:1/);
  });
});
