// Prints one closing line for the whole suite, "N passed, N failed" (plus skipped), from the JSON
// reports of vitest and Playwright, so a reader of the log need not add the runs up.
import { existsSync, readFileSync } from "node:fs";

let passed = 0;
let failed = 0;
let skipped = 0;
// Errors outside any test (a spec file that fails to load, a suite whose hooks throw): no test counts
// them, yet they fail the run, so the closing line must say so.
let errors = 0;

for (const file of process.argv.slice(2)) {
  if (!existsSync(file)) continue;
  const report = JSON.parse(readFileSync(file, "utf8"));
  if (typeof report.numPassedTests === "number") {
    // vitest (Jest-compatible JSON)
    passed += report.numPassedTests;
    failed += report.numFailedTests;
    skipped += (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
    errors += (report.testResults ?? []).filter((suite) => suite.status === "failed" && (suite.assertionResults ?? []).every((test) => test.status !== "failed")).length;
  } else if (report.stats) {
    // Playwright
    passed += report.stats.expected + (report.stats.flaky ?? 0);
    failed += report.stats.unexpected;
    skipped += report.stats.skipped ?? 0;
    errors += (report.errors ?? []).length;
  }
}

console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ""}${errors ? `, ${errors} errors outside tests (see above)` : ""}`);
