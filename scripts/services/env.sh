#!/usr/bin/env bash
# The URLs of the test servers, for the adapter tests.
#   source scripts/services/env.sh                        exports them into the current shell
#   eval "$(scripts/services/env.sh)"                     the same, from any shell
#   scripts/services/env.sh --dotenv >> "$GITHUB_ENV"     KEY=VALUE lines
# Ports follow the same MERIDIAN_SVC_*_PORT overrides as start.sh (see lib.sh).
export MERIDIAN_TEST_REDIS_URL="redis://127.0.0.1:${MERIDIAN_SVC_REDIS_PORT:-6379}"
export MERIDIAN_TEST_CLICKHOUSE_URL="http://127.0.0.1:${MERIDIAN_SVC_CLICKHOUSE_HTTP_PORT:-8123}"
export MERIDIAN_TEST_KAFKA_BROKERS="127.0.0.1:${MERIDIAN_SVC_KAFKA_PORT:-9092}"
export MERIDIAN_TEST_PROMETHEUS_URL="http://127.0.0.1:${MERIDIAN_SVC_PROMETHEUS_PORT:-9090}"

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  prefix='export '
  [ "${1:-}" = --dotenv ] && prefix=''
  for key in MERIDIAN_TEST_REDIS_URL MERIDIAN_TEST_CLICKHOUSE_URL MERIDIAN_TEST_KAFKA_BROKERS MERIDIAN_TEST_PROMETHEUS_URL; do
    printf '%s%s=%s\n' "$prefix" "$key" "${!key}"
  done
fi
