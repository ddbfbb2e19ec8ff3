#!/usr/bin/env bash
# The ingest benchmark as the service runs in a hospital: Redis with its
# append-only file (appendfsync everysec), `voorrang serve` in its own
# process, and `voorrang bench` sending over MLLP from another. Everything
# runs on free local ports and is removed afterwards.
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
cleanup() {
  [ -n "${svc:-}" ] && kill "$svc" 2>/dev/null && wait "$svc" 2>/dev/null || true
  redis-cli -p "$rport" shutdown nosave >/dev/null 2>&1 || true
  rm -rf "$tmp"
}
trap cleanup EXIT
free() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
rport=$(free); mport=$(free); hport=$(free)
redis-server --daemonize yes --bind 127.0.0.1 --port "$rport" --dir "$tmp" --appendonly yes \
  --appendfsync everysec --save "" --logfile "$tmp/redis.log"
for _ in $(seq 50); do redis-cli -p "$rport" ping >/dev/null 2>&1 && break; sleep 0.1; done
go build -o "$tmp/voorrang" ./cmd/voorrang
"$tmp/voorrang" serve --redis "redis://127.0.0.1:$rport/1" --mllp "127.0.0.1:$mport" --http "127.0.0.1:$hport" \
  --log-level warn 2>"$tmp/serve.log" &
svc=$!
for _ in $(seq 50); do curl -sf "http://127.0.0.1:$hport/readyz" >/dev/null && break; sleep 0.1; done
echo "# Redis with appendonly yes, appendfsync everysec; the service in its own process (pid $svc)"
"$tmp/voorrang" bench --redis "redis://127.0.0.1:$rport/0" --mllp "127.0.0.1:$mport" --service-pid "$svc" "$@"
