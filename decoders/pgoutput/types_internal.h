// Internal to the pgoutput type conversion (types*.cc): the built-in type
// table and the parsers of each text output form. Not part of the contract.
//
// Every parser takes the text output of one non-null value, fills `out` and
// returns Corruption from Malformed() when the text is not what PostgreSQL
// prints for that type.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "cdc/v1/change_event.pb.h"
#include "common/status.h"

namespace cdc::pgoutput::internal {

// A built-in type of PostgreSQL 15 (pg_type.dat) and its array type.
struct BuiltinType {
  uint32_t oid;
  const char* name;
  uint32_t array_oid;  // 0 when the type has no array type
  char delimiter;
};
extern const BuiltinType kBuiltinTypes[];
extern const size_t kBuiltinTypeCount;

// The converters of the built-in types that cdc-agent decodes.
enum class Converter : uint8_t {
  kRaw,
  kInt16,
  kInt32,
  kInt64,
  kOid,
  kFloat4,
  kFloat8,
  kNumeric,
  kBool,
  kText,
  kBytea,
  kUuid,
  kJson,
  kDate,
  kTime,
  kTimeTz,
  kTimestamp,
  kTimestampTz,
  kInterval,
  kInet,
  kMacaddr,
  kMacaddr8,
  kMoney,
  kBits,
};
Converter ConverterFor(uint32_t oid);

// Corruption "pgoutput: malformed <type> value "<text>"[: <why>]", the text
// cut to 64 bytes and its control characters escaped.
Status Malformed(std::string_view type, std::string_view text, std::string_view why = {});

// Converters of types_scalar.cc and types_datetime.cc. `type` names the type
// in errors; `typmod` is the column's atttypmod.
Status ConvertScalar(Converter converter, std::string_view type, int32_t typmod,
                     std::string_view text, cdc::v1::Value* out);
Status ConvertDateTime(Converter converter, std::string_view type, int32_t typmod,
                       std::string_view text, cdc::v1::Value* out);

// Converts the text of one non-null array element into `out`. A non-owning
// reference to a callable (no allocation per array); the callable must
// outlive it.
class ElementConverter {
 public:
  template <typename F>
  explicit ElementConverter(const F& f)
      : callable_(&f), call_([](const void* c, std::string_view text, cdc::v1::Value* out) {
          return (*static_cast<const F*>(c))(text, out);
        }) {}
  Status operator()(std::string_view text, cdc::v1::Value* out) const {
    return call_(callable_, text, out);
  }

 private:
  const void* callable_;
  Status (*call_)(const void*, std::string_view, cdc::v1::Value*);
};

// Parses PostgreSQL's array output ("{1,NULL,\"a b\"}", "{{1,2},{3,4}}",
// "[0:1]={1,2}") into nested Arrays; NULL elements become null values.
// `type` names the array type in errors.
Status ParseArray(std::string_view type, std::string_view text, char delimiter,
                  const ElementConverter& convert, cdc::v1::Array* out);

}  // namespace cdc::pgoutput::internal
