// TABLE_MAP: the table a following rows event writes to, its column types,
// their metadata and the optional metadata of binlog_row_metadata.
// Spec: https://dev.mysql.com/doc/dev/mysql-server/latest/classmysql_1_1binlog_1_1event_1_1Table__map__event.html
//   table_id:u48 (u32 when the post-header is 6 bytes) flags:u16
//   schema_len:u8 schema NUL table_len:u8 table NUL
//   column_count:packed column_types:u8[column_count]
//   metadata_len:packed metadata:byte[metadata_len]
//   null_bitmap:byte[(column_count+7)/8]   (bit i = column i, low bit first)
//   optional metadata: (type:u8 length:packed value:byte[length])*
//
// column_meta packing (the server's own, which rows decoding expects):
//   FLOAT DOUBLE BLOB* GEOMETRY JSON VECTOR TIME2 DATETIME2 TIMESTAMP2: the byte
//   VARCHAR VAR_STRING: little-endian u16 (maximum length in bytes)
//   BIT: byte0 | byte1 << 8 (bits in the last byte, whole bytes)
//   NEWDECIMAL: precision << 8 | scale
//   STRING ENUM SET: byte0 << 8 | byte1 (real type, length)
//   TYPED_ARRAY: element type << 8 | the element's first metadata byte
//
// The optional metadata's DEFAULT_CHARSET and ENUM_AND_SET_DEFAULT_CHARSET
// number their exception columns among the character (or ENUM/SET) columns;
// TableMetadata stores them by column index.
#include <string>
#include <vector>

#include "decoders/binlog/event_reader.h"

