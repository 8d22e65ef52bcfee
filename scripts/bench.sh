#!/usr/bin/env bash
# Throughput and latency of sluice against nginx as a reverse proxy, with wrk on loopback.
#
# One upstream for everything: nginx answering a ~100-byte JSON body from `return 200` (keep-alive, no access
# log). Measured in interleaved rounds, for each worker count:
#   upstream        wrk straight at the upstream: the limit of this machine
#   nginx           nginx as reverse proxy (same worker count, upstream keepalive 64, HTTP/1.1, reuseport,
#                   no access log; sets X-Forwarded-For/-Proto and X-Request-Id as sluice does, unless
#                   BENCH_NGINX_HEADERS=0)
#   sluice          release build: no API key required, rate limiting off, access log off, level warning
#   sluice+limit    the same with API keys required and rate limiting on (memory store, two buckets far too
#                   large to refuse anything): the cost of the limiter and its response headers
#   sluice+redis    with BENCH_REDIS=1: sluice+limit with `store: redis` against one redis-server started here
#                   (no persistence, pinned with the proxy): one script per request; the table adds the
#                   scripts per second Redis ran (its commandstats) and the CPU time it used
#   sluice+keys     with BENCH_KEYS=N (e.g. 1000000): sluice+limit with a keys file of N keys
#                   (scripts/make-keys-file.py), so every request also passes the SPEC §10 checks and is limited by
#                   its consumer; then sluice+limit and sluice+keys both cycle through the first BENCH_KEY_SPREAD
#                   (10000) keys of that file (a wrk Lua script), and their resident memory and sluice's logged
#                   key-loading time are reported
# Every other request carries the same `Authorization: Bearer` header. The table gives the median req/s of the
# rounds, the median p50 and p99 of the rounds, the ratios to nginx, and the proxy's CPU time per request (user +
# system, from /proc). Then `strace -c -f` counts the system calls per request of sluice and of the nginx workers
# during a short run.
#
# BENCH_TLS=1: nginx and sluice terminate TLS (the same ECDSA P-256 certificate, made here; TLS 1.3, wrk over
# https keep-alive) in front of the same plain upstream, and two more targets make a new TLS connection per
# request (wrk -H 'Connection: close'): nginx-handshake and sluice-handshake, compared with each other.
#
# CPU placement (2 cores shared by wrk, proxy and upstream): with 1 worker the proxy is pinned to CPU 0 and
# wrk and the upstream to CPU 1 (taskset), so the proxy has a core to itself; with 2 or more workers nothing
# is pinned. BENCH_PIN=0 never pins; fewer than 2 CPUs never pins.
#
#   scripts/bench.sh
# Environment: BENCH_WORKERS ("1 2"), BENCH_ROUNDS (3), BENCH_DURATION (seconds per wrk run, 10),
#   BENCH_CONNECTIONS (50), BENCH_THREADS (wrk threads, 1), BENCH_WARMUP (seconds per target, 2),
#   BENCH_RATE_LIMIT (1: also measure sluice+limit), BENCH_REDIS (0; 1: also measure sluice+redis),
#   BENCH_KEYS (0: no sluice+keys), BENCH_KEY_SPREAD (10000), BENCH_STRACE_SECONDS (5; 0 skips strace),
#   BENCH_UPSTREAM_WORKERS (1), BENCH_PIN (auto), BENCH_SKIP_BUILD (0: build release first; 1: use the binary
#   in SLUICE_BIN_DIR or the scratch folder), SLUICE_SCRATCH (SwiftPM scratch folder, default .build),
#   BENCH_KEEP (1: keep the temporary folder with configs, logs and raw wrk output), BENCH_NICE (a niceness
#   for this script and everything it starts, e.g. -10 on a machine busy with other work; needs root).
# All processes it starts are stopped by PID when it ends, also on Ctrl-C.
set -euo pipefail

# shellcheck source=scripts/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# shellcheck source=scripts/bench-lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/bench-lib.sh"
cd "$SLUICE_ROOT"

