// `cdc-agent decode-binlog FILE...`: the row changes of binlog files, offline,
// as JSON lines, decoded by the same code as the live MySQL/MariaDB source.
//
// Each line: {"file":"binlog.000001","pos":1234,"key":<RowKey or null>,
//             "value":<ChangeEvent>}
#pragma once

#include <cstdint>
#include <map>
#include <ostream>
#include <string>
#include <vector>

#include "common/status.h"

namespace cdc::agent::mysql {

struct DecodeBinlogStats {
  uint64_t events = 0;       // outer events plus events inside transaction payloads
  uint64_t rows_events = 0;
  uint64_t rows = 0;
  std::map<uint8_t, uint64_t> skipped;  // by event type
};

// "N events, N rows events, N rows; skipped: STOP_EVENT 1, ..."
std::string DescribeStats(const DecodeBinlogStats& stats);

// Decodes the files in order, writing one line per row change to `out`.
// Stops at the first error: Corruption naming the file, the event offset and
// what is wrong. `server_name` goes into every event's source.
Status DecodeBinlogFiles(const std::vector<std::string>& files, const std::string& server_name,
                         std::ostream& out, DecodeBinlogStats* stats);

}  // namespace cdc::agent::mysql
