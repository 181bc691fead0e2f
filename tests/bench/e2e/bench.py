#!/usr/bin/env python3
"""End-to-end benchmark of cdc-agent against PostgreSQL and MariaDB, with
Kafka, on real local servers; deploy/local/bench runs it (see
tests/bench/e2e/README.md). Prints results.md on stdout and writes it with
results.json and chart.png to the results folder; progress goes to stderr.

Exit status: 0 when every measurement ran, 1 on a failure (one line on
stderr), 2 on bad arguments."""

import argparse
import datetime
import hashlib
import os
import platform
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

# pylint: disable=wrong-import-position
from confluent_kafka import KafkaException

from bench_db import BACKLOG_TXN_ROWS, LATENCY_TXN_ROWS, MariaDB, Postgres, split_backlog
from bench_kafka import Kafka, producer_performance
from bench_latency import run_step
from bench_readers import (Reader, RowKeys, agent_config, debezium_properties, drain,
                           first_start_agent, first_start_debezium, slot_name, start_agent,
                           start_debezium, wait_streaming)
from bench_report import AGENT_ALO, AGENT_BIG_TXN, AGENT_EO, AGENT_SNAPSHOT, DEBEZIUM, write_all
import bench_util
from bench_util import BenchError, Proc, log, run

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
TOPIC_PREFIX = "cdc-bench-"
DEFAULT_RATES = [20000, 40000, 60000, 80000, 100000, 120000, 150000, 200000]
TUNED_PRODUCER = {"compression.type": "lz4", "batch.size": "1048576", "linger.ms": "10"}


class Interrupted(Exception):
    pass


def _on_signal(signum, _frame):
    raise Interrupted(f"interrupted by signal {signum}")


def positive_int(text):
    try:
        value = int(text.replace("_", "").replace(",", ""))
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a whole number") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"'{text}' must be above 0")
    return value


def rate_list(text):
    rates = [positive_int(x) for x in text.split(",") if x.strip()]
    if not rates:
        raise argparse.ArgumentTypeError("no rate given")
    return rates


def parse_args(argv):
    p = argparse.ArgumentParser(prog="bench", description=__doc__.split("\n\n")[0])
    p.add_argument("--source", choices=("pg", "mariadb", "both"), default="both")
    p.add_argument("--changes", type=positive_int, default=None,
                   help="changes in the backlog (default 1,000,000; --quick 50,000)")
    p.add_argument("--rates", type=rate_list, default=None,
                   help="comma-separated changes/s of the latency steps, tried in order until "
                        "one fails (default 20000,40000,...,200000; --quick 20000)")
    p.add_argument("--step-seconds", type=positive_int, default=None,
                   help="seconds per latency step (default 60; --quick 10)")
    p.add_argument("--writers", type=positive_int, default=4,
                   help="writer sessions of the latency steps (default 4)")
    p.add_argument("--no-debezium", action="store_true")
    p.add_argument("--no-latency", action="store_true")
    p.add_argument("--snapshot-rows", type=positive_int, default=None,
                   help="rows of the snapshot step's table (default 1,000,000; --quick 50,000)")
    p.add_argument("--no-snapshot", action="store_true")
    p.add_argument("--txn-rows", type=positive_int, default=None,
                   help="rows of the single-transaction step (default 1,000,000; --quick 50,000)")
    p.add_argument("--no-big-txn", action="store_true")
    p.add_argument("--quick", action="store_true",
                   help="50,000 changes, a 50,000-row snapshot and transaction, one 10 s step "
                        "at 20,000/s, no Debezium")
    p.add_argument("--drain-timeout", type=positive_int, default=None,
                   help="seconds a reader may take for the backlog (default 120 + changes/2000)")
    p.add_argument("--out", default=None, help="results folder (default bench-results/<UTC time>/)")
    args = p.parse_args(argv)
    if args.quick:
        args.changes = args.changes or 50000
        args.snapshot_rows = args.snapshot_rows or 50000
        args.txn_rows = args.txn_rows or 50000
        args.rates = args.rates or [20000]
        args.step_seconds = args.step_seconds or 10
        args.no_debezium = True
    args.changes = args.changes or 1000000
    args.snapshot_rows = args.snapshot_rows or 1000000
    args.txn_rows = args.txn_rows or 1000000
    args.rates = args.rates or DEFAULT_RATES
    args.step_seconds = args.step_seconds or 60
    if args.changes < 4:
        p.error("--changes must be at least 4")
    if args.writers > 10:
        p.error("--writers must be 10 or fewer")
    args.drain_timeout = args.drain_timeout or int(120 + args.changes / 2000)
    return args


