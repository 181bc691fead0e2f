"""The readers the benchmark times: cdc-agent (its configuration, its first
start that stores the start position) and Debezium Server (its
application.properties, its first start), and the drain of a backlog by
either, measured from Kafka and /proc."""

import json
import os
import re
import time
from dataclasses import dataclass

from google.protobuf import descriptor_pb2, descriptor_pool, message_factory

from bench_db import DATABASE, SLOT_PREFIX
from bench_util import BenchError, CpuWindow, Proc, log, run, wait_until

STREAMING = re.compile(r"streaming from|streaming the binlog")


@dataclass
class Reader:
    """One reader of one source: a cdc-agent configuration or a Debezium
    Server one."""
    label: str            # e.g. "cdc-agent exactly-once"
    what: str             # short name: alo, eo, lat
    name: str             # the agent's name
    topic: str            # the topic of table `bench` (or bench_lat)
    config_path: str = ""


class RowKeys:
    """Decodes the id out of message keys: the agent's protobuf RowKey, its
    JSON mapping, or Debezium's JSON key (with or without its schema)."""

    def __init__(self, agent_bin, work_dir):
        path = os.path.join(work_dir, "events.pb")
        run([agent_bin, "schema", "--descriptor-set", path], "cdc-agent schema", 30)
        pool = descriptor_pool.DescriptorPool()
        with open(path, "rb") as f:
            for file in descriptor_pb2.FileDescriptorSet.FromString(f.read()).file:
                pool.Add(file)
        self.row_key = message_factory.GetMessageClass(pool.FindMessageTypeByName("cdc.v1.RowKey"))

    def agent_protobuf(self, key):
        for column in self.row_key.FromString(key).columns:
            if column.name == "id":
                return column.value.int_value
        return None

    @staticmethod
    def agent_json(key):
        for column in json.loads(key).get("columns", []):
            if column.get("name") == "id":
                return int(column["value"]["int_value"])
        return None

    @staticmethod
    def debezium(key):
        doc = json.loads(key)
        if isinstance(doc, dict) and "payload" in doc and "schema" in doc:
            doc = doc["payload"]
        return int(doc["id"])


def agent_config(source, name, prefix, offsets_topic, offsets_path, brokers, delivery,
                 fmt, table, server_id, slot, snapshot="never"):
    """The YAML of one agent; the password comes from the environment."""
    lines = [f"name: {name}", "log_level: info", "", "source:"]
    if source.key == "pg":
        lines += ["  type: postgres", f"  name: {prefix}", "  host: 127.0.0.1",
                  f"  port: {source.port}", "  user: postgres", "  password: ${CDC_PG_PASSWORD}",
                  f"  database: {DATABASE}", f"  slot: {slot}", f"  publication: {slot}",
                  f"  tables: [public.{table}]"]
    else:
        lines += ["  type: mysql", f"  name: {prefix}", "  host: 127.0.0.1",
                  f"  port: {source.port}", "  user: root", "  password: ${CDC_MYSQL_PASSWORD}",
                  f"  server_id: {server_id}", f"  tables: [{DATABASE}.{table}]"]
    lines += [f"  snapshot: {snapshot}", "", "kafka:", f"  brokers: {brokers}",
              f"  topic_prefix: {prefix}", f"  delivery: {delivery}",
              f"  offsets_topic: {offsets_topic}"]
    if fmt != "protobuf":
        lines.append(f"  format: {fmt}")
    lines += ["", "offsets:", f"  path: {offsets_path}", ""]
    return "\n".join(lines)


def agent_env(source):
    env = dict(os.environ)
    env["CDC_PG_PASSWORD"] = source.password if source.key == "pg" else env.get("CDC_PG_PASSWORD", "")
    env["CDC_MYSQL_PASSWORD"] = (source.password if source.key == "mariadb"
                                 else env.get("CDC_MYSQL_PASSWORD", ""))
    return env


def start_agent(agent_bin, reader, source, log_path):
    return Proc(reader.label, [agent_bin, "run", "--config", reader.config_path], log_path,
                env=agent_env(source))


def wait_streaming(proc, timeout=90.0):
    """Waits for the agent's log line that says it streams."""
    wait_until(lambda: STREAMING.search(proc.log_text()), timeout,
               f"{proc.name} to start streaming (log: {proc.log_path})", alive=proc.check_alive)


