#include "tests/fuzz/rows_input.h"

#include <cstring>

#include "decoders/binlog/charset.h"

namespace cdc::fuzz {
namespace {

namespace b = cdc::binlog;

constexpr uint8_t kColumnTypes[] = {
    b::kTypeDecimal,    b::kTypeTiny,       b::kTypeShort,     b::kTypeLong,
    b::kTypeFloat,      b::kTypeDouble,     b::kTypeNull,      b::kTypeTimestamp,
    b::kTypeLongLong,   b::kTypeInt24,      b::kTypeDate,      b::kTypeTime,
    b::kTypeDatetime,   b::kTypeYear,       b::kTypeNewDate,   b::kTypeVarchar,
    b::kTypeBit,        b::kTypeTimestamp2, b::kTypeDatetime2, b::kTypeTime2,
    b::kTypeTypedArray, b::kTypeVector,     b::kTypeJson,      b::kTypeNewDecimal,
    b::kTypeEnum,       b::kTypeSet,        b::kTypeTinyBlob,  b::kTypeMediumBlob,
    b::kTypeLongBlob,   b::kTypeBlob,       b::kTypeVarString, b::kTypeString,
    b::kTypeGeometry,
};
constexpr size_t kColumnTypeCount = sizeof(kColumnTypes);

// 0 unknown, 63 binary, latin1_swedish_ci, utf8mb3_general_ci,
// utf8mb4_general_ci, utf8mb4_0900_ai_ci, gbk_chinese_ci, ujis_japanese_ci.
constexpr uint16_t kCollations[8] = {0, 63, 8, 33, 45, 255, 28, 12};

const std::vector<std::string>& Labels() {
  static const auto* labels = new std::vector<std::string>{"a", "bb", "ccc", "", "e\xc3\xa9"};
  return *labels;
}

std::vector<bool> Bitmap(std::string_view bits, size_t n) {
  std::vector<bool> out(n);
  for (size_t i = 0; i < n; ++i) out[i] = (static_cast<uint8_t>(bits[i / 8]) >> (i % 8)) & 1;
  return out;
}

void PutBitmap(const std::vector<bool>& bits, size_t n, std::string* out) {
  std::string bytes((n + 7) / 8, '\0');
  for (size_t i = 0; i < n && i < bits.size(); ++i) {
    if (bits[i]) bytes[i / 8] = static_cast<char>(bytes[i / 8] | (1 << (i % 8)));
  }
  *out += bytes;
}

uint8_t CollationIndex(uint16_t collation) {
  for (uint8_t i = 0; i < 8; ++i) {
    if (kCollations[i] == collation) return i;
  }
  const b::Charset* charset = b::CharsetOfCollation(collation);
  if (charset == nullptr) return 0;
  if (std::strcmp(charset->name, "utf8mb4") == 0) return 5;
  if (std::strcmp(charset->name, "utf8mb3") == 0 || std::strcmp(charset->name, "utf8") == 0) {
    return 3;
  }
  if (std::strcmp(charset->name, "latin1") == 0) return 2;
  return 0;
}

}  // namespace

bool ParseRowsInput(std::string_view data, RowsInput* out) {
  if (data.size() < 2) return false;
  const size_t n = static_cast<uint8_t>(data[0]) % kMaxColumns + 1;
  const uint8_t mode = static_cast<uint8_t>(data[1]);
  const size_t bitmap_size = (n + 7) / 8;
  const bool bitmaps = (mode & 4) != 0;
  size_t header = 2 + 4 * n + (bitmaps ? 2 * bitmap_size : 0);
  if (data.size() < header) return false;

  b::TableMap map;
  map.table_id = 1;
  map.schema = "fuzz";
  map.table = "t";
  std::vector<uint8_t> flags(n);
  for (size_t i = 0; i < n; ++i) {
    const auto* c = reinterpret_cast<const uint8_t*>(data.data()) + 2 + 4 * i;
    map.column_types.push_back(kColumnTypes[c[0] % kColumnTypeCount]);
    map.column_meta.push_back(static_cast<uint16_t>(c[1] | (c[2] << 8)));
    map.nullable.push_back((c[3] & 2) != 0);
    flags[i] = c[3];
  }
  out->schema = b::SchemaFromTableMap(map);
  for (size_t i = 0; i < n; ++i) {
    b::ColumnSchema& column = out->schema.columns[i];
    column.is_unsigned = (flags[i] & 1) != 0;
    column.collation = kCollations[(flags[i] >> 2) & 7];
    column.is_json = (flags[i] & 0x20) != 0;
    if ((flags[i] & 0x40) != 0) {
      column.enum_values = Labels();
      column.set_values = Labels();
    }
  }

  b::RowsEvent& ev = out->event;
  ev = b::RowsEvent();
  static constexpr b::RowsKind kKinds[] = {b::RowsKind::kWrite, b::RowsKind::kUpdate,
                                           b::RowsKind::kDelete, b::RowsKind::kPartialUpdate};
  static constexpr uint8_t kEventTypes[] = {30, 31, 32, 39};
  ev.kind = kKinds[mode & 3];
  ev.type = kEventTypes[mode & 3];
  ev.version = 2;
  ev.table_id = 1;
  ev.flags = 1;
  ev.column_count = n;
  if (bitmaps) {
    ev.columns_before = Bitmap(data.substr(2 + 4 * n, bitmap_size), n);
    ev.columns_after = Bitmap(data.substr(2 + 4 * n + bitmap_size, bitmap_size), n);
  } else {
    ev.columns_before.assign(n, true);
    ev.columns_after.assign(n, true);
  }
  if (ev.kind == b::RowsKind::kWrite || ev.kind == b::RowsKind::kDelete) ev.columns_after.clear();
  ev.rows = data.substr(header);
  return true;
}

bool EncodeRowsInput(const b::TableMap& map, const b::RowsEvent& event, std::string* out) {
  const size_t n = map.column_types.size();
  if (n == 0 || n > kMaxColumns || event.column_count != n) return false;
  const b::TableSchema schema = b::SchemaFromTableMap(map);
  out->clear();
  out->push_back(static_cast<char>(n - 1));
  const uint8_t kind = static_cast<uint8_t>(event.kind);
  bool all_present = true;
  for (size_t i = 0; i < n; ++i) {
    all_present = all_present && (i >= event.columns_before.size() || event.columns_before[i]) &&
                  (i >= event.columns_after.size() || event.columns_after[i]);
  }
  out->push_back(static_cast<char>(kind | (all_present ? 0 : 4)));
  for (size_t i = 0; i < n; ++i) {
    size_t type = 0;
    while (type < kColumnTypeCount && kColumnTypes[type] != map.column_types[i]) ++type;
    if (type == kColumnTypeCount) return false;
    const b::ColumnSchema& c = schema.columns[i];
    uint16_t meta = i < map.column_meta.size() ? map.column_meta[i] : 0;
    uint8_t flags = (c.is_unsigned ? 1 : 0) |
                    (i < map.nullable.size() && map.nullable[i] ? 2 : 0) |
                    static_cast<uint8_t>(CollationIndex(c.collation) << 2) |
                    (c.is_json ? 0x20 : 0) |
                    (!c.enum_values.empty() || !c.set_values.empty() ? 0x40 : 0);
    out->push_back(static_cast<char>(type));
    out->push_back(static_cast<char>(meta & 0xFF));
    out->push_back(static_cast<char>(meta >> 8));
    out->push_back(static_cast<char>(flags));
  }
  if (!all_present) {
    PutBitmap(event.columns_before, n, out);
    PutBitmap(event.columns_after.empty() ? event.columns_before : event.columns_after, n, out);
  }
  out->append(event.rows);
  return true;
}

}  // namespace cdc::fuzz
