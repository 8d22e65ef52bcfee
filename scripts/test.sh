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
log="$(mktemp /tmp/sluice-test-XXXXXX.log)"
timeout --kill-after=30 "$timeout_seconds" swift test --skip-build --scratch-path "$SLUICE_SCRATCH" "$@" 2>&1 | tee "$log" \
    || status=${PIPESTATUS[0]}
if [ "$status" -eq 124 ] || [ "$status" -eq 137 ]; then
    say "swift test did not finish within ${timeout_seconds}s"
fi
say "tests finished in $((SECONDS - started))s with status $status"
# One closing line for the whole run (XCTest's last "Executed N tests, with F failures" summary; Swift
# Testing prints its own line after it, for its own, separate count).
summary="$(grep -E 'Executed [0-9]+ tests?, with' "$log" | tail -n 1 || true)"
rm -f "$log"
if [ -n "$summary" ]; then
    executed="$(sed -E 's/.*Executed ([0-9]+) tests?.*/\1/' <<<"$summary")"
    failed="$(sed -E 's/.* ([0-9]+) failures? \(.*/\1/' <<<"$summary")"
    skipped=0
    if grep -qE '[0-9]+ tests? skipped' <<<"$summary"; then
        skipped="$(sed -E 's/.* ([0-9]+) tests? skipped.*/\1/' <<<"$summary")"
    fi
    echo "tests: $((executed - failed - skipped)) passed, $failed failed, $skipped skipped"
fi
exit "$status"
