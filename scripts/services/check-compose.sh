#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Validates docker-compose.yml without a Docker engine: the compose schema and interpolation
# (docker-compose 1.29 from Debian, or `docker compose` v2 where installed), the files it mounts
# and builds from, and the Prometheus config it uses.
#   scripts/services/check-compose.sh
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$REPO_ROOT"

if command -v docker-compose >/dev/null 2>&1; then
  compose=(docker-compose)
elif command -v docker >/dev/null 2>&1 && docker compose version >/dev/null 2>&1; then
  compose=(docker compose)
else
  fail "neither docker-compose nor docker compose is installed (scripts/services/install.sh compose)"
fi

"${compose[@]}" -f docker-compose.yml config -q || fail "docker-compose.yml is not valid"

for f in docker/Dockerfile docker/prometheus/prometheus.yml; do
  [ -f "$f" ] || fail "docker-compose.yml needs $f"
done
if command -v promtool >/dev/null 2>&1; then
  promtool check config docker/prometheus/prometheus.yml >/dev/null || fail "docker/prometheus/prometheus.yml is not valid"
fi
say "docker-compose.yml is valid ($("${compose[@]}" -f docker-compose.yml config --services | tr '\n' ' '))"
