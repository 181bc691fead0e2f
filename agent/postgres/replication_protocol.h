// Framing of the streaming replication sub-protocol, the CopyBoth messages
// that carry pgoutput.
//
// Spec: https://www.postgresql.org/docs/15/protocol-replication.html
//   'w' XLogData        start_lsn:u64 end_lsn:u64 send_time:i64 payload...
//   'k' keepalive       wal_end:u64 send_time:i64 reply_requested:u8
//   'r' standby status  write:u64 flush:u64 apply:u64 client_time:i64 reply:u8
// Times are microseconds since 2000-01-01. Pure code.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

#include "common/status.h"

namespace cdc::agent::postgres {

struct XLogData {
  uint64_t start_lsn = 0;
  uint64_t end_lsn = 0;
  int64_t send_time = 0;
  std::string_view payload;  // points into the CopyData buffer
};

struct Keepalive {
  uint64_t wal_end = 0;
  int64_t send_time = 0;
  bool reply_requested = false;
};

using CopyMessage = std::variant<XLogData, Keepalive>;

// Parses one CopyData message from the server. Corruption on anything else.
Result<CopyMessage> ParseCopyData(std::string_view data);

// Builds a standby status update. `now_us` is microseconds since the Unix
// epoch.
std::string EncodeStandbyStatus(uint64_t write_lsn, uint64_t flush_lsn, uint64_t apply_lsn,
                                int64_t now_us, bool reply_requested);

}  // namespace cdc::agent::postgres
