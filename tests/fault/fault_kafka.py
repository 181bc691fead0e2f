"""Kafka side of the fault harness: topic housekeeping, progress probes and
reading every event back the way a consumer does (isolation.level=
read_committed, from the beginning)."""

import json
import logging
import multiprocessing
import os
import time

from confluent_kafka import Consumer, KafkaError, KafkaException, TopicPartition, OFFSET_BEGINNING
from confluent_kafka.admin import AdminClient

from fault_check import Event
from fault_sources import COUNTED, JOIN_COLUMN, JOINED, TABLE_BY_NAME, kafka_value, key_text

OPS = {"OP_READ": "R", "OP_INSERT": "I", "OP_UPDATE": "U", "OP_DELETE": "D"}

# librdkafka's connection errors while the harness restarts the broker are
# expected; they are not printed.
_QUIET = logging.getLogger("cdc-fault.kafka")
_QUIET.addHandler(logging.NullHandler())
_QUIET.propagate = False


def _consumer(brokers, **extra):
    conf = {"bootstrap.servers": brokers, "group.id": f"cdc-fault-{os.getpid()}",
            "enable.auto.commit": False, "isolation.level": "read_committed",
            "auto.offset.reset": "earliest", "socket.timeout.ms": 10000,
            "topic.metadata.refresh.interval.ms": 2000}
    conf.update(extra)
    return Consumer(conf, logger=_QUIET)


class KafkaView:
    def __init__(self, brokers):
        self.brokers = brokers
        self.admin = AdminClient({"bootstrap.servers": brokers}, logger=_QUIET)
        self.probe = _consumer(brokers)

    def close(self):
        self.probe.close()

    def topics(self, prefix):
        md = self.admin.list_topics(timeout=10)
        return sorted(t for t in md.topics if t.startswith(prefix + "."))

    def delete_topics(self, prefix, timeout=60.0):
        names = self.topics(prefix)
        if not names:
            return 0
        for future in self.admin.delete_topics(names, operation_timeout=30).values():
            try:
                future.result()
            except KafkaException as e:
                if e.args[0].code() != KafkaError.UNKNOWN_TOPIC_OR_PART:
                    raise
        deadline = time.monotonic() + timeout
        while self.topics(prefix) and time.monotonic() < deadline:
            time.sleep(0.5)
        if self.topics(prefix):
            raise RuntimeError(f"topics {prefix}.* still exist {timeout:.0f} s after deleting them")
        return len(names)

    def size(self, topic):
        """Sum of the partitions' high watermarks, or None when Kafka does not answer."""
        try:
            md = self.probe.list_topics(topic, timeout=5)
            t = md.topics.get(topic)
            if t is None or t.error is not None:
                return 0
            total = 0
            for p in t.partitions:
                _, high = self.probe.get_watermark_offsets(TopicPartition(topic, p), timeout=5)
                total += high
            return total
        except KafkaException:
            return None


_decode = json.JSONDecoder().decode


def parse_event(value):
    """(op, table, ver, snapshot) of one JSON event; snapshot is (id, start) for
    a READ, else None. op is R, I, U, D, or the event's own op for others."""
    return parse_decoded(_decode(value.decode("utf-8")))


def parse_decoded(v):
    """parse_event of an event already decoded from JSON.

    A snapshot is named by its start time (source.commit_time_us) alone: a
    snapshot read in chunks publishes each chunk at its own stream position,
    and one resumed by a later agent run keeps its start time."""
    op = OPS.get(v.get("op"))
    src = v.get("source", {})
    if op is None:
        return v.get("op"), src.get("table"), None, None
    ver = None
    for c in v.get("before" if op == "D" else "after") or ():
        if c["name"] == "ver":
            ver = kafka_value(c.get("value"))
            break
    snapshot = None
    if op == "R":
        start = int(src.get("commit_time_us", "0"))
        snapshot = (f"started {start}", start)
    return op, src.get("table"), ver, snapshot


