#!/usr/bin/env bash
# Fuzzes the normaliser (decoding, JSON parsing, recognition, envelope writing) with libFuzzer.
#   scripts/fuzz-normaliser.sh DURATION_SECONDS
# Builds Fuzz/NormaliserFuzz/main.swift with the Normaliser sources into .build-fuzz/, seeds a working
# corpus from Fuzz/corpus/normaliser/ plus the JSON bodies found in the seed documents, runs for the
# given time and prints the execution count. Exits non-zero if the fuzzer found a crash.
set -euo pipefail

duration="${1:?usage: scripts/fuzz-normaliser.sh DURATION_SECONDS}"
# shellcheck source=scripts/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
fuzz_setup normaliser
out="$FUZZ_OUT"
"${SWIFTC:-swiftc}" -parse-as-library -sanitize=fuzzer,address -O -g -I "$out" -L "$out" -lEssentials \
    -I Sources/CZlib -lz \
    Fuzz/NormaliserFuzz/main.swift Tests/NormaliserTests/ZlibCompressor.swift Sources/Normaliser/*.swift \
    -module-name NormaliserFuzz -o "$out/normaliser-fuzz" >"$out/build.log" 2>&1 \
    || { cat "$out/build.log"; exit 1; }

# Working corpus: the committed seeds plus every JSON body in the seed documents, each prefixed with the
# three header bytes the target reads (status index, encoding mode, flags).
cp Fuzz/corpus/normaliser/* "$out/corpus/" 2>/dev/null || true
seeds="${SEEDS_DIR:-$SLUICE_ROOT/../shared/seeds}"
if [ -d "$seeds" ] && command -v python3 >/dev/null; then
    python3 - "$seeds" "$out/corpus" <<'PY'
import json, os, sys
seeds, corpus = sys.argv[1], sys.argv[2]
count = 0
for name in sorted(os.listdir(seeds)):
    text = open(os.path.join(seeds, name), encoding="utf-8", errors="replace").read()
    decoder = json.JSONDecoder()
    i = 0
    while (i := text.find("{", i)) != -1:
        try:
            value, end = decoder.raw_decode(text, i)
        except ValueError:
            i += 1
            continue
        body = text[i:end].encode()
        for status_index, mode in ((1, 0), (3, 2), (15, 0), (10, 128), (11, 129)):
            open(os.path.join(corpus, f"seed-{name[:3]}-{count}-{status_index}-{mode}"), "wb").write(bytes([status_index, mode, 0]) + body)
        count += 1
        i = end
print(f"extracted {count} JSON bodies from the seed documents")
PY
fi

fuzz_run normaliser "$out" "$duration" 4096
