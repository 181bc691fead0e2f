// Rows events up to their row images.
// Spec: https://dev.mysql.com/doc/dev/mysql-server/latest/classmysql_1_1binlog_1_1event_1_1Rows__event.html
//   table_id:u48 (u32 when the post-header is 6 bytes) flags:u16
//   [v2: extra_len:u16 (counts itself) extra_data:byte[extra_len - 2]]
//   column_count:packed columns_before:bitmap
//   [UPDATE v1/v2 and PARTIAL_UPDATE: columns_after:bitmap]
//   rows: everything up to the checksum
// Bitmaps have (column_count + 7) / 8 bytes, column i in bit i % 8 of byte i / 8.
#include <string>

#include "decoders/binlog/event_reader.h"

namespace cdc::binlog::internal {
namespace {

struct RowsType {
  RowsKind kind;
  uint8_t version;
};

bool LookupRowsType(uint8_t type, RowsType* out) {
  switch (static_cast<EventType>(type)) {
    case EventType::kWriteRowsV0: *out = {RowsKind::kWrite, 0}; return true;
    case EventType::kUpdateRowsV0: *out = {RowsKind::kUpdate, 0}; return true;
    case EventType::kDeleteRowsV0: *out = {RowsKind::kDelete, 0}; return true;
    case EventType::kWriteRowsV1: *out = {RowsKind::kWrite, 1}; return true;
    case EventType::kUpdateRowsV1: *out = {RowsKind::kUpdate, 1}; return true;
    case EventType::kDeleteRowsV1: *out = {RowsKind::kDelete, 1}; return true;
    case EventType::kWriteRowsV2: *out = {RowsKind::kWrite, 2}; return true;
    case EventType::kUpdateRowsV2: *out = {RowsKind::kUpdate, 2}; return true;
    case EventType::kDeleteRowsV2: *out = {RowsKind::kDelete, 2}; return true;
    case EventType::kPartialUpdateRows: *out = {RowsKind::kPartialUpdate, 2}; return true;
    default: return false;
  }
}

Status ReadBitmap(BodyReader* r, std::string_view field, size_t n, std::vector<bool>* out) {
  std::string_view bits;
  CDC_RETURN_IF_ERROR(r->Bytes(field, (n + 7) / 8, &bits));
  out->resize(n);
  for (size_t i = 0; i < n; ++i) (*out)[i] = BitLsb(bits, i);
  return Status::OK();
}

}  // namespace

bool IsRowsEventType(uint8_t type) {
  RowsType unused;
  return LookupRowsType(type, &unused);
}

Result<RowsEvent> ParseRowsEvent(std::string_view body, const EventContext& ctx, uint8_t post_len) {
  RowsType rows_type{};
  BodyReader r(body, ctx);
  if (!LookupRowsType(ctx.type, &rows_type)) return r.Error("not a rows event", 0);
  RowsEvent ev;
  ev.type = ctx.type;
  ev.kind = rows_type.kind;
  ev.version = rows_type.version;
  const size_t fixed = ev.version == 2 ? 10 : 8;
  // Servers that do not write a version (MySQL 8 lists 0 for v0) still use
  // the standard layout.
  if (post_len < 6) post_len = static_cast<uint8_t>(fixed);
  CDC_RETURN_IF_ERROR(r.UInt("table_id", post_len == 6 ? 4 : 6, &ev.table_id));
  CDC_RETURN_IF_ERROR(r.U16("flags", &ev.flags));
  size_t consumed = post_len == 6 ? 6 : 8;
  if (ev.version == 2) {
    uint16_t extra_len = 0;
    size_t at = r.offset();
    CDC_RETURN_IF_ERROR(r.U16("extra_data_length", &extra_len));
    consumed += 2;
    if (extra_len < 2) {
      return r.Error("extra_data_length " + std::to_string(extra_len) + " is below 2", at);
    }
    if (post_len > consumed) CDC_RETURN_IF_ERROR(r.Skip("post-header", post_len - consumed));
    CDC_RETURN_IF_ERROR(r.Bytes("extra_data", extra_len - 2u, &ev.extra_data));
  } else if (post_len > consumed) {
    CDC_RETURN_IF_ERROR(r.Skip("post-header", post_len - consumed));
  }
  CDC_RETURN_IF_ERROR(r.LengthEncoded("column_count", &ev.column_count));
  // Each column needs at least one bit of a bitmap.
  if (ev.column_count > static_cast<uint64_t>(r.remaining()) * 8) {
    return r.Error("column_count " + std::to_string(ev.column_count) + " does not fit in the " +
                   std::to_string(r.remaining()) + " bytes left");
  }
  const size_t n = static_cast<size_t>(ev.column_count);
  CDC_RETURN_IF_ERROR(ReadBitmap(&r, "columns_before", n, &ev.columns_before));
  // A v0 update carries one bitmap for both images.
  const bool two_images = (ev.kind == RowsKind::kUpdate && ev.version > 0) ||
                          ev.kind == RowsKind::kPartialUpdate;
  if (two_images) {
    CDC_RETURN_IF_ERROR(ReadBitmap(&r, "columns_after", n, &ev.columns_after));
  } else if (ev.kind == RowsKind::kUpdate) {
    ev.columns_after = ev.columns_before;
  }
  ev.rows = r.rest();
  return ev;
}

}  // namespace cdc::binlog::internal