def parse_row(value):
    """The after image of a JSON event as a row tuple in the table's column order."""
    v = _decode(value.decode("utf-8"))
    spec = TABLE_BY_NAME.get(v.get("source", {}).get("table"))
    cols = {c["name"]: c.get("value") for c in v.get("after") or ()}
    if spec is None:
        return tuple(sorted((n, repr(x)) for n, x in cols.items()))
    return tuple(kafka_value(cols.get(c.name)) for c in spec.columns)


def parse_key(key):
    if key is None:
        return None
    columns = _decode(key.decode("utf-8")).get("columns", [])
    return key_text(kafka_value(c.get("value")) for c in columns)


class ReadBack:
    """Everything the consumer read, per row."""

    def __init__(self):
        self.events = {}        # (table, key) -> [Event]
        self.state = {}         # (table, key) -> row: the tables as a consumer rebuilds them
        self.snapshot_starts = {}
        self.messages = 0
        self.tombstones = 0
        self.other = {}         # op -> count of events that are not row changes
        self.stalled = []       # partitions not read to their end
        self.max_commit_us = 0  # the highest commit time of any event
        self.inserts_us = []    # commit times of COUNTED's INSERT events
        self.joined = []        # (key, op, ver, JOIN_COLUMN value) of JOINED's I and U events

    def merge(self, other):
        # A key lives in one partition, so the parts never share a row.
        self.events.update(other.events)
        self.state.update(other.state)
        self.snapshot_starts.update(other.snapshot_starts)
        self.messages += other.messages
        self.tombstones += other.tombstones
        for op, n in other.other.items():
            self.other[op] = self.other.get(op, 0) + n
        self.stalled += other.stalled
        self.max_commit_us = max(self.max_commit_us, other.max_commit_us)
        self.inserts_us += other.inserts_us
        self.joined += other.joined


def consume_all(brokers, topics, workers=2, idle_timeout=60.0):
    """Reads every partition of `topics` from the beginning to its end, the
    partitions shared among `workers` processes (JSON decoding is the cost)."""
    c = _consumer(brokers)
    try:
        md = c.list_topics(timeout=10)
        sized = []
        for topic in topics:
            t = md.topics.get(topic)
            if t is None or t.error is not None:
                continue
            for p in t.partitions:
                low, high = c.get_watermark_offsets(TopicPartition(topic, p), timeout=10)
                sized.append((high - low, topic, p))
    finally:
        c.close()
    groups = [[] for _ in range(max(1, workers))]
    loads = [0] * len(groups)
    for size, topic, p in sorted(sized, reverse=True):
        i = loads.index(min(loads))
        groups[i].append((topic, p))
        loads[i] += size
    groups = [g for g in groups if g]
    out = ReadBack()
    if len(groups) <= 1:
        parts = [read_partitions(brokers, g, idle_timeout) for g in groups]
    else:
        with multiprocessing.get_context("spawn").Pool(len(groups)) as pool:
            parts = pool.starmap(read_partitions, [(brokers, g, idle_timeout) for g in groups])
    for part in parts:
        out.merge(part)
    return out


def read_partitions(brokers, partitions, idle_timeout):
    """Reads [(topic, partition)] from the beginning to the end into a ReadBack."""
    c = _consumer(brokers, **{"enable.partition.eof": True, "fetch.max.bytes": 52428800})
    out = ReadBack()
    last_image = {}
    keys = {}
    try:
        c.assign([TopicPartition(t, p, OFFSET_BEGINNING) for t, p in partitions])
        pending = set(partitions)
        last_progress = time.monotonic()
        while pending:
            msgs = c.consume(10000, 1.0)
            if not msgs:
                if time.monotonic() - last_progress > idle_timeout:
                    out.stalled = sorted(pending)
                    break
                continue
            last_progress = time.monotonic()
            for m in msgs:
                err = m.error()
                if err is not None:
                    if err.code() == KafkaError._PARTITION_EOF:
                        pending.discard((m.topic(), m.partition()))
                        continue
                    raise KafkaException(err)
                _add(out, m, keys, last_image)
    finally:
        c.close()
    out.state = {rk: parse_row(value) for rk, value in last_image.items()}
    return out