worker_counts="${BENCH_WORKERS:-1 2}"
rounds="${BENCH_ROUNDS:-3}"
duration="${BENCH_DURATION:-10}"
connections="${BENCH_CONNECTIONS:-50}"
threads="${BENCH_THREADS:-1}"
warmup="${BENCH_WARMUP:-2}"
with_rate_limit="${BENCH_RATE_LIMIT:-1}"
with_tls="${BENCH_TLS:-0}"
with_redis="${BENCH_REDIS:-0}"
strace_seconds="${BENCH_STRACE_SECONDS:-5}"
upstream_workers="${BENCH_UPSTREAM_WORKERS:-1}"
pin="${BENCH_PIN:-auto}"
# nginx sets the forwarding headers sluice sets (SPEC §4) unless BENCH_NGINX_HEADERS=0.
nginx_headers=""
if [ "${BENCH_NGINX_HEADERS:-1}" = 1 ]; then
    # shellcheck disable=SC2016  # nginx variables, not shell ones
    nginx_headers='            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto $scheme;
            proxy_set_header X-Request-Id $request_id;
            add_header X-Request-Id $request_id;'
fi
api_key="bench-key"
keys_count="${BENCH_KEYS:-0}"
key_spread="${BENCH_KEY_SPREAD:-10000}"
body='{"id":1042,"name":"sluice benchmark","status":"active","tags":["proxy","bench"],"score":0.94,"ok":true}'

redis_packages=()
if [ "$with_redis" = 1 ]; then
    redis_packages=("${SLUICE_TEST_PACKAGES[@]}")
fi
ensure_packages "${SLUICE_BUILD_PACKAGES[@]}" "${SLUICE_BENCH_PACKAGES[@]}" "${redis_packages[@]}" curl
if [ -n "${BENCH_NICE:-}" ]; then
    renice -n "$BENCH_NICE" -p $$ >/dev/null || die "cannot set niceness $BENCH_NICE"
fi
if [ "${BENCH_SKIP_BUILD:-0}" = 1 ]; then
    bin="${SLUICE_BIN_DIR:-$SLUICE_SCRATCH/release}"
else
    ensure_swift
    bin="$(build_release "$SLUICE_SCRATCH" sluice)"
fi
[ -x "$bin/sluice" ] || die "no sluice binary in $bin"
# What was measured: the commit, and how many files under Sources/ differed from it when the build was taken.
revision=""
if commit="$(git -C "$SLUICE_ROOT" rev-parse --short HEAD 2>/dev/null)"; then
    changed="$(git -C "$SLUICE_ROOT" status --porcelain -- Sources Package.swift | wc -l)"
    revision="release build of commit $commit ($changed uncommitted changes under Sources/ and Package.swift)"
    if [ "${BENCH_SKIP_BUILD:-0}" = 1 ]; then
        revision="prebuilt $bin/sluice (not rebuilt; the tree is at commit $commit with $changed uncommitted changes)"
    fi
fi
nginx="$(command -v nginx || echo /usr/sbin/nginx)"
[ -x "$nginx" ] || die "nginx not found"

workdir="$(mktemp -d /tmp/sluice-bench-XXXXXX)"
results="$workdir/results.tsv"
: >"$results"
# shellcheck disable=SC2317  # called by the EXIT trap
cleanup() {
    local status=$?
    stop_started
    if [ "${BENCH_KEEP:-0}" = 1 ] || [ "$status" -ne 0 ]; then
        say "kept $workdir (configs, logs, raw wrk output)"
    else
        rm -rf "$workdir"
    fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# TLS mode: one certificate for both proxies; the listeners' extra settings; the scheme wrk and curl use.
scheme=http
nginx_tls=""
sluice_tls=""
if [ "$with_tls" = 1 ]; then
    scheme=https
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -keyout "$workdir/key.pem" \
        -out "$workdir/cert.pem" -subj /CN=localhost -addext "subjectAltName=IP:127.0.0.1" 2>/dev/null \
        || die "openssl could not make the benchmark certificate"
    nginx_tls="        ssl_certificate $workdir/cert.pem;
        ssl_certificate_key $workdir/key.pem;
        ssl_protocols TLSv1.2 TLSv1.3;
        ssl_session_cache shared:bench:10m;"
    sluice_tls="  tls: { certificate: \"$workdir/cert.pem\", private_key: \"$workdir/key.pem\" }"
fi

# proxy_pids TARGET: the processes whose CPU a target's requests cost (nginx: its workers); none for the upstream.
proxy_pids() {
    case "$1" in
        nginx*) pgrep -P "$nginx_pid" | paste -sd' ' ;;
        sluice+limit) echo "$limited_pid" ;;
        sluice+keys) echo "$keyed_pid" ;;
        sluice+redis) echo "$redis_sluice_pid" ;;
        sluice*) echo "$sluice_pid" ;;
    esac
}

