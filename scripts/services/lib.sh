# shellcheck shell=bash disable=SC2034 # the port variables are read by the scripts that source this
# Shared by install.sh, start.sh, stop.sh, smoke.sh and check-compose.sh (sourced, not run).
# Everything the servers write lives under .services/<name>/ in the repository root.

SERVICES_SCRIPTS="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$SERVICES_SCRIPTS/../.." && pwd)"
SERVICES_DIR="$REPO_ROOT/.services"
ALL_SERVICES=(redis clickhouse kafka prometheus)

# Ports, overridable. The MERIDIAN_SVC_ prefix keeps clear of variables such as REDIS_PORT that
# container platforms set on their own.
REDIS_PORT="${MERIDIAN_SVC_REDIS_PORT:-6379}"
CLICKHOUSE_HTTP_PORT="${MERIDIAN_SVC_CLICKHOUSE_HTTP_PORT:-8123}"
CLICKHOUSE_TCP_PORT="${MERIDIAN_SVC_CLICKHOUSE_TCP_PORT:-9000}"
KAFKA_PORT="${MERIDIAN_SVC_KAFKA_PORT:-9092}"
KAFKA_CONTROLLER_PORT="${MERIDIAN_SVC_KAFKA_CONTROLLER_PORT:-9093}"
PROMETHEUS_PORT="${MERIDIAN_SVC_PROMETHEUS_PORT:-9090}"
KAFKA_HEAP="${MERIDIAN_SVC_KAFKA_HEAP:--Xms256m -Xmx512m}"

say() { printf '[services] %s\n' "$*"; }
fail() { printf '[services] error: %s\n' "$*" >&2; exit 1; }

# Validates service names; prints them one a line (all of them when none is given).
service_names() {
  if [ "$#" -eq 0 ]; then printf '%s\n' "${ALL_SERVICES[@]}"; return; fi
  local n
  for n in "$@"; do
    case "$n" in
      redis | clickhouse | kafka | prometheus) printf '%s\n' "$n" ;;
      *) fail "unknown service '$n' (known: ${ALL_SERVICES[*]})" ;;
    esac
  done
}

pid_file() { printf '%s/%s/%s.pid' "$SERVICES_DIR" "$1" "$1"; }

# Text every process of the service carries on its command line, so that a recycled pid is never
# mistaken for ours.
service_marker() {
  case "$1" in
    redis) printf 'redis-server' ;;
    clickhouse) printf 'clickhouse' ;;
    kafka) printf 'kafka.Kafka' ;;
    prometheus) printf 'prometheus' ;;
  esac
}

# Prints the pid of the running service, or fails.
running_pid() {
  local file pid
  file="$(pid_file "$1")"
  [ -s "$file" ] || return 1
  pid="$(cat "$file")"
  [ -n "$pid" ] && alive "$pid" || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q -- "$(service_marker "$1")" || return 1
  printf '%s' "$pid"
}

# True while the process exists and is not a zombie (a reparented server may wait to be reaped).
alive() {
  local state
  state="$(sed -n 's/^[0-9]* (.*) \([A-Za-z]\) .*/\1/p' "/proc/$1/stat" 2>/dev/null)" || return 1
  [ -n "$state" ] && [ "$state" != Z ] && [ "$state" != X ]
}

# True when something accepts connections on 127.0.0.1:<port>.
port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# Prints the last lines of a log file, indented, for failure messages.
log_tail() {
  local f="$1" n="${2:-40}"
  if [ -s "$f" ]; then
    printf '  --- last %s lines of %s ---\n' "$n" "${f#"$REPO_ROOT"/}" >&2
    tail -n "$n" "$f" | sed 's/^/  | /' >&2
  fi
}