def first_start_agent(agent_bin, reader, source, log_path):
    """Starts the agent once, with nothing to read, and stops it: it creates
    its slot (PostgreSQL) and stores its start position."""
    proc = start_agent(agent_bin, reader, source, log_path)
    wait_streaming(proc)
    rc = proc.stop()
    if rc != 0:
        raise BenchError(f"{reader.label}: its first run exited {rc} (log: {log_path})")
    shown = run([agent_bin, "offsets", "show", "--config", reader.config_path],
                f"cdc-agent offsets show ({reader.label})", 60, env=agent_env(source)).stdout
    # One line per source: its name, a tab, the position ("none" when none).
    positions = [line.split("\t")[-1].strip() for line in shown.splitlines() if "\t" in line]
    if not positions or any(p in ("", "none") for p in positions):
        raise BenchError(f"{reader.label}: no position stored after its first run "
                         f"(offsets show: {shown.strip()!r})")


def debezium_properties(source, prefix, slot, server_id, brokers, work_dir):
    """application.properties of Debezium Server with the Kafka sink and
    otherwise its defaults, but for what it needs to run here (connection,
    the tables, pgoutput, snapshot.mode=no_data, where its files go)."""
    props = {
        "quarkus.http.host": "127.0.0.1",
        "quarkus.http.port": "0",
        "quarkus.log.console.json": "false",
        "debezium.sink.type": "kafka",
        "debezium.sink.kafka.producer.bootstrap.servers": brokers,
        "debezium.sink.kafka.producer.key.serializer":
            "org.apache.kafka.common.serialization.StringSerializer",
        "debezium.sink.kafka.producer.value.serializer":
            "org.apache.kafka.common.serialization.StringSerializer",
        "debezium.source.offset.storage.file.filename": os.path.join(work_dir, "offsets.dat"),
        "debezium.source.database.hostname": "127.0.0.1",
        "debezium.source.database.port": str(source.port),
        "debezium.source.topic.prefix": prefix,
        "debezium.source.snapshot.mode": "no_data",
    }
    if source.key == "pg":
        props.update({
            "debezium.source.connector.class": "io.debezium.connector.postgresql.PostgresConnector",
            "debezium.source.database.user": "postgres",
            "debezium.source.database.password": source.password,
            "debezium.source.database.dbname": DATABASE,
            "debezium.source.table.include.list": "public.bench,public.bench_warmup",
            "debezium.source.plugin.name": "pgoutput",
            "debezium.source.slot.name": slot,
            "debezium.source.publication.name": slot,
            "debezium.source.publication.autocreate.mode": "filtered",
        })
    else:
        props.update({
            "debezium.source.connector.class": "io.debezium.connector.mariadb.MariaDbConnector",
            "debezium.source.database.user": "root",
            "debezium.source.database.password": source.password,
            "debezium.source.database.server.id": str(server_id),
            "debezium.source.database.include.list": DATABASE,
            "debezium.source.table.include.list": f"{DATABASE}.bench,{DATABASE}.bench_warmup",
            "debezium.source.schema.history.internal":
                "io.debezium.storage.file.history.FileSchemaHistory",
            "debezium.source.schema.history.internal.file.filename":
                os.path.join(work_dir, "schema-history.dat"),
        })
    return "".join(f"{k}={v}\n" for k, v in props.items())


def start_debezium(debezium_dir, conf_dir, log_path):
    server = os.path.join(debezium_dir, "server")
    runner = [f for f in os.listdir(server) if f.endswith("-runner.jar")]
    if not runner:
        raise BenchError(f"no Debezium Server runner jar in {server}")
    classpath = ":".join([os.path.join(server, runner[0]), conf_dir, os.path.join(server, "lib", "*")])
    # Java 24+ needs java.lang opened to Debezium Server; no heap setting:
    # the JVM's defaults, as Debezium Server's run.sh leaves them.
    return Proc("Debezium Server", [os.path.join(debezium_dir, "java"), "--add-opens",
                                    "java.base/java.lang=ALL-UNNAMED", "-cp", classpath,
                                    "io.debezium.server.Main"], log_path, cwd=conf_dir)


def first_start_debezium(debezium_dir, conf_dir, work_dir, source, kafka, warmup_topic, log_path):
    """Starts Debezium Server, writes a warm-up row every 2 s until one
    reaches its topic (it streams then), and stops it, which stores its
    offsets (it stores none before its first event)."""
    proc = start_debezium(debezium_dir, conf_dir, log_path)
    n = [0]

    def warmed():
        if kafka.end(warmup_topic) > 0:
            return True
        n[0] += 1
        if n[0] % 20 == 1:
            source.warmup_row(n[0])
        return False

    wait_until(warmed, 240, f"Debezium Server's first event (log: {log_path})", interval=0.1,
               alive=proc.check_alive)
    proc.stop(timeout=60)
    offsets = os.path.join(work_dir, "offsets.dat")
    if not os.path.exists(offsets) or os.path.getsize(offsets) == 0:
        raise BenchError(f"Debezium Server stored no offsets in {offsets} (log: {log_path})")


