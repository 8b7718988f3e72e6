#!/usr/bin/env bash
# The whole check in one command: installs everything (venv, dev requirements, Debian
# Chromium + chromedriver for the browser tests, HTML Tidy for the mails, PostgreSQL), then
# ruff and the full pytest suite twice: on SQLite (the default) and on a throw-away PostgreSQL cluster that lives
# only as long as this run. Extra arguments go to pytest, e.g. `bash test.sh tests/web -x`;
# KP_TEST_DATABASE=sqlite or =postgresql runs only that one.
set -euo pipefail
cd "$(dirname "$0")"
source tools/venv.sh
ensure_venv requirements-dev.txt

# Debian packages the tests use: Chromium for the browser tests, HTML Tidy for the mails.
if [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/chromedriver ] || [ ! -x /usr/bin/tidy ]; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver tidy
  else
    echo "Für die Tests fehlen Debian-Pakete (Chromium, chromedriver, HTML Tidy):" >&2
    echo "  sudo apt-get install chromium chromium-driver tidy" >&2
    exit 1
  fi
fi

source tools/pg_cluster.sh
.venv/bin/ruff check .
# testpaths/norecursedirs in pyproject.toml: everything under tests/ except tests/bench.
databases="${KP_TEST_DATABASE:-sqlite postgresql}"
for database in $databases; do
  echo "== Testlauf auf $database =="
  if [ "$database" = "postgresql" ]; then start_pg_cluster fast; fi
  KP_TEST_DATABASE="$database" .venv/bin/pytest -q "$@"
done
