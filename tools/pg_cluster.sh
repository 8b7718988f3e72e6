# Sourced by test.sh and the benches: a throw-away PostgreSQL cluster owned by this run.
# `start_pg_cluster [fast]` installs Debian's postgresql when missing, creates a cluster in a
# temp dir listening only on 127.0.0.1 at a free port, exports KP_TEST_PG_URL (a superuser URL
# to its `postgres` database) and removes everything again when the calling shell exits.
# `fast` turns off fsync for the test suite: the cluster dies with the run anyway.

_pg_bin() {
  ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1
}

_as_cluster_owner() {
  # initdb refuses to run as root; root runs the cluster as Debian's `postgres` user.
  if [ "$(id -u)" = "0" ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

ensure_postgresql() {
  if [ -n "$(_pg_bin)" ]; then return 0; fi
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
  else
    echo "Für die PostgreSQL-Tests fehlt PostgreSQL: sudo apt-get install postgresql" >&2
    return 1
  fi
}

stop_pg_cluster() {
  if [ -n "${KP_PG_DIR:-}" ] && [ -d "$KP_PG_DIR" ]; then
    _as_cluster_owner "$(_pg_bin)/pg_ctl" -D "$KP_PG_DIR/data" -m immediate stop >/dev/null 2>&1 || true
    rm -rf "$KP_PG_DIR"
  fi
}

start_pg_cluster() {
  ensure_postgresql
  local bin port options
  bin="$(_pg_bin)"
  KP_PG_DIR="$(mktemp -d /tmp/kundenpilot-pg.XXXXXX)"
  export KP_PG_DIR
  trap stop_pg_cluster EXIT
  chmod 755 "$KP_PG_DIR"
  if [ "$(id -u)" = "0" ]; then chown postgres "$KP_PG_DIR"; fi
  port="$(.venv/bin/python -c 'from tools.liveserver import free_port; print(free_port())')"
  _as_cluster_owner "$bin/initdb" -D "$KP_PG_DIR/data" -U kp --auth=trust -E UTF8 \
    --locale=C.UTF-8 >/dev/null
  options="-p $port -k $KP_PG_DIR -c listen_addresses=127.0.0.1 -c max_connections=300"
  if [ "${1:-}" = "fast" ]; then
    options="$options -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
  fi
  _as_cluster_owner "$bin/pg_ctl" -D "$KP_PG_DIR/data" -o "$options" -l "$KP_PG_DIR/log" -w \
    start >/dev/null
  export KP_TEST_PG_URL="postgresql+psycopg://kp@127.0.0.1:$port/postgres"
}
