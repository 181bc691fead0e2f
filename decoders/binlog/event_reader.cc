#include "decoders/binlog/event_reader.h"

#include <string>

namespace cdc::binlog::internal {

Status EventError(const EventContext& ctx, std::string_view what, size_t offset) {
  return Status::Corruption("binlog " + EventTypeName(ctx.type) + " (log_pos " +
                            std::to_string(ctx.log_pos) + "): " + std::string(what) + " at byte " +
                            std::to_string(offset));
}

Status BodyReader::UInt(std::string_view field, size_t n, uint64_t* out) {
  std::string_view bytes;
  if (n > 8 || !reader_.ReadBytes(n, &bytes)) return Truncated(field);
  uint64_t v = 0;
  for (size_t i = n; i-- > 0;) v = (v << 8) | static_cast<uint8_t>(bytes[i]);
  *out = v;
  return Status::OK();
}

Status BodyReader::LengthEncoded(std::string_view field, uint64_t* out) {
  uint8_t first = 0;
  size_t at = reader_.offset();
  if (reader_.remaining() >= 1) first = static_cast<uint8_t>(reader_.rest()[0]);
  if (first == 0xfb || first == 0xff) {
    return Error("invalid length-encoded integer (first byte " + std::to_string(first) + ") in " +
                     std::string(field),
                 at);
  }
  return reader_.ReadLengthEncoded(out) ? Status::OK() : Truncated(field);
}

Status BodyReader::LengthEncodedBytes(std::string_view field, std::string_view* out) {
  uint64_t n = 0;
  CDC_RETURN_IF_ERROR(LengthEncoded(field, &n));
  if (n > reader_.remaining()) return Truncated(field);
  return Bytes(field, static_cast<size_t>(n), out);
}

Status BodyReader::CheckCount(std::string_view field, uint64_t count, size_t min_item_size) const {
  if (min_item_size == 0) min_item_size = 1;
  if (count > reader_.remaining() / min_item_size) {
    return Error(std::string(field) + " " + std::to_string(count) + " does not fit in the " +
                 std::to_string(reader_.remaining()) + " bytes left");
  }
  return Status::OK();
}

Status ReadVarUInt(BodyReader* r, std::string_view field, uint64_t* out) {
  uint8_t first = 0;
  if (r->remaining() < 1) return r->Truncated(field);
  first = static_cast<uint8_t>(r->rest()[0]);
  size_t extra = 0;
  while (extra < 8 && ((first >> extra) & 1) != 0) ++extra;
  if (extra == 8) {
    CDC_RETURN_IF_ERROR(r->Skip(field, 1));
    return r->UInt(field, 8, out);
  }
  uint64_t raw = 0;
  CDC_RETURN_IF_ERROR(r->UInt(field, extra + 1, &raw));
  *out = raw >> (extra + 1);
  return Status::OK();
}

Status ReadVarInt(BodyReader* r, std::string_view field, int64_t* out) {
  uint64_t u = 0;
  CDC_RETURN_IF_ERROR(ReadVarUInt(r, field, &u));
  *out = static_cast<int64_t>((u >> 1) ^ (~(u & 1) + 1));
  return Status::OK();
}

}  // namespace cdc::binlog::internal