namespace cdc::binlog::internal {
namespace {

enum : uint8_t {
  kSignedness = 1,
  kDefaultCharset = 2,
  kColumnCharset = 3,
  kColumnName = 4,
  kSetStrValue = 5,
  kEnumStrValue = 6,
  kGeometryType = 7,
  kSimplePrimaryKey = 8,
  kPrimaryKeyWithPrefix = 9,
  kEnumAndSetDefaultCharset = 10,
  kEnumAndSetColumnCharset = 11,
  kColumnVisibility = 12,
};

Status ReadColumnMeta(BodyReader* r, uint8_t type, uint16_t* meta, bool element = false) {
  uint8_t b0 = 0, b1 = 0;
  switch (type) {
    case kTypeFloat:
    case kTypeDouble:
    case kTypeTinyBlob:
    case kTypeMediumBlob:
    case kTypeLongBlob:
    case kTypeBlob:
    case kTypeGeometry:
    case kTypeJson:
    case kTypeVector:
    case kTypeTimestamp2:
    case kTypeDatetime2:
    case kTypeTime2:
      CDC_RETURN_IF_ERROR(r->U8("column metadata", &b0));
      *meta = b0;
      return Status::OK();
    case kTypeVarchar:
    case kTypeVarString:
      return r->U16("column metadata", meta);
    case kTypeBit:
      CDC_RETURN_IF_ERROR(r->U8("column metadata", &b0));
      CDC_RETURN_IF_ERROR(r->U8("column metadata", &b1));
      *meta = static_cast<uint16_t>(b0 | (b1 << 8));
      return Status::OK();
    case kTypeNewDecimal:
    case kTypeString:
    case kTypeEnum:
    case kTypeSet:
      CDC_RETURN_IF_ERROR(r->U8("column metadata", &b0));
      CDC_RETURN_IF_ERROR(r->U8("column metadata", &b1));
      *meta = static_cast<uint16_t>((b0 << 8) | b1);
      return Status::OK();
    case kTypeTypedArray: {
      if (element) return r->Error("nested TYPED_ARRAY column metadata");
      uint8_t element_type = 0;
      uint16_t element_meta = 0;
      CDC_RETURN_IF_ERROR(r->U8("column metadata", &element_type));
      CDC_RETURN_IF_ERROR(ReadColumnMeta(r, element_type, &element_meta, true));
      *meta = static_cast<uint16_t>((element_type << 8) | (element_meta & 0xff));
      return Status::OK();
    }
    default:
      *meta = 0;
      return Status::OK();
  }
}

uint8_t RealType(uint8_t type, uint16_t meta) {
  if (type == kTypeString) {
    uint8_t real = static_cast<uint8_t>(meta >> 8);
    if (real == kTypeEnum || real == kTypeSet) return real;
  }
  return type;
}

// The servers count GEOMETRY (a BLOB underneath) and MySQL 9's VECTOR among
// the character columns, with the binary charset.
bool IsCharacter(uint8_t real_type) {
  return IsStringType(real_type) || real_type == kTypeGeometry || real_type == kTypeVector;
}

bool IsEnumOrSet(uint8_t real_type) { return real_type == kTypeEnum || real_type == kTypeSet; }

Status ReadU32Value(BodyReader* r, std::string_view field, uint32_t* out) {
  uint64_t v = 0;
  size_t at = r->offset();
  CDC_RETURN_IF_ERROR(r->LengthEncoded(field, &v));
  if (v > 0xffffffffULL) return r->Error(std::string(field) + " out of range", at);
  *out = static_cast<uint32_t>(v);
  return Status::OK();
}

Status ReadCollation(BodyReader* r, std::string_view field, uint16_t* out) {
  uint64_t v = 0;
  size_t at = r->offset();
  CDC_RETURN_IF_ERROR(r->LengthEncoded(field, &v));
  if (v > 0xffff) return r->Error(std::string(field) + " collation out of range", at);
  *out = static_cast<uint16_t>(v);
  return Status::OK();
}

// DEFAULT_CHARSET style: default:packed then (ordinal:packed collation:packed)*
// where ordinal counts among `columns` (indexes of the eligible columns).
Status ReadDefaultCharset(BodyReader* r, std::string_view field,
                          const std::vector<uint32_t>& columns, std::optional<uint16_t>* def,
                          std::map<uint32_t, uint16_t>* exceptions) {
  uint16_t d = 0;
  CDC_RETURN_IF_ERROR(ReadCollation(r, field, &d));
  *def = d;
  while (!r->empty()) {
    uint32_t ordinal = 0;
    uint16_t collation = 0;
    size_t at = r->offset();
    CDC_RETURN_IF_ERROR(ReadU32Value(r, field, &ordinal));
    CDC_RETURN_IF_ERROR(ReadCollation(r, field, &collation));
    if (ordinal >= columns.size()) {
      return r->Error(std::string(field) + " names column " + std::to_string(ordinal) +
                          " of only " + std::to_string(columns.size()) + " eligible columns",
                      at);
    }
    (*exceptions)[columns[ordinal]] = collation;
  }
  return Status::OK();
}

Status ReadStringLists(BodyReader* r, std::string_view field,
                       std::vector<std::vector<std::string>>* out) {
  while (!r->empty()) {
    uint64_t count = 0;
    CDC_RETURN_IF_ERROR(r->LengthEncoded(field, &count));
    CDC_RETURN_IF_ERROR(r->CheckCount(field, count, 1));
    std::vector<std::string>& values = out->emplace_back();
    values.reserve(static_cast<size_t>(count));
    for (uint64_t i = 0; i < count; ++i) {
      std::string_view v;
      CDC_RETURN_IF_ERROR(r->LengthEncodedBytes(field, &v));
      values.emplace_back(v);
    }
  }
  return Status::OK();
}

// Which columns each kind of optional metadata describes.
struct ColumnKinds {
  size_t columns = 0;
  size_t numeric = 0;
  std::vector<uint32_t> character;
  std::vector<uint32_t> enum_set;
};

ColumnKinds ClassifyColumns(const TableMap& map) {
  ColumnKinds kinds;
  kinds.columns = map.column_types.size();
  for (size_t i = 0; i < kinds.columns; ++i) {
    uint8_t real = RealType(map.column_types[i], map.column_meta[i]);
    if (IsNumericType(real)) ++kinds.numeric;
    if (IsCharacter(real)) kinds.character.push_back(static_cast<uint32_t>(i));
    if (IsEnumOrSet(real)) kinds.enum_set.push_back(static_cast<uint32_t>(i));
  }
  return kinds;
}

// `count` bits, most significant first, from the rest of the field.
Status ReadMsbBitmap(BodyReader* r, size_t count, std::string_view field,
                     std::vector<bool>* out) {
  std::string_view bits = r->rest();
  if (bits.size() < (count + 7) / 8) return r->Truncated(field);
  out->resize(count);
  for (size_t i = 0; i < count; ++i) (*out)[i] = BitMsb(bits, i);
  return Status::OK();
}

Status ReadOptionalMetadata(BodyReader* r, uint8_t type, const ColumnKinds& kinds,
                            TableMetadata* md) {
  const size_t n = kinds.columns;
  const size_t numeric = kinds.numeric;
  switch (type) {
    case kSignedness:
      return ReadMsbBitmap(r, numeric, "SIGNEDNESS bitmap", &md->is_unsigned);
    case kDefaultCharset:
      return ReadDefaultCharset(r, "DEFAULT_CHARSET", kinds.character, &md->default_charset,
                                &md->charset_exceptions);
    case kEnumAndSetDefaultCharset:
      return ReadDefaultCharset(r, "ENUM_AND_SET_DEFAULT_CHARSET", kinds.enum_set,
                                &md->enum_set_default_charset, &md->enum_set_charset_exceptions);
    case kColumnCharset:
    case kEnumAndSetColumnCharset: {
      std::vector<uint16_t>* out =
          type == kColumnCharset ? &md->column_charsets : &md->enum_set_column_charsets;
      while (!r->empty()) {
        CDC_RETURN_IF_ERROR(ReadCollation(r, "COLUMN_CHARSET", &out->emplace_back()));
      }
      return Status::OK();
    }
    case kColumnName:
      while (!r->empty()) {
        std::string_view name;
        CDC_RETURN_IF_ERROR(r->LengthEncodedBytes("COLUMN_NAME", &name));
        md->column_names.emplace_back(name);
      }
      return Status::OK();
    case kSetStrValue:
      return ReadStringLists(r, "SET_STR_VALUE", &md->set_values);
    case kEnumStrValue:
      return ReadStringLists(r, "ENUM_STR_VALUE", &md->enum_values);
    case kGeometryType:
      while (!r->empty()) {
        CDC_RETURN_IF_ERROR(ReadU32Value(r, "GEOMETRY_TYPE", &md->geometry_types.emplace_back()));
      }
      return Status::OK();
    case kSimplePrimaryKey:
      while (!r->empty()) {
        CDC_RETURN_IF_ERROR(ReadU32Value(r, "SIMPLE_PRIMARY_KEY", &md->primary_key.emplace_back()));
        md->primary_key_prefix.push_back(0);
      }
      return Status::OK();
    case kPrimaryKeyWithPrefix:
      while (!r->empty()) {
        CDC_RETURN_IF_ERROR(
            ReadU32Value(r, "PRIMARY_KEY_WITH_PREFIX", &md->primary_key.emplace_back()));
        CDC_RETURN_IF_ERROR(
            ReadU32Value(r, "PRIMARY_KEY_WITH_PREFIX", &md->primary_key_prefix.emplace_back()));
      }
      return Status::OK();
    case kColumnVisibility:
      return ReadMsbBitmap(r, n, "COLUMN_VISIBILITY bitmap", &md->column_visibility);
    default:
      return Status::OK();  // a newer type: its length lets the caller skip it
  }
}

}  // namespace

Result<TableMap> ParseTableMap(std::string_view body, const EventContext& ctx, uint8_t post_len) {
  BodyReader r(body, ctx);
  TableMap map;
  if (post_len < 6) post_len = 8;
  CDC_RETURN_IF_ERROR(r.UInt("table_id", post_len == 6 ? 4 : 6, &map.table_id));
  CDC_RETURN_IF_ERROR(r.U16("flags", &map.flags));
  if (post_len > 8) CDC_RETURN_IF_ERROR(r.Skip("post-header", post_len - 8));
  uint8_t len = 0;
  std::string_view name;
  CDC_RETURN_IF_ERROR(r.U8("schema_length", &len));
  CDC_RETURN_IF_ERROR(r.Bytes("schema", len, &name));
  map.schema = std::string(name);
  CDC_RETURN_IF_ERROR(r.Skip("schema terminator", 1));
  CDC_RETURN_IF_ERROR(r.U8("table_length", &len));
  CDC_RETURN_IF_ERROR(r.Bytes("table", len, &name));
  map.table = std::string(name);
  CDC_RETURN_IF_ERROR(r.Skip("table terminator", 1));

  uint64_t count = 0;
  CDC_RETURN_IF_ERROR(r.LengthEncoded("column_count", &count));
  CDC_RETURN_IF_ERROR(r.CheckCount("column_count", count, 1));
  const size_t n = static_cast<size_t>(count);
  std::string_view types;
  CDC_RETURN_IF_ERROR(r.Bytes("column_types", n, &types));
  map.column_types.assign(types.begin(), types.end());

  uint64_t meta_len = 0;
  CDC_RETURN_IF_ERROR(r.LengthEncoded("metadata_length", &meta_len));
  if (meta_len > r.remaining()) return r.Truncated("column metadata");
  size_t meta_at = r.offset();
  std::string_view meta;
  CDC_RETURN_IF_ERROR(r.Bytes("column metadata", static_cast<size_t>(meta_len), &meta));
  EventContext meta_ctx = ctx;
  meta_ctx.body_offset += meta_at;
  BodyReader mr(meta, meta_ctx);
  map.column_meta.resize(n);
  for (size_t i = 0; i < n; ++i) {
    CDC_RETURN_IF_ERROR(ReadColumnMeta(&mr, map.column_types[i], &map.column_meta[i]));
  }
  if (!mr.empty()) {
    return mr.Error(std::to_string(mr.remaining()) + " bytes of column metadata left over");
  }

  std::string_view nulls;
  CDC_RETURN_IF_ERROR(r.Bytes("null_bitmap", (n + 7) / 8, &nulls));
  map.nullable.resize(n);
  for (size_t i = 0; i < n; ++i) map.nullable[i] = BitLsb(nulls, i);

  if (r.empty()) return map;
  const ColumnKinds kinds = ClassifyColumns(map);
  while (!r.empty()) {
    uint8_t type = 0;
    uint64_t length = 0;
    CDC_RETURN_IF_ERROR(r.U8("optional metadata type", &type));
    CDC_RETURN_IF_ERROR(r.LengthEncoded("optional metadata length", &length));
    if (length > r.remaining()) return r.Truncated("optional metadata " + std::to_string(type));
    size_t at = r.offset();
    std::string_view value;
    CDC_RETURN_IF_ERROR(r.Bytes("optional metadata", static_cast<size_t>(length), &value));
    EventContext value_ctx = ctx;
    value_ctx.body_offset += at;
    BodyReader vr(value, value_ctx);
    CDC_RETURN_IF_ERROR(ReadOptionalMetadata(&vr, type, kinds, &map.metadata));
  }
  return map;
}

}  // namespace cdc::binlog::internal
