#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Stops the test servers that start.sh started: SIGTERM, then SIGKILL after a grace period
# (MERIDIAN_SVC_STOP_TIMEOUT seconds, default 20). Safe to call twice or when nothing runs.
#
#   scripts/services/stop.sh [redis] [clickhouse] [kafka] [prometheus]     (default: all)
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

service_names "$@" >/dev/null # fails here on an unknown name
mapfile -t names < <(service_names "$@")
grace="${MERIDIAN_SVC_STOP_TIMEOUT:-20}"
# A broker recording its class-data archive (see start.sh) writes it while exiting: give it longer.
cds_tmp="$SERVICES_DIR/kafka/kafka.jsa.tmp"

# Signal every server first so that they shut down in parallel.
declare -A pids=() recording=()
for n in "${names[@]}"; do
  if pid="$(running_pid "$n")"; then
    recording[$n]=0
    if [ "$n" = kafka ] && tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q ArchiveClassesAtExit; then recording[$n]=1; fi
    kill -TERM "$pid" 2>/dev/null || true
    pids[$n]="$pid"
  else
    rm -f "$(pid_file "$n")"
  fi
done

started=$(date +%s)
for n in "${names[@]}"; do
  pid="${pids[$n]:-}"
  [ -n "$pid" ] || continue
  limit="$grace"
  if [ "${recording[$n]}" -eq 1 ]; then limit=$((grace + 60)); fi
  while alive "$pid" && [ $(($(date +%s) - started)) -lt "$limit" ]; do sleep 0.2; done
  if alive "$pid"; then
    say "$n (pid $pid) did not stop within ${limit}s; killing it"
    kill -KILL "$pid" 2>/dev/null || true
    for _ in $(seq 1 100); do alive "$pid" || break; sleep 0.1; done
    recording[$n]=0
  fi
  if [ "$n" = kafka ]; then
    if [ "${recording[$n]}" -eq 1 ] && [ -s "$cds_tmp" ]; then mv -f "$cds_tmp" "$SERVICES_DIR/kafka/libs/kafka.jsa"; fi
    rm -f "$cds_tmp"
  fi
  rm -f "$(pid_file "$n")"
  say "$n stopped"
done
