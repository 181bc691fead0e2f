// Decodes every row of a real binlog file: events through EventDecoder, rows
// through SchemaFromTableMap + DecodeRows.
#pragma once

#include <functional>
#include <map>
#include <string>

#include "decoders/binlog/events.h"
#include "decoders/binlog/rows.h"
#include "tests/unit/decoders/binlog/binlog_test_util.h"

namespace cdc::binlog::testing {

struct DecodedRow {
  RowsKind kind;
  const TableSchema* schema;
  size_t event_index;  // 1-based count of events from the FORMAT_DESCRIPTION
  RowChange change;
};

// Calls `on_row` for every row change of the file in order. Returns the first
// error (event framing, a rows event without its TABLE_MAP, or DecodeRows).
inline Status DecodeFileRows(std::string_view bytes,
                             const std::function<Status(const DecodedRow&)>& on_row,
                             size_t* rows_events = nullptr) {
  FileReader reader(bytes);
  EventDecoder decoder;
  CDC_RETURN_IF_ERROR(reader.Open());
  std::map<uint64_t, TableSchema> schemas;
  size_t index = 0;
  size_t events = 0;
  auto handle = [&](const Event& ev) -> Status {
    ++index;
    if (const auto* map = std::get_if<TableMap>(&ev.body)) {
      schemas[map->table_id] = SchemaFromTableMap(*map);
      return Status::OK();
    }
    const auto* rows = std::get_if<RowsEvent>(&ev.body);
    if (rows == nullptr) return Status::OK();
    ++events;
    auto it = schemas.find(rows->table_id);
    if (it == schemas.end()) {
      return Status::Corruption("rows event for unknown table id " + std::to_string(rows->table_id));
    }
    DecodedRow row{rows->kind, &it->second, index, {}};
    return DecodeRows(*rows, it->second, [&](RowChange& change) {
      row.change = std::move(change);
      return on_row(row);
    });
  };
  while (true) {
    CDC_ASSIGN_OR_RETURN(std::optional<std::string_view> next, reader.Next());
    if (!next.has_value()) break;
    CDC_ASSIGN_OR_RETURN(Event ev, decoder.Decode(*next));
    CDC_RETURN_IF_ERROR(handle(ev).WithContext("event " + std::to_string(index + 1)));
    while (ev.header.type == static_cast<uint8_t>(EventType::kTransactionPayload)) {
      CDC_ASSIGN_OR_RETURN(std::optional<Event> inner, decoder.NextPayloadEvent());
      if (!inner.has_value()) break;
      CDC_RETURN_IF_ERROR(handle(*inner).WithContext("payload event"));
    }
  }
  if (rows_events != nullptr) *rows_events = events;
  return Status::OK();
}

}  // namespace cdc::binlog::testing
