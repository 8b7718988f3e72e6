#!/usr/bin/env bash
# Kundenpilot in one command: installs what is needed, then starts the console on
# http://127.0.0.1:8080 (KP_HOST/KP_PORT). Demo data and a demo login unless KP_DEMO is set.
set -euo pipefail
cd "$(dirname "$0")"
source tools/venv.sh
ensure_venv requirements.txt
export KP_DEMO="${KP_DEMO:-true}"
exec .venv/bin/python app.py "$@"
