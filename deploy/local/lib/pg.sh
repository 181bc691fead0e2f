# PostgreSQL 15 servers of deploy/local/env: `pg` (wal_level=logical) and
# `pg-replica` (wal_level=replica, for the agent's refusal test). Sourced.
# shellcheck shell=bash

readonly PG_BIN=${CDC_PG_BIN:-/usr/lib/postgresql/15/bin}

pg_dir() { echo "${ENV_DIR}/$1"; }

# PostgreSQL refuses to run as root: as root, its tools run as `postgres`.
# The working directory is / so that the user can always stat it, and the
# env lock (fd 9) is closed so that the postmaster does not hold it.
as_pg() {
  if is_root; then
    (cd / && runuser -u postgres -- "$@" 9>&-)
  else
    (cd / && "$@" 9>&-)
  fi
}

pg_check_tools() {
  [ -x "${PG_BIN}/initdb" ] || die "PostgreSQL 15 not found in ${PG_BIN}; run deploy/local/install-packages"
  if is_root; then
    id postgres >/dev/null 2>&1 || die "user postgres does not exist; run deploy/local/install-packages"
    as_pg test -x "$ENV_DIR" \
      || die "user postgres cannot reach ${ENV_DIR}; set CDC_ENV_DIR to a folder it can enter"
  fi
}

# initdb once; a folder without the marker is a half-finished init and is redone.
pg_init() {
  local name=$1 wal_level=$2 dir pwfile
  dir=$(pg_dir "$name")
  rm -rf "$dir"
  mkdir -p "$dir"
  pwfile=$(mktemp)
  printf '%s\n' "${CDC_PG_PASSWORD:-cdcpass}" >"$pwfile"
  if is_root; then chown postgres: "$dir" "$pwfile"; fi
  if ! as_pg "${PG_BIN}/initdb" -D "$dir" -U postgres --pwfile="$pwfile" \
        --auth-local=trust --auth-host=scram-sha-256 -E UTF8 --locale=C \
        --no-instructions >"${ENV_DIR}/${name}.init.log" 2>&1; then
    rm -f "$pwfile"
    show_log_tail "${ENV_DIR}/${name}.init.log"
    die "initdb failed for ${name} (see ${ENV_DIR}/${name}.init.log)"
  fi
  rm -f "$pwfile"
  cat >>"${dir}/postgresql.conf" <<EOF

# ---- cdc-agent local test server (written by deploy/local/env) ----
listen_addresses = '127.0.0.1'
unix_socket_directories = '${dir}'
wal_level = ${wal_level}
max_replication_slots = 20
max_wal_senders = 20
# Test data is thrown away with the folder: durability buys nothing here and
# fsync would slow every test down.
fsync = off
log_line_prefix = '%m [%p] %q%u@%d '
EOF
  touch "${dir}/.cdc-initialized"
  if is_root; then chown postgres: "${dir}/postgresql.conf" "${dir}/.cdc-initialized"; fi
}

pg_needle() { echo "-D $(pg_dir "$1") "; }

pg_up() {
  local name=$1 port=$2 port_var=$3 wal_level=$4 dir started pid
  dir=$(pg_dir "$name")
  pg_check_tools
  require_free_port "$port" "$port_var"
  started=$SECONDS
  [ -f "${dir}/.cdc-initialized" ] || pg_init "$name" "$wal_level"
  if ! as_pg "${PG_BIN}/pg_ctl" -D "$dir" -l "${dir}/postgresql.log" -w -t 60 \
        -o "-p ${port}" start >/dev/null 2>&1; then
    show_log_tail "${dir}/postgresql.log"
    # A start that timed out may have left a postmaster behind.
    as_pg "${PG_BIN}/pg_ctl" -D "$dir" -m immediate stop >/dev/null 2>&1 || true
    die "${name} did not start on 127.0.0.1:${port} (log: ${dir}/postgresql.log)"
  fi
  pid=$(head -n 1 "${dir}/postmaster.pid")
  record_state "$name" "$pid" "$port"
  pg_apply_password "$name" "$dir" "$port"
  say "${name} started on 127.0.0.1:${port} (pid ${pid}, wal_level=${wal_level}) in $(since "$started") s"
}

# Sets the password of postgres to CDC_PG_PASSWORD at every start, so that a
# changed variable takes effect without a reset. The socket is `trust`.
pg_apply_password() {
  local name=$1 dir=$2 port=$3
  if ! echo "ALTER ROLE postgres PASSWORD :'pw';" \
      | "${PG_BIN}/psql" -X -q -v ON_ERROR_STOP=1 -v pw="${CDC_PG_PASSWORD:-cdcpass}" \
          -h "$dir" -p "$port" -U postgres -d postgres >/dev/null 2>"${ENV_DIR}/${name}.psql.err"; then
    show_log_tail "${ENV_DIR}/${name}.psql.err"
    die "${name} started but its password could not be set (pid $(head -n 1 "${dir}/postmaster.pid"))"
  fi
  rm -f "${ENV_DIR}/${name}.psql.err"
}

pg_down() {
  local name=$1 pid=$2 dir
  dir=$(pg_dir "$name")
  if ! as_pg "${PG_BIN}/pg_ctl" -D "$dir" -m fast -w -t 60 stop >/dev/null 2>&1; then
    pid_alive "$pid" && die "pg_ctl could not stop ${name} (pid ${pid}); see ${dir}/postgresql.log"
  fi
}
