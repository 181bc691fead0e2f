"""The Kafka side of the benchmark: topics, the read_committed end of a
topic, reading topics back, and Kafka's own producer benchmark
(org.apache.kafka.tools.ProducerPerformance) as the Kafka bound."""

import logging
import os
import re
import subprocess
import time
import uuid
from dataclasses import dataclass

from confluent_kafka import (TIMESTAMP_LOG_APPEND_TIME, Consumer, KafkaError, KafkaException,
                             TopicPartition)
from confluent_kafka.admin import AdminClient, NewTopic

from bench_util import BenchError, first_line, log

# librdkafka's own log lines (a broker connection refused for a moment) are
# not the benchmark's output.
_QUIET = logging.getLogger("cdc-bench.kafka")
_QUIET.addHandler(logging.NullHandler())
_QUIET.propagate = False


@dataclass
class Scan:
    """What a read of a topic from an offset to its end found."""
    records: int = 0
    tombstones: int = 0
    key_value_bytes: int = 0
    first_append_ms: int = 0
    last_append_ms: int = 0
    next_offset: int = 0

    @property
    def mean_record_bytes(self):
        return self.key_value_bytes / self.records if self.records else 0.0


class Kafka:
    def __init__(self, brokers):
        self.brokers = brokers
        self.admin = AdminClient({"bootstrap.servers": brokers}, logger=_QUIET)
        self.probe = self.consumer()

    def close(self):
        self.probe.close()

    def consumer(self, **extra):
        conf = {"bootstrap.servers": self.brokers,
                "group.id": f"cdc-bench-{uuid.uuid4()}", "enable.auto.commit": False,
                "isolation.level": "read_committed", "auto.offset.reset": "earliest",
                "socket.timeout.ms": 10000}
        conf.update(extra)
        return Consumer(conf, logger=_QUIET)

    def topics(self, prefix=""):
        try:
            md = self.admin.list_topics(timeout=10)
        except KafkaException as e:
            raise BenchError(f"Kafka at {self.brokers} does not answer: {e.args[0].str()}") from None
        return sorted(t for t in md.topics if t.startswith(prefix))

    def create_topic(self, name, log_append_time=True):
        """One partition; with LogAppendTime each record carries the time the
        broker appended it."""
        config = {"message.timestamp.type": "LogAppendTime"} if log_append_time else {}
        futures = self.admin.create_topics([NewTopic(name, num_partitions=1, replication_factor=1,
                                                     config=config)], operation_timeout=30)
        for future in futures.values():
            try:
                future.result(timeout=60)
            except KafkaException as e:
                raise BenchError(f"cannot create topic {name}: {e.args[0].str()}") from None
        deadline = time.monotonic() + 30
        while name not in self.topics(name):
            if time.monotonic() > deadline:
                raise BenchError(f"topic {name} was created but is not in the metadata after 30 s")
            time.sleep(0.2)

    def delete_topics(self, names):
        names = [n for n in names if n]
        if not names:
            return
        futures = self.admin.delete_topics(names, operation_timeout=30)
        for name, future in futures.items():
            try:
                future.result(timeout=60)
            except KafkaException as e:
                if e.args[0].code() != KafkaError.UNKNOWN_TOPIC_OR_PART:
                    log(f"warning: could not delete topic {name}: {e.args[0].str()}")

    def end(self, topic):
        """The read_committed end of partition 0 (the last stable offset),
        0 when the topic does not exist yet."""
        try:
            _, high = self.probe.get_watermark_offsets(TopicPartition(topic, 0), timeout=5,
                                                      cached=False)
            return high
        except KafkaException as e:
            if e.args[0].code() in (KafkaError.UNKNOWN_TOPIC_OR_PART, KafkaError._UNKNOWN_PARTITION,
                                    KafkaError._TIMED_OUT):
                return 0
            raise

    def last_record(self, topic, end, lookback=64):
        """The last record before `end` that a read_committed consumer reads
        (a transaction's commit marker takes an offset but is not a record):
        (key, value), or None."""
        c = self.consumer(**{"enable.partition.eof": True})
        try:
            start = max(0, end - lookback)
            c.assign([TopicPartition(topic, 0, start)])
            last = None
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:
                msgs = c.consume(1000, 1.0)
                eof = False
                for m in msgs:
                    if m.error() is not None:
                        if m.error().code() == KafkaError._PARTITION_EOF:
                            eof = True
                            continue
                        raise KafkaException(m.error())
                    if m.offset() < end:
                        last = (m.key(), m.value())
                if eof:
                    break
            if last is None and start > 0:
                return self.last_record(topic, end, lookback * 16)
            return last
        finally:
            c.close()

    def read(self, topic, start=0, handler=None, expect=None, timeout=120.0, idle=False):
        """Reads partition 0 of `topic` from `start` with read_committed and
        returns a Scan. Without `expect` it reads to the end (the last stable
        offset) as it is when the read reaches it; with `expect` it reads
        until that many records have come (tombstones included), waiting for
        them until `timeout`, or with `idle` until no record has come for
        `timeout` (so that the reading itself, slower than the agent's
        writing at high rates, is not taken for the agent falling behind).
        handler(message) is called for each record."""
        c = self.consumer(**{"enable.partition.eof": True, "fetch.max.bytes": 52428800,
                             "max.partition.fetch.bytes": 10485760})
        scan = Scan(next_offset=start)
        try:
            c.assign([TopicPartition(topic, 0, start)])
            deadline = time.monotonic() + timeout
            while True:
                if expect is not None and scan.records >= expect:
                    break
                if time.monotonic() > deadline:
                    if expect is None:
                        raise BenchError(f"reading {topic}: not at its end after {timeout:.0f} s")
                    break
                msgs = c.consume(10000, 0.5)
                if idle and any(m.error() is None for m in msgs):
                    deadline = time.monotonic() + timeout
                eof = False
                for m in msgs:
                    err = m.error()
                    if err is not None:
                        if err.code() == KafkaError._PARTITION_EOF:
                            eof = True
                            continue
                        raise BenchError(f"reading {topic}: {err.str()}")
                    ts_type, ts = m.timestamp()
                    if ts_type != TIMESTAMP_LOG_APPEND_TIME:
                        raise BenchError(f"{topic} does not carry LogAppendTime timestamps "
                                         "(was it created by the broker before the benchmark?)")
                    key, value = m.key(), m.value()
                    scan.records += 1
                    scan.key_value_bytes += (len(key) if key else 0) + (len(value) if value else 0)
                    if value is None:
                        scan.tombstones += 1
                    if scan.records == 1:
                        scan.first_append_ms = ts
                    scan.last_append_ms = ts
                    scan.next_offset = m.offset() + 1
                    if handler is not None:
                        handler(m)
                if eof and expect is None:
                    break
        finally:
            c.close()
        return scan


