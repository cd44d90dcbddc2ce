// Prints one closing line for the whole suite, "N passed, N failed" (plus skipped), from the JSON
// reports of vitest and Playwright, so a reader of the log need not add the runs up.
import { existsSync, readFileSync } from "node:fs";

let passed = 0;
let failed = 0;
let skipped = 0;
// Errors outside any test (a spec file that fails to load, a suite whose hooks throw): no test counts
// them, yet they fail the run, so the closing line must say so.
let errors = 0;
// The failed tests by name: the closing lines are what a CI log shows when only its tail is kept.
const failures = [];
const relative = (file) => (file ?? "").replace(`${process.cwd()}/`, "");

/** Playwright's suites nest (file, describe blocks); a spec's tests are one per project. */
function playwrightFailures(suites, titles = []) {
  for (const suite of suites ?? []) {
    const path = suite.title && !suite.title.endsWith(suite.file ?? "\0") ? [...titles, suite.title] : titles;
    for (const spec of suite.specs ?? []) {
      if ((spec.tests ?? []).some((test) => test.status === "unexpected")) failures.push(`${relative(spec.file)} > ${[...path, spec.title].join(" > ")}`);
    }
    playwrightFailures(suite.suites, path);
  }
}

for (const file of process.argv.slice(2)) {
  if (!existsSync(file)) continue;
  const report = JSON.parse(readFileSync(file, "utf8"));
  if (typeof report.numPassedTests === "number") {
    // vitest (Jest-compatible JSON)
    passed += report.numPassedTests;
    failed += report.numFailedTests;
    skipped += (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
    for (const suite of report.testResults ?? []) {
      const failedTests = (suite.assertionResults ?? []).filter((test) => test.status === "failed");
      for (const test of failedTests) failures.push(`${relative(suite.name)} > ${test.fullName}`);
      if (suite.status === "failed" && failedTests.length === 0) {
        errors += 1;
        failures.push(`${relative(suite.name)} (outside any test)`);
      }
    }
  } else if (report.stats) {
    // Playwright
    passed += report.stats.expected + (report.stats.flaky ?? 0);
    failed += report.stats.unexpected;
    skipped += report.stats.skipped ?? 0;
    errors += (report.errors ?? []).length;
    playwrightFailures(report.suites);
  }
}

for (const failure of failures) console.log(`failed: ${failure}`);
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ""}${errors ? `, ${errors} errors outside tests (see above)` : ""}`);
