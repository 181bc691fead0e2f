#include <array>
#include <cstring>

#include "decoders/binlog/values_internal.h"

namespace cdc::binlog::internal {
namespace {

constexpr int kDigitsPerGroup = 9;
constexpr std::array<int, 10> kDigitBytes = {0, 1, 1, 2, 2, 3, 3, 4, 4, 4};
constexpr std::array<uint32_t, 10> kPowersOf10 = {1,      10,      100,      1000,      10000,
                                                  100000, 1000000, 10000000, 100000000, 1000000000};

uint32_t ReadBigEndian(const uint8_t* p, int n) {
  uint32_t v = 0;
  for (int i = 0; i < n; ++i) v = (v << 8) | p[i];
  return v;
}

// Writes `v` as `width` digits, leading zeros included, at `out`.
void WriteDigits(uint32_t v, int width, char* out) {
  for (int i = width - 1; i >= 0; --i) {
    out[i] = static_cast<char>('0' + v % 10);
    v /= 10;
  }
}

}  // namespace

size_t DecimalBinarySize(int precision, int scale) {
  if (precision < 1 || precision > 65 || scale < 0 || scale > 30 || scale > precision) return 0;
  int intg = precision - scale;
  return static_cast<size_t>((intg / kDigitsPerGroup) * 4 + kDigitBytes[intg % kDigitsPerGroup] +
                             (scale / kDigitsPerGroup) * 4 + kDigitBytes[scale % kDigitsPerGroup]);
}

bool DecimalToText(std::string_view bytes, int precision, int scale, std::string* out) {
  size_t size = DecimalBinarySize(precision, scale);
  if (size == 0 || bytes.size() != size) return false;
  std::array<uint8_t, 32> buf{};
  std::memcpy(buf.data(), bytes.data(), size);
  const bool negative = (buf[0] & 0x80) == 0;
  buf[0] ^= 0x80;
  if (negative) {
    for (size_t i = 0; i < size; ++i) buf[i] = static_cast<uint8_t>(~buf[i]);
  }
  const int intg = precision - scale;
  // The text is put together here and assigned once: at most 65 digits, a
  // sign and a point.
  std::array<char, 72> digits;   // integer digits, leading zeros included
  std::array<char, 32> fraction;  // at most 30 digits
  size_t ndigits = 0;
  size_t nfraction = 0;
  const uint8_t* p = buf.data();
  bool nonzero = false;
  auto take = [&](int group_digits, char* to, size_t* n) {
    int nbytes = group_digits == kDigitsPerGroup ? 4 : kDigitBytes[group_digits];
    uint32_t v = ReadBigEndian(p, nbytes);
    p += nbytes;
    if (v >= kPowersOf10[group_digits]) return false;
    nonzero = nonzero || v != 0;
    WriteDigits(v, group_digits, to + *n);
    *n += static_cast<size_t>(group_digits);
    return true;
  };
  if (intg % kDigitsPerGroup != 0 && !take(intg % kDigitsPerGroup, digits.data(), &ndigits)) {
    return false;
  }
  for (int i = 0; i < intg / kDigitsPerGroup; ++i) {
    if (!take(kDigitsPerGroup, digits.data(), &ndigits)) return false;
  }
  for (int i = 0; i < scale / kDigitsPerGroup; ++i) {
    if (!take(kDigitsPerGroup, fraction.data(), &nfraction)) return false;
  }
  if (scale % kDigitsPerGroup != 0 &&
      !take(scale % kDigitsPerGroup, fraction.data(), &nfraction)) {
    return false;
  }

  std::array<char, 104> text;
  size_t n = 0;
  if (negative && nonzero) text[n++] = '-';
  size_t first = 0;
  while (first < ndigits && digits[first] == '0') ++first;
  if (first == ndigits) {
    text[n++] = '0';
  } else {
    std::memcpy(text.data() + n, digits.data() + first, ndigits - first);
    n += ndigits - first;
  }
  if (scale > 0) {
    text[n++] = '.';
    std::memcpy(text.data() + n, fraction.data(), nfraction);
    n += nfraction;
  }
  out->assign(text.data(), n);
  return true;
}

Status DecodeDecimalColumn(const ColumnSchema& column, ByteReader* reader, cdc::v1::Value* out) {
  const size_t start = reader->offset();
  if (column.type != kTypeNewDecimal) {
    return ValueError(column, start, "pre-5.0 DECIMAL storage is not supported");
  }
  const int precision = column.meta >> 8;
  const int scale = column.meta & 0xFF;
  size_t size = DecimalBinarySize(precision, scale);
  if (size == 0) {
    return ValueError(column, start,
                      "invalid DECIMAL(" + std::to_string(precision) + "," + std::to_string(scale) +
                          ") metadata");
  }
  std::string_view bytes;
  if (!reader->ReadBytes(size, &bytes)) {
    return ValueError(column, start,
                      "truncated DECIMAL value (" + std::to_string(size) + " bytes needed, " +
                          std::to_string(reader->remaining()) + " left)");
  }
  if (!DecimalToText(bytes, precision, scale, out->mutable_decimal_value())) {
    return ValueError(column, start, "DECIMAL digit group out of range");
  }
  return Status::OK();
}

}  // namespace cdc::binlog::internal
