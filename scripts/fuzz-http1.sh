#!/usr/bin/env bash
# Fuzzes the HTTP/1.1 layer (request and response head parsers, chunked decoder) with libFuzzer.
#   scripts/fuzz-http1.sh DURATION_SECONDS
# Builds Fuzz/HTTP1Fuzz/main.swift with the HTTP1 sources into .build-fuzz/, seeds a working corpus from
# Fuzz/corpus/http1/, runs for the given time and prints the execution count. Exits non-zero if the
# fuzzer found a crash (the input is left in .build-fuzz/http1/artifacts/).
set -euo pipefail

duration="${1:?usage: scripts/fuzz-http1.sh DURATION_SECONDS}"
# shellcheck source=scripts/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
fuzz_setup http1
out="$FUZZ_OUT"
"${SWIFTC:-swiftc}" -parse-as-library -sanitize=fuzzer,address -O -g -I "$out" -L "$out" -lEssentials \
    Fuzz/HTTP1Fuzz/main.swift Sources/HTTP1/*.swift \
    -module-name HTTP1Fuzz -o "$out/http1-fuzz" >"$out/build.log" 2>&1 \
    || { cat "$out/build.log"; exit 1; }

cp Fuzz/corpus/http1/* "$out/corpus/" 2>/dev/null || true

fuzz_run http1 "$out" "$duration" 2048