def _add(out, m, keys, last_image):
    out.messages += 1
    value = m.value()
    if value is None:
        out.tombstones += 1
        return
    raw_key = m.key()
    key = keys.get(raw_key)
    if key is None:
        key = keys[raw_key] = parse_key(raw_key)
    v = _decode(value.decode("utf-8"))
    op, table, ver, snapshot = parse_decoded(v)
    if op not in ("R", "I", "U", "D"):
        out.other[op] = out.other.get(op, 0) + 1
        return
    commit_us = int(v.get("source", {}).get("commit_time_us", "0"))
    out.max_commit_us = max(out.max_commit_us, commit_us)
    if table == COUNTED and op == "I":
        out.inserts_us.append(commit_us)
    if table == JOINED and op in ("I", "U"):
        joined = None
        for c in v.get("after") or ():
            if c["name"] == JOIN_COLUMN:
                joined = kafka_value(c.get("value"))
                break
        out.joined.append((key, op, ver, joined))
    rk = (table, key)
    sid = None
    if snapshot is not None:
        sid, start = snapshot
        out.snapshot_starts.setdefault(sid, start)
    events = out.events.get(rk)
    if events is None:
        events = out.events[rk] = []
    events.append(Event(op, ver, sid))
    if op == "D":
        last_image.pop(rk, None)
    else:
        last_image[rk] = value


def read_windows(brokers, topic, idle_timeout=30.0):
    """The aggregate rows of `topic`: [(window_start_us, n)] in the order read."""
    out = []
    c = _consumer(brokers, **{"enable.partition.eof": True})
    try:
        md = c.list_topics(timeout=10)
        t = md.topics.get(topic)
        if t is None or t.error is not None:
            return out
        pending = {(topic, p) for p in t.partitions}
        c.assign([TopicPartition(topic, p, OFFSET_BEGINNING) for p in t.partitions])
        last_progress = time.monotonic()
        while pending and time.monotonic() - last_progress < idle_timeout:
            for m in c.consume(1000, 1.0):
                last_progress = time.monotonic()
                err = m.error()
                if err is not None:
                    if err.code() == KafkaError._PARTITION_EOF:
                        pending.discard((m.topic(), m.partition()))
                        continue
                    raise KafkaException(err)
                if m.value() is None:
                    continue
                cols = {c["name"]: c.get("value") for c in
                        _decode(m.value().decode("utf-8")).get("after") or ()}
                start = int(cols["window_start"]["timestamp_value"]["epoch_micros"])
                out.append((start, kafka_value(cols.get("n"))))
    finally:
        c.close()
    return out


def wait_for_version(brokers, topic, ver, until_deadline, tick):
    """Consumes `topic` until an event carries version `ver`; calls tick()
    between polls. Returns True when found, False at the deadline."""
    c = _consumer(brokers)
    try:
        assigned = False
        while time.monotonic() < until_deadline:
            tick()
            if not assigned:
                try:
                    md = c.list_topics(topic, timeout=5)
                except KafkaException:
                    time.sleep(0.5)
                    continue
                t = md.topics.get(topic)
                if t is None or t.error is not None or not t.partitions:
                    time.sleep(0.5)
                    continue
                c.assign([TopicPartition(topic, p, OFFSET_BEGINNING) for p in t.partitions])
                assigned = True
            for m in c.consume(1000, 0.5):
                if m.error() is not None or m.value() is None:
                    continue
                _, _, got, _ = parse_event(m.value())
                if got == ver:
                    return True
        return False
    finally:
        c.close()
