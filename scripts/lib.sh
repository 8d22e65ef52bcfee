# Shared helpers for scripts/*.sh: sourced, never run on its own.
#   . "$(dirname "$0")/lib.sh"
# Gives: SLUICE_ROOT, the Debian package lists, ensure_packages, ensure_swift, build_release,
# start_background / stop_started (processes killed by the PIDs this script started), wait_for_port,
# port_in_use, free_port, and for scripts/fuzz-*.sh fuzz_setup / fuzz_run.
# shellcheck shell=bash

SLUICE_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SLUICE_SCRIPT="$(basename "$0" .sh)"
# SwiftPM scratch folder for the builds of these scripts (SLUICE_SCRATCH overrides; .build by default).
SLUICE_SCRATCH="${SLUICE_SCRATCH:-$SLUICE_ROOT/.build}"

# The package lists are used by the scripts that source this file.
# shellcheck disable=SC2034
{
    # What building sluice needs (libevent and zlib through pkg-config; hiredis for the Redis store; OpenSSL
    # for SHA-256 and random bytes).
    SLUICE_BUILD_PACKAGES=(pkg-config libevent-dev zlib1g-dev libhiredis-dev libssl-dev)
    # What the tests need besides (they start their own redis-server and prometheus, and drive headless chromium;
    # the TLS tests make certificates with openssl, talk to sluice with curl and Python's ssl, and run an HTTPS
    # upstream in Python).
    SLUICE_TEST_PACKAGES=(redis-server prometheus chromium openssl curl python3)
    # What scripts/bench.sh needs besides.
    SLUICE_BENCH_PACKAGES=(nginx-light wrk strace)
}

# PIDs of the processes started with start_background, in start order.
SLUICE_STARTED_PIDS=()
# PID of the process the last start_background call started.
SLUICE_LAST_PID=""

say() { printf '[%s] %s\n' "$SLUICE_SCRIPT" "$*" >&2; }
die() { say "error: $*"; exit 1; }

package_installed() {
    dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'
}

# Installs the Debian packages among "$@" that are not installed yet. Runs `apt-get update` first, and only
# when something is missing. Uses sudo when not root.
ensure_packages() {
    local missing=() package
    for package in "$@"; do
        package_installed "$package" || missing+=("$package")
    done
    if [ "${#missing[@]}" -eq 0 ]; then
        return 0
    fi
    command -v apt-get >/dev/null || die "missing packages: ${missing[*]} (no apt-get on this machine: install them by hand)"
    local sudo=()
    if [ "$(id -u)" -ne 0 ]; then
        command -v sudo >/dev/null || die "missing packages: ${missing[*]} (not root and no sudo: install them by hand)"
        sudo=(sudo)
    fi
    say "installing missing Debian packages: ${missing[*]}"
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
}

# Puts Swift on PATH if it is not there yet (it lives in /opt/swift on the project's machines).
ensure_swift() {
    if command -v swift >/dev/null; then
        return 0
    fi
    local candidate="${SWIFT_HOME:-/opt/swift}/usr/bin"
    [ -x "$candidate/swift" ] || die "swift not found on PATH nor in $candidate (set SWIFT_HOME to the toolchain)"
    PATH="$candidate:$PATH"
    export PATH
}

# build_release SCRATCH_PATH PRODUCT...: release build of each product (SwiftPM honours one --product per call).
# Prints the binary folder on stdout.
build_release() {
    local scratch="$1" product
    shift
    for product in "$@"; do
        say "swift build -c release --product $product --scratch-path $scratch"
        (cd "$SLUICE_ROOT" && swift build -c release --product "$product" --scratch-path "$scratch") >&2
    done
    (cd "$SLUICE_ROOT" && swift build -c release --scratch-path "$scratch" --show-bin-path)
}

# start_background LOG COMMAND [ARG...]: starts the command in the background with stdout and stderr going to
# LOG ("-" keeps the script's own), remembers its PID in SLUICE_LAST_PID and SLUICE_STARTED_PIDS.
start_background() {
    local log="$1"
    shift
    if [ "$log" = "-" ]; then
        "$@" &
    else
        "$@" >"$log" 2>&1 &
    fi
    SLUICE_LAST_PID=$!
    SLUICE_STARTED_PIDS+=("$SLUICE_LAST_PID")
}

