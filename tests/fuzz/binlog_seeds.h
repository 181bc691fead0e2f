// Seed extraction from real binlog files for the binlog harnesses: splits
// each file into events with FileReader and writes
//   OUT/fuzz_binlog_event/  flavour byte + one event (checksum stripped)
//   OUT/fuzz_binlog_rows/   each rows event with its TABLE_MAP (rows_input.h)
//   OUT/fuzz_binlog_json/   the binary JSON values of WRITE_ROWS events
// A few seeds per event type and file, each at most kMaxSeedSize bytes.
// Returns a process exit code; prints one summary line.
#pragma once

#include <cstddef>
#include <string>

namespace cdc::fuzz {

inline constexpr size_t kMaxSeedSize = 16 * 1024;

int MakeBinlogCorpus(const std::string& out_root, int n_files, char** files);

}  // namespace cdc::fuzz
