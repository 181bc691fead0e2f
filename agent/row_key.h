// The Kafka message key of a row, shared by every source: the stable
// contract of cdc.v1.RowKey.
//
// A key holds each key column's name and value only, never its type, and
// each value in one canonical form per value kind, so that a row's key bytes
// (and so its partition and its place in a compacted topic) stay the same
// while its key values do: widening INT to BIGINT, INT to INT UNSIGNED,
// NUMERIC(10,2) to NUMERIC(12,4), DATETIME(3) to DATETIME(6) or VARCHAR(10)
// to VARCHAR(20) leaves every key as it was.
//
// Pure code. Thread: any.
#pragma once

#include "cdc/v1/change_event.pb.h"

namespace cdc::agent {

// Puts `value` in its canonical key form:
// - integers: int_value when the value fits in int64, else uint_value;
// - float_value: double_value (every float is exactly a double);
// - decimal_value: no trailing zeros after the point, no point without
//   digits after it, "-0" as "0" ("12.3400" -> "12.34", "5.000" -> "5");
// - time and timestamp values: precision 0 (the value itself is in
//   microseconds whatever the column's precision);
// - every other kind unchanged.
void CanonicalKeyValue(cdc::v1::Value* value);

// Appends `column`'s name and canonical value to `key`.
void AddKeyColumn(const cdc::v1::Column& column, cdc::v1::RowKey* key);

}  // namespace cdc::agent
