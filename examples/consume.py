#!/usr/bin/env python3
# Reads change events of one topic (README, "Consuming the events"):
#   cdc-agent schema --descriptor-set events.pb
#   python consume.py BROKERS TOPIC
# Needs confluent-kafka and protobuf from PyPI.
import sys
from confluent_kafka import Consumer
from google.protobuf import descriptor_pb2, descriptor_pool, message_factory

# The schema, written once with: cdc-agent schema --descriptor-set events.pb
pool = descriptor_pool.DescriptorPool()
with open("events.pb", "rb") as f:
    for file in descriptor_pb2.FileDescriptorSet.FromString(f.read()).file:
        pool.Add(file)
ChangeEvent = message_factory.GetMessageClass(pool.FindMessageTypeByName("cdc.v1.ChangeEvent"))
RowKey = message_factory.GetMessageClass(pool.FindMessageTypeByName("cdc.v1.RowKey"))

consumer = Consumer({
    "bootstrap.servers": sys.argv[1],
    "group.id": "customers-reader",
    "auto.offset.reset": "earliest",
    "isolation.level": "read_committed",
})
consumer.subscribe([sys.argv[2]])
try:
    while True:
        msg = consumer.poll(5.0)
        if msg is None:
            break
        if msg.error():
            raise SystemExit(msg.error())
        key = RowKey.FromString(msg.key()) if msg.key() is not None else None
        key_text = {c.name: getattr(c.value, c.value.WhichOneof("kind")) for c in key.columns} if key else None
        if msg.value() is None:
            print("tombstone", key_text)
            continue
        headers = {k: v.decode() for k, v in msg.headers() or []}
        event = ChangeEvent.FromString(msg.value())
        after = {c.name: getattr(c.value, c.value.WhichOneof("kind")) for c in event.after}
        print(headers["cdc-op"], event.source.table, key_text, after)
finally:
    consumer.close()
