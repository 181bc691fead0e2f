// The input format of fuzz_binlog_rows: a table and a rows event described
// by a few header bytes, then the row images.
//
//   input   := ncols:u8 mode:u8 column{ncols} [bitmap bitmap] rows...
//   ncols   := number of columns - 1 (mod kMaxColumns)
//   mode    := bits 0-1 kind (0 WRITE, 1 UPDATE, 2 DELETE, 3 PARTIAL_UPDATE),
//              bit 2 the two column bitmaps follow (else every column is present)
//   column  := type:u8 (index into the MYSQL_TYPE_* list) meta:u16le flags:u8
//   flags   := bit 0 unsigned, bit 1 nullable, bits 2-4 collation (index into
//              a list of binary, unknown and common text collations), bit 5
//              MariaDB JSON text column, bit 6 ENUM/SET labels
//   bitmap  := ceil(ncols / 8) bytes, before image then after image
// The table goes through SchemaFromTableMap, as a TABLE_MAP does.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "decoders/binlog/events.h"
#include "decoders/binlog/rows.h"

namespace cdc::fuzz {

inline constexpr size_t kMaxColumns = 64;

struct RowsInput {
  binlog::TableSchema schema;
  binlog::RowsEvent event;  // its views point into the parsed input
};

// False when `data` is too short for its header.
bool ParseRowsInput(std::string_view data, RowsInput* out);

// Describes a real TABLE_MAP and rows event in the format above (for seeds);
// false when the table does not fit it (too many columns, unknown type).
bool EncodeRowsInput(const binlog::TableMap& map, const binlog::RowsEvent& event,
                     std::string* out);

}  // namespace cdc::fuzz