cpus="$(nproc)"
# Command prefixes that pin the proxies and the client side (wrk, upstream); empty when unpinned.
proxy_pin=()
client_pin=()

# nginx_common NAME WORKERS: the top of an nginx.conf running in its own prefix under the temporary folder.
nginx_common() {
    local dir="$workdir/$1"
    cat <<EOF
worker_processes $2;
daemon off;
master_process on;
pid $dir/nginx.pid;
error_log $dir/error.log warn;
events { worker_connections 4096; }
http {
    access_log off;
    client_body_temp_path $dir/body;
    proxy_temp_path $dir/proxy;
    fastcgi_temp_path $dir/fastcgi;
    uwsgi_temp_path $dir/uwsgi;
    scgi_temp_path $dir/scgi;
    keepalive_requests 100000000;
    keepalive_timeout 300s;
EOF
}

# start_nginx NAME [PIN...]: starts nginx on $workdir/NAME/nginx.conf (non-daemon master, stopped by its PID).
start_nginx() {
    local dir="$workdir/$1"
    shift
    "$nginx" -t -q -p "$dir" -c "$dir/nginx.conf" -e "$dir/error.log" || die "bad nginx config $dir/nginx.conf"
    start_background "$dir/stderr.log" "$@" "$nginx" -p "$dir" -c "$dir/nginx.conf" -e "$dir/error.log"
}

start_upstream() {
    local dir="$workdir/upstream"
    mkdir -p "$dir"
    {
        nginx_common upstream "$upstream_workers"
        cat <<EOF
    server {
        listen 127.0.0.1:$upstream_port backlog=4096;
        location / {
            default_type application/json;
            return 200 '$body';
        }
    }
}
EOF
    } >"$dir/nginx.conf"
    start_nginx upstream "${client_pin[@]}"
    upstream_pid="$SLUICE_LAST_PID"
    wait_for_port 127.0.0.1 "$upstream_port" "$upstream_pid" || die "upstream nginx did not start ($dir)"
}

start_nginx_proxy() {
    local workers="$1" dir="$workdir/nginx"
    mkdir -p "$dir"
    {
        nginx_common nginx "$workers"
        cat <<EOF
    upstream backend {
        server 127.0.0.1:$upstream_port;
        keepalive 64;
        keepalive_requests 100000000;
        keepalive_timeout 300s;
    }
    server {
        listen 127.0.0.1:$nginx_port${nginx_tls:+ ssl} reuseport backlog=4096;
$nginx_tls
        location / {
            proxy_pass http://backend;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
$nginx_headers
        }
    }
}
EOF
    } >"$dir/nginx.conf"
    start_nginx nginx "${proxy_pin[@]}"
    nginx_pid="$SLUICE_LAST_PID"
    wait_for_port 127.0.0.1 "$nginx_port" "$nginx_pid" || die "nginx proxy did not start ($dir)"
}

