# Shared helpers of deploy/local/env: messages, ports, recorded PIDs and
# background launches. Sourced, never run. Expects PROG and ENV_DIR to be set.
# shellcheck shell=bash

say() { echo "${PROG}: $*" >&2; }
die() { echo "${PROG}: error: $*" >&2; exit 1; }

is_root() { [ "$(id -u)" -eq 0 ]; }

# Seconds elapsed since the given $SECONDS value, for "started in N s".
since() { echo "$((SECONDS - $1))"; }

# A TCP connection to 127.0.0.1:PORT succeeds. Call it only once something
# listens (port_in_use): our ports lie in Linux's ephemeral range, and a
# connect to a port nobody listens on can pick that same port as its own and
# connect to itself, which then keeps the server from binding it.
port_answers() {
  # shellcheck disable=SC2016  # $1 is expanded by the inner bash
  timeout 2 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$1"' _ "$1" 2>/dev/null
}

# Something listens on PORT, on any address (a listener on 0.0.0.0 or :: also
# keeps our servers from binding 127.0.0.1).
port_in_use() {
  if command -v ss >/dev/null; then
    [ -n "$(ss -Hltn "sport = :$1" 2>/dev/null)" ]
  else
    port_answers "$1"
  fi
}

# Fails with one line when PORT is taken; VAR names the variable to change it.
require_free_port() {
  local port=$1 var=$2
  if port_in_use "$port"; then
    die "port ${port} is already in use by another process; set ${var} to a free port"
  fi
}

require_port_number() {
  local port=$1 var=$2
  case "$port" in
    ''|*[!0-9]*) die "${var}='${port}' is not a port number" ;;
  esac
  if [ "$port" -lt 1 ] || [ "$port" -gt 65535 ]; then
    die "${var}=${port} is out of range"
  fi
}

# State file of one server: "PID PORT", written once the server is ready.
state_file() { echo "${ENV_DIR}/$1.state"; }

record_state() { echo "$2 $3" >"$(state_file "$1")"; }

# Prints the recorded PID of server NAME if that process is alive and its
# command line contains NEEDLE (a path unique to this environment), so that a
# recycled PID is never taken for ours.
running_pid() {
  local name=$1 needle=$2 file pid port cmdline
  file=$(state_file "$name")
  [ -f "$file" ] || return 1
  read -r pid port <"$file" || return 1
  case "$pid" in ''|*[!0-9]*) return 1 ;; esac
  [ -r "/proc/${pid}/cmdline" ] || return 1
  cmdline=$(tr '\0' ' ' <"/proc/${pid}/cmdline" 2>/dev/null) || return 1
  case "$cmdline" in *"$needle"*) echo "$pid" ;; *) return 1 ;; esac
}

recorded_port() {
  local pid port
  read -r pid port <"$(state_file "$1")" 2>/dev/null || return 1
  [ -n "$port" ] && echo "$port"
}

# Starts a command in its own session, detached from the terminal, with its
# output in LOG, and prints its PID. The wrapper writes its own PID and then
# execs the command, so the PID is the server's whatever setsid does. The
# env lock (fd 9) is closed: the server must not hold it.
launch() {
  local name=$1 log=$2 pidfile
  shift 2
  pidfile="${ENV_DIR}/${name}.launch"
  rm -f "$pidfile"
  # shellcheck disable=SC2016  # $$ and $@ are expanded by the inner bash
  setsid nohup bash -c 'echo $$ >"$0"; exec "$@"' "$pidfile" "$@" \
    >"$log" 2>&1 </dev/null 9>&- &
  for _ in $(seq 1 50); do
    if [ -s "$pidfile" ]; then
      cat "$pidfile"
      rm -f "$pidfile"
      return 0
    fi
    sleep 0.1
  done
  die "could not start ${name} (no PID after 5 s; see ${log})"
}

pid_alive() { kill -0 "$1" 2>/dev/null; }

# TERM, wait up to 20 s, then KILL. Only ever called with a PID that
# running_pid has checked.
stop_pid() {
  local name=$1 pid=$2
  kill -TERM "$pid" 2>/dev/null || return 0
  for _ in $(seq 1 200); do
    pid_alive "$pid" || return 0
    sleep 0.1
  done
  say "${name} (pid ${pid}) did not stop within 20 s; killing it"
  kill -KILL "$pid" 2>/dev/null || true
  for _ in $(seq 1 50); do
    pid_alive "$pid" || return 0
    sleep 0.1
  done
  die "${name} (pid ${pid}) is still running after KILL"
}

# Prints the last lines of a log to stderr, framed, for a failed start.
show_log_tail() {
  local file=$1
  if [ -f "$file" ]; then
    echo "---- last 20 lines of ${file} ----" >&2
    tail -n 20 "$file" >&2
    echo "----" >&2
  fi
}
