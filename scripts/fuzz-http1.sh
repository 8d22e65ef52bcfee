#!/usr/bin/env bash
# Fuzzes the HTTP/1.1 layer (request and response head parsers, chunked decoder) with libFuzzer.
#   scripts/fuzz-http1.sh DURATION_SECONDS
# Builds Fuzz/HTTP1Fuzz/main.swift with the HTTP1 sources into .build-fuzz/, seeds a working corpus from
# Fuzz/corpus/http1/, runs for the given time and prints the execution count. Exits non-zero if the
# fuzzer found a crash (the input is left in .build-fuzz/http1/artifacts/).
set -euo pipefail

duration="${1:?usage: scripts/fuzz-http1.sh DURATION_SECONDS}"
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
swiftc="${SWIFTC:-swiftc}"
out=".build-fuzz/http1"
mkdir -p "$out/corpus" "$out/artifacts"

# Essentials is a module of its own (the fuzzed sources import it): built first, linked statically.
"$swiftc" -parse-as-library -sanitize=fuzzer,address -O -g -emit-module -emit-library -static \
    -module-name Essentials -emit-module-path "$out/Essentials.swiftmodule" -o "$out/libEssentials.a" \
    Sources/Essentials/*.swift >"$out/essentials.log" 2>&1 || { cat "$out/essentials.log"; exit 1; }
echo "building $out/http1-fuzz"
"$swiftc" -parse-as-library -sanitize=fuzzer,address -O -g -I "$out" -L "$out" -lEssentials \
    Fuzz/HTTP1Fuzz/main.swift Sources/HTTP1/*.swift \
    -module-name HTTP1Fuzz -o "$out/http1-fuzz" >"$out/build.log" 2>&1 \
    || { cat "$out/build.log"; exit 1; }

cp Fuzz/corpus/http1/* "$out/corpus/" 2>/dev/null || true

echo "fuzzing for ${duration}s"
set +e
"./$out/http1-fuzz" "$out/corpus" -max_total_time="$duration" -print_final_stats=1 \
    -artifact_prefix="$out/artifacts/" -max_len=2048 -timeout=10 -rss_limit_mb=2048 2>&1 | tee "$out/last-run.log" \
    | grep -E "^(#[0-9]+[[:space:]]+(INITED|DONE)|stat::number_of_executed_units|stat::average_exec_per_sec|==[0-9]+==ERROR|SUMMARY|Fatal error)"
status=${PIPESTATUS[0]}
set -e
runs=$(grep -E '^stat::number_of_executed_units' "$out/last-run.log" | awk '{print $2}')
echo "executions: ${runs:-unknown} in ${duration}s (exit status $status; log $out/last-run.log)"
exit "$status"
