// How figures are written in the report and the targets.

export function round(value: number): number {
  return Math.round(value * 10) / 10;
}

/** Work per CPU-second of the process doing it: comparable even when other processes share the machine. */
export function perCpuSecond(perSecond: number, cores: number): string {
  return cores > 0 ? String(round(perSecond / cores)) : "n/a";
}

export function percent(fraction: number): string {
  return `${Math.round(fraction * 1000) / 10} %`;
}

export function formatUsers(users: number): string {
  return users >= 1_000_000 ? `${users / 1_000_000}M` : users >= 1000 ? `${users / 1000}k` : String(users);
}

/** Nearest-rank percentile (`p` from 0 to 100) of values sorted in ascending order; NaN if there are none. */
export function nearestRank(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}
