// Debezium's JSON form of the transaction metadata records
// (kafka.transaction_metadata with kafka.format: debezium-json), as
// Debezium's provide.transaction.metadata writes them to its transaction
// topic:
//   key   {"id":"571:53736280"}
//   value {"status":"BEGIN","id":"571:53736280","ts_ms":1486500577125,
//          "event_count":null,"data_collections":null}
//         {"status":"END", ..., "event_count":2,"data_collections":
//          [{"data_collection":"public.a","event_count":1}, ...]}
// With schemas_enable each is {"schema":...,"payload":...}, the schemas named
// io.debezium.connector.common.TransactionMetadataKey / ...Value.
//
// Thread: pure functions, safe from any thread.
#pragma once

#include <string>

#include "agent/debezium_json.h"
#include "cdc/v1/change_event.pb.h"

namespace cdc::agent {

// Appends the key and the value of an OP_BEGIN or OP_COMMIT record.
void AppendDebeziumTransactionJson(const cdc::v1::ChangeEvent& record,
                                   const DebeziumOptions& options, std::string* key,
                                   std::string* value);

// Appends the "transaction" block of a change event's envelope:
// {"id":...,"total_order":N,"data_collection_order":N}, or null when the
// event has none.
void AppendDebeziumTransactionBlock(const cdc::v1::ChangeEvent& event, std::string* out);

}  // namespace cdc::agent
