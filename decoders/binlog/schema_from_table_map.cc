// TableSchema from a TABLE_MAP and its optional metadata.
//
// Spec: https://dev.mysql.com/doc/dev/mysql-server/latest/classbinary__log_1_1Table__map__event.html
// SIGNEDNESS lists numeric columns only; DEFAULT_CHARSET / COLUMN_CHARSET list
// the columns the server counts as character columns: CHAR, VARCHAR,
// BLOB/TEXT, and also GEOMETRY and VECTOR, which it stores as blobs (not ENUM,
// SET, JSON);
// ENUM_AND_SET_* list ENUM and SET columns (TableMetadata keeps the
// exceptions of both *_DEFAULT_CHARSET by table column index); *_STR_VALUE list ENUM (or SET)
// columns; GEOMETRY_TYPE lists GEOMETRY columns.
#include "decoders/binlog/charset.h"
#include "decoders/binlog/rows.h"
#include "decoders/binlog/values_internal.h"

namespace cdc::binlog {
namespace {

uint8_t RealType(uint8_t type, uint16_t meta) {
  if (type != kTypeString) return type;
  uint32_t length = 0;
  const uint8_t real = internal::StringRealType(meta, &length);
  return real == 0 ? type : real;
}

std::string WithFsp(const char* name, uint16_t fsp) {
  return fsp == 0 ? name : std::string(name) + "(" + std::to_string(fsp) + ")";
}

const char* GeometryName(uint32_t geometry_type) {
  static constexpr const char* kNames[] = {"geometry",      "point",           "linestring",
                                           "polygon",       "multipoint",      "multilinestring",
                                           "multipolygon",  "geometrycollection"};
  return geometry_type < 8 ? kNames[geometry_type] : "geometry";
}

std::string TypeName(const ColumnSchema& c) {
  // Without a known charset a CHAR/VARCHAR is still named as one; only the
  // binary collation makes it BINARY/VARBINARY, and only a known text charset
  // makes a BLOB a TEXT.
  const bool binary = IsBinaryCollation(c.collation);
  const bool blob = c.collation == 0 || binary;
  const char* sign = c.is_unsigned ? " unsigned" : "";
  switch (c.type) {
    case kTypeTiny: return std::string("tinyint") + sign;
    case kTypeShort: return std::string("smallint") + sign;
    case kTypeInt24: return std::string("mediumint") + sign;
    case kTypeLong: return std::string("int") + sign;
    case kTypeLongLong: return std::string("bigint") + sign;
    case kTypeFloat: return std::string("float") + sign;
    case kTypeDouble: return std::string("double") + sign;
    case kTypeDecimal: return std::string("decimal") + sign;
    case kTypeNewDecimal:
      return "decimal(" + std::to_string(c.meta >> 8) + "," + std::to_string(c.meta & 0xFF) + ")" +
             sign;
    case kTypeYear: return "year";
    case kTypeDate: case kTypeNewDate: return "date";
    case kTypeTime: return "time";
    case kTypeTime2: return WithFsp("time", c.meta);
    case kTypeDatetime: return "datetime";
    case kTypeDatetime2: return WithFsp("datetime", c.meta);
    case kTypeTimestamp: return "timestamp";
    case kTypeTimestamp2: return WithFsp("timestamp", c.meta);
    case kTypeBit: return "bit(" + std::to_string((c.meta >> 8) * 8 + (c.meta & 0xFF)) + ")";
    case kTypeVarchar: case kTypeVarString: return binary ? "varbinary" : "varchar";
    case kTypeString: return binary ? "binary" : "char";
    case kTypeEnum: return "enum";
    case kTypeSet: return "set";
    case kTypeTinyBlob: return blob ? "tinyblob" : "tinytext";
    case kTypeMediumBlob: return blob ? "mediumblob" : "mediumtext";
    case kTypeLongBlob: return blob ? "longblob" : "longtext";
    case kTypeBlob:
      switch (c.meta) {
        case 1: return blob ? "tinyblob" : "tinytext";
        case 3: return blob ? "mediumblob" : "mediumtext";
        case 4: return blob ? "longblob" : "longtext";
        default: return blob ? "blob" : "text";
      }
    case kTypeJson: return "json";
    case kTypeGeometry: return GeometryName(c.geometry_type);
    case kTypeVector: return "vector";
    case kTypeNull: return "null";
    default: return "type" + std::to_string(c.type);
  }
}

// Collation of column `index`, the n-th of its group, from a per-column list
// or a default with exceptions; 0 when the metadata says nothing.
uint16_t GroupCollation(size_t index, size_t n, const std::optional<uint16_t>& default_collation,
                        const std::map<uint32_t, uint16_t>& exceptions,
                        const std::vector<uint16_t>& per_column) {
  if (n < per_column.size()) return per_column[n];
  auto it = exceptions.find(static_cast<uint32_t>(index));
  if (it != exceptions.end()) return it->second;
  return default_collation.value_or(0);
}

std::vector<std::string> Labels(const std::vector<std::string>& raw, uint16_t collation) {
  std::vector<std::string> labels;
  labels.reserve(raw.size());
  for (const auto& label : raw) {
    std::string utf8;
    labels.push_back(collation != 0 && ToUtf8(collation, label, &utf8) ? utf8 : label);
  }
  return labels;
}

}  // namespace

TableSchema SchemaFromTableMap(const TableMap& map) {
  const TableMetadata& md = map.metadata;
  TableSchema schema;
  schema.schema = map.schema;
  schema.table = map.table;
  schema.primary_key = md.primary_key;
  schema.columns.resize(map.column_types.size());
  size_t numeric = 0, character = 0, enum_or_set = 0, enums = 0, sets = 0, geometries = 0;
  for (size_t i = 0; i < schema.columns.size(); ++i) {
    ColumnSchema& c = schema.columns[i];
    c.meta = i < map.column_meta.size() ? map.column_meta[i] : 0;
    c.type = RealType(map.column_types[i], c.meta);
    c.name = i < md.column_names.size() ? md.column_names[i] : "@" + std::to_string(i + 1);
    c.nullable = i >= map.nullable.size() || map.nullable[i];
    if (IsNumericType(c.type)) {
      c.is_unsigned = numeric < md.is_unsigned.size() && md.is_unsigned[numeric];
      ++numeric;
    } else if (IsStringType(c.type)) {
      c.collation = GroupCollation(i, character++, md.default_charset, md.charset_exceptions,
                                   md.column_charsets);
    } else if (c.type == kTypeEnum || c.type == kTypeSet) {
      c.collation = GroupCollation(i, enum_or_set++, md.enum_set_default_charset,
                                   md.enum_set_charset_exceptions, md.enum_set_column_charsets);
      if (c.type == kTypeEnum && enums < md.enum_values.size()) {
        c.enum_values = Labels(md.enum_values[enums], c.collation);
      }
      if (c.type == kTypeSet && sets < md.set_values.size()) {
        c.set_values = Labels(md.set_values[sets], c.collation);
      }
      (c.type == kTypeEnum ? enums : sets)++;
    } else if (c.type == kTypeGeometry) {
      if (geometries < md.geometry_types.size()) c.geometry_type = md.geometry_types[geometries];
      ++geometries;
      ++character;
    } else if (c.type == kTypeVector) {
      ++character;
    }
    c.type_name = TypeName(c);
  }
  return schema;
}

}  // namespace cdc::binlog
