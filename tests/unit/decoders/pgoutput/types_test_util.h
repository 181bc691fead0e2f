// Helpers shared by the type conversion tests.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "decoders/pgoutput/types.h"
#include "tests/unit/value_reuse.h"

namespace cdc::pgoutput::testing {

// Built-in OIDs from PostgreSQL's pg_type.dat.
inline constexpr uint32_t kBool = 16, kBytea = 17, kChar = 18, kName = 19, kInt8 = 20,
                          kInt2 = 21, kInt4 = 23, kText = 25, kOid = 26, kJson = 114,
                          kPoint = 600, kBox = 603, kCidr = 650, kFloat4 = 700, kFloat8 = 701,
                          kMacaddr8 = 774, kMoney = 790, kMacaddr = 829, kInet = 869,
                          kInt4Array = 1007, kTextArray = 1009, kBpchar = 1042,
                          kVarchar = 1043, kDate = 1082, kTime = 1083, kTimestamp = 1114,
                          kTimestamptz = 1184, kInterval = 1186, kTimetz = 1266, kBit = 1560,
                          kVarbit = 1562, kNumeric = 1700, kUuid = 2950, kJsonb = 3802,
                          kInt4Range = 3904, kBoxArray = 1020, kNumericArray = 1231;

// Converts with `registry`, failing the test (and returning a null value)
// when the conversion fails; converted again into the emptied values of
// value_reuse.h, it must give the same value.
inline cdc::v1::Value Convert(const TypeRegistry& registry, uint32_t oid, std::string_view text,
                              int32_t typmod = -1) {
  cdc::v1::Value value;
  Status s = TextToValue(registry, oid, typmod, text, &value);
  EXPECT_TRUE(s.ok()) << s.ToString() << " converting \"" << text << "\"";
  if (!s.ok()) {
    value.set_null(true);
    return value;
  }
  cdc::testing::ExpectRefillsAsNew(
      value, [&](cdc::v1::Value* v) { EXPECT_TRUE(TextToValue(registry, oid, typmod, text, v).ok()); },
      "oid " + std::to_string(oid) + " \"" + std::string(text) + "\"");
  return value;
}

inline cdc::v1::Value Convert(uint32_t oid, std::string_view text, int32_t typmod = -1) {
  return Convert(TypeRegistry(), oid, text, typmod);
}

// The error of a conversion that must fail, as "Corruption: ...".
inline std::string ErrorOf(const TypeRegistry& registry, uint32_t oid, std::string_view text) {
  cdc::v1::Value value;
  Status s = TextToValue(registry, oid, -1, text, &value);
  EXPECT_FALSE(s.ok()) << "\"" << text << "\" converted to " << value.ShortDebugString();
  return s.ToString();
}

inline std::string ErrorOf(uint32_t oid, std::string_view text) {
  return ErrorOf(TypeRegistry(), oid, text);
}

}  // namespace cdc::pgoutput::testing
