// Event names, the common header, text forms of GTIDs and the file walker.
// Header layout (binlog v4, 19 bytes, little-endian):
//   timestamp:u32 type:u8 server_id:u32 event_size:u32 log_pos:u32 flags:u16
#include <cstdio>
#include <string>

#include "common/byte_reader.h"
#include "decoders/binlog/event_reader.h"
#include "decoders/binlog/events.h"

namespace cdc::binlog {
namespace {

const char* KnownEventTypeName(uint8_t type) {
  switch (type) {
    case 0: return "UNKNOWN_EVENT";
    case 1: return "START_EVENT_V3";
    case 2: return "QUERY_EVENT";
    case 3: return "STOP_EVENT";
    case 4: return "ROTATE_EVENT";
    case 5: return "INTVAR_EVENT";
    case 6: return "LOAD_EVENT";
    case 7: return "SLAVE_EVENT";
    case 8: return "CREATE_FILE_EVENT";
    case 9: return "APPEND_BLOCK_EVENT";
    case 10: return "EXEC_LOAD_EVENT";
    case 11: return "DELETE_FILE_EVENT";
    case 12: return "NEW_LOAD_EVENT";
    case 13: return "RAND_EVENT";
    case 14: return "USER_VAR_EVENT";
    case 15: return "FORMAT_DESCRIPTION_EVENT";
    case 16: return "XID_EVENT";
    case 17: return "BEGIN_LOAD_QUERY_EVENT";
    case 18: return "EXECUTE_LOAD_QUERY_EVENT";
    case 19: return "TABLE_MAP_EVENT";
    case 20: return "WRITE_ROWS_EVENT_V0";
    case 21: return "UPDATE_ROWS_EVENT_V0";
    case 22: return "DELETE_ROWS_EVENT_V0";
    case 23: return "WRITE_ROWS_EVENT_V1";
    case 24: return "UPDATE_ROWS_EVENT_V1";
    case 25: return "DELETE_ROWS_EVENT_V1";
    case 26: return "INCIDENT_EVENT";
    case 27: return "HEARTBEAT_LOG_EVENT";
    case 28: return "IGNORABLE_LOG_EVENT";
    case 29: return "ROWS_QUERY_LOG_EVENT";
    case 30: return "WRITE_ROWS_EVENT_V2";
    case 31: return "UPDATE_ROWS_EVENT_V2";
    case 32: return "DELETE_ROWS_EVENT_V2";
    case 33: return "GTID_LOG_EVENT";
    case 34: return "ANONYMOUS_GTID_LOG_EVENT";
    case 35: return "PREVIOUS_GTIDS_LOG_EVENT";
    case 36: return "TRANSACTION_CONTEXT_EVENT";
    case 37: return "VIEW_CHANGE_EVENT";
    case 38: return "XA_PREPARE_LOG_EVENT";
    case 39: return "PARTIAL_UPDATE_ROWS_EVENT";
    case 40: return "TRANSACTION_PAYLOAD_EVENT";
    case 41: return "HEARTBEAT_LOG_EVENT_V2";
    case 42: return "GTID_TAGGED_LOG_EVENT";
    case 160: return "ANNOTATE_ROWS_EVENT";
    case 161: return "BINLOG_CHECKPOINT_EVENT";
    case 162: return "GTID_EVENT";
    case 163: return "GTID_LIST_EVENT";
    case 164: return "START_ENCRYPTION_EVENT";
    case 165: return "QUERY_COMPRESSED_EVENT";
    case 166: return "WRITE_ROWS_COMPRESSED_EVENT_V1";
    case 167: return "UPDATE_ROWS_COMPRESSED_EVENT_V1";
    case 168: return "DELETE_ROWS_COMPRESSED_EVENT_V1";
    case 169: return "WRITE_ROWS_COMPRESSED_EVENT";
    case 170: return "UPDATE_ROWS_COMPRESSED_EVENT";
    case 171: return "DELETE_ROWS_COMPRESSED_EVENT";
    default: return nullptr;
  }
}

std::string Interval(int64_t start, int64_t end_exclusive) {
  std::string out = std::to_string(start);
  // Unsigned difference: the values come from the wire and may be extreme.
  if (end_exclusive > start &&
      static_cast<uint64_t>(end_exclusive) - static_cast<uint64_t>(start) > 1) {
    out += "-" + std::to_string(end_exclusive - 1);
  }
  return out;
}

}  // namespace

std::string EventTypeName(uint8_t type) {
  const char* name = KnownEventTypeName(type);
  return name != nullptr ? std::string(name) : "UNKNOWN_EVENT_" + std::to_string(type);
}

Result<EventHeader> ParseHeader(std::string_view event) {
  ByteReader r(event);
  EventHeader h;
  if (!r.ReadU32LE(&h.timestamp) || !r.ReadU8(&h.type) || !r.ReadU32LE(&h.server_id) ||
      !r.ReadU32LE(&h.event_size) || !r.ReadU32LE(&h.log_pos) || !r.ReadU16LE(&h.flags)) {
    return Status::Corruption("binlog event header truncated: " + std::to_string(event.size()) +
                              " of " + std::to_string(kHeaderSize) + " bytes at byte 0");
  }
  if (h.event_size < kHeaderSize) {
    return Status::Corruption("binlog " + EventTypeName(h.type) + " (log_pos " +
                              std::to_string(h.log_pos) + "): event_size " +
                              std::to_string(h.event_size) + " is smaller than the " +
                              std::to_string(kHeaderSize) + "-byte header at byte 9");
  }
  return h;
}

std::string FormatSid(const Sid& sid) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(36);
  for (size_t i = 0; i < sid.size(); ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out.push_back('-');
    out.push_back(kHex[sid[i] >> 4]);
    out.push_back(kHex[sid[i] & 0x0f]);
  }
  return out;
}

