// Column value decoding: one non-null value of each binlog column type.
#include <cstring>

#include "decoders/binlog/charset.h"
#include "decoders/binlog/rows.h"
#include "decoders/binlog/values_internal.h"

namespace cdc::binlog {
namespace internal {

Status ValueError(const ColumnSchema& column, size_t offset, const std::string& what) {
  std::string type = column.type_name.empty() ? "type " + std::to_string(column.type)
                                              : column.type_name;
  return Status::Corruption("column `" + column.name + "` (" + type + "): " + what +
                            " at offset " + std::to_string(offset));
}

bool ReadLengthPrefixed(ByteReader* reader, int length_bytes, std::string_view* out) {
  ByteReader probe = *reader;
  uint32_t length = 0;
  bool ok = false;
  switch (length_bytes) {
    case 1: ok = probe.ReadLE<1>(&length); break;
    case 2: ok = probe.ReadLE<2>(&length); break;
    case 3: ok = probe.ReadLE<3>(&length); break;
    case 4: ok = probe.ReadLE<4>(&length); break;
    default: break;
  }
  if (!ok || !probe.ReadBytes(length, out)) return false;
  *reader = probe;
  return true;
}

uint8_t StringRealType(uint16_t meta, uint32_t* length) {
  const uint8_t byte0 = static_cast<uint8_t>(meta >> 8);
  *length = meta & 0xFF;
  if (byte0 != 0 && (byte0 & 0x30) != 0x30) {
    *length |= static_cast<uint32_t>((byte0 & 0x30) ^ 0x30) << 4;
    return static_cast<uint8_t>(byte0 | 0x30);
  }
  return byte0;
}

}  // namespace internal

namespace {

using internal::ValueError;

Status DecodeInteger(const ColumnSchema& column, ByteReader* reader, int bytes,
                     cdc::v1::Value* out) {
  if (internal::ReadCommonColumn(column, reader, out)) return Status::OK();
  return ValueError(column, reader->offset(),
                    "truncated " + std::to_string(bytes) + "-byte integer");
}

Status DecodeFloat(const ColumnSchema& column, ByteReader* reader, cdc::v1::Value* out) {
  size_t start = reader->offset();
  if (column.type == kTypeFloat) {
    uint32_t bits;
    if (!reader->ReadU32LE(&bits)) return ValueError(column, start, "truncated FLOAT");
    float f;
    std::memcpy(&f, &bits, sizeof(f));
    out->set_float_value(f);
  } else {
    uint64_t bits;
    if (!reader->ReadU64LE(&bits)) return ValueError(column, start, "truncated DOUBLE");
    double d;
    std::memcpy(&d, &bits, sizeof(d));
    out->set_double_value(d);
  }
  return Status::OK();
}

Status DecodeBit(const ColumnSchema& column, ByteReader* reader, cdc::v1::Value* out) {
  size_t start = reader->offset();
  const uint32_t nbits = (column.meta >> 8) * 8 + (column.meta & 0xFF);
  if (nbits == 0 || nbits > 64) {
    return ValueError(column, start, "BIT width " + std::to_string(nbits) + " in metadata");
  }
  const size_t nbytes = (nbits + 7) / 8;
  std::string_view bytes;
  if (!reader->ReadBytes(nbytes, &bytes)) return ValueError(column, start, "truncated BIT value");
  uint64_t v = 0;
  for (char c : bytes) v = (v << 8) | static_cast<uint8_t>(c);
  if (nbits < 64 && (v >> nbits) != 0) {
    return ValueError(column, start, "BIT value wider than " + std::to_string(nbits) + " bits");
  }
  std::string* text = out->mutable_bits_value();
  text->resize(nbits);
  for (uint32_t i = 0; i < nbits; ++i) (*text)[nbits - 1 - i] = ((v >> i) & 1) ? '1' : '0';
  return Status::OK();
}

Status DecodeEnum(const ColumnSchema& column, ByteReader* reader, int pack_length,
                  cdc::v1::Value* out) {
  size_t start = reader->offset();
  uint32_t index = 0;
  bool ok = pack_length == 1 ? reader->ReadLE<1>(&index)
                             : pack_length == 2 && reader->ReadLE<2>(&index);
  if (!ok) {
    return ValueError(column, start, pack_length == 1 || pack_length == 2
                                         ? "truncated ENUM value"
                                         : "ENUM pack length " + std::to_string(pack_length));
  }
  // Index 0 is the empty string a non-strict server stores for a bad value.
  if (!column.enum_values.empty() && index <= column.enum_values.size()) {
    std::string* label = out->mutable_enum_value();
    if (index == 0) {
      label->clear();
    } else {
      label->assign(column.enum_values[index - 1]);
    }
  } else {
    out->set_uint_value(index);
  }
  return Status::OK();
}

Status DecodeSet(const ColumnSchema& column, ByteReader* reader, int pack_length,
                 cdc::v1::Value* out) {
  size_t start = reader->offset();
  if (pack_length < 1 || pack_length > 8) {
    return ValueError(column, start, "SET pack length " + std::to_string(pack_length));
  }
  uint64_t bits = 0;
  std::string_view bytes;
  if (!reader->ReadBytes(static_cast<size_t>(pack_length), &bytes)) {
    return ValueError(column, start, "truncated SET value");
  }
  for (size_t i = bytes.size(); i-- > 0;) bits = (bits << 8) | static_cast<uint8_t>(bytes[i]);
  const size_t n = column.set_values.size();
  if (n == 0 || (n < 64 && (bits >> n) != 0)) {
    out->set_uint_value(bits);
    return Status::OK();
  }
  auto* set = out->mutable_set_value();
  for (size_t i = 0; i < n; ++i) {
    if ((bits >> i) & 1) set->add_labels(column.set_values[i]);
  }
  return Status::OK();
}

void SetCharacterValue(const ColumnSchema& column, std::string_view bytes, cdc::v1::Value* out) {
  if (column.collation != 0 && !IsBinaryCollation(column.collation)) {
    std::string* text = column.is_json ? out->mutable_json_value() : out->mutable_text_value();
    if (ToUtf8(column.collation, bytes, text)) return;
  }
  out->mutable_bytes_value()->assign(bytes);
}

Status DecodeVarLength(const ColumnSchema& column, ByteReader* reader, int length_bytes,
                       const char* what, cdc::v1::Value* out) {
  size_t start = reader->offset();
  std::string_view bytes;
  if (length_bytes < 1 || length_bytes > 4) {
    return ValueError(column, start, std::string(what) + " length size " +
                                         std::to_string(length_bytes) + " in metadata");
  }
  if (!internal::ReadLengthPrefixed(reader, length_bytes, &bytes)) {
    return ValueError(column, start, std::string("truncated ") + what + " value");
  }
  switch (column.type) {
    case kTypeJson: {
      if (bytes.empty()) {
        out->mutable_json_value()->assign("null");
        return Status::OK();
      }
      Result<std::string> text = BinaryJsonToText(bytes);
      if (!text.ok()) return ValueError(column, start, text.status().message());
      out->set_json_value(std::move(text).value());
      return Status::OK();
    }
    case kTypeGeometry: {
      ByteReader g(bytes);
      uint32_t srid;
      if (!g.ReadU32LE(&srid)) return ValueError(column, start, "GEOMETRY shorter than its SRID");
      auto* geometry = out->mutable_geometry_value();
      geometry->set_srid(srid);
      geometry->mutable_wkb()->assign(g.rest());
      return Status::OK();
    }
    case kTypeVector:
      out->mutable_bytes_value()->assign(bytes);
      return Status::OK();
    default:
      SetCharacterValue(column, bytes, out);
      return Status::OK();
  }
}

}  // namespace

bool internal::ReadVarchar(const ColumnSchema& column, ByteReader* reader, cdc::v1::Value* out) {
  std::string_view bytes;
  if (!ReadLengthPrefixed(reader, column.meta > 255 ? 2 : 1, &bytes)) return false;
  SetCharacterValue(column, bytes, out);
  return true;
}

namespace {

int BlobLengthBytes(const ColumnSchema& column) {
  switch (column.type) {
    case kTypeTinyBlob: return 1;
    case kTypeMediumBlob: return 3;
    case kTypeLongBlob: return 4;
    default: return column.meta;
  }
}

}  // namespace

Status DecodeValue(const ColumnSchema& column, ByteReader* reader, cdc::v1::Value* out) {
  switch (column.type) {
    case kTypeTiny: return DecodeInteger(column, reader, 1, out);
    case kTypeShort: return DecodeInteger(column, reader, 2, out);
    case kTypeInt24: return DecodeInteger(column, reader, 3, out);
    case kTypeLong: return DecodeInteger(column, reader, 4, out);
    case kTypeLongLong: return DecodeInteger(column, reader, 8, out);
    case kTypeFloat:
    case kTypeDouble: return DecodeFloat(column, reader, out);
    case kTypeDecimal:
    case kTypeNewDecimal: return internal::DecodeDecimalColumn(column, reader, out);
    case kTypeYear:
    case kTypeDate:
    case kTypeNewDate:
    case kTypeTime:
    case kTypeTime2:
    case kTypeDatetime:
    case kTypeDatetime2:
    case kTypeTimestamp:
    case kTypeTimestamp2: return internal::DecodeTemporalColumn(column, reader, out);
    case kTypeBit: return DecodeBit(column, reader, out);
    case kTypeEnum: return DecodeEnum(column, reader, column.meta & 0xFF, out);
    case kTypeSet: return DecodeSet(column, reader, column.meta & 0xFF, out);
    case kTypeVarchar:
    case kTypeVarString:
      return DecodeVarLength(column, reader, column.meta > 255 ? 2 : 1, "VARCHAR", out);
    case kTypeString: {
      uint32_t length = 0;
      const uint8_t real_type = internal::StringRealType(column.meta, &length);
      if (real_type == kTypeEnum) return DecodeEnum(column, reader, static_cast<int>(length), out);
      if (real_type == kTypeSet) return DecodeSet(column, reader, static_cast<int>(length), out);
      CDC_RETURN_IF_ERROR(DecodeVarLength(column, reader, length > 255 ? 2 : 1, "CHAR", out));
      // The binlog drops the trailing 0x00 bytes of BINARY(n); the column's
      // value, as the server returns it, is padded to n bytes.
      if (real_type == kTypeString && IsBinaryCollation(column.collation) &&
          out->has_bytes_value() && out->bytes_value().size() < length) {
        out->mutable_bytes_value()->resize(length, '\0');
      }
      return Status::OK();
    }
    case kTypeTinyBlob:
    case kTypeMediumBlob:
    case kTypeLongBlob:
    case kTypeBlob: return DecodeVarLength(column, reader, BlobLengthBytes(column), "BLOB", out);
    case kTypeJson: return DecodeVarLength(column, reader, column.meta, "JSON", out);
    case kTypeGeometry: return DecodeVarLength(column, reader, column.meta, "GEOMETRY", out);
    case kTypeVector: return DecodeVarLength(column, reader, column.meta, "VECTOR", out);
    case kTypeNull:
      out->set_null(true);
      return Status::OK();
    default:
      return ValueError(column, reader->offset(),
                        "unsupported column type " + std::to_string(column.type));
  }
}

}  // namespace cdc::binlog