@dataclass
class Drain:
    label: str
    changes: int
    records: int = 0
    tombstones: int = 0
    mean_record_bytes: float = 0.0
    startup_s: float = 0.0
    stream_s: float = 0.0
    total_s: float = 0.0
    rate: float = 0.0
    cpu_stream_s: float = 0.0
    cpu_total_s: float = 0.0
    peak_rss_mb: float = 0.0
    peak_tree_rss_mb: float = 0.0
    duplicates: int = 0
    machine_busy: float = 0.0
    other_load: float = 0.0

    @property
    def cpu_per_million(self):
        return self.cpu_stream_s * 1e6 / self.changes

    @property
    def cpu_total_per_million(self):
        return self.cpu_total_s * 1e6 / self.changes

    def as_dict(self):
        d = dict(self.__dict__)
        d["cpu_s_per_million"] = self.cpu_per_million
        d["cpu_total_s_per_million"] = self.cpu_total_per_million
        return d


def drain(proc, label, kafka, topic, changes, expected_records, final_id, key_id, timeout,
          exact, last_is_tombstone=True):
    """Waits until the last change of the backlog (the tombstone of the
    delete of `final_id`; with last_is_tombstone false, the event of row
    `final_id`) is readable with read_committed, samples the process, stops
    it and reads the topic back. `exact`: the topic must hold exactly the
    expected records (exactly-once); else at least them."""
    cpu_at_first = [None]
    window = CpuWindow()

    def done():
        end = kafka.end(topic)
        if end > 0 and cpu_at_first[0] is None:
            cpu_at_first[0] = proc.sampler.cpu_now()
        if end < expected_records:
            return False
        last = kafka.last_record(topic, end)
        return (last is not None and (last[1] is None) == last_is_tombstone
                and key_id(last[0]) == final_id)

    try:
        wait_until(done, timeout, f"{label} to deliver the backlog to {topic}", interval=0.1,
                   alive=proc.check_alive)
    except BenchError as e:
        if "timed out" in str(e):
            raise BenchError(f"{label}: the backlog was not in {topic} after {timeout:.0f} s "
                             f"({kafka.end(topic)} of at least {expected_records} offsets); "
                             f"log: {proc.log_path}") from None
        raise
    cpu_done = proc.sampler.cpu_now()
    machine_busy, other_load = window.shares()
    hwm_kb = proc.sampler.hwm_kb
    tree_kb = proc.sampler.peak_tree_rss_kb
    started_wall = proc.started_wall
    rc = proc.stop(timeout=60)
    if rc != 0 and label.startswith("cdc-agent"):
        log(f"warning: {label} exited {rc} at stop (log: {proc.log_path})")
    read_started = time.monotonic()
    scan = kafka.read(topic, timeout=max(600.0, expected_records / 2000))
    log(f"  read {topic} back: {scan.records:,} records in {time.monotonic() - read_started:.1f} s")
    if scan.records < expected_records or (exact and scan.records != expected_records):
        raise BenchError(f"{label}: {topic} holds {scan.records} records for read_committed "
                         f"consumers, expected {expected_records}")
    result = Drain(label=label, changes=changes)
    result.records = scan.records
    result.tombstones = scan.tombstones
    result.duplicates = scan.records - expected_records
    result.mean_record_bytes = scan.mean_record_bytes
    result.startup_s = scan.first_append_ms / 1000.0 - started_wall
    result.stream_s = max(0.001, (scan.last_append_ms - scan.first_append_ms) / 1000.0)
    result.total_s = scan.last_append_ms / 1000.0 - started_wall
    result.rate = changes / result.stream_s
    result.cpu_total_s = cpu_done
    result.cpu_stream_s = cpu_done - (cpu_at_first[0] if cpu_at_first[0] is not None else 0.0)
    result.peak_rss_mb = hwm_kb / 1024.0
    result.peak_tree_rss_mb = tree_kb / 1024.0
    result.machine_busy = machine_busy
    result.other_load = other_load
    log(f"{label}: {changes} changes in {result.stream_s:.2f} s ({result.rate:,.0f}/s), "
        f"start-up {result.startup_s:.1f} s, {result.cpu_per_million:.1f} CPU s per 1M changes, "
        f"peak RSS {result.peak_rss_mb:.0f} MB, machine CPU {machine_busy:.0%} busy "
        f"({other_load:.0%} other work)")
    return result


def slot_name(run_id, what):
    return f"{SLOT_PREFIX}{run_id}_{what}"

