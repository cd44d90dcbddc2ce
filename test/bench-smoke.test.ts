// `npm run bench` is not a timed test (issue 8): this runs its smoke profile — every scenario for
// about a second, on a small SQLite database — only to prove the harness still works end to end.
// Nothing here looks at speed; a scenario that fails, or answers anything but its expected
// status, fails the test.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { SCENARIOS } from "../bench/scenarios";
import type { BenchResult } from "../bench/result";

const ROOT = path.resolve(__dirname, "..");
const dir = mkdtempSync(path.join(os.tmpdir(), "bench-smoke-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("npm run bench (smoke profile)", () => {
  it("runs every scenario against the production build without an error", { timeout: 300_000 }, () => {
    const out = path.join(dir, "smoke.json");
    execFileSync(process.execPath, ["--import", "tsx", "bench/run.ts", "--smoke", `--out=${out}`], {
      cwd: ROOT,
      stdio: "pipe",
      timeout: 280_000,
      env: { ...process.env, NODE_ENV: "production" },
    });
    const result = JSON.parse(readFileSync(out, "utf8")) as BenchResult;
    expect(result.failures).toEqual([]);
    const measured = new Set(result.rows.map((row) => row.scenario));
    expect([...measured].sort()).toEqual(Object.keys(SCENARIOS).sort());
    for (const row of result.rows) {
      expect({ scenario: row.scenario, clients: row.connections, errors: row.errors, firstError: row.firstError }).toEqual({
        scenario: row.scenario,
        clients: row.connections,
        errors: 0,
        firstError: undefined,
      });
      expect(row.requests).toBeGreaterThan(0);
      expect(row.rss.serverMb).toBeGreaterThan(0);
    }
  });
});
