#include "agent/postgres/replication_protocol.h"

#include <fmt/format.h>

#include "common/byte_reader.h"
#include "decoders/pgoutput/decoder.h"

namespace cdc::agent::postgres {

Result<CopyMessage> ParseCopyData(std::string_view data) {
  ByteReader r(data);
  uint8_t tag = 0;
  if (!r.ReadU8(&tag)) return Status::Corruption("replication stream: empty CopyData message");
  if (tag == 'w') {
    XLogData x;
    if (!r.ReadU64BE(&x.start_lsn) || !r.ReadU64BE(&x.end_lsn) || !r.ReadI64BE(&x.send_time)) {
      return Status::Corruption("replication stream: XLogData header truncated at offset " +
                                std::to_string(r.offset()));
    }
    x.payload = r.rest();
    return CopyMessage(x);
  }
  if (tag == 'k') {
    Keepalive k;
    uint8_t reply = 0;
    if (!r.ReadU64BE(&k.wal_end) || !r.ReadI64BE(&k.send_time) || !r.ReadU8(&reply)) {
      return Status::Corruption("replication stream: keepalive truncated at offset " +
                                std::to_string(r.offset()));
    }
    k.reply_requested = reply != 0;
    return CopyMessage(k);
  }
  return Status::Corruption(
      fmt::format("replication stream: unknown CopyData tag {:#04x} at offset 0", tag));
}

namespace {

void PutU64BE(std::string* out, uint64_t v) {
  for (int shift = 56; shift >= 0; shift -= 8) out->push_back(static_cast<char>(v >> shift));
}

}  // namespace

std::string EncodeStandbyStatus(uint64_t write_lsn, uint64_t flush_lsn, uint64_t apply_lsn,
                                int64_t now_us, bool reply_requested) {
  std::string out;
  out.reserve(34);
  out.push_back('r');
  PutU64BE(&out, write_lsn);
  PutU64BE(&out, flush_lsn);
  PutU64BE(&out, apply_lsn);
  PutU64BE(&out, static_cast<uint64_t>(now_us - pgoutput::kPostgresEpochOffsetUs));
  out.push_back(reply_requested ? 1 : 0);
  return out;
}

}  // namespace cdc::agent::postgres
