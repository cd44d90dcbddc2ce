#!/usr/bin/env bash
# npm test: the whole suite. Type check, production build, then vitest (unit tests of lib/ and
# integration tests against the built server on SQLite and PostgreSQL), then Playwright in
# Debian's Chromium. SKIP_BUILD=1 reuses an existing build when iterating locally.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-test-deps.sh
npx tsc --noEmit
if [ "${SKIP_BUILD:-}" != "1" ] || [ ! -f .next/BUILD_ID ]; then
  npx next build
fi
npx vitest run
npx playwright test