# start_sluice NAME PORT WORKERS RATE_LIMITED [KEYS_FILE]: starts the release sluice; its PID goes to SLUICE_LAST_PID.
start_sluice() {
    local name="$1" port="$2" workers="$3" limited="$4" keys_file="${5:-}" store="${6:-memory}" config="$workdir/$1.yaml"
    local require_key=false enabled=false level=warning
    # With a keys file, level info for the start-up line with the key count and load time (nothing per request).
    if [ -n "$keys_file" ]; then
        level=info
    fi
    if [ "$limited" = 1 ]; then
        require_key=true
        enabled=true
    fi
    cat >"$config" <<EOF
server:
  listen: "127.0.0.1:$port"
  workers: $workers
$sluice_tls
admin:
  listen: ""
upstream:
  targets: ["127.0.0.1:$upstream_port"]
  keepalive: 64
  health_check: { path: "" }
auth:
  require_api_key: $require_key
  keys_file: "$keys_file"
rate_limit:
  enabled: $enabled
  key: api_key
  limits:
    - { name: hour, requests: 1000000000, per: 1h }
    - { name: minute, requests: 1000000000, per: 1m }
  store: $store
  redis: { address: "127.0.0.1:${redis_port:-6379}", timeout: 50ms, on_failure: deny }
logging:
  level: $level
  access_log: "off"
EOF
    "$bin/sluice" check --config "$config" >&2 || die "sluice rejected $config"
    start_background "$workdir/$name.log" "${proxy_pin[@]}" "$bin/sluice" --config "$config"
    # A million keys take seconds to load before sluice listens.
    wait_for_port 127.0.0.1 "$port" "$SLUICE_LAST_PID" 120 || { cat "$workdir/$name.log" >&2; die "$name did not start"; }
}

# start_redis: one redis-server for sluice+redis, pinned with the proxies (their core pays for it too).
start_redis() {
    start_background "$workdir/redis.log" "${proxy_pin[@]}" redis-server --port "$redis_port" --bind 127.0.0.1 \
        --save "" --appendonly no --loglevel warning
    redis_pid="$SLUICE_LAST_PID"
    wait_for_port 127.0.0.1 "$redis_port" "$redis_pid" || { cat "$workdir/redis.log" >&2; die "redis-server did not start"; }
}

# redis_scripts: the scripts Redis has run (EVALSHA + EVAL calls) and its CPU seconds, "calls cpu".
redis_scripts() {
    local calls cpu
    calls="$(redis-cli -p "$redis_port" INFO commandstats | tr -d '\r' \
        | awk -F'[:=,]' '/^cmdstat_(evalsha|eval):/ { n += $3 } END { print n + 0 }')"
    cpu="$(redis-cli -p "$redis_port" INFO cpu | tr -d '\r' \
        | awk -F: '/^used_cpu_(sys|user):/ { s += $2 } END { printf "%.2f", s }')"
    echo "$calls $cpu"
}

# expect_alive: fails with the logs' tails when a proxy or the upstream has exited.
expect_alive() {
    local name pid
    for name in upstream:"$upstream_pid" nginx:"$nginx_pid" sluice:"$sluice_pid" sluice-limit:"$limited_pid" \
        sluice-keys:"$keyed_pid" sluice-redis:"$redis_sluice_pid" redis:"$redis_pid"; do
        pid="${name#*:}"
        if [ -n "$pid" ] && ! kill -0 "$pid" 2>/dev/null; then
            local status=0
            wait "$pid" || status=$?
            say "${name%%:*} (PID $pid) exited with status $status; its log ends:"
            tail -n 20 "$workdir/${name%%:*}.log" "$workdir/${name%%:*}/error.log" "$workdir/${name%%:*}/stderr.log" 2>/dev/null >&2 || true
            die "${name%%:*} exited during the benchmark"
        fi
    done
}

# key_for TARGET: the API key a curl check sends to TARGET (a key of the keys file where wrk cycles through them).
key_for() {
    if [ -n "$(spread_for "$1")" ]; then echo "keva_bench_0000000"; else echo "$api_key"; fi
}

# spread_for TARGET: the key spread of run_wrk for TARGET (empty: one fixed key).
spread_for() {
    case "$1" in
        sluice+keys | sluice+limit) if [ "$keys_count" -gt 0 ]; then echo "$key_spread"; fi ;;
    esac
    return 0
}

# rss_kib PID: the resident memory of a process in KiB.
rss_kib() {
    awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"
}

# expect_ok NAME PORT: one request through curl must give 200 and the upstream's body.
expect_ok() {
    local answer
    answer="$(curl -sSk --max-time 5 -H "Authorization: Bearer $(key_for "$1")" -w ' %{http_code}' "$(scheme_of "$1")://127.0.0.1:$2/v1/items")" \
        || die "$1: request failed"
    [ "$answer" = "$body 200" ] || die "$1: unexpected answer: $answer"
}

