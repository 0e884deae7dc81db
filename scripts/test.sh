#!/usr/bin/env bash
# The whole test suite, as `npm test` runs it: install and start the real servers the adapter tests
# use (Redis, ClickHouse, a Kafka broker, Prometheus: loopback only), then typecheck, lint, the
# vitest suites and the promtool rule tests. Servers this script started are stopped at the end;
# servers that were already running are reused and left running.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=services/lib.sh
source scripts/services/lib.sh

# Prometheus and promtool are installed for the rule tests and the live dashboard check, which
# starts a private Prometheus of its own; the shared servers are the other three.
SERVICES=(redis clickhouse kafka)
scripts/services/install.sh "${SERVICES[@]}" prometheus

started=()
for name in "${SERVICES[@]}"; do
  running_pid "$name" >/dev/null 2>&1 || started+=("$name")
done
stop_started() {
  if [ "${#started[@]}" -gt 0 ]; then scripts/services/stop.sh "${started[@]}" >/dev/null 2>&1 || true; fi
}
trap stop_started EXIT
if [ "${#started[@]}" -gt 0 ]; then scripts/services/start.sh "${started[@]}"; fi
eval "$(scripts/services/env.sh)"

echo "== typecheck"
npm run --silent typecheck
echo "== lint"
npm run --silent lint
echo "== tests"
results="$(mktemp)"
npx vitest run --reporter=default --reporter=json --outputFile.json="$results" "$@"
# One plain closing line with the counts.
node -e 'const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  console.log(`vitest: ${r.numPassedTests} passed, ${r.numFailedTests} failed`);' "$results"
rm -f "$results"
if [ -d dashboards/rules/tests ]; then
  echo "== alert rule tests"
  promtool test rules dashboards/rules/tests/*.yml
fi
