#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Installs the real servers the production adapters are tested against, from package registries
# only (Debian apt, Maven Central); no Docker engine needed.
#
#   scripts/services/install.sh [redis] [clickhouse] [kafka] [prometheus] [compose]   (default: all)
#
# Idempotent: what is present is skipped, and apt-get update runs only when a package is missing.
# Quiet unless something is installed or fails (the full output is then in .services/install.log).
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

INSTALL_LOG="$SERVICES_DIR/install.log"
KAFKA_LIBS="$SERVICES_DIR/kafka/libs"
KAFKA_POM="$SERVICES_SCRIPTS/kafka/pom.xml"

# Package daemons that a post-install script may have started despite policy-rc.d.
PACKAGE_PID_FILES=(
  /run/redis/redis-server.pid
  /run/clickhouse-server/clickhouse-server.pid
  /run/prometheus/prometheus.pid
  /run/prometheus.pid
)

names=("$@")
[ "${#names[@]}" -gt 0 ] || names=(redis clickhouse kafka prometheus compose)
for n in "${names[@]}"; do
  case "$n" in redis | clickhouse | kafka | prometheus | compose) ;; *)
    fail "unknown component '$n' (known: redis clickhouse kafka prometheus compose)" ;;
  esac
done

has() { command -v "$1" >/dev/null 2>&1; }

# apt packages still missing for the requested components.
missing=()
need() { has "$1" || missing+=("$2"); }
for n in "${names[@]}"; do
  case "$n" in
    redis) need redis-server redis-server; need redis-cli redis-tools ;;
    clickhouse) need clickhouse-server clickhouse-server; need curl curl ;;
    prometheus) need prometheus prometheus; need promtool prometheus; need curl curl ;;
    compose) need docker-compose docker-compose ;;
    kafka) need java openjdk-17-jre-headless; need mvn maven ;;
  esac
done

mkdir -p "$SERVICES_DIR"
: >"$INSTALL_LOG"

run_logged() {
  if ! "$@" >>"$INSTALL_LOG" 2>&1; then
    printf '[services] error: failed: %s\n' "$*" >&2
    log_tail "$INSTALL_LOG" 60
    exit 1
  fi
}

stop_package_daemons() {
  local f pid
  for f in "${PACKAGE_PID_FILES[@]}"; do
    [ -s "$f" ] || continue
    pid="$(cat "$f")"
    if [ -z "$pid" ] || ! alive "$pid"; then continue; fi
    say "stopping $(cat "/proc/$pid/comm" 2>/dev/null || echo "pid $pid") started by its package"
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do alive "$pid" || break; sleep 0.2; done
    kill -KILL "$pid" 2>/dev/null || true
  done
}

install_apt() {
  # Unique, in order.
  local pkgs=() p seen=" "
  for p in "$@"; do
    case "$seen" in *" $p "*) ;; *) pkgs+=("$p"); seen+="$p " ;; esac
  done
  local sudo=()
  if [ "$(id -u)" -ne 0 ]; then
    has sudo || fail "installing ${pkgs[*]} needs root (or sudo)"
    sudo=(sudo -n)
  fi
  # Post-install scripts try to start their services; without an init system that fails the
  # install. policy-rc.d answering 101 ("action forbidden") tells invoke-rc.d not to try.
  local policy=/usr/sbin/policy-rc.d
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' | "${sudo[@]}" tee "$policy" >/dev/null
    "${sudo[@]}" chmod 755 "$policy"
    # shellcheck disable=SC2064 # expand now: the array is local
    trap "${sudo[*]} rm -f $policy" EXIT
  fi
  say "installing apt packages: ${pkgs[*]}"
  run_logged "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  run_logged "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
    --no-install-recommends -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold \
    "${pkgs[@]}"
  if [ "${#sudo[@]}" -eq 0 ]; then stop_package_daemons; fi
}

# The broker's jars are refetched only when the pom changes; a stale set is replaced whole.
install_kafka_libs() {
  local stamp
  stamp="$(sha256sum "$KAFKA_POM" | cut -d' ' -f1)"
  if [ -f "$KAFKA_LIBS/.stamp" ] && [ "$(cat "$KAFKA_LIBS/.stamp")" = "$stamp" ]; then return; fi
  say "fetching the Kafka broker from Maven Central"
  rm -rf "$KAFKA_LIBS"
  run_logged mvn -q -B -Dstyle.color=never -f "$KAFKA_POM" dependency:copy-dependencies "-Dlibs.dir=$KAFKA_LIBS"
  ls "$KAFKA_LIBS"/kafka_2.13-*.jar >/dev/null 2>&1 || fail "no kafka_2.13 jar in $KAFKA_LIBS"
  printf '%s\n' "$stamp" >"$KAFKA_LIBS/.stamp"
}

if [ "${#missing[@]}" -gt 0 ]; then install_apt "${missing[@]}"; fi
for n in "${names[@]}"; do
  if [ "$n" = kafka ]; then install_kafka_libs; fi
done
