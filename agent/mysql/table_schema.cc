#include "agent/mysql/table_schema.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <utility>

#include "agent/mysql/ddl_lexer.h"
#include "decoders/binlog/charset.h"

namespace cdc::agent::mysql {
namespace {

using binlog::ColumnSchema;

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string TableName(const InfoTable& info) {
  return "table `" + info.schema + "`.`" + info.table + "`";
}

std::string ColumnRef(const InfoTable& info, const InfoColumn& column) {
  return TableName(info) + " column `" + column.name + "`";
}

// The binlog types a column of information_schema DATA_TYPE `data_type` can
// have in a TABLE_MAP (after the real type of STRING columns is taken), the
// one a current server writes first; empty for a type not known here.
std::vector<uint8_t> BinlogTypesOf(const std::string& data_type) {
  static const std::vector<uint8_t> kBlobs = {binlog::kTypeBlob, binlog::kTypeTinyBlob,
                                              binlog::kTypeMediumBlob, binlog::kTypeLongBlob};
  static const std::vector<std::pair<std::vector<std::string>, std::vector<uint8_t>>> kTable = {
      {{"tinyint"}, {binlog::kTypeTiny}},
      {{"smallint"}, {binlog::kTypeShort}},
      {{"mediumint"}, {binlog::kTypeInt24}},
      {{"int", "integer"}, {binlog::kTypeLong}},
      {{"bigint"}, {binlog::kTypeLongLong}},
      {{"float"}, {binlog::kTypeFloat}},
      {{"double", "real", "double precision"}, {binlog::kTypeDouble}},
      {{"decimal", "numeric", "dec", "fixed"}, {binlog::kTypeNewDecimal, binlog::kTypeDecimal}},
      {{"bit"}, {binlog::kTypeBit}},
      {{"year"}, {binlog::kTypeYear}},
      {{"date"}, {binlog::kTypeDate, binlog::kTypeNewDate}},
      {{"time"}, {binlog::kTypeTime2, binlog::kTypeTime}},
      {{"datetime"}, {binlog::kTypeDatetime2, binlog::kTypeDatetime}},
      {{"timestamp"}, {binlog::kTypeTimestamp2, binlog::kTypeTimestamp}},
      {{"char", "binary"}, {binlog::kTypeString}},
      {{"varchar", "varbinary"}, {binlog::kTypeVarchar, binlog::kTypeVarString}},
      {{"tinytext", "tinyblob"}, kBlobs},
      {{"text", "blob"}, kBlobs},
      {{"mediumtext", "mediumblob"}, kBlobs},
      {{"longtext", "longblob"}, kBlobs},
      {{"enum"}, {binlog::kTypeEnum}},
      {{"set"}, {binlog::kTypeSet}},
      {{"json"}, {binlog::kTypeJson, binlog::kTypeBlob}},
      {{"geometry", "point", "linestring", "polygon", "multipoint", "multilinestring",
        "multipolygon", "geometrycollection", "geomcollection"},
       {binlog::kTypeGeometry}},
      {{"vector"},
       {binlog::kTypeVector, binlog::kTypeVarchar, binlog::kTypeVarString, binlog::kTypeString,
        binlog::kTypeBlob}},
      // MariaDB's own types, stored as fixed-length binary strings.
      {{"uuid", "inet4", "inet6"},
       {binlog::kTypeString, binlog::kTypeVarchar, binlog::kTypeVarString}},
  };
  for (const auto& [names, types] : kTable) {
    if (std::find(names.begin(), names.end(), data_type) != names.end()) return types;
  }
  return {};
}

bool IsBinaryDataType(const std::string& data_type) {
  return data_type == "binary" || data_type == "varbinary" || data_type == "tinyblob" ||
         data_type == "blob" || data_type == "mediumblob" || data_type == "longblob";
}

// Columns that carry a collation in a TABLE_MAP: the string, text and
// enum/set types.
bool HasCollation(uint8_t type) {
  switch (type) {
    case binlog::kTypeString: case binlog::kTypeVarString: case binlog::kTypeVarchar:
    case binlog::kTypeBlob: case binlog::kTypeTinyBlob: case binlog::kTypeMediumBlob:
    case binlog::kTypeLongBlob: case binlog::kTypeEnum: case binlog::kTypeSet:
      return true;
    default:
      return false;
  }
}

// Signedness applies to the old DECIMAL type too.
bool IsNumeric(uint8_t type) {
  return binlog::IsNumericType(type) || type == binlog::kTypeDecimal;
}

// True when `word` is a whole word of `text` ("int(10) unsigned zerofill").
bool HasWord(std::string_view text, std::string_view word) {
  for (size_t at = text.find(word); at != std::string_view::npos; at = text.find(word, at + 1)) {
    bool start = at == 0 || !std::isalnum(static_cast<unsigned char>(text[at - 1]));
    size_t end = at + word.size();
    bool stop = end == text.size() || !std::isalnum(static_cast<unsigned char>(text[end]));
    if (start && stop) return true;
  }
  return false;
}

uint32_t GeometryTypeOf(const std::string& data_type) {
  static const char* const kNames[] = {"geometry",   "point",           "linestring",
                                       "polygon",    "multipoint",      "multilinestring",
                                       "multipolygon", "geometrycollection"};
  if (data_type == "geomcollection") return 7;
  for (uint32_t i = 0; i < 8; ++i) {
    if (data_type == kNames[i]) return i;
  }
  return 0;
}

// The numbers in the parentheses after the type name: "decimal(10,2)" ->
// {10, 2}, "datetime" -> {}. False when they are not numbers.
bool TypeArgs(std::string_view column_type, std::vector<uint32_t>* args) {
  args->clear();
  size_t open = column_type.find('(');
  if (open == std::string_view::npos) return true;
  size_t close = column_type.find(')', open);
  if (close == std::string_view::npos) return false;
  std::string_view inside = column_type.substr(open + 1, close - open - 1);
  while (true) {
    while (!inside.empty() && inside.front() == ' ') inside.remove_prefix(1);
    uint32_t v = 0;
    auto [ptr, ec] = std::from_chars(inside.data(), inside.data() + inside.size(), v);
    if (ec != std::errc()) return false;
    args->push_back(v);
    inside.remove_prefix(static_cast<size_t>(ptr - inside.data()));
    while (!inside.empty() && inside.front() == ' ') inside.remove_prefix(1);
    if (inside.empty()) return true;
    if (inside.front() != ',') return false;
    inside.remove_prefix(1);
  }
}

// Bytes per character of a charset, the most any character takes (what the
// server multiplies a CHAR/VARCHAR length by for its byte length).
uint32_t MaxBytesPerChar(const InfoColumn& column) {
  std::string name = Lower(column.charset);
  if (name.empty() && column.collation_id != 0) {
    const binlog::Charset* cs = binlog::CharsetOfCollation(column.collation_id);
    if (cs != nullptr) name = cs->name;
  }
  if (name == "utf8mb4" || name == "utf16" || name == "utf16le" || name == "utf32" ||
      name == "gb18030") {
    return 4;
  }
  if (name == "utf8mb3" || name == "utf8" || name == "ujis" || name == "eucjpms") return 3;
  if (name == "ucs2" || name == "sjis" || name == "cp932" || name == "gbk" || name == "big5" ||
      name == "euckr" || name == "gb2312") {
    return 2;
  }
  return 1;
}

// Sets the type_name of every column of `schema` to what SchemaFromTableMap
// gives for a column with the same type, metadata, signedness, collation and
// geometry type, so that a name never depends on where the schema came from.
void SetTypeNames(binlog::TableSchema* schema) {
  for (ColumnSchema& c : schema->columns) {
    // A one-column TABLE_MAP: every per-group metadata list has one entry,
    // read only by the group the column belongs to.
    binlog::TableMap map;
    map.column_types = {c.type};
    map.column_meta = {c.meta};
    map.metadata.is_unsigned = {c.is_unsigned};
    map.metadata.column_charsets = {c.collation};
    map.metadata.enum_set_column_charsets = {c.collation};
    map.metadata.geometry_types = {c.geometry_type};
    c.type_name = binlog::SchemaFromTableMap(map).columns[0].type_name;
  }
}

struct TypeAndMeta {
  uint8_t type = 0;
  uint16_t meta = 0;
};

Status BadColumnType(const InfoTable& info, const InfoColumn& column) {
  return Status::InvalidArgument(ColumnRef(info, column) + ": cannot read COLUMN_TYPE '" +
                                 column.column_type + "' of DATA_TYPE '" + column.data_type +
                                 "'; check that information_schema was read as documented");
}

// What a server writes in a TABLE_MAP for `column`: type code and metadata.
Result<TypeAndMeta> TableMapTypeOf(const InfoTable& info, const InfoColumn& column) {
  const std::string data_type = Lower(column.data_type);
  const std::string column_type = Lower(column.column_type);
  if (data_type == "uuid" || data_type == "inet4" || data_type == "inet6") {
    return Status::NotSupported(
        ColumnRef(info, column) + ": MariaDB type " + data_type +
        " is not supported by the snapshot (its text form differs from the bytes the binlog "
        "carries); exclude the column or the table from the snapshot");
  }
  std::vector<uint8_t> types = BinlogTypesOf(data_type);
  if (types.empty()) {
    return Status::NotSupported(ColumnRef(info, column) + ": type '" + column.column_type +
                                "' is not supported; exclude the table from the snapshot");
  }
  std::vector<uint32_t> args;
  if (data_type != "enum" && data_type != "set" && !TypeArgs(column_type, &args)) {
    return BadColumnType(info, column);
  }
  auto arg = [&](size_t i, uint32_t fallback) { return i < args.size() ? args[i] : fallback; };
  TypeAndMeta out;
  out.type = types[0];
  switch (out.type) {
    case binlog::kTypeFloat: out.meta = 4; break;
    case binlog::kTypeDouble: out.meta = 8; break;
    case binlog::kTypeNewDecimal: {
      uint32_t precision = arg(0, 10), scale = arg(1, 0);
      if (precision < 1 || precision > 65 || scale > 30 || scale > precision) {
        return BadColumnType(info, column);
      }
      out.meta = static_cast<uint16_t>(precision << 8 | scale);
      break;
    }
    case binlog::kTypeBit: {
      uint32_t bits = arg(0, 1);
      if (bits < 1 || bits > 64) return BadColumnType(info, column);
      out.meta = static_cast<uint16_t>((bits / 8) << 8 | (bits % 8));
      break;
    }
    case binlog::kTypeTime2:
    case binlog::kTypeDatetime2:
    case binlog::kTypeTimestamp2: {
      uint32_t fsp = arg(0, 0);
      if (fsp > 6) return BadColumnType(info, column);
      out.meta = static_cast<uint16_t>(fsp);
      break;
    }
    case binlog::kTypeVarchar: {
      if (args.size() != 1) return BadColumnType(info, column);
      uint64_t bytes = static_cast<uint64_t>(args[0]) *
                       (data_type == "varbinary" ? 1 : MaxBytesPerChar(column));
      if (bytes > 65535) return BadColumnType(info, column);
      out.meta = static_cast<uint16_t>(bytes);
      break;
    }
    case binlog::kTypeString: {
      // CHAR(n)/BINARY(n): the real type in the high byte, the byte length
      // in the low byte, its bits 8 and 9 folded into the real type.
      uint64_t bytes = static_cast<uint64_t>(arg(0, 1)) *
                       (data_type == "binary" ? 1 : MaxBytesPerChar(column));
      if (bytes > 1023) return BadColumnType(info, column);
      uint32_t byte0 = binlog::kTypeString ^ (((bytes >> 8) & 3) << 4);
      out.meta = static_cast<uint16_t>(byte0 << 8 | (bytes & 0xFF));
      break;
    }
    case binlog::kTypeEnum:
    case binlog::kTypeSet: {
      Result<std::vector<std::string>> labels = ParseEnumLabels(column.column_type);
      if (!labels.ok()) return labels.status().WithContext(ColumnRef(info, column));
      uint32_t pack = 0;
      if (out.type == binlog::kTypeEnum) {
        pack = labels->size() > 255 ? 2 : 1;
      } else {
        if (labels->size() > 64) return BadColumnType(info, column);
        pack = static_cast<uint32_t>((labels->size() + 7) / 8);
        if (pack > 4) pack = 8;
      }
      // A TABLE_MAP writes ENUM and SET as STRING with the real type in
      // the metadata.
      out.meta = static_cast<uint16_t>(out.type << 8 | pack);
      out.type = binlog::kTypeString;
      break;
    }
    case binlog::kTypeBlob:
      out.meta = data_type == "tinytext" || data_type == "tinyblob"       ? 1
                 : data_type == "mediumtext" || data_type == "mediumblob" ? 3
                 : data_type == "longtext" || data_type == "longblob"     ? 4
                                                                          : 2;
      break;
    case binlog::kTypeJson:
    case binlog::kTypeGeometry:
    case binlog::kTypeVector: out.meta = 4; break;
    default: break;
  }
  return out;
}

}  // namespace

Result<std::vector<std::string>> ParseEnumLabels(std::string_view column_type) {
  auto bad = [&](const std::string& what) {
    return Status::InvalidArgument("enum/set type '" + std::string(column_type) + "': " + what);
  };
  size_t open = column_type.find('(');
  std::string head = Lower(column_type.substr(0, open));
  while (!head.empty() && head.front() == ' ') head.erase(0, 1);
  while (!head.empty() && head.back() == ' ') head.pop_back();
  if (open == std::string_view::npos || (head != "enum" && head != "set")) {
    return bad("not an enum(...) or set(...) type");
  }
  std::vector<std::string> labels;
  size_t p = open + 1;
  while (true) {
    if (p >= column_type.size() || column_type[p] != '\'') {
      return bad("a quoted label expected at position " + std::to_string(p));
    }
    ++p;
    std::string label;
    while (true) {
      if (p >= column_type.size()) return bad("unterminated label");
      char c = column_type[p];
      if (c == '\'') {
        if (p + 1 < column_type.size() && column_type[p + 1] == '\'') {
          label.push_back('\'');
          p += 2;
          continue;
        }
        ++p;
        break;
      }
      if (c == '\\') {
        if (p + 1 >= column_type.size()) return bad("unterminated label");
        label.push_back(ddl::Unescaped(column_type[p + 1]));
        p += 2;
        continue;
      }
      label.push_back(c);
      ++p;
    }
    labels.push_back(std::move(label));
    if (p < column_type.size() && column_type[p] == ',') {
      ++p;
      continue;
    }
    if (p < column_type.size() && column_type[p] == ')') {
      ++p;
      break;
    }
    return bad("',' or ')' expected at position " + std::to_string(p));
  }
  if (column_type.find_first_not_of(' ', p) != std::string_view::npos) {
    return bad("unexpected text after ')'");
  }
  return labels;
}

Status MergeInfoSchema(const InfoTable& info, binlog::TableSchema* schema) {
  if (info.columns.size() != schema->columns.size()) {
    return Status::InvalidArgument(
        TableName(info) + ": information_schema lists " + std::to_string(info.columns.size()) +
        " columns, the binlog's TABLE_MAP " + std::to_string(schema->columns.size()) +
        ": the table changed since its schema was read (two DDL statements while the agent "
        "was behind); set binlog_row_metadata=FULL on the server, or run `cdc-agent offsets "
        "reset` to start over with a new snapshot");
  }
  binlog::TableSchema merged = *schema;
  std::vector<std::pair<uint32_t, uint32_t>> key;  // (ordinal, column index)
  for (size_t i = 0; i < info.columns.size(); ++i) {
    const InfoColumn& ic = info.columns[i];
    ColumnSchema& c = merged.columns[i];
    const std::string data_type = Lower(ic.data_type);
    const std::vector<uint8_t> types = BinlogTypesOf(data_type);
    if (!types.empty() && std::find(types.begin(), types.end(), c.type) == types.end()) {
      return Status::InvalidArgument(
          ColumnRef(info, ic) + ": information_schema type '" + ic.column_type +
          "' cannot be binlog type " + std::to_string(c.type) +
          (c.type_name.empty() ? "" : " (" + c.type_name + ")") +
          ": the table changed since its schema was read (two DDL statements while the "
          "agent was behind); set binlog_row_metadata=FULL on the server, or run `cdc-agent "
          "offsets reset` to start over with a new snapshot");
    }
    if (c.name.empty() || c.name == "@" + std::to_string(i + 1)) c.name = ic.name;
    if (IsNumeric(c.type) && HasWord(Lower(ic.column_type), "unsigned")) c.is_unsigned = true;
    if (HasCollation(c.type) && c.collation == 0) {
      c.collation = IsBinaryDataType(data_type) ? binlog::kBinaryCollation : ic.collation_id;
    }
    c.is_json = c.is_json || ic.is_json;
    if ((c.type == binlog::kTypeEnum && c.enum_values.empty()) ||
        (c.type == binlog::kTypeSet && c.set_values.empty())) {
      Result<std::vector<std::string>> labels = ParseEnumLabels(ic.column_type);
      if (!labels.ok()) return labels.status().WithContext(ColumnRef(info, ic));
      (c.type == binlog::kTypeEnum ? c.enum_values : c.set_values) = std::move(labels).value();
    }
    if (c.type == binlog::kTypeGeometry && c.geometry_type == 0) {
      c.geometry_type = GeometryTypeOf(data_type);
    }
    if (ic.key_ordinal > 0) key.emplace_back(ic.key_ordinal, static_cast<uint32_t>(i));
  }
  if (merged.primary_key.empty() && !key.empty()) {
    std::sort(key.begin(), key.end());
    for (const auto& [ordinal, index] : key) merged.primary_key.push_back(index);
  }
  if (merged.schema.empty()) merged.schema = info.schema;
  if (merged.table.empty()) merged.table = info.table;
  SetTypeNames(&merged);
  *schema = std::move(merged);
  return Status::OK();
}

void MarkJsonColumns(const InfoTable& info, binlog::TableSchema* schema) {
  for (const InfoColumn& ic : info.columns) {
    if (!ic.is_json) continue;
    for (ColumnSchema& c : schema->columns) {
      if (c.name == ic.name && binlog::IsStringType(c.type)) c.is_json = true;
    }
  }
}

Result<binlog::TableSchema> SchemaFromInfo(const InfoTable& info) {
  binlog::TableMap map;
  map.schema = info.schema;
  map.table = info.table;
  for (const InfoColumn& column : info.columns) {
    CDC_ASSIGN_OR_RETURN(TypeAndMeta tm, TableMapTypeOf(info, column));
    map.column_types.push_back(tm.type);
    map.column_meta.push_back(tm.meta);
    map.nullable.push_back(column.nullable);
  }
  binlog::TableSchema schema = binlog::SchemaFromTableMap(map);
  CDC_RETURN_IF_ERROR(MergeInfoSchema(info, &schema));
  return schema;
}

}  // namespace cdc::agent::mysql
