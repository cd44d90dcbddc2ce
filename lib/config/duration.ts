// Synapse's duration syntax: an integer is milliseconds; a string may carry one of the suffixes
// s, m, h, d, w, y (synapse/config/_base.py: Config.parse_duration).
import { z } from "zod";

const UNIT_MS: Record<string, number> = {
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 7 * 86_400_000,
  y: 365 * 86_400_000,
};

export function parseDuration(value: number | string): number {
  if (typeof value === "number") return value;
  const match = /^\s*(\d+(?:\.\d+)?)\s*([smhdwy]?)\s*$/.exec(value);
  if (!match) throw new Error(`"${value}" is not a duration (a number of milliseconds, or e.g. "30s", "5m", "2h", "7d")`);
  const amount = Number(match[1]);
  return match[2] ? amount * UNIT_MS[match[2]] : amount;
}

/** A zod schema for a duration; the parsed value is in milliseconds. */
export const durationMs = z.union([z.number().nonnegative(), z.string()]).transform((value, ctx) => {
  try {
    return parseDuration(value);
  } catch (error) {
    ctx.addIssue({ code: "custom", message: (error as Error).message });
    return z.NEVER;
  }
});