def environment():
    """Addresses and tools from the environment, as deploy/local/bench exports them."""
    env = {
        "agent_bin": os.environ.get("CDC_AGENT_BIN") or os.path.join(ROOT, "build", "agent", "cdc-agent"),
        "pg_port": int(os.environ.get("CDC_PG_PORT", "55432")),
        "pg_password": os.environ.get("CDC_PG_PASSWORD", "cdcpass"),
        "mysql_port": int(os.environ.get("CDC_MYSQL_PORT", "53306")),
        "mysql_password": os.environ.get("CDC_MYSQL_PASSWORD", "cdcpass"),
        "brokers": os.environ.get("CDC_KAFKA_BROKERS")
                   or f"127.0.0.1:{os.environ.get('CDC_KAFKA_PORT', '59092')}",
        "kafka_lib": os.environ.get("CDC_KAFKA_LIB", ""),
        "debezium_dir": os.environ.get("CDC_DEBEZIUM_DIR", ""),
    }
    if not os.access(env["agent_bin"], os.X_OK):
        raise BenchError(f"no cdc-agent at {env['agent_bin']}: build it (cmake --build build) or "
                         "set CDC_AGENT_BIN")
    if not all(b.strip().startswith("127.0.0.1:") for b in env["brokers"].split(",")):
        raise BenchError(f"CDC_KAFKA_BROKERS={env['brokers']}: the benchmark only talks to 127.0.0.1")
    for item in os.environ.get("CDC_BENCH_SERVER_PIDS", "").split(","):
        _, _, pid = item.partition("=")
        if pid.isdigit():
            bench_util.SERVER_PIDS.append(int(pid))
    if not env["kafka_lib"] or not os.path.isdir(env["kafka_lib"]):
        raise BenchError("CDC_KAFKA_LIB is not the Kafka jar folder; deploy/local/bench sets it "
                         "from deploy/local/fetch-kafka")
    return env


