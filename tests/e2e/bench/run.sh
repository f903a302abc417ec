#!/usr/bin/env bash
# Browser benchmarks (called by .ci/bench): `tests/e2e/bench/run.sh [startup|list|live|chaos ...]`.
# Needs dist/ (or $AVATAR_DIST), the emulator's release build (or $AVATAR_EMULATOR_BIN) and
# avatar-bench's release build (or $AVATAR_BENCH_BIN). Writes markdown to $AVATAR_BENCH_OUT.
set -euo pipefail
e2e="$(cd "$(dirname "$0")/.." && pwd)"
if [ ! -d "$e2e/node_modules/playwright-core" ]; then
  (cd "$e2e" && { npm ci --offline --no-audit --no-fund || npm ci --prefer-offline --no-audit --no-fund; })
fi
exec node "$e2e/bench/run.mjs" "$@"
