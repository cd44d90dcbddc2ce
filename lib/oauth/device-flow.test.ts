// RFC 8628 §3.5's slow_down: a device that polls sooner than its interval is told to slow down, and
// its interval grows by 5 seconds for every later poll.
import { describe, expect, it } from "vitest";
import { pollVerdict } from "./device-flow";

describe("pollVerdict", () => {
  it("lets a device poll every 5 seconds, and adds 5 seconds to the interval each time it polls too soon", () => {
    const code = `code-${Math.random()}`;
    const t0 = 1_000_000;
    expect(pollVerdict(code, t0)).toBe("pending");
    expect(pollVerdict(code, t0 + 5000)).toBe("pending");
    expect(pollVerdict(code, t0 + 6000)).toBe("slow_down"); // 1 s after the last poll; the interval is now 10 s
    expect(pollVerdict(code, t0 + 12_000)).toBe("slow_down"); // 6 s < 10 s; now 15 s
    expect(pollVerdict(code, t0 + 27_000)).toBe("pending"); // 15 s
    expect(pollVerdict(code, t0 + 37_000)).toBe("slow_down"); // 10 s < 15 s
  });

  it("keeps each device code's pace apart", () => {
    const a = `a-${Math.random()}`;
    const b = `b-${Math.random()}`;
    expect(pollVerdict(a, 0)).toBe("pending");
    expect(pollVerdict(b, 1000)).toBe("pending");
    expect(pollVerdict(a, 5000)).toBe("pending");
  });
});
