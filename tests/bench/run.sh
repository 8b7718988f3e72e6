#!/usr/bin/env bash
# Every bench on SQLite, then on a throw-away PostgreSQL cluster (default settings, fsync on,
# like a dealer's server). Prints each bench's figures; exits non-zero if any target was
# missed. One bench: `bash tests/bench/run.sh bench_tradein.py`; one database:
# KP_TEST_DATABASE=postgresql bash tests/bench/run.sh
set -uo pipefail
cd "$(dirname "$0")/../.."
source tools/venv.sh
ensure_venv requirements-dev.txt
source tools/pg_cluster.sh
benches=("$@")
if [ ${#benches[@]} -eq 0 ]; then
  benches=(bench_tradein.py bench_sender.py bench_import.py bench_detection.py bench_service.py)
fi
failed=0
for database in ${KP_TEST_DATABASE:-sqlite postgresql}; do
  if [ "$database" = "postgresql" ] && [ -z "${KP_PG_DIR:-}" ]; then start_pg_cluster; fi
  for bench in "${benches[@]}"; do
    (cd tests/bench && KP_TEST_DATABASE="$database" ../../.venv/bin/python "$bench") || failed=1
  done
done
exit $failed
