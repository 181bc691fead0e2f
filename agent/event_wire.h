// The Protobuf encoding of the messages every published event is made of
// (cdc.v1.ChangeEvent, RowKey, Row), written in one pass.
//
// The bytes are those that protobuf's own AppendToString gives for the same
// message: fields in field-number order, proto3's defaults left out, a oneof
// member written whenever it is set. What differs is the work: protobuf
// walks the message twice (ByteSizeLong, then the write) and checks every
// string for UTF-8 on the way; these functions write each field once and
// put a nested message's length in front of it when its end is reached.
// The strings are not checked: the sources convert text to UTF-8 as they
// decode it (and protobuf's check on serializing only logs).
//
// Rare parts go through protobuf itself: the values that are messages of
// messages (arrays, sets, geometries, raw text, errors) and a transaction
// block. Unknown fields, which only a message parsed from the bytes of a
// newer agent carries (a stored join row), are left out of the hand-written
// messages (protobuf would append them), and kept in the rare parts.
#pragma once

#include <string>

#include "cdc/v1/change_event.pb.h"

namespace cdc::agent {

// Append the encoding of the message to `out` (what its AppendToString
// would append).
void AppendEventWire(const cdc::v1::ChangeEvent& event, std::string* out);
void AppendRowKeyWire(const cdc::v1::RowKey& key, std::string* out);
void AppendRowWire(const cdc::v1::Row& row, std::string* out);

}  // namespace cdc::agent
