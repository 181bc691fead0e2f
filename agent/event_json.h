// JSON forms of the public event messages, as printed by `tail` and
// `decode-binlog`: protobuf's canonical JSON mapping with the .proto field
// names, fields left at their default omitted, on one line without added
// whitespace. 64-bit integers are JSON strings and bytes are base64, as the
// mapping says.
//
// The output is byte for byte what protobuf's MessageToJsonString prints with
// those options (add_whitespace=false, preserve_proto_field_names=true,
// always_print_primitive_fields=false), its float formatting and string
// escapes included, but printed directly from the generated accessors, tens
// of times faster. A message with a string that is not valid UTF-8 (which
// protobuf's printer silently trims) or nested too deep is handed to
// MessageToJsonString itself.
//
// Thread: pure functions, safe from any thread.
#pragma once

#include <string>
#include <string_view>

#include "cdc/v1/change_event.pb.h"

namespace cdc::agent {

std::string EventToJson(const cdc::v1::ChangeEvent& event);
std::string RowKeyToJson(const cdc::v1::RowKey& key);

// A row (the unwrap transform) as a plain JSON object, one member per
// column in order: NULL as null, booleans and integers as JSON literals,
// floats as numbers (NaN and the infinities as strings), decimals, text,
// UUIDs, enums and the like as strings, JSON values embedded as they are,
// bytes and geometry as base64, dates "2024-03-01", times "12:34:56.5",
// timestamps "2024-03-01T12:34:56.789012" (with "Z" when they have a time
// zone), intervals as ISO 8601 durations, sets and arrays as arrays. A
// column whose value was not sent (an unchanged TOAST value) is left out.
std::string RowToPlainJson(const cdc::v1::Row& row);

// `text` as a JSON string literal, quotes included. Bytes that are not valid
// UTF-8 are passed through unchanged.
std::string JsonQuote(std::string_view text);

}  // namespace cdc::agent
