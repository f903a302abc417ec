#!/usr/bin/env bash
# The end-to-end suite, as `make test` runs it (after `make dist` and `make emulator`).
set -euo pipefail
exec node "$(dirname "$0")/run.mjs" "$@"
