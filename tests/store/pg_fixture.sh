# A throw-away PostgreSQL cluster for the store tests: initdb in a temporary directory as an unprivileged
# user (postgres refuses to run as root), the server listening only on a Unix socket in that directory,
# stopped and removed on exit. Source it, then call pg_fixture_start; it exports EVS_DATABASE_URL.
# Exit 77 (ctest: skipped) only when the PostgreSQL server binaries are missing.

PG_BIN=${PG_BIN:-}
if [ -z "$PG_BIN" ]; then
  for d in /usr/lib/postgresql/*/bin; do [ -x "$d/initdb" ] && PG_BIN=$d; done
fi
if [ -z "$PG_BIN" ] || [ ! -x "$PG_BIN/initdb" ] || [ ! -x "$PG_BIN/postgres" ]; then
  echo "SKIP: PostgreSQL server binaries not found (apt-get install postgresql)" >&2
  exit 77
fi

PG_DIR=
PG_USER=
PG_OPTS=

# Runs a command as the cluster's owner (the current user when not root).
pg_as_owner() {
  if [ "$(id -u)" = 0 ]; then runuser -u "$PG_USER" -- "$@"; else "$@"; fi
}

pg_fixture_stop() {
  if [ -n "$PG_DIR" ] && [ -f "$PG_DIR/data/postmaster.pid" ]; then
    pg_as_owner "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m immediate -w stop >/dev/null 2>&1 || true
  fi
  [ -n "$PG_DIR" ] && rm -rf "$PG_DIR"
  PG_DIR=
}

# Starts the server (again, after a stop) with the settings pg_fixture_start chose.
pg_fixture_restart() {
  if ! pg_as_owner "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -o "$PG_OPTS" -w -t 30 start \
    >/dev/null 2>&1; then
    cat "$PG_DIR/server.log" >&2
    echo "pg_fixture: postgres did not start" >&2
    return 1
  fi
}

# Stops the server at once, as a crash would (no shutdown checkpoint).
pg_fixture_kill() {
  pg_as_owner "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m immediate -w stop >/dev/null 2>&1
}

# pg_fixture_start [extra postgres -c settings...]
pg_fixture_start() {
  PG_DIR=$(mktemp -d "${TMPDIR:-/tmp}/evs-pg.XXXXXX")
  trap pg_fixture_stop EXIT
  trap 'exit 130' INT TERM
  if [ "$(id -u)" = 0 ]; then
    PG_USER=nobody
    chown "$PG_USER" "$PG_DIR"
    chmod 700 "$PG_DIR"
  else
    PG_USER=$(id -un)
  fi
  if ! pg_as_owner "$PG_BIN/initdb" -D "$PG_DIR/data" -U evs --auth=trust -E UTF8 --no-locale \
    >"$PG_DIR/initdb.log" 2>&1; then
    cat "$PG_DIR/initdb.log" >&2
    echo "pg_fixture: initdb failed" >&2
    return 1
  fi
  local opts="-c listen_addresses='' -c unix_socket_directories='$PG_DIR' -c max_connections=40"
  opts="$opts -c fsync=off -c full_page_writes=off -c synchronous_commit=off"
  for o in "$@"; do opts="$opts -c $o"; done
  PG_OPTS=$opts
  pg_fixture_restart || return 1
  # the test client runs as root: the socket directory must be reachable
  chmod 755 "$PG_DIR"
  export EVS_DATABASE_URL="postgresql:///postgres?host=$PG_DIR&user=evs"
  export PG_FIXTURE_DIR=$PG_DIR
  # for tests in C that stop and start the server: $PG_FIXTURE_DIR/ctl.sh stop|start
  local as=""
  [ "$(id -u)" = 0 ] && as="runuser -u $PG_USER --"
  cat > "$PG_DIR/ctl.sh" <<CTL
#!/bin/sh
case "\$1" in
  stop) exec $as "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m immediate -w stop >/dev/null 2>&1 ;;
  start) exec $as "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -o "$PG_OPTS" -w -t 30 start >/dev/null 2>&1 ;;
esac
exit 2
CTL
  chmod 755 "$PG_DIR/ctl.sh"
}

# Runs psql against the fixture (for checks the test makes behind the store's back).
pg_psql() {
  "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -At "$EVS_DATABASE_URL" "$@"
}
