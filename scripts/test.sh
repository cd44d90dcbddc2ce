#!/usr/bin/env bash
# npm test: the whole suite. Type check, the fast tier (unit tests of lib/ and in-process HTTP
# tests: vitest.fast.config.mts), production build, then the rest of vitest (integration tests
# against the built server on SQLite and PostgreSQL), then Playwright in
# Debian's Chromium, then one closing line with the totals. SKIP_BUILD=1 reuses an existing build
# when iterating locally.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-test-deps.sh
npx tsc --noEmit
mkdir -p reports
status=0
# The fast tier first (no build, no server process: a broken handler shows in about a minute), then
# the rest without it.
npx vitest run --config vitest.fast.config.mts --reporter=default --reporter=json --outputFile.json=reports/vitest-fast.json || status=$?
if [ "${SKIP_BUILD:-}" != "1" ] || [ ! -f "${NEXT_DIST_DIR:-.next}/homeserver/server.cjs" ]; then
  # next build, then the compiled server `npm start` runs (the bench smoke test starts it).
  npm run build
fi
FAST_TIER_DONE=1 npx vitest run --reporter=default --reporter=json --outputFile.json=reports/vitest.json || status=$?
PLAYWRIGHT_JSON_OUTPUT_NAME=reports/playwright.json npx playwright test --reporter=list,json || status=$?
node scripts/test-summary.mjs reports/vitest-fast.json reports/vitest.json reports/playwright.json
exit $status
