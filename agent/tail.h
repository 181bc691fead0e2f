// `cdc-agent tail`: reads a topic and prints each message as one JSON object
// per line:
//   {"topic":"t","partition":0,"offset":12,"headers":{"content-type":...},
//    "key":<RowKey JSON or null>,"value":<ChangeEvent JSON, or null for a
//    tombstone>}
// "headers" only when the message has some. A message whose content-type
// header is application/json (kafka.format json or debezium-json) has its key
// and value printed as they are; a key or value in the Confluent wire format
// (kafka.schema_registry) is read after its header.
// A key or value that is not the expected message is printed as
// "key_error"/"value_error" ("not a cdc.v1.ChangeEvent (N bytes)") beside a
// null "key"/"value", and the tail goes on.
#pragma once

#include <atomic>
#include <cstdint>
#include <ostream>
#include <string>

#include "common/status.h"

namespace cdc::agent {

struct TailOptions {
  std::string brokers;  // Required: "host:port[,host:port]".
  std::string topic;    // Required.
  // Default: false = only messages produced after the tail started.
  bool from_beginning = false;
  // Default: -1 = until stopped. Stops after printing this many messages.
  int64_t max_messages = -1;
  // Default: -1 = wait forever. Otherwise stops after this long without a
  // message (counted from the start, then from the last message).
  int idle_timeout_ms = -1;
  // Default: empty = read every partition with a private, random group id and
  // commit nothing. Otherwise join this consumer group, start from its
  // committed offsets and commit what was printed.
  std::string group_id;
  // Default: true = show only messages of committed Kafka transactions.
  bool read_committed = true;
};

// Runs on the calling thread until `stop` becomes true (checked every 100 ms),
// `max_messages` are printed or the idle timeout passes; then returns OK.
// A topic that does not exist is looked up again each second; if it still
// does not exist when the tail ends, the result is NotFound with a one-line
// fix. A broker that does not answer is an IOError with a one-line fix.
// Writes the JSON lines to `out` only; librdkafka's log lines go to the
// "kafka" logger at debug level, and a consumer error (or, for an endless
// tail, a missing topic) is one warning there.
Status Tail(const TailOptions& options, std::ostream& out, const std::atomic<bool>& stop);

}  // namespace cdc::agent