# run_wrk SECONDS CONNECTIONS PORT OUTPUT [TARGET]: wrk on the client CPU; a -handshake target closes each
# connection; a target with a key spread (spread_for) cycles through the first keys of the benchmark keys file
# (the same key stream for every target that gets it).
run_wrk() {
    local keys=(-H "Authorization: Bearer $api_key") extra=() spread
    spread="$(spread_for "${5:-}")"
    if [ -n "$spread" ]; then
        keys=(-s "$workdir/keys.lua")
    fi
    case "${5:-}" in *-handshake) extra=(-H "Connection: close") ;; esac
    BENCH_KEY_SPREAD="${spread:-1}" "${client_pin[@]}" wrk -t"$threads" -c"$2" -d"$1s" --latency "${keys[@]}" "${extra[@]}" \
        "$(scheme_of "${5:-sluice}")://127.0.0.1:$3/v1/items" >"$4" 2>&1 || { cat "$4" >&2; expect_alive; die "wrk failed"; }
}

# scheme_of TARGET: the upstream is always plain; the proxies speak TLS with BENCH_TLS=1.
scheme_of() {
    if [ "$1" = upstream ]; then echo http; else echo "$scheme"; fi
}

# pin_for WORKERS: 1 worker on 2+ CPUs: proxies on CPU 0, wrk and upstream on CPU 1; otherwise unpinned.
pin_for() {
    proxy_pin=()
    client_pin=()
    if [ "$1" -eq 1 ] && [ "$cpus" -ge 2 ] && [ "$pin" != 0 ]; then
        proxy_pin=(taskset -c 0)
        client_pin=(taskset -c 1)
    fi
}

upstream_port="$(free_port 18600)"
nginx_port="$(free_port $((upstream_port + 1)))"
sluice_port="$(free_port $((nginx_port + 1)))"
limited_port="$(free_port $((sluice_port + 1)))"
keyed_port="$(free_port $((limited_port + 1)))"
redis_sluice_port="$(free_port $((keyed_port + 1)))"
redis_port="$(free_port $((redis_sluice_port + 1)))"
redis_pid=""
redis_sluice_pid=""
targets=(upstream nginx sluice)
if [ "$with_rate_limit" = 1 ] || [ "$keys_count" -gt 0 ]; then
    targets+=(sluice+limit)
fi
if [ "$with_tls" = 1 ]; then
    targets+=(nginx-handshake sluice-handshake)
fi
if [ "$with_redis" = 1 ]; then
    targets+=(sluice+redis)
fi
: >"$workdir/redis.tsv"
keyed_pid=""
if [ "$keys_count" -gt 0 ]; then
    targets+=(sluice+keys)
    say "writing a keys file of $keys_count keys"
    python3 "$SLUICE_ROOT/scripts/make-keys-file.py" "$keys_count" "$workdir/keys.jsonl"
    cat >"$workdir/keys.lua" <<'EOF'
-- Cycles through BENCH_KEY_SPREAD keys of scripts/make-keys-file.py: keva_bench_0000000, keva_bench_0000001, ...
local spread = tonumber(os.getenv("BENCH_KEY_SPREAD")) or 1
local next_key = 0
request = function()
    next_key = (next_key + 1) % spread
    return wrk.format("GET", nil, { ["Authorization"] = string.format("Bearer keva_bench_%07d", next_key) })
end
EOF
fi
port_of() {
    case "$1" in
        upstream) echo "$upstream_port" ;;
        nginx | nginx-handshake) echo "$nginx_port" ;;
        sluice | sluice-handshake) echo "$sluice_port" ;;
        sluice+limit) echo "$limited_port" ;;
        sluice+redis) echo "$redis_sluice_port" ;;
        sluice+keys) echo "$keyed_port" ;;
    esac
}

