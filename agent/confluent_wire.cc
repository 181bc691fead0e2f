#include "agent/confluent_wire.h"

#include <google/protobuf/descriptor.h>

#include <algorithm>
#include <string>

#include "cdc/v1/change_event.pb.h"
#include "common/byte_reader.h"
#include "common/varint.h"

namespace cdc::agent {

namespace {

// Reads one varint of at most 5 bytes (32 bits) and undoes the zigzag
// mapping. `field` names what is read, for the error.
Status ReadZigZagVarint(ByteReader* reader, const char* field, int32_t* out) {
  const size_t start = reader->offset();
  uint32_t raw = 0;
  for (int i = 0; i < 5; ++i) {
    uint8_t byte = 0;
    if (!reader->ReadU8(&byte)) {
      return Status::Corruption(std::string("Confluent header: ") + field +
                                " varint ends at byte " + std::to_string(reader->offset()) +
                                ", the end of the message");
    }
    // The fifth byte may carry only the top 4 bits of 32.
    if (i == 4 && (byte & 0xf0) != 0) break;
    raw |= static_cast<uint32_t>(byte & 0x7f) << (7 * i);
    if ((byte & 0x80) == 0) {
      *out = static_cast<int32_t>((raw >> 1) ^ (~(raw & 1) + 1));
      return Status::OK();
    }
  }
  return Status::Corruption(std::string("Confluent header: ") + field + " varint at byte " +
                            std::to_string(start) + " is longer than 32 bits");
}

}  // namespace

void AppendZigZagVarint(int32_t value, std::string* out) {
  // Arithmetic shift of the sign into every bit, as (n << 1) ^ (n >> 31).
  const uint32_t v = (static_cast<uint32_t>(value) << 1) ^ static_cast<uint32_t>(value >> 31);
  char buf[kMaxVarintBytes];
  out->append(buf, PutVarint(v, buf));
}

void AppendConfluentHeader(int32_t schema_id, std::span<const int> message_indexes,
                           std::string* out) {
  const uint32_t id = static_cast<uint32_t>(schema_id);
  out->push_back(static_cast<char>(kConfluentMagicByte));
  out->push_back(static_cast<char>(id >> 24));
  out->push_back(static_cast<char>(id >> 16));
  out->push_back(static_cast<char>(id >> 8));
  out->push_back(static_cast<char>(id));
  if (message_indexes.empty() || (message_indexes.size() == 1 && message_indexes[0] == 0)) {
    out->push_back('\0');
    return;
  }
  AppendZigZagVarint(static_cast<int32_t>(message_indexes.size()), out);
  for (int index : message_indexes) AppendZigZagVarint(index, out);
}

Result<ConfluentHeader> ParseConfluentHeader(std::string_view bytes) {
  ByteReader reader(bytes);
  uint8_t magic = 0;
  if (!reader.ReadU8(&magic)) {
    return Status::Corruption("Confluent header: empty message, expected the magic byte 0");
  }
  if (magic != kConfluentMagicByte) {
    return Status::Corruption("Confluent header: magic byte at byte 0 is " +
                              std::to_string(magic) + ", expected 0");
  }
  uint32_t id = 0;
  if (!reader.ReadU32BE(&id)) {
    return Status::Corruption("Confluent header: schema id at byte 1 needs 4 bytes, " +
                              std::to_string(reader.remaining()) + " left");
  }
  ConfluentHeader header;
  header.schema_id = static_cast<int32_t>(id);
  const size_t count_offset = reader.offset();
  int32_t count = 0;
  CDC_RETURN_IF_ERROR(ReadZigZagVarint(&reader, "message index count", &count));
  // Every index takes at least one byte, which bounds the count before any
  // allocation.
  if (count < 0 || static_cast<size_t>(count) > reader.remaining()) {
    return Status::Corruption("Confluent header: message index count " + std::to_string(count) +
                              " at byte " + std::to_string(count_offset) + " with " +
                              std::to_string(reader.remaining()) + " bytes left");
  }
  if (count == 0) {
    header.message_indexes.push_back(0);
  } else {
    header.message_indexes.reserve(static_cast<size_t>(count));
    for (int32_t i = 0; i < count; ++i) {
      int32_t index = 0;
      CDC_RETURN_IF_ERROR(ReadZigZagVarint(&reader, "message index", &index));
      header.message_indexes.push_back(index);
    }
  }
  header.payload_offset = reader.offset();
  return header;
}

std::vector<int> MessageIndexes(const google::protobuf::Descriptor& descriptor) {
  std::vector<int> path;
  for (const google::protobuf::Descriptor* d = &descriptor; d != nullptr;
       d = d->containing_type()) {
    path.push_back(d->index());
  }
  std::reverse(path.begin(), path.end());
  return path;
}

std::span<const int> ChangeEventMessageIndexes() {
  static const std::vector<int> kPath = MessageIndexes(*cdc::v1::ChangeEvent::descriptor());
  return kPath;
}

std::span<const int> RowKeyMessageIndexes() {
  static const std::vector<int> kPath = MessageIndexes(*cdc::v1::RowKey::descriptor());
  return kPath;
}

}  // namespace cdc::agent
