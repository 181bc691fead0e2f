// Helpers shared by the row-image decoders (values*.cc, json_*.cc): the
// binary DECIMAL format, MySQL's packed temporal forms, and error text.
//
// Spec: https://dev.mysql.com/doc/dev/mysql-server/latest/page_protocol_basic_data_types.html
// and MySQL's decimal2bin()/my_datetime_packed_from_binary() descriptions:
//   DECIMAL(p,s): integer digits then fraction digits, 9 digits per 4 bytes
//   big-endian, leftover digits in 1..4 bytes (dig2bytes); the first bit is
//   the sign (1 = positive) and a negative number has every byte inverted.
//   Packed temporal: (int_part << 24) + microseconds, negated when negative;
//   DATETIME int_part = ((year*13+month) << 5 | day) << 17 | hh << 12 | mm << 6 | ss,
//   TIME int_part = hh << 12 | mm << 6 | ss.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "cdc/v1/change_event.pb.h"
#include "common/byte_reader.h"
#include "common/status.h"
#include "decoders/binlog/rows.h"

namespace cdc::binlog::internal {

// Bytes of a binary DECIMAL(precision, scale); 0 when the pair is invalid
// (precision 1..65, scale 0..30, scale <= precision).
size_t DecimalBinarySize(int precision, int scale);

// `bytes` (exactly DecimalBinarySize bytes) as exact decimal text with
// `scale` fraction digits: "-12.50", "0.000". False on a digit group out of
// range.
bool DecimalToText(std::string_view bytes, int precision, int scale, std::string* out);

struct CivilTime {
  bool negative = false;
  int64_t year = 0;
  uint32_t month = 0, day = 0, hour = 0, minute = 0, second = 0, micros = 0;
};

CivilTime UnpackDatetime(int64_t packed);
CivilTime UnpackTime(int64_t packed);

// Days since 1970-01-01 of a proleptic Gregorian date (valid month and day).
int64_t DaysFromCivil(int64_t year, uint32_t month, uint32_t day);

// "2024-02-29", "2024-02-29 23:59:59.99" (fsp fraction digits), "-838:59:59.000".
std::string FormatDate(const CivilTime& t);
std::string FormatDatetime(const CivilTime& t, int fsp);
std::string FormatTime(const CivilTime& t, int fsp);

// Decoders per family; `reader` is at the value, `column.type` is the binlog type.
Status DecodeDecimalColumn(const ColumnSchema& column, ByteReader* reader, cdc::v1::Value* out);
Status DecodeTemporalColumn(const ColumnSchema& column, ByteReader* reader, cdc::v1::Value* out);

// A STRING column's real type (STRING, ENUM or SET; 0 when the metadata has
// none) and byte length, from its TABLE_MAP metadata. CHAR(n) with
// n*mbmaxlen > 255 folds the length's high bits into the real-type byte
// (MySQL's Field_string::do_save_field_metadata).
uint8_t StringRealType(uint16_t meta, uint32_t* length);

// Corruption "column `name` (type): what at offset N".
Status ValueError(const ColumnSchema& column, size_t offset, const std::string& what);

// The integer value of a TINYINT..BIGINT `column` of `Bytes` bytes
// (int_value, or uint_value when unsigned) at the reader's position: true
// when set; false, the reader unmoved, for a value cut short.
template <size_t Bytes>
bool ReadInteger(const ColumnSchema& column, ByteReader* reader, cdc::v1::Value* out) {
  uint64_t v;
  if (!reader->ReadLE<Bytes>(&v)) return false;
  if (column.is_unsigned) {
    out->set_uint_value(v);
  } else {
    constexpr int kShift = 64 - 8 * static_cast<int>(Bytes);  // sign-extends
    out->set_int_value(static_cast<int64_t>(v << kShift) >> kShift);
  }
  return true;
}

// The value of a VARCHAR `column` at the reader's position, as DecodeValue
// sets it; true when set, false (the reader unmoved) for a value cut short.
bool ReadVarchar(const ColumnSchema& column, ByteReader* reader, cdc::v1::Value* out);

// The value of an integer or VARCHAR `column`, the types most rows are made
// of, as DecodeValue sets it but with fewer calls: true when set; false,
// the reader unmoved, for a column of another type or a value cut short
// (DecodeValue then decodes it or says what is wrong).
inline bool ReadCommonColumn(const ColumnSchema& column, ByteReader* reader,
                             cdc::v1::Value* out) {
  switch (column.type) {
    case kTypeTiny: return ReadInteger<1>(column, reader, out);
    case kTypeShort: return ReadInteger<2>(column, reader, out);
    case kTypeInt24: return ReadInteger<3>(column, reader, out);
    case kTypeLong: return ReadInteger<4>(column, reader, out);
    case kTypeLongLong: return ReadInteger<8>(column, reader, out);
    case kTypeVarchar:
    case kTypeVarString: return ReadVarchar(column, reader, out);
    default: return false;
  }
}

// `length_bytes`-byte little-endian length then that many bytes.
bool ReadLengthPrefixed(ByteReader* reader, int length_bytes, std::string_view* out);

}  // namespace cdc::binlog::internal
