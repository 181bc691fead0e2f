# Apache Kafka single-node KRaft broker of deploy/local/env, run from the jars
# that fetch-kafka caches. Sourced.
# shellcheck shell=bash

kafka_dir() { echo "${ENV_DIR}/kafka"; }
kafka_needle() { echo "$(kafka_dir)/server.properties"; }

# Written at every start, so that changed ports take effect; the cluster
# identity lives in log.dirs (meta.properties), not here.
kafka_write_config() {
  local dir=$1 port=$2 controller=$3
  cat >"${dir}/server.properties" <<EOF
# cdc-agent local test broker (written by deploy/local/env at each start)
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:${controller}
listeners=PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controller}
advertised.listeners=PLAINTEXT://127.0.0.1:${port}
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
inter.broker.listener.name=PLAINTEXT
controller.listener.names=CONTROLLER
log.dirs=${dir}/kraft-logs
num.partitions=1
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=true
EOF
  cat >"${dir}/log4j.properties" <<EOF
# Broker log in the data folder (written by deploy/local/env)
log4j.rootLogger=INFO, file
log4j.appender.file=org.apache.log4j.FileAppender
log4j.appender.file.File=${dir}/server.log
log4j.appender.file.Append=true
log4j.appender.file.layout=org.apache.log4j.PatternLayout
log4j.appender.file.layout.ConversionPattern=[%d] %p %m (%c)%n
log4j.logger.kafka.request.logger=WARN
log4j.logger.state.change.logger=WARN
log4j.logger.org.apache.kafka.clients=WARN
EOF
  cat >"${dir}/tools-log4j.properties" <<EOF
log4j.rootLogger=WARN, stderr
log4j.appender.stderr=org.apache.log4j.ConsoleAppender
log4j.appender.stderr.Target=System.err
log4j.appender.stderr.layout=org.apache.log4j.PatternLayout
log4j.appender.stderr.layout.ConversionPattern=[%d] %p %m (%c)%n
EOF
}

kafka_tool() {
  local lib=$1 dir=$2
  shift 2
  java -Xmx256m "-Dlog4j.configuration=file:${dir}/tools-log4j.properties" \
    -cp "${lib}/*" "$@"
}

# StorageTool format once; a log folder without the marker is redone.
kafka_format() {
  local lib=$1 dir=$2 cluster_id
  [ -f "${dir}/kraft-logs/.cdc-formatted" ] && return 0
  rm -rf "${dir}/kraft-logs"
  {
    cluster_id=$(kafka_tool "$lib" "$dir" kafka.tools.StorageTool random-uuid) \
      && kafka_tool "$lib" "$dir" kafka.tools.StorageTool format \
           -t "$cluster_id" -c "${dir}/server.properties"
  } >"${ENV_DIR}/kafka.init.log" 2>&1 || {
    show_log_tail "${ENV_DIR}/kafka.init.log"
    die "kafka storage format failed (see ${ENV_DIR}/kafka.init.log)"
  }
  touch "${dir}/kraft-logs/.cdc-formatted"
}

kafka_up() {
  local port=$1 port_var=$2 controller=$3 controller_var=$4
  local dir lib started pid deadline
  dir=$(kafka_dir)
  command -v java >/dev/null || die "java not found; run deploy/local/install-packages"
  require_free_port "$port" "$port_var"
  require_free_port "$controller" "$controller_var"
  [ "$port" != "$controller" ] || die "${port_var} and ${controller_var} are both ${port}"
  lib=$("${SCRIPT_DIR}/fetch-kafka") || die "could not fetch the Kafka jars"
  started=$SECONDS
  mkdir -p "$dir"
  kafka_write_config "$dir" "$port" "$controller"
  kafka_format "$lib" "$dir"
  # A fresh log per start: readiness is read from it.
  if [ -f "${dir}/server.log" ]; then mv -f "${dir}/server.log" "${dir}/server.log.1"; fi
  pid=$(launch kafka "${dir}/kafka.out" java -Xms512m -Xmx512m -XX:+UseG1GC \
    -Djava.awt.headless=true -Djava.net.preferIPv4Stack=true "-Dlog4j.configuration=file:${dir}/log4j.properties" \
    "-Dkafka.logs.dir=${dir}" -cp "${lib}/*" kafka.Kafka "${dir}/server.properties")
  deadline=$((SECONDS + 60))
  while :; do
    if ! pid_alive "$pid"; then
      show_log_tail "${dir}/server.log"
      show_log_tail "${dir}/kafka.out"
      die "kafka exited while starting (log: ${dir}/server.log)"
    fi
    # The log first: connecting before the broker listens could connect to
    # itself (see port_answers).
    if grep -q 'Kafka Server started' "${dir}/server.log" 2>/dev/null \
        && port_in_use "$port" && port_answers "$port"; then
      break
    fi
    if [ "$SECONDS" -ge "$deadline" ]; then
      show_log_tail "${dir}/server.log"
      stop_pid kafka "$pid"
      die "kafka was not ready on 127.0.0.1:${port} within 60 s (log: ${dir}/server.log)"
    fi
    sleep 0.2
  done
  record_state kafka "$pid" "$port"
  say "kafka started on 127.0.0.1:${port} (controller ${controller}, pid ${pid}) in $(since "$started") s"
}

kafka_down() {
  stop_pid kafka "$2"
}