load_before="$(cut -d' ' -f1-3 /proc/loadavg)"
started_at="$(date -u '+%Y-%m-%d %H:%M UTC')"
: >"$workdir/syscalls.md"
for workers in $worker_counts; do
    pin_for "$workers"
    say "workers=$workers: proxies ${proxy_pin[*]:-unpinned}, wrk and upstream ${client_pin[*]:-unpinned}"
    start_upstream
    start_nginx_proxy "$workers"
    start_sluice sluice "$sluice_port" "$workers" 0
    sluice_pid="$SLUICE_LAST_PID"
    limited_pid=""
    if [ "$with_rate_limit" = 1 ] || [ "$keys_count" -gt 0 ]; then
        start_sluice sluice-limit "$limited_port" "$workers" 1
        limited_pid="$SLUICE_LAST_PID"
    fi
    keyed_pid=""
    if [ "$keys_count" -gt 0 ]; then
        start_sluice sluice-keys "$keyed_port" "$workers" 1 "$workdir/keys.jsonl"
        keyed_pid="$SLUICE_LAST_PID"
        say "sluice-keys: $(grep -m1 'keys loaded' "$workdir/sluice-keys.log" | cut -d' ' -f3-); RSS $(rss_kib "$keyed_pid") KiB (sluice-limit: $(rss_kib "$limited_pid") KiB)"
    fi
    if [ "$with_redis" = 1 ]; then
        start_redis
        start_sluice sluice-redis "$redis_sluice_port" "$workers" 1 "" redis
        redis_sluice_pid="$SLUICE_LAST_PID"
    fi
    for target in "${targets[@]}"; do
        expect_ok "$target" "$(port_of "$target")"
        if [ "$warmup" -gt 0 ]; then
            run_wrk "$warmup" "$connections" "$(port_of "$target")" "$workdir/warmup.txt" "$target"
        fi
    done
    for ((round = 1; round <= rounds; round++)); do
        for target in "${targets[@]}"; do
            out="$workdir/w$workers-$target-$round.txt"
            read -ra pids <<<"$(proxy_pids "$target")"
            ticks_before="$(cpu_ticks "${pids[@]}")"
            if [ "$target" = sluice+redis ]; then read -r calls_before cpu_before < <(redis_scripts); fi
            run_wrk "$duration" "$connections" "$(port_of "$target")" "$out" "$target"
            ticks="$(($(cpu_ticks "${pids[@]}") - ticks_before))"
            read -r rps p50 p99 errors requests < <(wrk_figures "$out")
            if [ "$target" = sluice+redis ]; then
                read -r calls_after cpu_after < <(redis_scripts)
                printf '%s\t%s\t%s\t%s\n' "$workers" "$round" "$((calls_after - calls_before))" \
                    "$(awk -v a="$cpu_after" -v b="$cpu_before" 'BEGIN { printf "%.2f", a - b }')" >>"$workdir/redis.tsv"
            fi
            cpu_us=0
            if [ "${#pids[@]}" -gt 0 ] && [ "${requests:-0}" -gt 0 ]; then
                cpu_us="$(awk -v t="$ticks" -v hz="$(getconf CLK_TCK)" -v n="$requests" 'BEGIN { printf "%.2f", t / hz * 1e6 / n }')"
            fi
            say "workers=$workers round $round/$rounds $target: $rps req/s, p50 ${p50}us, p99 ${p99}us, errors $errors"
            expect_alive
            if [ "$errors" -gt 0 ]; then
                say "wrk counted $errors errors against $target: $(grep -E 'Non-2xx|Socket errors' "$out" | tr -s ' ' | paste -sd';')"
                curl -sS --max-time 5 -i -H "Authorization: Bearer $api_key" "http://127.0.0.1:$(port_of "$target")/v1/items" \
                    >"$out.sample" 2>&1 || true
                say "a request to $target now: $(head -c 600 "$out.sample" | tr '\r\n' '  ')"
            fi
            printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$workers" "$target" "$round" "$rps" "$p50" "$p99" "$errors" "$cpu_us" >>"$results"
        done
    done
    if [ -n "$keyed_pid" ]; then
        echo "- workers=$workers: resident memory after the runs: sluice+keys $(rss_kib "$keyed_pid") KiB, sluice+limit $(rss_kib "$limited_pid") KiB" >>"$workdir/memory.md"
    fi
    if [ "$strace_seconds" -gt 0 ] && [ ! -s "$workdir/syscalls.md" ]; then
        say "strace -c -f during a ${strace_seconds}s wrk run (workers=$workers)"
        count_syscalls "sluice-w$workers" "sluice ($workers worker(s))" "$sluice_port" "$sluice_pid"
        mapfile -t nginx_workers < <(pgrep -P "$nginx_pid")
        count_syscalls "nginx-w$workers" "nginx ($workers worker process(es))" "$nginx_port" "${nginx_workers[@]}"
    fi
    stop_started
    redis_pid=""
    redis_sluice_pid=""
