#!/usr/bin/env python3
"""Compares what Debezium Server and cdc-agent (kafka.format: debezium-json,
schemas_enable: true) wrote for the same rows, message by message and field
by field.

For each table, the topic <expected-prefix>.<table> (Debezium's) and
<actual-prefix>.<table> (the agent's) are read to their end and paired in
order within each partition. A pair is equal when
  - the key payloads are equal, column by column;
  - both values are tombstones, or both envelopes have the same `op` and the
    same `before` and `after` images, column by column;
  - the schemas of the key's and the images' columns agree (type, logical
    name, version, parameters, optional, default).
`source`, `transaction` and the `ts_*` fields are not compared: they hold
positions and times that differ between two readers by nature.

A difference listed in --known (a TSV file: connector, table, column,
aspect, reason; a table is named with or without its schema or database;
`*` matches any table or column; an aspect may end in `@` and the ops it
holds for, as `value@cu`) is reported as known and does not fail the run. A
null the agent writes in a field its own schema requires is always a
difference. Every other difference is printed on its own line,
and the exit status is 1. The last line sums up:
  compared N message pairs (T tables, F fields): U differences, K known
"""

import argparse
import json
import sys
import uuid

from confluent_kafka import Consumer, KafkaError, KafkaException, TopicPartition

PROG = "debezium_compare"

# Aspects of a column schema that are compared; `type`, `name`, `version` and
# `parameters` carry the meaning of the value, `optional` and `default` the
# table's facts.
SCHEMA_ASPECTS = ("type", "name", "version", "parameters", "optional", "default")


def fail(message):
    print(f"{PROG}: error: {message}", file=sys.stderr)
    sys.exit(2)


def load_known(path, connector):
    """Rows of the known-differences file for this connector."""
    known = []
    with open(path, encoding="utf-8") as f:
        for number, line in enumerate(f, 1):
            line = line.rstrip("\n")
            if not line or line.startswith("#"):
                continue
            parts = line.split("\t")
            if len(parts) != 5:
                fail(f"{path}:{number}: expected 5 tab-separated fields "
                     f"(connector, table, column, aspect, reason), got {len(parts)}")
            if parts[0] in (connector, "*"):
                known.append({"table": parts[1], "column": parts[2], "aspect": parts[3],
                              "reason": parts[4], "line": number, "used": 0})
    return known


def read_topic(brokers, topic, timeout_s):
    """Every message of `topic` up to its end: {partition: [(key, value)]},
    or None when the topic does not exist."""
    consumer = Consumer({
        "bootstrap.servers": brokers,
        "group.id": f"{PROG}-{uuid.uuid4()}",
        "enable.auto.commit": False,
        "isolation.level": "read_committed",
        "auto.offset.reset": "earliest",
        # The last offsets of a partition written in Kafka transactions are
        # commit markers, which a consumer never receives: the end of a
        # partition is told by EOF.
        "enable.partition.eof": True,
    })
    try:
        metadata = consumer.list_topics(topic, timeout=timeout_s)
        info = metadata.topics.get(topic)
        if info is None or info.error is not None or not info.partitions:
            return None
        ends = {}
        assignment = []
        for partition in sorted(info.partitions):
            low, high = consumer.get_watermark_offsets(TopicPartition(topic, partition),
                                                       timeout=timeout_s)
            if high > low:
                ends[partition] = high
                assignment.append(TopicPartition(topic, partition, low))
        messages = {p: [] for p in info.partitions}
        if not assignment:
            return messages
        consumer.assign(assignment)
        remaining = set(ends)
        while remaining:
            msg = consumer.poll(timeout_s)
            if msg is None:
                fail(f"{topic}: no message for {timeout_s} s before the end of "
                     f"partitions {sorted(remaining)}")
            p = msg.partition()
            if msg.error():
                if msg.error().code() == KafkaError._PARTITION_EOF:
                    if msg.offset() >= ends.get(p, 0):
                        remaining.discard(p)
                    continue
                raise KafkaException(msg.error())
            if p not in remaining:
                continue
            key = None if msg.key() is None else json.loads(msg.key())
            value = None if msg.value() is None else json.loads(msg.value())
            messages[p].append((key, value))
            if msg.offset() + 1 >= ends[p]:
                remaining.discard(p)
        return messages
    finally:
        consumer.close()