def machine():
    model = ""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    ram_kb = 0
    try:
        with open("/proc/meminfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("MemTotal:"):
                    ram_kb = int(line.split()[1])
    except OSError:
        pass
    os_name = platform.system()
    try:
        with open("/etc/os-release", encoding="utf-8") as f:
            for line in f:
                if line.startswith("PRETTY_NAME="):
                    os_name = line.split("=", 1)[1].strip().strip('"')
    except OSError:
        pass
    return {"nproc": os.cpu_count(), "cpu_model": model or platform.processor() or "unknown",
            "ram_gib": ram_kb / 1024 / 1024, "kernel": platform.release(), "os": os_name,
            "load_start": os.getloadavg()[0]}


def git_state():
    def git(*a):
        r = subprocess.run(["git", "-C", ROOT, *a], capture_output=True, text=True, timeout=30)
        return r.stdout.strip() if r.returncode == 0 else ""
    commit = git("rev-parse", "--short=12", "HEAD") or "unknown"
    dirty = bool(git("status", "--porcelain", "--untracked-files=no"))
    return commit, dirty


class SourceBench:
    """Everything measured for one source."""

    def __init__(self, source, env, args, kafka, run_id, work_dir, logs_dir, keys, results):
        self.source = source
        self.env = env
        self.args = args
        self.kafka = kafka
        self.run_id = run_id
        self.work = os.path.join(work_dir, source.key)
        self.logs = logs_dir
        self.keys = keys
        self.r = results
        self.prefix = f"{TOPIC_PREFIX}{run_id}-{source.key}"
        self.offsets_topic = f"{TOPIC_PREFIX}{run_id}-offsets"
        self.server_ids = iter(range(60000 + (int(time.time()) % 1000) * 8, 70000))
        os.makedirs(self.work, exist_ok=True)

    def log_path(self, name):
        return os.path.join(self.logs, f"{self.source.key}-{name}.log")

    def agent_reader(self, what, label, delivery, fmt, table, snapshot="never"):
        name = f"{TOPIC_PREFIX}{self.run_id}-{self.source.key}-{what}"
        prefix = f"{self.prefix}-{what}"
        reader = Reader(label=label, what=what, name=name,
                        topic=f"{prefix}.{self.source.schema_name()}.{table}")
        reader.config_path = os.path.join(self.work, f"{what}.yaml")
        with open(reader.config_path, "w", encoding="utf-8") as f:
            f.write(agent_config(self.source, name, prefix, self.offsets_topic,
                                 os.path.join(self.work, f"{what}-offsets"), self.env["brokers"],
                                 delivery, fmt, table, next(self.server_ids),
                                 slot_name(self.run_id, f"{self.source.key}_{what}"), snapshot))
        return reader

    def run(self):
        s, a = self.source, self.args
        log(f"== {s.title} on 127.0.0.1:{s.port}")
        self.r["server_version"] = f"{s.title} {s.version().split()[0].split('-')[0]}"
        s.setup()
        inserts, updates, deletes = split_backlog(a.changes)
        expected = a.changes + deletes
        readers = [self.agent_reader("eo", AGENT_EO, "exactly-once", "protobuf", "bench"),
                   self.agent_reader("alo", AGENT_ALO, "at-least-once", "protobuf", "bench")]
        for reader in readers:
            self.kafka.create_topic(reader.topic)
            first_start_agent(self.env["agent_bin"], reader, s, self.log_path(f"{reader.what}-first"))
        log("agents registered their start positions")
        bound_slot = slot_name(self.run_id, f"{s.key}_bound")
        if s.key == "pg":
            s.prepare_bound(bound_slot)
        dbz = None
        if not a.no_debezium:
            dbz = self.prepare_debezium()
        start_pos = s.position()
        log(f"writing the backlog: {a.changes:,} changes")
        started = time.monotonic()
        end_pos = s.write_backlog(a.changes, timeout=max(600, a.changes / 1000))
        write_s = time.monotonic() - started
        log(f"backlog written in {write_s:.1f} s")
        self.r["backlog"] = {"changes": a.changes, "inserts": inserts, "updates": updates,
                             "deletes": deletes, "txn_rows": BACKLOG_TXN_ROWS, "write_s": write_s,
                             "records": expected, "start": str(start_pos), "end": str(end_pos)}
        self.r["bounds"] = bounds = []
        self.r["drain"] = drains = {}
        # The database's own reader first: it also brings the log into the page cache.
        if s.key == "pg":
            secs = s.read_bound(bound_slot, end_pos, a.drain_timeout, self.log_path("pg_recvlogical"))
            bounds.append({"label": "pg_recvlogical, pgoutput to /dev/null", "short": "pg_recvlogical",
                           "seconds": secs, "changes_per_s": a.changes / secs})
        else:
            secs = s.read_bound(start_pos, end_pos, a.drain_timeout, os.path.join(self.work, "raw"))
            bounds.append({"label": "mariadb-binlog --raw (bytes only)", "short": "mariadb-binlog --raw",
                           "seconds": secs, "changes_per_s": a.changes / secs})
            secs = s.read_bound(start_pos, end_pos, a.drain_timeout, None, decode=True)
            bounds.append({"label": "mariadb-binlog --verbose (rows decoded to text, to /dev/null)",
                           "short": "mariadb-binlog -v", "seconds": secs,
                           "changes_per_s": a.changes / secs})
        log(f"bound: {bounds[-1]['label']}: {bounds[-1]['changes_per_s']:,.0f} changes/s")
        for reader in readers:
            proc = start_agent(self.env["agent_bin"], reader, s, self.log_path(reader.what))
            drains[reader.label] = drain(proc, reader.label, self.kafka, reader.topic, a.changes,
                                         expected, deletes, self.keys.agent_protobuf,
                                         a.drain_timeout, exact=reader.label == AGENT_EO).as_dict()
        if dbz is not None:
            conf_dir, topic = dbz
            proc = start_debezium(self.env["debezium_dir"], conf_dir, self.log_path("debezium"))
            drains[DEBEZIUM] = drain(proc, DEBEZIUM, self.kafka, topic, a.changes, expected, deletes,
                                     self.keys.debezium, a.drain_timeout, exact=False).as_dict()
        self.kafka_bounds(drains[AGENT_ALO])
        if not a.no_snapshot:
            self.snapshot()
        if not a.no_big_txn:
            self.big_transaction()
        if not a.no_latency:
            self.latency()

    def prepare_debezium(self):
        s = self.source
        if not self.env["debezium_dir"]:
            raise BenchError("CDC_DEBEZIUM_DIR is not set (deploy/local/fetch-debezium prints it); "
                             "or use --no-debezium")
        conf_dir = os.path.join(self.work, "debezium")
        os.makedirs(conf_dir, exist_ok=True)
        prefix = f"{self.prefix}-dbz"
        with open(os.path.join(conf_dir, "application.properties"), "w", encoding="utf-8") as f:
            f.write(debezium_properties(s, prefix, slot_name(self.run_id, f"{s.key}_dbz"),
                                        next(self.server_ids), self.env["brokers"], conf_dir))
        topic = f"{prefix}.{s.schema_name()}.bench"
        warmup = f"{prefix}.{s.schema_name()}.bench_warmup"
        self.kafka.create_topic(topic)
        self.kafka.create_topic(warmup)
        log("Debezium Server: first start, to store its start position")
        first_start_debezium(self.env["debezium_dir"], conf_dir, conf_dir, s, self.kafka, warmup,
                             self.log_path("debezium-first"))
        return conf_dir, topic

    def kafka_bounds(self, alo):
        """ProducerPerformance with the agent's record count and mean size."""
        records = alo["records"]
        size = max(1, round(alo["mean_record_bytes"]))
        for short, props in (("defaults", {}), ("tuned", TUNED_PRODUCER)):
            topic = f"{self.prefix}-kperf-{short}"
            self.kafka.create_topic(topic, log_append_time=False)
            perf = producer_performance(self.env["kafka_lib"], self.env["brokers"], topic, records,
                                        size, props, self.log_path(f"kafka-perf-{short}"),
                                        timeout=120 + records / 5000)
            settings = "default producer settings" if not props else \
                ", ".join(f"{k}={v}" for k, v in props.items())
            self.r["bounds"].append({
                "label": f"Kafka ProducerPerformance, {records:,} records of {size} B, {settings}",
                "short": f"Kafka producer, {short}", "seconds": records / perf["records_per_s"],
                "records_per_s": perf["records_per_s"],
                "changes_per_s": perf["records_per_s"] * self.args.changes / records,
                "record_bytes": size, "records": records, "props": props, **perf})
            log(f"bound: Kafka ProducerPerformance ({short}): {perf['records_per_s']:,.0f} records/s")
            self.kafka.delete_topics([topic])

    def snapshot(self):
        """Table bench_snap read whole: by the database's own client, then by
        an agent that starts with nothing stored (snapshot: initial,
        exactly-once), timed to its last READ event in Kafka."""
        s, rows = self.source, self.args.snapshot_rows
        log(f"snapshot: filling bench_snap with {rows:,} rows")
        s.fill_snapshot_table(rows, timeout=max(600, rows / 2000))
        secs = s.read_table_bound(timeout=max(600, rows / 1000))
        snap = self.r["snapshot"] = {"rows": rows, "bound": {"label": s.full_read_label,
                                                             "seconds": secs,
                                                             "rows_per_s": rows / secs}}
        log(f"bound: {s.full_read_label}: {rows / secs:,.0f} rows/s")
        reader = self.agent_reader("snap", AGENT_SNAPSHOT, "exactly-once", "protobuf",
                                   "bench_snap", snapshot="initial")
        self.kafka.create_topic(reader.topic)
        d = self.drain_rows(reader, "snap", rows)
        # From the process start: a snapshot's start-up is part of its time.
        d["rows_per_s"] = rows / d["total_s"]
        snap["agent"] = d
        log(f"{AGENT_SNAPSHOT}: {d['rows_per_s']:,.0f} rows/s from its start, "
            f"{d['rows_per_s'] * secs / rows:.2f}x the database's own read")

    def drain_rows(self, reader, log_name, rows):
        """Starts the agent of `reader` and drains `rows` events of ids 1..rows,
        none a delete, into its topic (exactly-once: exactly that many)."""
        proc = start_agent(self.env["agent_bin"], reader, self.source, self.log_path(log_name))
        return drain(proc, reader.label, self.kafka, reader.topic, rows, rows, rows,
                     self.keys.agent_protobuf, int(120 + rows / 2000), exact=True,
                     last_is_tombstone=False).as_dict()

    def big_transaction(self):
        """One transaction of N inserts into bench_big, drained by an agent
        (exactly-once) that stored its start position before it: the rate and
        the peak RSS through a transaction far larger than a batch."""
        s, rows = self.source, self.args.txn_rows
        reader = self.agent_reader("big", AGENT_BIG_TXN, "exactly-once", "protobuf", "bench_big")
        self.kafka.create_topic(reader.topic)
        first_start_agent(self.env["agent_bin"], reader, s, self.log_path("big-first"))
        log(f"one transaction of {rows:,} inserts into bench_big")
        started = time.monotonic()
        s.write_big_transaction(rows, timeout=max(600, rows / 1000))
        write_s = time.monotonic() - started
        d = self.drain_rows(reader, "big", rows)
        self.r["big_txn"] = {"rows": rows, "write_s": write_s, "agent": d}
        log(f"{AGENT_BIG_TXN}: {d['rate']:,.0f} rows/s, peak RSS {d['peak_rss_mb']:.0f} MB")

    def latency(self):
        s, a = self.source, self.args
        reader = self.agent_reader("lat", AGENT_EO, "exactly-once", "json", "bench_lat")
        self.kafka.create_topic(reader.topic)
        log(f"latency steps at {', '.join(f'{r:,}' for r in a.rates)} changes/s, "
            f"{a.step_seconds} s each")
        lat = self.r["latency"] = {"steps": [], "highest_ok": None, "writers": a.writers,
                                   "step_seconds": a.step_seconds, "txn_rows": LATENCY_TXN_ROWS,
                                   "format": "json", "delivery": "exactly-once"}
        proc = start_agent(self.env["agent_bin"], reader, s, self.log_path("lat"))
        try:
            wait_streaming(proc)
            if s.key == "mariadb":
                s.relax_commit_flush()
            offset = 0
            for i, rate in enumerate(a.rates):
                step, offset = run_step(s, self.kafka, proc, reader.topic, self.keys.agent_json, i,
                                        rate, a.step_seconds, a.writers, offset,
                                        os.path.join(self.logs,
                                                     f"{self.source.key}-latency-{rate}.csv"))
                lat["steps"].append(step.as_dict())
                if not step.ok:
                    break
                lat["highest_ok"] = rate
            lat["peak_rss_mb"] = proc.sampler.hwm_kb / 1024.0
        finally:
            proc.stop(timeout=60)
            if s.key == "mariadb":
                s.restore_commit_flush()


def drop_topics(kafka, prefix):
    """Deletes the topics whose names start with prefix; a failure is a warning."""
    try:
        kafka.delete_topics(kafka.topics(prefix))
    except (BenchError, KafkaException) as e:
        log(f"warning: could not delete the topics {prefix}*: {e}")


def main(argv):
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, _on_signal)
    signal.signal(signal.SIGINT, _on_signal)
    started_wall = time.time()
    started_utc = datetime.datetime.now(datetime.timezone.utc)
    out_dir = args.out or os.path.join(ROOT, "bench-results", started_utc.strftime("%Y-%m-%dT%H%M%SZ"))
    logs_dir = os.path.join(out_dir, "logs")
    work_dir = tempfile.mkdtemp(prefix="cdc-bench-")
    results = {"run": {}, "machine": machine(), "sources": {}}
    sources, kafka, run_window = [], None, None
    run_id = format(int(started_wall) & 0xFFFFFF, "06x")  # names this run's slots and topics
    rc = 0
    try:
        env = environment()
        os.makedirs(logs_dir, exist_ok=True)
        commit, dirty = git_state()
        # The run uses a copy of the agent: a rebuild during the run does not
        # change (or remove) the binary under it.
        agent_copy = os.path.join(work_dir, "cdc-agent")
        try:
            shutil.copy2(env["agent_bin"], agent_copy)
        except OSError as e:
            raise BenchError(f"cannot copy {env['agent_bin']}: {e.strerror}") from None
        version = run([agent_copy, "version"], "cdc-agent version", 30).stdout.strip()
        with open(agent_copy, "rb") as f:
            agent_sha = hashlib.file_digest(f, "sha256").hexdigest()
        command = "deploy/local/bench " + " ".join(os.environ.get("CDC_BENCH_ARGS", " ".join(argv)).split())
        results["run"] = {"started_utc": started_utc.strftime("%Y-%m-%d %H:%M:%S"),
                          "command": command.strip(), "commit": commit, "dirty": dirty,
                          "agent_bin": env["agent_bin"], "agent_version": version,
                          "agent_sha256": agent_sha,
                          "changes": args.changes, "rates": args.rates,
                          "step_seconds": args.step_seconds, "writers": args.writers,
                          "debezium": not args.no_debezium, "latency": not args.no_latency,
                          "snapshot": not args.no_snapshot, "big_txn": not args.no_big_txn,
                          "run_id": run_id, "duration_s": 0,
                          "server_pids": os.environ.get("CDC_BENCH_SERVER_PIDS", "")}
        results["kafka_version"] = os.path.basename(os.path.dirname(env["kafka_lib"])).replace("kafka-", "") \
            or "?"
        run_window = bench_util.CpuWindow()
        kafka = Kafka(env["brokers"])
        stale = kafka.topics(TOPIC_PREFIX)
        if stale:
            log(f"deleting {len(stale)} topic(s) {TOPIC_PREFIX}* left by an earlier run")
            kafka.delete_topics(stale)
        env["agent_bin_used"], env["agent_bin"] = env["agent_bin"], agent_copy
        keys = RowKeys(env["agent_bin"], work_dir)
        if args.source in ("pg", "both"):
            sources.append(Postgres(env["pg_port"], env["pg_password"]))
        if args.source in ("mariadb", "both"):
            sources.append(MariaDB(env["mysql_port"], env["mysql_password"]))
        log(f"results in {out_dir}")
        for source in sources:
            part = results["sources"][source.key] = {"title": source.title, "server_version": source.title}
            try:
                SourceBench(source, env, args, kafka, run_id, work_dir, logs_dir, keys, part).run()
            finally:
                Proc.stop_all()
                source.cleanup()
                drop_topics(kafka, f"{TOPIC_PREFIX}{run_id}-{source.key}-")
    except (BenchError, Interrupted) as e:
        log(f"error: {e}")
        results["error"] = str(e)
        rc = 1
    except KeyboardInterrupt:
        log("error: interrupted")
        results["error"] = "interrupted"
        rc = 1
    except KafkaException as e:
        log(f"error: Kafka: {e.args[0].str() if e.args else e}")
        results["error"] = f"Kafka: {e}"
        rc = 1
    except Exception as e:  # pylint: disable=broad-except
        # Anything else is a bug of the benchmark: one line here, the trace in a file.
        os.makedirs(logs_dir, exist_ok=True)
        trace = os.path.join(logs_dir, "traceback.txt")
        with open(trace, "w", encoding="utf-8") as f:
            traceback.print_exc(file=f)
        log(f"error: {type(e).__name__}: {e} (trace: {trace})")
        results["error"] = f"{type(e).__name__}: {e}"
        rc = 1
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        Proc.stop_all()
        for source in sources:
            source.cleanup()
        if kafka is not None:
            drop_topics(kafka, f"{TOPIC_PREFIX}{run_id}-")
            kafka.close()
        shutil.rmtree(work_dir, ignore_errors=True)
    results["run"]["duration_s"] = time.time() - started_wall
    results["machine"]["load_end"] = os.getloadavg()[0]
    if run_window is not None:
        results["machine"]["busy_run"], results["machine"]["other_load_run"] = run_window.shares()
    if results["run"].get("commit") and any(p.get("drain") or p.get("latency")
                                            for p in results["sources"].values()):
        md, problem = write_all(results, out_dir)
        if problem:
            log(f"warning: no chart: {problem}")
            rc = rc or 1
        sys.stdout.write(md)
        sys.stdout.flush()
        log(f"results: {out_dir}/results.md, results.json, chart.png")
    return rc


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