# stop_pid PID [GRACE_SECONDS]: SIGTERM, then SIGKILL if it is still alive after the grace period.
stop_pid() {
    local pid="$1" grace="${2:-10}" tenths=0
    kill -0 "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null || true; return 0; }
    kill -TERM "$pid" 2>/dev/null || true
    while kill -0 "$pid" 2>/dev/null && [ "$tenths" -lt $((grace * 10)) ]; do
        sleep 0.1
        tenths=$((tenths + 1))
    done
    if kill -0 "$pid" 2>/dev/null; then
        say "PID $pid still running ${grace}s after SIGTERM: SIGKILL"
        kill -KILL "$pid" 2>/dev/null || true
    fi
    wait "$pid" 2>/dev/null || true
}

# Stops every process start_background started, newest first. Meant for `trap stop_started EXIT`.
stop_started() {
    local i
    for ((i = ${#SLUICE_STARTED_PIDS[@]} - 1; i >= 0; i--)); do
        stop_pid "${SLUICE_STARTED_PIDS[i]}"
    done
    SLUICE_STARTED_PIDS=()
}

# port_in_use HOST PORT: true if something accepts TCP connections there.
port_in_use() {
    (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null
}

# wait_for_port HOST PORT PID [SECONDS]: waits until HOST:PORT accepts connections; fails if PID exits first
# or after SECONDS (default 30).
wait_for_port() {
    local host="$1" port="$2" pid="$3" limit="${4:-30}" tenths=0
    until port_in_use "$host" "$port"; do
        kill -0 "$pid" 2>/dev/null || return 1
        [ "$tenths" -lt $((limit * 10)) ] || return 1
        sleep 0.1
        tenths=$((tenths + 1))
    done
}

# free_port FIRST: prints the first port from FIRST up that nothing on 127.0.0.1 listens on.
free_port() {
    local port="$1"
    while port_in_use 127.0.0.1 "$port"; do
        port=$((port + 1))
    done
    printf '%s\n' "$port"
}

# scripts/fuzz-*.sh: goes to the package root, makes FUZZ_OUT=.build-fuzz/NAME (with corpus/ and artifacts/) and
# builds Essentials there (a module the fuzzed sources import), as a static library with the fuzzer and address
# sanitisers; the target is then built with `-I "$FUZZ_OUT" -L "$FUZZ_OUT" -lEssentials`.
fuzz_setup() {
    cd "$SLUICE_ROOT"
    FUZZ_OUT=".build-fuzz/$1"
    mkdir -p "$FUZZ_OUT/corpus" "$FUZZ_OUT/artifacts"
    "${SWIFTC:-swiftc}" -parse-as-library -sanitize=fuzzer,address -O -g -emit-module -emit-library -static \
        -module-name Essentials -emit-module-path "$FUZZ_OUT/Essentials.swiftmodule" -o "$FUZZ_OUT/libEssentials.a" \
        Sources/Essentials/*.swift >"$FUZZ_OUT/essentials.log" 2>&1 || { cat "$FUZZ_OUT/essentials.log"; exit 1; }
    echo "building $FUZZ_OUT/$1-fuzz"
}

# Runs the libFuzzer binary OUT/NAME-fuzz on OUT/corpus for DURATION seconds with inputs of up to MAX_LEN bytes,
# shows libFuzzer's summary lines, prints the execution count and returns the fuzzer's exit status (non-zero: a
# crash, its input left in OUT/artifacts/).
fuzz_run() {
    local name="$1" out="$2" duration="$3" max_len="$4" started=$SECONDS status runs verdict
    echo "fuzzing for ${duration}s"
    set +e
    "./$out/$name-fuzz" "$out/corpus" -max_total_time="$duration" -print_final_stats=1 \
        -artifact_prefix="$out/artifacts/" -max_len="$max_len" -timeout=10 -rss_limit_mb=2048 2>&1 | tee "$out/last-run.log" \
        | grep -E "^(#[0-9]+[[:space:]]+(INITED|DONE)|stat::number_of_executed_units|stat::average_exec_per_sec|==[0-9]+==ERROR|SUMMARY|Fatal error)"
    status=${PIPESTATUS[0]}
    set -e
    runs=$(grep -E '^stat::number_of_executed_units' "$out/last-run.log" | awk '{print $2}')
    if [ "$status" -eq 0 ]; then verdict="no crash"; else verdict="FAILED (exit status $status), see $out/artifacts/"; fi
    echo "executions: ${runs:-unknown} in $((SECONDS - started))s, $verdict (log $out/last-run.log)"
    return "$status"
}
