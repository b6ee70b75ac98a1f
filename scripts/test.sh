#!/usr/bin/env bash
# Every check Parley has: types, lint, unit/integration tests (real Redis, real engines), then the
# end-to-end tests in real Chromium. Expects scripts/setup.sh to have run (npm test does that).
set -euo pipefail
cd "$(dirname "$0")/.."
echo "== typecheck"; npm run typecheck --silent
echo "== lint"; npm run lint --silent
echo "== web build"; npm run build:web --silent
echo "== unit and integration tests"; npx vitest run
echo "== end-to-end tests"; npx playwright test
