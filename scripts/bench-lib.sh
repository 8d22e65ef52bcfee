# Helpers of scripts/bench.sh: sourced after lib.sh, never run on its own. They read bench.sh's settings
# (threads, connections, strace_seconds, workdir, client_pin) and its run_wrk.
# shellcheck shell=bash

# wrk_figures FILE: prints "req/s p50_us p99_us errors requests" from wrk --latency output.
wrk_figures() {
    awk '
        function us(v) {
            if (v ~ /us$/) return v + 0
            if (v ~ /ms$/) return (v + 0) * 1000
            if (v ~ /m$/) return (v + 0) * 60000000
            if (v ~ /s$/) return (v + 0) * 1000000
            return v + 0
        }
        /^Requests\/sec:/ { rps = $2 }
        / requests in / { requests = $1 }
        /^ +50%/ { p50 = us($2) }
        /^ +99%/ { p99 = us($2) }
        /Non-2xx or 3xx responses:/ { errors += $NF }
        /Socket errors:/ { for (i = 3; i <= NF; i++) { gsub(",", "", $i); if ($i ~ /^[0-9]+$/) errors += $i } }
        END { printf "%s %s %s %d %s\n", rps, p50, p99, errors, requests }
    ' "$1"
}

# cpu_ticks PID...: user + system clock ticks the processes (all their threads) have used so far.
cpu_ticks() {
    local pid total=0
    for pid in "$@"; do
        total=$((total + $(awk '{ print $14 + $15 }' "/proc/$pid/stat" 2>/dev/null || echo 0)))
    done
    echo "$total"
}

# count_syscalls NAME LABEL PORT PID...: syscalls per request of the processes (all threads) during a short
# wrk run; appends a line to syscalls.md.
count_syscalls() {
    local name="$1" label="$2" port="$3" out="$workdir/strace-$1.txt" wrk_out="$workdir/strace-$1-wrk.txt" args=() pid
    shift 3
    for pid in "$@"; do
        args+=(-p "$pid")
    done
    strace -c -f -o "$out" "${args[@]}" 2>"$workdir/strace-$name.log" &
    local strace_pid=$!
    SLUICE_STARTED_PIDS+=("$strace_pid")
    sleep 1
    run_wrk "$strace_seconds" "$connections" "$port" "$wrk_out"
    kill -INT "$strace_pid" 2>/dev/null || true
    wait "$strace_pid" 2>/dev/null || true
    local requests
    requests="$(wrk_figures "$wrk_out" | awk '{ print $5 }')"
    awk -v name="$label" -v requests="$requests" -f "$SLUICE_ROOT/scripts/bench-syscalls.awk" "$out" >>"$workdir/syscalls.md"
}
