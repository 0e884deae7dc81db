#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Starts the test servers in the background, on 127.0.0.1 only, and waits until each is ready.
#
#   scripts/services/start.sh [--prometheus-config FILE] [redis] [clickhouse] [kafka] [prometheus]
#
# Default: all. Data, logs and pid files live in .services/<name>/; each start begins with fresh data.
# A server that is already running is left as it is. Ports: see lib.sh (MERIDIAN_SVC_*_PORT).
# MERIDIAN_SVC_TIMEOUT overrides the per-server readiness timeout (seconds).
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

prometheus_config="${MERIDIAN_SVC_PROMETHEUS_CONFIG:-$SERVICES_SCRIPTS/prometheus/prometheus.yml}"
args=()
while [ "$#" -gt 0 ]; do
  case "$1" in
    --prometheus-config) [ "$#" -ge 2 ] || fail "--prometheus-config needs a file"; prometheus_config="$2"; shift 2 ;;
    --prometheus-config=*) prometheus_config="${1#*=}"; shift ;;
    -h | --help) sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) args+=("$1"); shift ;;
  esac
done
service_names "${args[@]+"${args[@]}"}" >/dev/null # fails here on an unknown name
mapfile -t names < <(service_names "${args[@]+"${args[@]}"}")

# Binaries may sit in sbin directories that a non-root PATH lacks.
PATH="$PATH:/usr/sbin:/sbin"

# Runs a server detached from this shell (its own session, so Ctrl-C here does not reach it); the
# pid file is written by the process that then becomes the server.
launch() {
  local name="$1" out="$2"
  shift 2
  # shellcheck disable=SC2016 # expanded by the inner shell
  setsid bash -c 'echo $$ >"$0"; exec "$@"' "$(pid_file "$name")" "$@" </dev/null >>"$out" 2>&1 &
}

# Fails with a clear message when another process holds one of the ports.
check_ports() {
  local name="$1" port
  shift
  for port in "$@"; do
    port_busy "$port" || continue
    local who=""
    if command -v ss >/dev/null 2>&1; then who="$(ss -Hltnp "sport = :$port" 2>/dev/null | grep -o 'users:.*' | head -1)"; fi
    fail "$name: port 127.0.0.1:$port is already in use${who:+ ($who)}; stop that process or set MERIDIAN_SVC_*_PORT"
  done
}

fresh_dir() {
  rm -rf "${SERVICES_DIR:?}/$1"
  mkdir -p "$SERVICES_DIR/$1"
}

start_redis() {
  local dir="$SERVICES_DIR/redis"
  command -v redis-server >/dev/null || fail "redis-server is not installed (scripts/services/install.sh redis)"
  check_ports redis "$REDIS_PORT"
  fresh_dir redis
  mkdir -p "$dir/data"
  launch redis "$dir/redis.log" redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --protected-mode yes \
    --daemonize no --dir "$dir/data" --save '' --appendonly no --logfile "$dir/redis.log"
}

start_clickhouse() {
  local dir="$SERVICES_DIR/clickhouse" src="$SERVICES_SCRIPTS/clickhouse"
  command -v clickhouse-server >/dev/null || fail "clickhouse-server is not installed (scripts/services/install.sh clickhouse)"
  check_ports clickhouse "$CLICKHOUSE_HTTP_PORT" "$CLICKHOUSE_TCP_PORT"
  fresh_dir clickhouse
  mkdir -p "$dir/data" "$dir/tmp" "$dir/user_files" "$dir/format_schemas" "$dir/log"
  sed -e "s|@DIR@|$dir|g" -e "s|@HTTP_PORT@|$CLICKHOUSE_HTTP_PORT|g" -e "s|@TCP_PORT@|$CLICKHOUSE_TCP_PORT|g" \
    "$src/config.xml" >"$dir/config.xml"
  cp "$src/users.xml" "$dir/users.xml"
  launch clickhouse "$dir/log/clickhouse-server.out" clickhouse-server --config-file="$dir/config.xml"
}

kafka_java() {
  local libs="$SERVICES_DIR/kafka/libs"
  ls "$libs"/kafka_2.13-*.jar >/dev/null 2>&1 || fail "the Kafka broker is not installed (scripts/services/install.sh kafka)"
  command -v java >/dev/null || fail "java is not installed (scripts/services/install.sh kafka)"
  printf '%s\n' java -cp "$libs/*" "-Dlog4j2.configurationFile=$SERVICES_SCRIPTS/kafka/log4j2.xml" \
    "-Dkafka.logs.dir=$SERVICES_DIR/kafka/logs" -Djava.awt.headless=true
}

