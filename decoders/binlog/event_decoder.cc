// EventDecoder: framing, checksums and dispatch to the body parsers.
// Spec: https://dev.mysql.com/doc/dev/mysql-server/latest/page_protocol_replication_binlog_event.html
//   event := header(19) body [crc32:u32 when the FORMAT_DESCRIPTION says CRC32]
// The CRC32 (zlib's polynomial) covers the header and the body; libdeflate
// computes it with carry-less multiplication (PCLMUL), several times as fast
// as zlib's table-driven crc32 on the events of the binlog fixtures.
#include <libdeflate.h>

#include <cstdio>

#include <string>
#include <utility>

#include "decoders/binlog/event_reader.h"
#include "decoders/binlog/events.h"

namespace cdc::binlog {
namespace {

using internal::EventContext;
using internal::EventError;

constexpr size_t kChecksumSize = 4;
constexpr uint16_t kBinlogInUseFlag = 0x0001;
constexpr size_t kFlagsOffset = 17;

uint32_t Crc32(std::string_view bytes) {
  return libdeflate_crc32(0, bytes.data(), bytes.size());
}

uint32_t StoredCrc(std::string_view event) {
  uint32_t v = 0;
  for (size_t i = 0; i < kChecksumSize; ++i) {
    v |= static_cast<uint32_t>(static_cast<uint8_t>(event[event.size() - kChecksumSize + i]))
         << (8 * i);
  }
  return v;
}

std::string Hex32(uint32_t v) {
  char buf[11];
  std::snprintf(buf, sizeof(buf), "0x%08x", v);
  return buf;
}

// `event` holds header, body and the 4 checksum bytes.
Status VerifyCrc(std::string_view event, const EventContext& ctx, bool format_description) {
  if (event.size() < kHeaderSize + kChecksumSize) {
    return EventError(ctx, "truncated CRC32 checksum", event.size());
  }
  std::string_view covered = event.substr(0, event.size() - kChecksumSize);
  uint32_t stored = StoredCrc(event);
  uint32_t computed = Crc32(covered);
  if (computed == stored) return Status::OK();
  if (format_description) {
    // The server computes the FORMAT_DESCRIPTION checksum before it marks the
    // file in use, so the flag is cleared for the comparison.
    std::string copy(covered);
    copy[kFlagsOffset] = static_cast<char>(static_cast<uint8_t>(copy[kFlagsOffset]) &
                                           ~static_cast<uint8_t>(kBinlogInUseFlag));
    computed = Crc32(copy);
    if (computed == stored) return Status::OK();
  }
  return EventError(ctx, "CRC32 mismatch (stored " + Hex32(stored) + ", computed " +
                             Hex32(computed) + ")",
                    event.size() - kChecksumSize);
}

// State shared by Decode and NextPayloadEvent.
struct DecoderState {
  FormatDescription* format;
  std::map<uint8_t, uint64_t>* skipped;
  std::string* payload;
};

template <typename T>
Result<Event> Wrap(const EventHeader& header, Result<T> body) {
  if (!body.ok()) return body.status();
  return Event{header, EventBody(std::move(body).value())};
}

Result<Event> DecodeFormatDescription(std::string_view event, const EventHeader& header,
                                      const EventContext& ctx, FormatDescription* format) {
  Result<FormatDescription> fd = internal::ParseFormatDescription(event.substr(kHeaderSize), ctx);
  if (!fd.ok()) return fd.status();
  if (fd->checksum == ChecksumAlg::kCrc32) {
    CDC_RETURN_IF_ERROR(VerifyCrc(event, ctx, /*format_description=*/true));
  }
  *format = *fd;
  return Event{header, EventBody(std::move(fd).value())};
}

// Decodes one event; `inner` events come from a TRANSACTION_PAYLOAD and
// carry no checksum of their own.
Result<Event> DecodeOne(std::string_view event, bool inner, const DecoderState& state) {
  CDC_ASSIGN_OR_RETURN(EventHeader header, ParseHeader(event));
  EventContext ctx{header.type, header.log_pos, kHeaderSize};
  if (header.event_size != event.size()) {
    return EventError(ctx, "event_size " + std::to_string(header.event_size) + " but " +
                               std::to_string(event.size()) + " bytes given",
                      9);
  }
  const uint8_t type = header.type;
  if (type == static_cast<uint8_t>(EventType::kFormatDescription)) {
    if (inner) return EventError(ctx, "FORMAT_DESCRIPTION_EVENT inside a transaction payload", 4);
    return DecodeFormatDescription(event, header, ctx, state.format);
  }

  const FormatDescription& format = *state.format;
  size_t header_len = format.header_length < kHeaderSize ? kHeaderSize : format.header_length;
  size_t end = event.size();
  if (!inner && format.checksum == ChecksumAlg::kCrc32) {
    CDC_RETURN_IF_ERROR(VerifyCrc(event, ctx, /*format_description=*/false));
    end -= kChecksumSize;
  }
  if (end < header_len) {
    return EventError(ctx, "event shorter than the " + std::to_string(header_len) + "-byte header",
                      end);
  }
  ctx.body_offset = header_len;
  std::string_view body = event.substr(header_len, end - header_len);
  auto post_len = [&](uint8_t fallback) { return format.PostHeaderLength(type, fallback); };

  switch (static_cast<EventType>(type)) {
    case EventType::kRotate:
      return Wrap(header, internal::ParseRotate(body, ctx, post_len(8)));
    case EventType::kQuery:
      return Wrap(header, internal::ParseQuery(body, ctx, post_len(13)));
    case EventType::kXid:
      return Wrap(header, internal::ParseXid(body, ctx));
    case EventType::kTableMap:
      return Wrap(header, internal::ParseTableMap(body, ctx, post_len(8)));
    case EventType::kRowsQuery:
      return Wrap(header, internal::ParseRowsQuery(body, ctx));
    case EventType::kMariaAnnotateRows:
      return Wrap(header, internal::ParseAnnotateRows(body, ctx));
    case EventType::kGtid:
      return Wrap(header, internal::ParseMysqlGtid(body, ctx, /*anonymous=*/false));
    case EventType::kAnonymousGtid:
      return Wrap(header, internal::ParseMysqlGtid(body, ctx, /*anonymous=*/true));
    case EventType::kGtidTagged: {
      Result<MysqlGtid> gtid = internal::ParseTaggedGtid(body, ctx);
      if (!gtid.ok() && gtid.status().code() == Status::Code::kNotSupported) break;
      return Wrap(header, std::move(gtid));
    }
    case EventType::kPreviousGtids:
      return Wrap(header, internal::ParsePreviousGtids(body, ctx));
    case EventType::kMariaGtid:
      return Wrap(header, internal::ParseMariaGtid(body, ctx, header.server_id));
    case EventType::kMariaGtidList:
      return Wrap(header, internal::ParseMariaGtidList(body, ctx));
    case EventType::kMariaBinlogCheckpoint:
      return Wrap(header, internal::ParseBinlogCheckpoint(body, ctx));
    case EventType::kHeartbeat:
      return Wrap(header, internal::ParseHeartbeat(body, ctx, header.log_pos));
    case EventType::kHeartbeatV2:
      return Wrap(header, internal::ParseHeartbeatV2(body, ctx));
    case EventType::kTransactionPayload: {
      if (inner) {
        return EventError(ctx, "TRANSACTION_PAYLOAD_EVENT inside a transaction payload", 4);
      }
      // Its fields follow the common header directly, whatever the format
      // description says its post-header length is.
      CDC_RETURN_IF_ERROR(internal::ParseTransactionPayload(body, ctx, state.payload));
      return Event{header, EventBody(Skipped{type})};
    }
    default:
      if (internal::IsRowsEventType(type)) {
        return Wrap(header, internal::ParseRowsEvent(body, ctx, post_len(0)));
      }
      break;
  }
  ++(*state.skipped)[type];
  return Event{header, EventBody(Skipped{type})};
}

}  // namespace

EventDecoder::EventDecoder() = default;

Result<Event> EventDecoder::Decode(std::string_view event) {
  payload_.clear();
  payload_offset_ = 0;
  return DecodeOne(event, /*inner=*/false, DecoderState{&format_, &skipped_, &payload_});
}

Result<std::optional<Event>> EventDecoder::NextPayloadEvent() {
  if (payload_offset_ >= payload_.size()) return std::optional<Event>();
  std::string_view rest = std::string_view(payload_).substr(payload_offset_);
  const std::string where = "binlog TRANSACTION_PAYLOAD_EVENT: inner event at payload byte " +
                            std::to_string(payload_offset_);
  Result<EventHeader> header = ParseHeader(rest);
  if (!header.ok()) {
    payload_offset_ = payload_.size();
    return header.status().WithContext(where);
  }
  if (header->event_size > rest.size()) {
    payload_offset_ = payload_.size();
    return Status::Corruption(where + ": " + EventTypeName(header->type) + " event_size " +
                              std::to_string(header->event_size) + " but " +
                              std::to_string(rest.size()) + " bytes remain");
  }
  payload_offset_ += header->event_size;
  Result<Event> event = DecodeOne(rest.substr(0, header->event_size), /*inner=*/true,
                                  DecoderState{&format_, &skipped_, &payload_});
  if (!event.ok()) {
    payload_offset_ = payload_.size();
    return event.status().WithContext(where);
  }
  return std::optional<Event>(std::move(event).value());
}

}  // namespace cdc::binlog
