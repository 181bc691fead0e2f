#include "agent/event_encoder.h"

#include "agent/confluent_wire.h"
#include "agent/debezium_transaction.h"
#include "agent/event_json.h"
#include "agent/event_wire.h"
#include "agent/proto_text.h"
#include "common/json_text.h"
#include "offsets/position.h"

namespace cdc::agent {
namespace {

std::string_view ContentTypeOf(const KafkaConfig& config) {
  if (config.format != EventFormat::kProtobuf) return "application/json";
  return config.schema_registry ? "application/vnd.confluent.protobuf" : "application/x-protobuf";
}

std::string_view SchemaNameOf(EventFormat format) {
  return format == EventFormat::kDebeziumJson ? "debezium.Envelope" : "cdc.v1.ChangeEvent";
}

}  // namespace

std::string_view OpName(cdc::v1::Op op) {
  switch (op) {
    case cdc::v1::OP_INSERT: return "insert";
    case cdc::v1::OP_UPDATE: return "update";
    case cdc::v1::OP_DELETE: return "delete";
    case cdc::v1::OP_READ: return "read";
    case cdc::v1::OP_TRUNCATE: return "truncate";
    case cdc::v1::OP_BEGIN: return "begin";
    case cdc::v1::OP_COMMIT: return "commit";
    default: return "unspecified";
  }
}

void AssignPositionText(const cdc::v1::Source& source, std::string* out) {
  out->clear();
  if (source.has_postgres()) {
    *out += "lsn=";
    offsets::AppendLsn(source.postgres().lsn(), out);
    *out += ";commit_lsn=";
    offsets::AppendLsn(source.postgres().commit_lsn(), out);
  } else if (source.has_mysql()) {
    const cdc::v1::MysqlPosition& m = source.mysql();
    *out += "file=";
    *out += m.file();
    *out += ";pos=";
    AppendInteger(m.pos(), *out);
    *out += ";gtid=";
    *out += m.gtid();
  } else {
    return;
  }
  *out += ";index=";
  AppendInteger(source.event_index(), *out);
}

EventEncoder::EventEncoder(const KafkaConfig& config)
    : config_(config),
      format_(config.format),
      content_type_(ContentTypeOf(config)),
      schema_name_(SchemaNameOf(config.format)) {
  // The names and fixed values are set once; Headers() rewrites the op and
  // the position in place.
  headers_.reserve(5);
  headers_.emplace_back(kHeaderContentType, content_type_);
  headers_.emplace_back(kHeaderSchema, schema_name_);
  headers_.emplace_back(kHeaderOp, "");
  headers_.emplace_back(kHeaderPosition, "");
  tombstone_headers_.emplace_back(kHeaderContentType, content_type_);
  debezium_.schemas_enable = config.schemas_enable;
  debezium_.logical_name = config.topic_prefix;
  debezium_.tables = &debezium_table_;
}

EventEncoder::~EventEncoder() = default;

Status EventEncoder::Open() {
  if (!config_.schema_registry || format_ != EventFormat::kProtobuf) return Status::OK();
  CDC_ASSIGN_OR_RETURN(registry_, SchemaRegistryClient::Create(*config_.schema_registry));
  headers_.emplace_back(kHeaderSchemaId, "");
  return Status::OK();
}

Result<EventEncoder::SchemaIds> EventEncoder::IdsFor(const std::string& topic) {
  if (last_topic_ != nullptr && *last_topic_ == topic) return last_ids_;
  auto it = ids_.find(topic);
  if (it == ids_.end()) {
    const SubjectNameStrategy strategy = config_.schema_registry->subject_name_strategy;
    SchemaIds ids;
    CDC_ASSIGN_OR_RETURN(ids.value, registry_->Register(SubjectName(strategy, topic,
                                                                    SchemaRole::kValue),
                                                        ChangeEventProtoText()));
    CDC_ASSIGN_OR_RETURN(ids.key, registry_->Register(SubjectName(strategy, topic,
                                                                  SchemaRole::kKey),
                                                      ChangeEventProtoText()));
    it = ids_.emplace(topic, ids).first;
  }
  last_topic_ = &it->first;
  last_ids_ = it->second;
  return last_ids_;
}

Result<bool> EventEncoder::Encode(const OutEvent& out, std::string* value, std::string* key) {
  if (out.key_bytes) {
    const size_t key_start = key->size();
    CDC_ASSIGN_OR_RETURN(bool has_key, EncodeValueAndKey(out, value, key));
    (void)has_key;
    key->resize(key_start);
    key->append(*out.key_bytes);
    return true;
  }
  return EncodeValueAndKey(out, value, key);
}

Result<bool> EventEncoder::EncodeValueAndKey(const OutEvent& out, std::string* value,
                                             std::string* key) {
  // A TRUNCATE's key is a RowKey without columns, not null: a compacted
  // topic refuses messages without a key.
  const bool has_key = out.has_key || out.event.op() == cdc::v1::OP_TRUNCATE;
  if (out.row) {
    // The unwrap transform: the row alone (no registry: refused at load).
    if (format_ == EventFormat::kJson) {
      value->append(RowToPlainJson(*out.row));
      if (has_key) key->append(RowKeyToJson(out.key));
      return has_key;
    }
    AppendRowWire(*out.row, value);
    if (has_key) AppendRowKeyWire(out.key, key);
    return has_key;
  }
  switch (format_) {
    case EventFormat::kProtobuf: {
      if (!registry_) {
        AppendEventWire(out.event, value);
        if (has_key) AppendRowKeyWire(out.key, key);
        return has_key;
      }
      // Confluent wire format: the header, then the message.
      CDC_ASSIGN_OR_RETURN(SchemaIds ids, IdsFor(out.topic));
      AppendConfluentHeader(ids.value, ChangeEventMessageIndexes(), value);
      AppendEventWire(out.event, value);
      if (has_key) {
        AppendConfluentHeader(ids.key, RowKeyMessageIndexes(), key);
        AppendRowKeyWire(out.key, key);
      }
      return has_key;
    }
    case EventFormat::kJson:
      value->append(EventToJson(out.event));
      if (has_key) key->append(RowKeyToJson(out.key));
      return has_key;
    case EventFormat::kDebeziumJson:
      if (out.event.op() == cdc::v1::OP_BEGIN || out.event.op() == cdc::v1::OP_COMMIT) {
        AppendDebeziumTransactionJson(out.event, debezium_, key, value);
        return true;
      }
      debezium_table_.current = out.debezium_table.get();
      AppendDebeziumValueJson(out.event, debezium_, value);
      if (out.event.op() == cdc::v1::OP_TRUNCATE) {
        // Debezium's null key would be refused by a compacted topic: an
        // empty key struct instead.
        key->append(debezium_.schemas_enable
                        ? R"({"schema":{"type":"struct","fields":[],"optional":false},"payload":{}})"
                        : "{}");
        return true;
      }
      return AppendDebeziumKeyJson(out.event, debezium_, key);
  }
  return Status::InvalidArgument("kafka.format: unknown format");
}

const std::vector<std::pair<std::string_view, std::string>>& EventEncoder::Headers(
    const OutEvent& out) {
  headers_[1].second.assign(out.row ? std::string_view("cdc.v1.Row") : schema_name_);
  headers_[2].second.assign(OpName(out.event.op()));
  AssignPositionText(out.event.source(), &headers_[3].second);
  // Encode(out) registered the topic's schemas just before.
  if (registry_) headers_[4].second = std::to_string(last_ids_.value);
  return headers_;
}

}  // namespace cdc::agent
