#!/usr/bin/env python3
"""Reads cdc-agent messages in the Confluent wire format, as a Python
consumer of the agent's users would: confluent_kafka's ProtobufDeserializer
for the key (cdc.v1.RowKey) and the value (cdc.v1.ChangeEvent), with the
writer schema fetched from the schema registry by the id in each message.

Prints one JSON line per message:
  {"partition": 0, "offset": 3, "key_schema_id": 1, "value_schema_id": 1,
   "op": "OP_INSERT", "table": "public.orders", "key": {"columns": [...]}}
(a tombstone has "op": null; a null key has "key": null). Exits 1 with one
line on stderr if any message does not decode, if its message indexes do not
name the expected message type, if its schema id is not the latest version of
the subject the strategy names, or if fewer than --count messages arrive.

The message classes come from a FileDescriptorSet (protoc --include_imports
--descriptor_set_out), not from protoc --python_out, whose generated code
must match the protobuf runtime's version.

Registries differ in what GET /schemas/ids/{id}?format=serialized returns for
a schema registered as .proto text: Confluent's registry returns the
base64 FileDescriptorProto that the Python client needs, Apicurio Registry
returns the text unchanged. This consumer cannot compile .proto text, so it
accepts text only when it is byte for byte the text given with --proto-text
(what cdc-agent registers), and then uses that file's descriptor from the set.
"""

import argparse
import base64
import binascii
import json
import sys
import time
import uuid

from confluent_kafka import Consumer, KafkaError
from confluent_kafka.schema_registry import (
    Schema,
    SchemaRegistryClient,
    dual_schema_id_deserializer,
)
from confluent_kafka.schema_registry.protobuf import ProtobufDeserializer
from confluent_kafka.serialization import MessageField, SerializationContext
from google.protobuf import descriptor_pb2, descriptor_pool, json_format, message_factory
from google.protobuf.message import DecodeError

PROG = "registry_consume"
PROTO_FILE = "cdc/v1/change_event.proto"
VALUE_TYPE = "cdc.v1.ChangeEvent"
KEY_TYPE = "cdc.v1.RowKey"


class ConsumeError(Exception):
    pass


def fail(message):
    print(f"{PROG}: error: {message}", file=sys.stderr)
    sys.exit(1)


def is_serialized_descriptor(text):
    try:
        raw = base64.b64decode(text.encode("ascii"), validate=True)
        descriptor_pb2.FileDescriptorProto().ParseFromString(raw)
        return True
    except (UnicodeEncodeError, binascii.Error, DecodeError):
        return False


class ProtoTextRegistryClient(SchemaRegistryClient):
    """A registry client that serves the descriptor of --proto-text's file
    for a schema registered as exactly that text (see the module doc)."""

    def __init__(self, conf, proto_text, file_proto):
        super().__init__(conf)
        self._proto_text = proto_text
        self._serialized = base64.standard_b64encode(file_proto.SerializeToString()).decode("ascii")

    def get_schema(self, schema_id, subject_name=None, fmt=None, reference_format=None):
        schema = super().get_schema(schema_id, subject_name, fmt, reference_format)
        if schema.schema_type != "PROTOBUF":
            raise ConsumeError(f"schema id {schema_id} has type {schema.schema_type}, not PROTOBUF")
        if is_serialized_descriptor(schema.schema_str):
            return schema
        if schema.schema_str != self._proto_text:
            raise ConsumeError(
                f"schema id {schema_id} is .proto text that differs from --proto-text; "
                "this consumer compiles no .proto text")
        return Schema(self._serialized, "PROTOBUF", schema.references)


def message_name_at(file_proto, indexes):
    """The full name of the message that the Confluent message-index path
    names within `file_proto`, or None."""
    messages = file_proto.message_type
    name = file_proto.package
    for index in indexes:
        if index < 0 or index >= len(messages):
            return None
        name = f"{name}.{messages[index].name}" if name else messages[index].name
        messages = messages[index].nested_type
    return name


