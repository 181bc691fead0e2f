#include "agent/debezium_transaction.h"

#include <string_view>


namespace cdc::agent {
namespace {

constexpr std::string_view kKeySchema =
    R"({"type":"struct","fields":[{"type":"string","optional":false,"field":"id"}],)"
    R"("optional":false,"name":"io.debezium.connector.common.TransactionMetadataKey"})";

constexpr std::string_view kValueSchema =
    R"({"type":"struct","fields":[{"type":"string","optional":false,"field":"status"},)"
    R"({"type":"string","optional":false,"field":"id"},)"
    R"({"type":"int64","optional":false,"field":"ts_ms"},)"
    R"({"type":"int64","optional":true,"field":"event_count"},)"
    R"({"type":"array","items":{"type":"struct","fields":[)"
    R"({"type":"string","optional":false,"field":"data_collection"},)"
    R"({"type":"int64","optional":false,"field":"event_count"}],"optional":false},)"
    R"("optional":true,"field":"data_collections"}],"optional":false,)"
    R"("name":"io.debezium.connector.common.TransactionMetadataValue"})";

void OpenPayload(bool schemas, std::string_view schema, std::string* out) {
  if (!schemas) return;
  *out += R"({"schema":)";
  *out += schema;
  *out += R"(,"payload":)";
}

void ClosePayload(bool schemas, std::string* out) {
  if (schemas) *out += '}';
}

}  // namespace

void AppendDebeziumTransactionJson(const cdc::v1::ChangeEvent& record,
                                   const DebeziumOptions& options, std::string* key,
                                   std::string* value) {
  const cdc::v1::Transaction& t = record.transaction();
  std::string id;
  AppendDebeziumJsonString(t.id(), &id);
  OpenPayload(options.schemas_enable, kKeySchema, key);
  *key += R"({"id":)";
  *key += id;
  *key += '}';
  ClosePayload(options.schemas_enable, key);

  const bool end = record.op() == cdc::v1::OP_COMMIT;
  OpenPayload(options.schemas_enable, kValueSchema, value);
  *value += end ? R"({"status":"END","id":)" : R"({"status":"BEGIN","id":)";
  *value += id;
  *value += R"(,"ts_ms":)";
  *value += std::to_string(record.source().commit_time_us() / 1000);
  if (!end) {
    *value += R"(,"event_count":null,"data_collections":null})";
  } else {
    *value += R"(,"event_count":)";
    *value += std::to_string(t.event_count());
    *value += R"(,"data_collections":[)";
    for (int i = 0; i < t.data_collections_size(); ++i) {
      if (i > 0) *value += ',';
      *value += R"({"data_collection":)";
      AppendDebeziumJsonString(t.data_collections(i).data_collection(), value);
      *value += R"(,"event_count":)";
      *value += std::to_string(t.data_collections(i).event_count());
      *value += '}';
    }
    *value += "]}";
  }
  ClosePayload(options.schemas_enable, value);
}

void AppendDebeziumTransactionBlock(const cdc::v1::ChangeEvent& event, std::string* out) {
  if (!event.has_transaction()) {
    *out += "null";
    return;
  }
  const cdc::v1::Transaction& t = event.transaction();
  *out += R"({"id":)";
  AppendDebeziumJsonString(t.id(), out);
  *out += R"(,"total_order":)";
  *out += std::to_string(t.total_order());
  *out += R"(,"data_collection_order":)";
  *out += std::to_string(t.data_collection_order());
  *out += '}';
}

}  // namespace cdc::agent