std::string MysqlGtid::ToString() const {
  std::string out = FormatSid(sid);
  if (!tag.empty()) out += ":" + tag;
  return out + ":" + std::to_string(gno);
}

std::string PreviousGtids::ToString() const {
  std::string out;
  for (const GtidSetEntry& entry : sets) {
    if (!out.empty()) out.push_back(',');
    out += FormatSid(entry.sid);
    if (!entry.tag.empty()) out += ":" + entry.tag;
    for (const GtidInterval& interval : entry.intervals) {
      out += ":" + Interval(interval.start, interval.end);
    }
  }
  return out;
}

std::string MariaGtid::ToString() const {
  return std::to_string(domain_id) + "-" + std::to_string(server_id) + "-" +
         std::to_string(seq_no);
}

bool FormatDescription::mariadb() const {
  return server_version.find("MariaDB") != std::string::npos;
}

uint8_t FormatDescription::PostHeaderLength(uint8_t type, uint8_t fallback) const {
  if (type == 0 || type > post_header_lengths.size()) return fallback;
  return post_header_lengths[type - 1];
}

Status FileReader::Open() {
  if (file_.size() < kBinlogMagic.size() || file_.substr(0, kBinlogMagic.size()) != kBinlogMagic) {
    return Status::Corruption("binlog file: missing the 4-byte magic \\xfebin at offset 0");
  }
  offset_ = kBinlogMagic.size();
  return Status::OK();
}

Result<std::optional<std::string_view>> FileReader::Next() {
  if (offset_ < kBinlogMagic.size()) CDC_RETURN_IF_ERROR(Open());
  if (offset_ >= file_.size()) return std::optional<std::string_view>();
  std::string_view rest = file_.substr(offset_);
  Result<EventHeader> header = ParseHeader(rest);
  if (!header.ok()) {
    return header.status().WithContext("binlog file: event at offset " + std::to_string(offset_));
  }
  if (header->event_size > rest.size()) {
    return Status::Corruption("binlog file: " + EventTypeName(header->type) + " at offset " +
                              std::to_string(offset_) + " is truncated: event_size " +
                              std::to_string(header->event_size) + " but " +
                              std::to_string(rest.size()) + " bytes remain");
  }
  offset_ += header->event_size;
  return std::optional<std::string_view>(rest.substr(0, header->event_size));
}

bool IsNumericType(uint8_t type) {
  switch (type) {
    case kTypeTiny: case kTypeShort: case kTypeInt24: case kTypeLong: case kTypeLongLong:
    case kTypeNewDecimal: case kTypeFloat: case kTypeDouble:
      return true;
    default:
      return false;
  }
}

bool IsStringType(uint8_t real_type) {
  switch (real_type) {
    case kTypeString: case kTypeVarString: case kTypeVarchar: case kTypeBlob:
    case kTypeTinyBlob: case kTypeMediumBlob: case kTypeLongBlob:
      return true;
    default:
      return false;
  }
}

}  // namespace cdc::binlog