_PERF_LINE = re.compile(r"(\d+) records sent, ([\d.]+) records/sec \(([\d.]+) MB/sec\), "
                        r"([\d.]+) ms avg latency, ([\d.]+) ms max latency")


def producer_performance(kafka_lib, brokers, topic, records, record_size, props, log_path,
                         timeout):
    """Runs Kafka's ProducerPerformance with the machine's java; returns
    {"records_per_s", "mb_per_s", "avg_latency_ms", "max_latency_ms", "wall_s"} (wall_s
    includes the JVM's start)."""
    args = ["java", "-Xmx512m", "-cp", os.path.join(kafka_lib, "*"),
            "org.apache.kafka.tools.ProducerPerformance", "--topic", topic,
            "--num-records", str(records), "--record-size", str(record_size),
            "--throughput", "-1", "--producer-props", f"bootstrap.servers={brokers}"]
    args += [f"{k}={v}" for k, v in props.items()]
    started = time.monotonic()
    with open(log_path, "w", encoding="utf-8") as out:
        try:
            result = subprocess.run(args, stdout=subprocess.PIPE, stderr=out, text=True,
                                    timeout=timeout)
        except subprocess.TimeoutExpired:
            raise BenchError(f"ProducerPerformance on {topic}: no result after {timeout:.0f} s") from None
        except FileNotFoundError:
            raise BenchError("java not found; run deploy/local/install-packages") from None
        out.write(result.stdout)
    seconds = time.monotonic() - started
    matches = _PERF_LINE.findall(result.stdout)
    if result.returncode != 0 or not matches:
        with open(log_path, encoding="utf-8", errors="replace") as f:
            detail = first_line(f.read()) or f"exit {result.returncode}"
        raise BenchError(f"ProducerPerformance on {topic} failed: {detail} (log: {log_path})")
    sent, rate, mb, avg, worst = matches[-1]
    if int(sent) != records:
        raise BenchError(f"ProducerPerformance sent {sent} records, not {records}")
    return {"records_per_s": float(rate), "mb_per_s": float(mb), "avg_latency_ms": float(avg),
            "max_latency_ms": float(worst), "wall_s": seconds}
