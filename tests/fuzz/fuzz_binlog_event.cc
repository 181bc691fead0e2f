// libFuzzer harness: one binlog event through EventDecoder.
//   input := flavour:u8 event...
// The decoder first takes a FORMAT_DESCRIPTION of the flavour (checksums
// off, see binlog_flavours.h), then the event, whose event_size is set to
// its length so that mutations reach the body parsers. The events of a
// TRANSACTION_PAYLOAD are drained with NextPayloadEvent, and its rows events
// decoded with the TABLE_MAPs it carries.
//
// Seed mode: fuzz_binlog_event --make-corpus OUT_ROOT FILE.binlog...
// (see binlog_seeds.h).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <map>
#include <optional>
#include <string>
#include <variant>

#include "decoders/binlog/events.h"
#include "decoders/binlog/rows.h"
#include "tests/fuzz/binlog_flavours.h"
#include "tests/fuzz/binlog_seeds.h"

namespace {

namespace b = cdc::binlog;

constexpr int kMaxInnerEvents = 4096;

void DecodeInner(const b::Event& event, std::map<uint64_t, b::TableSchema>* tables) {
  if (const auto* map = std::get_if<b::TableMap>(&event.body)) {
    (*tables)[map->table_id] = b::SchemaFromTableMap(*map);
    return;
  }
  const auto* rows = std::get_if<b::RowsEvent>(&event.body);
  if (rows == nullptr) return;
  auto it = tables->find(rows->table_id);
  if (it == tables->end()) return;
  cdc::Status s = b::DecodeRows(*rows, it->second,
                                [](b::RowChange&) { return cdc::Status::OK(); });
  s.PermitUncheckedError();
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int* argc, char*** argv) {
  if (*argc >= 3 && std::strcmp((*argv)[1], "--make-corpus") == 0) {
    std::exit(cdc::fuzz::MakeBinlogCorpus((*argv)[2], *argc - 3, *argv + 3));
  }
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  b::EventDecoder decoder;
  const std::string format = cdc::fuzz::FormatDescriptionEvent(data[0]);
  if (!decoder.Decode(format).ok()) std::abort();  // the harness's own event must decode

  std::string event(reinterpret_cast<const char*>(data) + 1, size - 1);
  if (event.size() >= b::kHeaderSize) cdc::fuzz::PatchEventSize(&event);
  auto decoded = decoder.Decode(event);
  if (!decoded.ok()) return 0;
  if (const auto* map = std::get_if<b::TableMap>(&decoded->body)) {
    b::TableSchema schema = b::SchemaFromTableMap(*map);
    if (schema.columns.size() != map->column_types.size()) std::abort();
  }

  std::map<uint64_t, b::TableSchema> tables;
  for (int i = 0; i < kMaxInnerEvents; ++i) {
    auto inner = decoder.NextPayloadEvent();
    if (!inner.ok() || !inner->has_value()) break;
    DecodeInner(**inner, &tables);
  }
  return 0;
}
