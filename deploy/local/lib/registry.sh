# Schema registry of deploy/local/env: Apicurio Registry with its
# Confluent-compatible API under /apis/ccompat/v7, run from the jar that
# fetch-registry caches. Storage is in memory: a restart forgets every schema
# and ids start again at 1. Sourced.
# shellcheck shell=bash

registry_dir() { echo "${ENV_DIR}/registry"; }
# The JVM's temporary folder lies in the data folder, so its path in the
# command line marks the process as ours.
registry_needle() { echo "-Djava.io.tmpdir=$(registry_dir)/tmp"; }

# The Confluent API's base URL on PORT.
registry_api_url() { echo "http://127.0.0.1:$1/apis/ccompat/v7"; }

# Ready: the health check says UP and the Confluent API answers.
registry_ready() {
  local port=$1
  # Nothing is asked before the port listens (see port_answers).
  port_in_use "$port" || return 1
  curl -fsS --max-time 2 -o /dev/null "http://127.0.0.1:${port}/health/ready" 2>/dev/null \
    && curl -fsS --max-time 2 -o /dev/null "$(registry_api_url "$port")/subjects" 2>/dev/null
}

registry_up() {
  local port=$1 port_var=$2 management=$3 management_var=$4
  local dir jar started pid deadline
  dir=$(registry_dir)
  command -v java >/dev/null || die "java not found; run deploy/local/install-packages"
  command -v curl >/dev/null || die "curl not found; run deploy/local/install-packages"
  require_free_port "$port" "$port_var"
  require_free_port "$management" "$management_var"
  [ "$port" != "$management" ] || die "${port_var} and ${management_var} are both ${port}"
  jar=$("${SCRIPT_DIR}/fetch-registry") || die "could not fetch Apicurio Registry"
  started=$SECONDS
  rm -rf "${dir}/tmp"
  mkdir -p "${dir}/tmp"
  if [ -f "${dir}/registry.log" ]; then mv -f "${dir}/registry.log" "${dir}/registry.log.1"; fi
  # Quarkus writes nothing to its working folder, but the data folder is the
  # one place that is ours. The management interface is bound to 127.0.0.1
  # too, for the builds that enable it.
  pid=$(cd "$dir" && launch registry "${dir}/registry.log" java -Xms128m -Xmx512m \
    -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Djava.net.preferIPv4Stack=true \
    "$(registry_needle)" \
    -Dquarkus.http.host=127.0.0.1 "-Dquarkus.http.port=${port}" \
    -Dquarkus.management.host=127.0.0.1 "-Dquarkus.management.port=${management}" \
    -jar "$jar")
  deadline=$((SECONDS + 120))
  while :; do
    if ! pid_alive "$pid"; then
      show_log_tail "${dir}/registry.log"
      die "registry exited while starting (log: ${dir}/registry.log)"
    fi
    if registry_ready "$port"; then break; fi
    if [ "$SECONDS" -ge "$deadline" ]; then
      show_log_tail "${dir}/registry.log"
      stop_pid registry "$pid"
      die "registry was not ready on 127.0.0.1:${port} within 120 s (log: ${dir}/registry.log)"
    fi
    sleep 0.5
  done
  record_state registry "$pid" "$port"
  say "registry started on 127.0.0.1:${port} (management ${management}, pid ${pid}) in $(since "$started") s"
}

registry_down() {
  stop_pid registry "$2"
}