done

echo
echo "## sluice benchmark, $started_at"
echo
echo "Machine: $cpus CPUs ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')), $(uname -sr); $("$nginx" -v 2>&1 | sed 's/.*: //'), $(wrk -v 2>&1 | head -1 | cut -d' ' -f1-2)."
echo "Load average before: $load_before; after: $(cut -d' ' -f1-3 /proc/loadavg)."
if [ -n "$revision" ]; then
    echo "sluice: $revision."
fi
echo "wrk -t$threads -c$connections -d${duration}s --latency, $rounds interleaved rounds per target, after ${warmup}s warm-up each;"
echo "upstream: nginx (${upstream_workers} worker) returning a ${#body}-byte JSON body."
if [ -n "$nginx_headers" ]; then
    echo "nginx proxy sets X-Forwarded-For, X-Forwarded-Proto and X-Request-Id (\$request_id) like sluice."
else
    echo "nginx proxy sets no forwarding headers (BENCH_NGINX_HEADERS=0); sluice still does."
fi
echo "The upstream row is wrk straight at the upstream: the most this machine can serve with that placement."
echo "Medians of the rounds; paired = median of the per-round ratios (target and nginx measured seconds apart);"
echo "best round = the highest req/s of the rounds (load from other work only lowers it)."
echo "Pinning: 1 worker: proxy on CPU 0, wrk and upstream on CPU 1 (taskset); 2+ workers: unpinned."
if [ "$pin" = 0 ]; then
    echo "(BENCH_PIN=0: nothing pinned.)"
fi
if [ -n "${BENCH_NICE:-}" ]; then
    echo "Everything benchmarked ran at niceness $BENCH_NICE (BENCH_NICE)."
fi
echo
if [ "$with_tls" = 1 ]; then
    echo "TLS (BENCH_TLS=1): nginx and sluice terminate TLS with one ECDSA P-256 certificate; wrk over https keep-alive;"
    echo "the -handshake rows open a new TLS connection per request (Connection: close) and compare with nginx-handshake."
fi
echo "CPU/request: user + system time of the proxy's processes (nginx: its workers) over the run, per request."
echo
echo "| workers | target | req/s (median) | p50 | p99 | req/s vs nginx | paired req/s vs nginx | p99 vs nginx | best round | best vs nginx | CPU/request | req/s per round | errors |"
echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|"
awk -F'\t' -f "$SLUICE_ROOT/scripts/bench-table.awk" "$results"
if [ -s "$workdir/redis.tsv" ]; then
    echo
    echo "Redis (one redis-server, pinned with the proxies) during the sluice+redis runs: scripts it ran per second"
    echo "(EVALSHA + EVAL from INFO commandstats over the ${duration}s run) and the share of one core it used:"
    echo
    echo "| workers | round | scripts/s | Redis CPU (of one core) |"
    echo "|---|---|---|---|"
    awk -F'\t' -v d="$duration" '{ printf "| %s | %s | %.0f | %.0f%% |\n", $1, $2, $3 / d, 100 * $4 / d }' "$workdir/redis.tsv"
fi
if [ -s "$workdir/memory.md" ]; then
    echo
    echo "sluice+keys: a keys file of $keys_count keys, $(grep -m1 'keys loaded' "$workdir/sluice-keys.log" | cut -d' ' -f3-);"
    echo "sluice+limit and sluice+keys cycle through $key_spread keys of it (wrk Lua script)."
    echo
    cat "$workdir/memory.md"
fi
if [ -s "$workdir/syscalls.md" ]; then
    echo
    echo "System calls per request (strace -c -f, ${strace_seconds}s wrk run under strace, all threads; syscalls at >= 0.01 per request):"
    echo
    cat "$workdir/syscalls.md"
fi
