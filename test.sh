#!/usr/bin/env bash
# The whole check in one command: installs everything (venv, dev requirements, Debian
# Chromium + chromedriver for the browser tests), then ruff and the full pytest suite.
# Extra arguments go to pytest, e.g. `bash test.sh tests/web -x`.
set -euo pipefail
cd "$(dirname "$0")"
source tools/venv.sh
ensure_venv requirements-dev.txt

if [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/chromedriver ]; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver
  else
    echo "Für die Browser-Tests fehlen /usr/bin/chromium und /usr/bin/chromedriver:" >&2
    echo "  sudo apt-get install chromium chromium-driver" >&2
    exit 1
  fi
fi

.venv/bin/ruff check .
# testpaths/norecursedirs in pyproject.toml: everything under tests/ except tests/bench.
exec .venv/bin/pytest -q "$@"
