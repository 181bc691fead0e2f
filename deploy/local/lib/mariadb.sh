# MariaDB 10.11 server of deploy/local/env: row-based binlog with GTIDs.
# Sourced.
# shellcheck shell=bash

mariadb_dir() { echo "${ENV_DIR}/mariadb"; }
mariadb_needle() { echo "--datadir=$(mariadb_dir) "; }

# Quotes a value for a single-quoted SQL string literal.
sql_quote() {
  local v=$1
  v=${v//\\/\\\\}
  v=${v//\'/\'\'}
  printf "'%s'" "$v"
}

mariadb_check_tools() {
  local tool
  for tool in mariadbd mariadb-install-db mariadb mariadb-admin; do
    command -v "$tool" >/dev/null \
      || die "${tool} not found; run deploy/local/install-packages"
  done
}

mariadb_init() {
  local dir user_args=()
  dir=$(mariadb_dir)
  rm -rf "$dir"
  mkdir -p "$dir"
  if is_root; then user_args=(--user=root); fi
  if ! mariadb-install-db --no-defaults --datadir="$dir" "${user_args[@]}" \
        --auth-root-authentication-method=normal --skip-test-db --skip-name-resolve \
        >"${ENV_DIR}/mariadb.init.log" 2>&1; then
    show_log_tail "${ENV_DIR}/mariadb.init.log"
    die "mariadb-install-db failed (see ${ENV_DIR}/mariadb.init.log)"
  fi
}

# Sets the root password on a fresh server, through the socket (root has no
# password yet), keeping these statements out of the binlog the tests read.
mariadb_set_password() {
  local dir=$1 pw hosts host sql
  pw=$(sql_quote "${CDC_MYSQL_PASSWORD:-cdcpass}")
  hosts=$(mariadb --no-defaults -S "${dir}/mariadb.sock" -uroot -N -B -e \
    "SELECT host FROM mysql.user WHERE user = 'root' AND host NOT IN ('localhost', '127.0.0.1', '::1')") \
    || return 1
  sql="SET SESSION sql_log_bin = 0;"
  for host in localhost 127.0.0.1 ::1; do
    sql+=" ALTER USER IF EXISTS 'root'@'${host}' IDENTIFIED BY ${pw};"
  done
  # With --skip-name-resolve, accounts for the machine's host name only add warnings.
  while IFS= read -r host; do
    [ -n "$host" ] && sql+=" DROP USER IF EXISTS 'root'@$(sql_quote "$host");"
  done <<<"$hosts"
  mariadb --no-defaults -S "${dir}/mariadb.sock" -uroot -e "$sql"
}

mariadb_ping() {
  # Nothing is asked before the port listens (see port_answers).
  port_in_use "$1" || return 1
  MYSQL_PWD=${CDC_MYSQL_PASSWORD:-cdcpass} mariadb-admin --no-defaults --protocol=TCP \
    -h 127.0.0.1 -P "$1" -uroot --connect-timeout=2 ping >/dev/null 2>&1
}

mariadb_up() {
  local port=$1 port_var=$2 dir started pid args deadline fresh=0 user_args=()
  dir=$(mariadb_dir)
  mariadb_check_tools
  require_free_port "$port" "$port_var"
  started=$SECONDS
  if [ ! -f "${dir}/.cdc-initialized" ]; then
    mariadb_init
    fresh=1
  fi
  if is_root; then user_args=(--user=root); fi
  args=(mariadbd --no-defaults "--datadir=${dir}" "${user_args[@]}"
    "--socket=${dir}/mariadb.sock" "--port=${port}" --bind-address=127.0.0.1
    "--pid-file=${dir}/mariadbd.pid" "--log-error=${dir}/mariadbd.err"
    "--log-bin=${dir}/binlog" --binlog-format=ROW --binlog-row-image=FULL
    --server-id=1 --gtid-strict-mode=ON --skip-name-resolve)
  pid=$(launch mariadb "${dir}/mariadbd.out" "${args[@]}")
  deadline=$((SECONDS + 60))
  until mariadb_ping "$port"; do
    if ! pid_alive "$pid"; then
      show_log_tail "${dir}/mariadbd.err"
      die "mariadb exited while starting (log: ${dir}/mariadbd.err)"
    fi
    if [ "$SECONDS" -ge "$deadline" ]; then
      show_log_tail "${dir}/mariadbd.err"
      stop_pid mariadb "$pid"
      die "mariadb did not answer on 127.0.0.1:${port} within 60 s (log: ${dir}/mariadbd.err)"
    fi
    sleep 0.2
  done
  if [ "$fresh" -eq 1 ]; then
    if ! mariadb_set_password "$dir"; then
      stop_pid mariadb "$pid"
      die "could not set the root password of the new mariadb server"
    fi
    touch "${dir}/.cdc-initialized"
  fi
  record_state mariadb "$pid" "$port"
  if ! MYSQL_PWD=${CDC_MYSQL_PASSWORD:-cdcpass} mariadb --no-defaults --protocol=TCP \
      -h 127.0.0.1 -P "$port" -uroot -e 'SELECT 1' >/dev/null 2>&1; then
    die "mariadb runs (pid ${pid}) but rejects CDC_MYSQL_PASSWORD: root's password is set when its data is created; use that one or run 'deploy/local/env reset'"
  fi
  say "mariadb started on 127.0.0.1:${port} (pid ${pid}) in $(since "$started") s"
}

mariadb_down() {
  stop_pid mariadb "$2"
}