# Class data sharing: the first broker started on a set of jars records the classes it loads and
# stop.sh keeps that archive (libs/kafka.jsa) once the broker has exited cleanly; later JVMs map
# it and start about twice as fast. A stale or foreign archive is ignored by the JVM.
# MERIDIAN_SVC_KAFKA_CDS=0 turns this off.
kafka_cds() {
  local archive="$SERVICES_DIR/kafka/libs/kafka.jsa"
  [ "${MERIDIAN_SVC_KAFKA_CDS:-1}" != 0 ] || return 0
  if [ -s "$archive" ]; then
    printf '%s\n' "-XX:SharedArchiveFile=$archive"
  elif [ "${1:-}" = record ]; then
    printf '%s\n' "-XX:ArchiveClassesAtExit=$SERVICES_DIR/kafka/kafka.jsa.tmp"
  fi
}

start_kafka() {
  local dir="$SERVICES_DIR/kafka" java cds cluster_id
  mapfile -t java < <(kafka_java)
  [ "${#java[@]}" -gt 0 ] || exit 1
  check_ports kafka "$KAFKA_PORT" "$KAFKA_CONTROLLER_PORT"
  # Keep the fetched jars, start everything else afresh.
  find "$dir" -mindepth 1 -maxdepth 1 ! -name libs -exec rm -rf {} +
  mkdir -p "$dir/data" "$dir/logs"
  sed -e "s|@DIR@|$dir|g" -e "s|@PORT@|$KAFKA_PORT|g" -e "s|@CONTROLLER_PORT@|$KAFKA_CONTROLLER_PORT|g" \
    "$SERVICES_SCRIPTS/kafka/server.properties" >"$dir/server.properties"
  # A cluster id is 16 random bytes in URL-safe base64 without padding.
  cluster_id="$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n')"
  mapfile -t cds < <(kafka_cds)
  if ! "${java[@]}" "${cds[@]}" -XX:TieredStopAtLevel=1 -XX:+UseSerialGC kafka.tools.StorageTool format \
    -t "$cluster_id" -c "$dir/server.properties" >"$dir/logs/format.log" 2>&1; then
    printf '[services] error: kafka: formatting %s failed\n' "${dir#"$REPO_ROOT"/}/data" >&2
    log_tail "$dir/logs/format.log"
    exit 1
  fi
  mapfile -t cds < <(kafka_cds record)
  # C1 only: on a small shared machine the C2 compiler threads double the start-up time, and a
  # test broker does not need peak throughput.
  # shellcheck disable=SC2086 # the heap options are a list
  launch kafka "$dir/logs/kafka.out" "${java[@]}" "${cds[@]}" -server $KAFKA_HEAP -XX:+UseG1GC \
    -XX:MaxGCPauseMillis=20 -XX:InitiatingHeapOccupancyPercent=35 -XX:+ExplicitGCInvokesConcurrent \
    -XX:TieredStopAtLevel=1 kafka.Kafka "$dir/server.properties"
}

start_prometheus() {
  local dir="$SERVICES_DIR/prometheus"
  command -v prometheus >/dev/null || fail "prometheus is not installed (scripts/services/install.sh prometheus)"
  [ -f "$prometheus_config" ] || fail "prometheus: no config file $prometheus_config"
  if command -v promtool >/dev/null && ! promtool check config "$prometheus_config" >/tmp/promtool.$$ 2>&1; then
    cat /tmp/promtool.$$ >&2
    rm -f /tmp/promtool.$$
    fail "prometheus: invalid config $prometheus_config"
  fi
  rm -f /tmp/promtool.$$
  check_ports prometheus "$PROMETHEUS_PORT"
  fresh_dir prometheus
  mkdir -p "$dir/data"
  launch prometheus "$dir/prometheus.log" prometheus --config.file="$(realpath "$prometheus_config")" \
    --storage.tsdb.path="$dir/data" --web.listen-address="127.0.0.1:$PROMETHEUS_PORT" \
    --web.enable-lifecycle --log.level=warn
}

