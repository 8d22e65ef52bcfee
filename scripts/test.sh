#!/usr/bin/env bash
# Installs the missing Debian packages, builds everything including the tests (debug), and runs every test.
# Exits non-zero if a build or a test fails. Runs unattended (CI=true, no TTY) as well as by hand.
#   scripts/test.sh                 (SLUICE_TEST_TIMEOUT=SECONDS bounds `swift test`, default 900;
#                                    SLUICE_SCRATCH=DIR: SwiftPM scratch folder, default .build;
#                                    extra arguments go to `swift test`, e.g. --filter ConfigTests)
set -euo pipefail

# shellcheck source=scripts/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$SLUICE_ROOT"

ensure_packages "${SLUICE_BUILD_PACKAGES[@]}" "${SLUICE_TEST_PACKAGES[@]}"
ensure_swift
swift --version >&2

started=$SECONDS
say "swift build --build-tests"
swift build --build-tests --scratch-path "$SLUICE_SCRATCH"
say "built in $((SECONDS - started))s"

started=$SECONDS
timeout_seconds="${SLUICE_TEST_TIMEOUT:-900}"
say "swift test --skip-build (time limit ${timeout_seconds}s)"
status=0
timeout --kill-after=30 "$timeout_seconds" swift test --skip-build --scratch-path "$SLUICE_SCRATCH" "$@" || status=$?
if [ "$status" -eq 124 ] || [ "$status" -eq 137 ]; then
    say "swift test did not finish within ${timeout_seconds}s"
fi
say "tests finished in $((SECONDS - started))s with status $status"
exit "$status"
