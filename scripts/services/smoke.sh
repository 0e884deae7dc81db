#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Smoke check of running test servers: a real write and read on each.
#
#   scripts/services/smoke.sh [redis] [clickhouse] [kafka] [prometheus]     (default: all)
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

service_names "$@" >/dev/null # fails here on an unknown name
mapfile -t names < <(service_names "$@")
tag="smoke_$$_$(date +%s)"

smoke_redis() {
  local cli=(redis-cli -h 127.0.0.1 -p "$REDIS_PORT")
  [ "$("${cli[@]}" SET "meridian:$tag" hello EX 60)" = OK ] || fail "redis: SET failed"
  [ "$("${cli[@]}" GET "meridian:$tag")" = hello ] || fail "redis: GET did not return the value"
  "${cli[@]}" DEL "meridian:$tag" >/dev/null
  say "redis smoke: SET/GET ok ($("${cli[@]}" INFO server | sed -n 's/^redis_version:\(.*\)\r$/\1/p'))"
}

ch() {
  curl -sS --fail-with-body --max-time 10 --data-binary "$1" "http://127.0.0.1:$CLICKHOUSE_HTTP_PORT/" ||
    fail "clickhouse: query failed: $1"
}

smoke_clickhouse() {
  ch "CREATE TABLE $tag (id UInt32, at DateTime, name String) ENGINE = MergeTree ORDER BY id" >/dev/null
  ch "INSERT INTO $tag VALUES (1, '2024-01-02 03:04:05', 'a'), (2, '2024-01-02 03:04:06', 'b')" >/dev/null
  local got
  got="$(ch "SELECT count(), sum(id), max(name) FROM $tag FORMAT TSV")"
  ch "DROP TABLE $tag" >/dev/null
  [ "$got" = "$(printf '2\t3\tb')" ] || fail "clickhouse: unexpected result '$got'"
  say "clickhouse smoke: create/insert/select ok ($(ch 'SELECT version()'))"
}

smoke_kafka() {
  node "$SERVICES_SCRIPTS/kafka-smoke.mjs" "127.0.0.1:$KAFKA_PORT" || fail "kafka: smoke failed"
}

smoke_prometheus() {
  local base="http://127.0.0.1:$PROMETHEUS_PORT" version
  curl -sf --max-time 5 "$base/-/ready" >/dev/null || fail "prometheus: not ready"
  curl -sf --max-time 5 "$base/api/v1/query?query=up" | grep -q '"status":"success"' || fail "prometheus: query failed"
  version="$(curl -sf --max-time 5 "$base/api/v1/status/buildinfo" | sed -n 's/.*"version":"\([^"]*\)".*/\1/p')"
  say "prometheus smoke: ready, query ok ($version)"
}

for n in "${names[@]}"; do "smoke_$n"; done