def same(a, b):
    """Equal as JSON values, with types: Python's 1 == 1.0 == True is not."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    return a == b


def payload(message):
    """The payload of a JsonConverter message with or without its schema."""
    if isinstance(message, dict) and set(message) == {"schema", "payload"}:
        return message["payload"]
    return message


def column_schemas(message, field):
    """{column: schema} of the struct `field` ("before"/"after") of an
    envelope's schema, or of the key's schema when field is None."""
    if not isinstance(message, dict) or not isinstance(message.get("schema"), dict):
        return {}
    schema = message["schema"]
    if field is not None:
        schema = next((f for f in schema.get("fields", []) if f.get("field") == field), None)
        if schema is None:
            return {}
    return {f["field"]: f for f in schema.get("fields", [])}


class Comparison:
    def __init__(self, connector, known):
        self.connector = connector
        self.known = known
        self.pairs = 0
        self.fields = 0
        self.unexpected = 0
        self.known_count = 0

    def find_known(self, table, column, aspect, op=None):
        # An aspect may name the ops it holds for: "value@cu".
        for entry in self.known:
            base, _, ops = entry["aspect"].partition("@")
            if (entry["table"] in (table, table.rsplit(".", 1)[-1], "*")
                    and entry["column"] in (column, "*") and base == aspect
                    and (not ops or (op is not None and op in ops))):
                return entry
        return None

    def differ(self, table, where, column, aspect, expected, actual, op=None):
        entry = self.find_known(table, column, aspect, op)
        text = (f"{table} {where} {column} {aspect}: debezium {json.dumps(expected)} "
                f"agent {json.dumps(actual)}")
        if entry is not None:
            entry["used"] += 1
            self.known_count += 1
            print(f"KNOWN {text} (known differences line {entry['line']})")
        else:
            self.unexpected += 1
            print(f"DIFF {text}")

    def compare_columns(self, table, where, expected, actual, op=None):
        for column in sorted(set(expected) | set(actual), key=str):
            self.fields += 1
            if column not in expected or column not in actual:
                self.differ(table, where, column, "presence",
                            column in expected, column in actual, op)
            elif not same(expected[column], actual[column]):
                self.differ(table, where, column, "value", expected[column], actual[column], op)

    def compare_schemas(self, table, where, expected, actual, op=None):
        for column in sorted(set(expected) | set(actual)):
            if column not in expected or column not in actual:
                self.differ(table, where, column, "schema.presence",
                            column in expected, column in actual, op)
                continue
            for aspect in SCHEMA_ASPECTS:
                e, a = expected[column].get(aspect), actual[column].get(aspect)
                if not same(e, a):
                    self.differ(table, where, column, "schema." + aspect, e, a, op)

    def check_required(self, table, where, image, schemas):
        """A null in a field the agent's own schema requires: Kafka Connect's
        JsonConverter refuses the message. Never a known difference."""
        for column, value in (image or {}).items():
            if value is None and schemas.get(column, {}).get("optional") is False:
                self.unexpected += 1
                print(f"DIFF {table} {where} {column} required-null: the agent writes null "
                      f"in a field its schema marks optional false")

    def compare_image(self, table, where, expected, actual, op):
        if expected is None or actual is None:
            if expected is not actual:
                self.differ(table, where, "*", "image", expected, actual, op)
            return
        self.compare_columns(table, where, expected, actual, op)

    def compare_pair(self, table, index, expected, actual):
        self.pairs += 1
        e_key, e_value = expected
        a_key, a_value = actual
        where = f"#{index}"
        if e_value is not None:
            where += f" op={payload(e_value).get('op')}"
        op = payload(e_value).get("op") if e_value is not None else None
        e_key_payload, a_key_payload = payload(e_key), payload(a_key)
        if isinstance(e_key_payload, dict) and isinstance(a_key_payload, dict):
            self.compare_columns(table, where + " key", e_key_payload, a_key_payload, op)
        elif e_key_payload != a_key_payload:
            self.differ(table, where + " key", "*", "key", e_key_payload, a_key_payload, op)
        self.compare_schemas(table, where + " key", column_schemas(e_key, None),
                             column_schemas(a_key, None))
        if e_value is None or a_value is None:
            if e_value is not a_value:
                self.differ(table, where, "*", "tombstone", e_value is None, a_value is None)
            return
        e, a = payload(e_value), payload(a_value)
        self.fields += 1
        if e.get("op") != a.get("op"):
            self.differ(table, where, "*", "op", e.get("op"), a.get("op"))
        for side in ("before", "after"):
            self.compare_image(table, f"{where} {side}", e.get(side), a.get(side), op)
            self.compare_schemas(table, f"{where} {side}", column_schemas(e_value, side),
                                 column_schemas(a_value, side), op)
            self.check_required(table, f"{where} {side}", a.get(side),
                                column_schemas(a_value, side))

    def keyless_tombstone(self, table, message):
        """True for a tombstone without a key (Debezium writes one after each
        delete of a keyless table's row); reported, and left out of the
        pairing when known."""
        key, value = message
        if key is not None or value is not None:
            return False
        self.differ(table, "tombstone", "*", "keyless-tombstone", True, False)
        return self.find_known(table, "*", "keyless-tombstone") is not None

    def compare_topic(self, table, expected, actual):
        if expected is None or actual is None:
            self.differ(table, "topic", "*", "topic", expected is not None, actual is not None)
            return
        for partition in sorted(set(expected) | set(actual)):
            e = [m for m in expected.get(partition, []) if not self.keyless_tombstone(table, m)]
            a = actual.get(partition, [])
            if len(e) != len(a):
                self.differ(table, f"partition {partition}", "*", "count", len(e), len(a))
            for index, (em, am) in enumerate(zip(e, a)):
                self.compare_pair(table, f"{partition}/{index}", em, am)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--brokers", required=True)
    parser.add_argument("--expected-prefix", required=True, help="Debezium's topic prefix")
    parser.add_argument("--actual-prefix", required=True, help="the agent's topic prefix")
    parser.add_argument("--tables", required=True, help="comma-separated schema.table names")
    parser.add_argument("--connector", required=True, help="postgresql or mariadb")
    parser.add_argument("--known", required=True, help="the known-differences TSV file")
    parser.add_argument("--timeout", type=float, default=30.0)
    args = parser.parse_args()

    comparison = Comparison(args.connector, load_known(args.known, args.connector))
    tables = [t for t in args.tables.split(",") if t]
    empty = []
    for table in tables:
        expected = read_topic(args.brokers, f"{args.expected_prefix}.{table}", args.timeout)
        actual = read_topic(args.brokers, f"{args.actual_prefix}.{table}", args.timeout)
        before = comparison.pairs
        comparison.compare_topic(table, expected, actual)
        if comparison.pairs == before:
            empty.append(table)
    for entry in comparison.known:
        if entry["used"] == 0:
            print(f"UNUSED known differences line {entry['line']}: {entry['table']} "
                  f"{entry['column']} {entry['aspect']}")
    print(f"compared {comparison.pairs} message pairs ({len(tables)} tables, "
          f"{comparison.fields} fields): {comparison.unexpected} differences, "
          f"{comparison.known_count} known")
    if empty:
        fail(f"no message pairs to compare for {', '.join(empty)}")
    sys.exit(1 if comparison.unexpected else 0)


if __name__ == "__main__":
    main()