def subject_name(strategy, topic, record):
    if strategy == "topic-name":
        return f"{topic}-{'key' if record == KEY_TYPE else 'value'}"
    if strategy == "record-name":
        return record
    return f"{topic}-{record}"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--brokers", required=True)
    parser.add_argument("--topic", required=True)
    parser.add_argument("--registry", required=True, help="base URL of the Confluent API")
    parser.add_argument("--descriptor-set", required=True, help="FileDescriptorSet of change_event.proto")
    parser.add_argument("--proto-text", required=True, help="the .proto text cdc-agent registers")
    parser.add_argument("--count", type=int, required=True, help="messages to read")
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds to wait for them")
    parser.add_argument("--subject-strategy", default="topic-name",
                        choices=["topic-name", "record-name", "topic-record-name"])
    args = parser.parse_args()

    descriptor_set = descriptor_pb2.FileDescriptorSet()
    with open(args.descriptor_set, "rb") as f:
        descriptor_set.ParseFromString(f.read())
    with open(args.proto_text, encoding="utf-8") as f:
        proto_text = f.read()
    pool = descriptor_pool.DescriptorPool()
    file_proto = None
    for fp in descriptor_set.file:
        pool.Add(fp)
        if fp.name == PROTO_FILE:
            file_proto = fp
    if file_proto is None:
        fail(f"{args.descriptor_set} has no {PROTO_FILE}")
    event_class = message_factory.GetMessageClass(pool.FindMessageTypeByName(VALUE_TYPE))
    key_class = message_factory.GetMessageClass(pool.FindMessageTypeByName(KEY_TYPE))
    op_names = event_class.DESCRIPTOR.fields_by_name["op"].enum_type.values_by_number

    registry = ProtoTextRegistryClient({"url": args.registry}, proto_text, file_proto)
    seen = {}

    def record_schema_id(payload, ctx, schema_id):
        out = dual_schema_id_deserializer(payload, ctx, schema_id)
        seen[ctx.field] = (schema_id.id, list(schema_id.message_indexes or [0]))
        return out

    conf = {"subject.name.strategy.type": "TOPIC", "schema.id.deserializer": record_schema_id}
    deserializers = {
        MessageField.KEY: (ProtobufDeserializer(key_class, conf, registry), KEY_TYPE),
        MessageField.VALUE: (ProtobufDeserializer(event_class, conf, registry), VALUE_TYPE),
    }
    latest_ids = {}

    def decode(msg, field, data):
        if data is None:
            return None, None
        deserializer, expected = deserializers[field]
        seen.pop(field, None)
        ctx = SerializationContext(msg.topic(), field, msg.headers())
        decoded = deserializer(data, ctx)
        schema_id, indexes = seen[field]
        name = message_name_at(file_proto, indexes)
        if name != expected:
            raise ConsumeError(f"message indexes {indexes} name {name}, expected {expected}")
        subject = subject_name(args.subject_strategy, msg.topic(), expected)
        if subject not in latest_ids:
            latest_ids[subject] = registry.get_latest_version(subject).schema_id
        if latest_ids[subject] != schema_id:
            raise ConsumeError(f"schema id {schema_id} is not the latest version of subject "
                               f"{subject} (id {latest_ids[subject]})")
        return decoded, schema_id

    consumer = Consumer({
        "bootstrap.servers": args.brokers,
        "group.id": f"{PROG}-{uuid.uuid4()}",
        "auto.offset.reset": "earliest",
        "enable.auto.commit": False,
        "isolation.level": "read_committed",
    })
    consumer.subscribe([args.topic])
    read = 0
    deadline = time.monotonic() + args.timeout
    try:
        while read < args.count:
            if time.monotonic() > deadline:
                fail(f"read {read} of {args.count} messages from {args.topic} in {args.timeout:g} s")
            msg = consumer.poll(0.5)
            if msg is None:
                continue
            if msg.error():
                # The agent creates a topic with its first event; until then
                # the subscription reports it unknown, which is not an error.
                if msg.error().code() in (KafkaError._PARTITION_EOF,
                                          KafkaError.UNKNOWN_TOPIC_OR_PART,
                                          KafkaError._UNKNOWN_TOPIC):
                    continue
                fail(f"consuming {args.topic}: {msg.error()}")
            where = f"{msg.topic()}[{msg.partition()}]@{msg.offset()}"
            try:
                key, key_id = decode(msg, MessageField.KEY, msg.key())
            except Exception as e:  # noqa: BLE001 - any failure is reported and ends the run
                fail(f"{where} key does not decode: {type(e).__name__}: {e}")
            try:
                event, value_id = decode(msg, MessageField.VALUE, msg.value())
            except Exception as e:  # noqa: BLE001
                fail(f"{where} value does not decode: {type(e).__name__}: {e}")
            line = {
                "partition": msg.partition(),
                "offset": msg.offset(),
                "key_schema_id": key_id,
                "value_schema_id": value_id,
                "op": None if event is None else op_names[event.op].name,
                "table": None if event is None else f"{event.source.schema}.{event.source.table}",
                "key": None if key is None else json_format.MessageToDict(
                    key, preserving_proto_field_name=True),
            }
            print(json.dumps(line, sort_keys=True), flush=True)
            read += 1
    finally:
        consumer.close()


if __name__ == "__main__":
    main()
