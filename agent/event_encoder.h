// EventEncoder: the bytes of a change event's Kafka message in the configured
// format (kafka.format), and the headers every event message carries.
//
// Headers (every message with a value; tombstones carry none):
//   content-type  "application/x-protobuf" (protobuf),
//                 "application/vnd.confluent.protobuf" (protobuf in the
//                 Confluent wire format, with kafka.schema_registry) or
//                 "application/json" (json, debezium-json)
//   cdc-schema    what the value is: "cdc.v1.ChangeEvent" (protobuf, json) or
//                 "debezium.Envelope" (debezium-json)
//   cdc-op        insert, update, delete, read, truncate, begin or commit
//   cdc-position  the event's source position and its index in its
//                 transaction (source.event_index):
//                 "lsn=0/16B3748;commit_lsn=0/16B3790;index=0" (PostgreSQL;
//                 the snapshot's consistent point for snapshot rows) or
//                 "file=binlog.000010;pos=559;gtid=0-1-13563;index=2"
//                 (MySQL/MariaDB; gtid empty without GTIDs; the rows of one
//                 rows event share file and pos). With the op, unique per
//                 event of a table.
//   cdc-schema-id with kafka.schema_registry: the registry's id of the
//                 value's schema (also in the value's Confluent header)
// A tombstone carries content-type alone, which tells the key's format.
// A consumer can route, filter or deduplicate on them without decoding the
// value.
//
// Thread: one encoder per sink thread; not thread-safe (reuses buffers).
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "agent/batch.h"
#include "agent/config.h"
#include "agent/debezium_json.h"
#include "agent/schema_registry.h"
#include "common/status.h"

namespace cdc::agent {

inline constexpr std::string_view kHeaderContentType = "content-type";
inline constexpr std::string_view kHeaderSchema = "cdc-schema";
inline constexpr std::string_view kHeaderOp = "cdc-op";
inline constexpr std::string_view kHeaderPosition = "cdc-position";
inline constexpr std::string_view kHeaderSchemaId = "cdc-schema-id";

// The op as the cdc-op header names it ("insert", ...; "unspecified").
std::string_view OpName(cdc::v1::Op op);

// Sets `out` to the cdc-position header's text for `source` (empty when it
// has no position).
void AssignPositionText(const cdc::v1::Source& source, std::string* out);

class EventEncoder {
 public:
  explicit EventEncoder(const KafkaConfig& config);
  ~EventEncoder();

  // Creates the registry client when kafka.schema_registry is set (no
  // request yet). InvalidArgument for bad registry settings.
  Status Open();

  // Appends the value of `out` to `value` and its key to `key`. Returns
  // whether the message has a key (false: a null key, for a row of a table
  // without a primary key; nothing is appended to `key`). A TRUNCATE has a
  // key without columns, since a compacted topic refuses messages without a
  // key. With a schema registry, the first event of each topic registers
  // the key and value schemas (then cached): the registry's errors come
  // back as they are, a retryable IOError while it is unreachable; what was
  // appended before an error is the caller's to cut. An event with
  // key_bytes keeps them as its key.
  Result<bool> Encode(const OutEvent& out, std::string* value, std::string* key);

  // The headers of the event message of `out`, as (name, value) pairs. Call
  // after Encode(out). Valid until the next call.
  const std::vector<std::pair<std::string_view, std::string>>& Headers(const OutEvent& out);

  // The headers of a tombstone: content-type alone.
  const std::vector<std::pair<std::string_view, std::string>>& TombstoneHeaders() const {
    return tombstone_headers_;
  }

  std::string_view content_type() const { return content_type_; }
  std::string_view schema_name() const { return schema_name_; }

 private:
  // Hands the module the table description the event travels with.
  class EventTable final : public DebeziumTables {
   public:
    const DebeziumTableInfo* Find(const cdc::v1::Source&) const override { return current; }
    const DebeziumTableInfo* current = nullptr;
  };

  struct SchemaIds {
    int32_t key = 0;
    int32_t value = 0;
  };
  Result<SchemaIds> IdsFor(const std::string& topic);
  Result<bool> EncodeValueAndKey(const OutEvent& out, std::string* value, std::string* key);

  const KafkaConfig& config_;
  const EventFormat format_;
  const std::string_view content_type_;
  const std::string_view schema_name_;
  std::vector<std::pair<std::string_view, std::string>> headers_;
  std::vector<std::pair<std::string_view, std::string>> tombstone_headers_;
  DebeziumOptions debezium_;
  EventTable debezium_table_;
  std::unique_ptr<SchemaRegistryClient> registry_;
  std::unordered_map<std::string, SchemaIds> ids_;  // by topic
  const std::string* last_topic_ = nullptr;
  SchemaIds last_ids_;
};

}  // namespace cdc::agent
