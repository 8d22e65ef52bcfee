#!/usr/bin/env bash
# Runs sluice locally: installs the missing Debian packages, builds release, starts the demo upstream on
# 127.0.0.1:3000 and sluice with config/demo.yaml (config/sluice.yaml's defaults plus the demo keys file
# config/keys.example.jsonl; public 127.0.0.1:8080, admin 127.0.0.1:9090) in front of it, prints curl commands to try, and stops both (by the PIDs it started) on Ctrl-C or exit.
#   scripts/run.sh     (SLUICE_CONFIG=FILE: another config, its upstream still 127.0.0.1:3000;
#                       SLUICE_SCRATCH=DIR: SwiftPM scratch folder, default .build)
set -euo pipefail

# shellcheck source=scripts/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$SLUICE_ROOT"

config="${SLUICE_CONFIG:-config/demo.yaml}"
upstream_port=3000
public_port=8080
admin_port=9090

ensure_packages "${SLUICE_BUILD_PACKAGES[@]}" curl
ensure_swift
bin="$(build_release "$SLUICE_SCRATCH" demo-upstream sluice)"

"$bin/sluice" check --config "$config" >&2 || die "$config is not valid (see above)"
for port in "$upstream_port" "$public_port" "$admin_port"; do
    if port_in_use 127.0.0.1 "$port"; then
        die "127.0.0.1:$port is already in use (another scripts/run.sh?): stop that first"
    fi
done

workdir="$(mktemp -d /tmp/sluice-run-XXXXXX)"
# shellcheck disable=SC2317  # called by the EXIT trap
cleanup() {
    stop_started
    rm -rf "$workdir"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

start_background "$workdir/demo-upstream.log" "$bin/demo-upstream" --listen "127.0.0.1:$upstream_port"
upstream_pid="$SLUICE_LAST_PID"
wait_for_port 127.0.0.1 "$upstream_port" "$upstream_pid" \
    || { cat "$workdir/demo-upstream.log" >&2; die "the demo upstream did not start"; }
say "demo upstream listening on 127.0.0.1:$upstream_port (PID $upstream_pid)"

# sluice logs (stderr) and its access log (stdout) go to this terminal.
start_background - "$bin/sluice" --config "$config"
sluice_pid="$SLUICE_LAST_PID"
wait_for_port 127.0.0.1 "$public_port" "$sluice_pid" || die "sluice did not start"

cat <<EOF

sluice is listening on http://127.0.0.1:$public_port (admin on http://127.0.0.1:$admin_port),
in front of the demo upstream on http://127.0.0.1:$upstream_port. Try, in another terminal:

  # a demo key of config/keys.example.jsonl (public, for trying only): forwarded, with its plan's headers
  # (plan pro: 1000/hour, 60/minute) and X-Consumer-Id: demo / X-Consumer-Plan: pro sent upstream
  curl -i -H 'Authorization: Bearer keva_demo_Z8mQ4tR7wX2nB5vL9cK3pH6j' http://127.0.0.1:$public_port/v1/users
  curl -i -H 'Authorization: Bearer keva_demo_Z8mQ4tR7wX2nB5vL9cK3pH6j' -d '{"hello":"world"}' http://127.0.0.1:$public_port/echo

  # keys sluice refuses itself, never forwarded: unknown, wrong format, revoked, expired, and a missing scope
  curl -i -H 'Authorization: Bearer keva_demo_invented000000000000000' http://127.0.0.1:$public_port/v1/users   # 401 INVALID_API_KEY
  curl -i -H 'Authorization: Bearer demo-key' http://127.0.0.1:$public_port/v1/users                           # 401 "Invalid API key format"
  curl -i -H 'Authorization: Bearer keva_demo_Old0Rotated0Out0000000000' http://127.0.0.1:$public_port/v1/users  # 401 API_KEY_REVOKED
  curl -i -H 'Authorization: Bearer keva_demo_Expired00000000000000000' http://127.0.0.1:$public_port/v1/users  # 401 API_KEY_EXPIRED
  curl -i -X POST -H 'Authorization: Bearer keva_demo_ReadOnly0000000000000000' http://127.0.0.1:$public_port/v1/tickets  # 403 INSUFFICIENT_SCOPE
  # (20 refused keys from one address within a minute, and it gets 429 until its failed_auth_limit bucket refills)

  # no key: 401 MISSING_AUTHORIZATION in the canonical error envelope, never forwarded
  curl -i http://127.0.0.1:$public_port/v1/users

  # upstream error bodies (NestJS style, a Python traceback) rewritten into the canonical envelope
  curl -i -H 'Authorization: Bearer keva_demo_ReadOnly0000000000000000' 'http://127.0.0.1:$public_port/status/404?body=nestjs-not-found'
  curl -i -H 'Authorization: Bearer keva_demo_ReadOnly0000000000000000' 'http://127.0.0.1:$public_port/status/500?body=traceback'

  # demo-readonly has rate_limit.limits (10/minute): the 11th request within a minute gets 429 with Retry-After
  for i in \$(seq 11); do curl -s -o /dev/null -w '%{http_code}\n' -H 'Authorization: Bearer keva_demo_ReadOnly0000000000000000' http://127.0.0.1:$public_port/v1/users; done

  # admin endpoint
  curl -s http://127.0.0.1:$admin_port/healthz; curl -s http://127.0.0.1:$admin_port/stats
  curl -s http://127.0.0.1:$admin_port/keys/demo     # the consumer's plan, keys (hash prefixes) and remaining tokens

Press Ctrl-C to stop sluice and the demo upstream.

EOF

status=0
wait "$sluice_pid" || status=$?
say "sluice exited with status $status"
exit "$status"
