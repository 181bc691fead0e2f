// The Confluent Schema Registry wire format of a Kafka key or value
// serialized with Protobuf, as Confluent's serializers and deserializers
// (Java, librdkafka-based clients) write and read it:
// https://docs.confluent.io/platform/current/schema-registry/fundamentals/serdes-develop/index.html#wire-format
//
//   offset  size  field
//   0       1     magic byte, 0
//   1       4     schema id, big-endian, as the registry returned it
//   5       n     message indexes: the path of the message type within its
//                 .proto file (index among the file's top-level messages,
//                 then among that message's nested messages, ...), as zigzag
//                 varints: the count, then each index. The path [0], the
//                 file's first message, is the single byte 0 (count 0).
//   5+n     rest  the Protobuf-serialized message
//
// cdc.v1.ChangeEvent and cdc.v1.RowKey are top-level messages of
// change_event.proto, so their paths have one element each.
//
// Thread: pure functions, safe from any thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace google::protobuf {
class Descriptor;
}  // namespace google::protobuf

namespace cdc::agent {

inline constexpr uint8_t kConfluentMagicByte = 0;

// Appends the header (magic byte, schema id, message indexes) to `out`; the
// caller appends the serialized message after it. An empty `message_indexes`
// is written like [0], as the single byte 0: that is what count 0 means.
void AppendConfluentHeader(int32_t schema_id, std::span<const int> message_indexes,
                           std::string* out);

// Appends `value` as a zigzag varint (32-bit zigzag, as Confluent's
// ByteUtils.writeVarint): 0 -> 00, -1 -> 01, 1 -> 02, 64 -> 80 01.
void AppendZigZagVarint(int32_t value, std::string* out);

struct ConfluentHeader {
  int32_t schema_id = 0;
  std::vector<int> message_indexes;  // [0] when the bytes hold count 0
  size_t payload_offset = 0;         // where the serialized message starts
};

// Reads the header at the start of `bytes`. Corruption naming the field and
// byte offset when the magic byte is not 0, the bytes end inside the header,
// a varint is longer than 5 bytes, or the count is negative or larger than
// the bytes that follow.
Result<ConfluentHeader> ParseConfluentHeader(std::string_view bytes);

// The message-index path of `descriptor` within its file, outermost first:
// [index of the top-level message, index within it, ...].
std::vector<int> MessageIndexes(const google::protobuf::Descriptor& descriptor);

// The paths of the two public messages, from the compiled-in descriptors.
// Computed once; the spans are valid for the life of the program.
std::span<const int> ChangeEventMessageIndexes();
std::span<const int> RowKeyMessageIndexes();

}  // namespace cdc::agent