# One readiness probe; true when the server answers.
probe() {
  case "$1" in
    redis) [ "$(redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping 2>/dev/null)" = PONG ] ;;
    clickhouse)
      [ "$(curl -sf --max-time 2 --data-binary 'SELECT 1' "http://127.0.0.1:$CLICKHOUSE_HTTP_PORT/" 2>/dev/null)" = 1 ] ;;
    kafka) probe_kafka ;;
    prometheus) curl -sf --max-time 2 "http://127.0.0.1:$PROMETHEUS_PORT/-/ready" >/dev/null 2>&1 ;;
  esac
}

# The broker is ready when a client gets its metadata and lists topics: kafkajs (the client the
# adapter uses) when node_modules has it, else Kafka's own BrokerApiVersionsCommand.
probe_kafka() {
  if [ -z "${kafka_probe:-}" ]; then
    if command -v node >/dev/null && [ -d "$REPO_ROOT/node_modules/kafkajs" ]; then kafka_probe=node; else kafka_probe=java; fi
  fi
  if [ "$kafka_probe" = node ]; then
    node "$SERVICES_SCRIPTS/kafka-ready.mjs" "127.0.0.1:$KAFKA_PORT" >>"$SERVICES_DIR/kafka/logs/ready.log" 2>&1
  else
    local java cds
    mapfile -t java < <(kafka_java)
    mapfile -t cds < <(kafka_cds)
    "${java[@]}" "${cds[@]}" -XX:TieredStopAtLevel=1 -XX:+UseSerialGC org.apache.kafka.tools.BrokerApiVersionsCommand \
      --bootstrap-server "127.0.0.1:$KAFKA_PORT" >>"$SERVICES_DIR/kafka/logs/ready.log" 2>&1
  fi
}

# The logs that explain a failure, most telling first.
failure_logs() {
  local d="$SERVICES_DIR/$1"
  case "$1" in
    redis) echo "$d/redis.log" ;;
    clickhouse) printf '%s\n' "$d/log/clickhouse-server.err.log" "$d/log/clickhouse-server.out" ;;
    kafka) printf '%s\n' "$d/logs/server.log" "$d/logs/kafka.out" "$d/logs/ready.log" ;;
    prometheus) echo "$d/prometheus.log" ;;
  esac
}

default_timeout() {
  case "$1" in redis) echo 20 ;; clickhouse) echo 60 ;; kafka) echo 120 ;; prometheus) echo 30 ;; esac
}

endpoint() {
  case "$1" in
    redis) echo "redis://127.0.0.1:$REDIS_PORT" ;;
    clickhouse) echo "http://127.0.0.1:$CLICKHOUSE_HTTP_PORT (native 127.0.0.1:$CLICKHOUSE_TCP_PORT)" ;;
    kafka) echo "127.0.0.1:$KAFKA_PORT (controller 127.0.0.1:$KAFKA_CONTROLLER_PORT)" ;;
    prometheus) echo "http://127.0.0.1:$PROMETHEUS_PORT" ;;
  esac
}

show_failure_logs() {
  local f
  while read -r f; do log_tail "$f" 30; done < <(failure_logs "$1")
}

# Waits until the server answers; on timeout or exit, prints why and the tail of its log.
wait_ready() {
  local name="$1" started="$2" timeout now
  timeout="${MERIDIAN_SVC_TIMEOUT:-$(default_timeout "$name")}"
  while :; do
    if probe "$name"; then
      say "$name ready at $(endpoint "$name") after $(($(date +%s) - started))s"
      return 0
    fi
    now="$(date +%s)"
    if ! running_pid "$name" >/dev/null; then
      printf '[services] error: %s exited before it was ready\n' "$name" >&2
      show_failure_logs "$name"
      return 1
    fi
    if [ $((now - started)) -ge "$timeout" ]; then
      printf '[services] error: %s not ready after %ss (MERIDIAN_SVC_TIMEOUT to wait longer)\n' "$name" "$timeout" >&2
      show_failure_logs "$name"
      return 1
    fi
    sleep 0.5
  done
}

launched=()
for n in "${names[@]}"; do
  if pid="$(running_pid "$n")"; then
    say "$n already running (pid $pid)"
    continue
  fi
  "start_$n"
  launched+=("$n")
done

# Servers start in parallel; each is then awaited in turn.
t0="$(date +%s)"
failed=0
for n in "${names[@]}"; do
  wait_ready "$n" "$t0" || failed=1
done
if [ "$failed" -ne 0 ]; then
  if [ "${#launched[@]}" -gt 0 ]; then "$SERVICES_SCRIPTS/stop.sh" "${launched[@]}" >&2 || true; fi
  exit 1
fi
