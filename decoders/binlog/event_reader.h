// Internal to the binlog event decoder: a bounds-checked reader over one
// event body whose errors name the event, the field and the byte offset, and
// the per-event parsers that EventDecoder dispatches to.
//
// Offsets in error messages count from the first byte of the event header,
// so they can be found with a hex dump of the event.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/byte_reader.h"
#include "common/status.h"
#include "decoders/binlog/events.h"

namespace cdc::binlog::internal {

// Where a body sits, for error messages.
struct EventContext {
  uint8_t type = 0;
  uint32_t log_pos = 0;
  size_t body_offset = kHeaderSize;  // offset of the body within the event
};

// "WRITE_ROWS_EVENT_V2 (log_pos 1234): <what> at byte <offset>".
Status EventError(const EventContext& ctx, std::string_view what, size_t offset);

class BodyReader {
 public:
  BodyReader(std::string_view body, const EventContext& ctx) : reader_(body), ctx_(ctx) {}

  size_t offset() const { return reader_.offset(); }
  size_t remaining() const { return reader_.remaining(); }
  bool empty() const { return reader_.empty(); }
  std::string_view rest() const { return reader_.rest(); }
  const EventContext& context() const { return ctx_; }

  // An error at the reader's position, or at `offset` within the body.
  Status Error(std::string_view what) const { return Error(what, reader_.offset()); }
  Status Error(std::string_view what, size_t offset) const {
    return EventError(ctx_, what, ctx_.body_offset + offset);
  }
  Status Truncated(std::string_view field) const {
    return Error("truncated " + std::string(field));
  }

  Status U8(std::string_view field, uint8_t* out) {
    return reader_.ReadU8(out) ? Status::OK() : Truncated(field);
  }
  Status U16(std::string_view field, uint16_t* out) {
    return reader_.ReadU16LE(out) ? Status::OK() : Truncated(field);
  }
  Status U32(std::string_view field, uint32_t* out) {
    return reader_.ReadU32LE(out) ? Status::OK() : Truncated(field);
  }
  Status U64(std::string_view field, uint64_t* out) {
    return reader_.ReadU64LE(out) ? Status::OK() : Truncated(field);
  }
  // Little-endian unsigned integer of `n` (1..8) bytes.
  Status UInt(std::string_view field, size_t n, uint64_t* out);
  Status Bytes(std::string_view field, size_t n, std::string_view* out) {
    return reader_.ReadBytes(n, out) ? Status::OK() : Truncated(field);
  }
  Status Skip(std::string_view field, size_t n) {
    return reader_.Skip(n) ? Status::OK() : Truncated(field);
  }
  // MySQL length-encoded integer (the 0xfb NULL marker is an error).
  Status LengthEncoded(std::string_view field, uint64_t* out);
  // A length-encoded length followed by that many bytes.
  Status LengthEncodedBytes(std::string_view field, std::string_view* out);
  // A count of items that each take at least `min_item_size` bytes: an error
  // when the rest of the body cannot hold them (bounds allocations).
  Status CheckCount(std::string_view field, uint64_t count, size_t min_item_size) const;

 private:
  ByteReader reader_;
  EventContext ctx_;
};

// Bit `i` of a bitmap whose first column is the low bit of the first byte
// (null bitmaps, rows-event column bitmaps).
inline bool BitLsb(std::string_view bits, size_t i) {
  return (static_cast<uint8_t>(bits[i / 8]) >> (i % 8)) & 1;
}
// Bit `i` of a bitmap whose first column is the high bit of the first byte
// (TABLE_MAP optional metadata).
inline bool BitMsb(std::string_view bits, size_t i) {
  return (static_cast<uint8_t>(bits[i / 8]) >> (7 - i % 8)) & 1;
}

// Body parsers: `body` excludes the common header and the checksum.
Result<FormatDescription> ParseFormatDescription(std::string_view body, const EventContext& ctx);
Result<Rotate> ParseRotate(std::string_view body, const EventContext& ctx, uint8_t post_len);
Result<Query> ParseQuery(std::string_view body, const EventContext& ctx, uint8_t post_len);
Result<Xid> ParseXid(std::string_view body, const EventContext& ctx);
Result<RowsQuery> ParseRowsQuery(std::string_view body, const EventContext& ctx);
Result<RowsQuery> ParseAnnotateRows(std::string_view body, const EventContext& ctx);
Result<BinlogCheckpoint> ParseBinlogCheckpoint(std::string_view body, const EventContext& ctx);
Result<Heartbeat> ParseHeartbeat(std::string_view body, const EventContext& ctx, uint32_t log_pos);
Result<Heartbeat> ParseHeartbeatV2(std::string_view body, const EventContext& ctx);

Result<MysqlGtid> ParseMysqlGtid(std::string_view body, const EventContext& ctx, bool anonymous);
// The serialized (tagged) GTID of MySQL 8.3+; NotSupported when the layout
// holds a field this decoder cannot interpret.
Result<MysqlGtid> ParseTaggedGtid(std::string_view body, const EventContext& ctx);
Result<PreviousGtids> ParsePreviousGtids(std::string_view body, const EventContext& ctx);
Result<MariaGtid> ParseMariaGtid(std::string_view body, const EventContext& ctx,
                                 uint32_t server_id);
Result<MariaGtidList> ParseMariaGtidList(std::string_view body, const EventContext& ctx);

Result<TableMap> ParseTableMap(std::string_view body, const EventContext& ctx, uint8_t post_len);
// `type` is one of the rows event types (v0, v1, v2, PARTIAL_UPDATE_ROWS).
Result<RowsEvent> ParseRowsEvent(std::string_view body, const EventContext& ctx, uint8_t post_len);
bool IsRowsEventType(uint8_t type);

// TRANSACTION_PAYLOAD: its header fields and the decompressed inner events.
Status ParseTransactionPayload(std::string_view body, const EventContext& ctx, std::string* out);

// Serialized-format (mysql::serialization) variable-length integers, used by
// tagged GTIDs: the count of trailing one bits of the first byte gives the
// number of extra bytes.
Status ReadVarUInt(BodyReader* r, std::string_view field, uint64_t* out);
Status ReadVarInt(BodyReader* r, std::string_view field, int64_t* out);

}  // namespace cdc::binlog::internal
