// RowSpill: rows of text values that wait on disk instead of in memory.
//
// A snapshot publishes a chunk only once the stream has reached the chunk's
// high mark, so every row of a chunk waits between its read and its
// publication. A table that is read whole (one without a key) is one chunk
// of any size: its rows past the first few MB wait here. The file is made
// in a directory the caller names and unlinked at once, so it leaves no
// name behind, also after a crash; its space is freed when it is closed.
// Rows are appended, then read back once, in order.
//
// Thread: one at a time (written on the chunk reader's thread, read on the
// source's).
#pragma once

#include <cstdint>
#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace cdc::agent {

class RowSpill {
 public:
  // A new, empty spill file in `dir`.
  static Result<std::unique_ptr<RowSpill>> Create(const std::string& dir);
  ~RowSpill();
  RowSpill(const RowSpill&) = delete;
  RowSpill& operator=(const RowSpill&) = delete;

  // Appends one row (nullopt: NULL). Only before Rewind.
  Status Append(const std::vector<std::optional<std::string_view>>& row);
  // Ends the writing: Next reads from the first row on.
  Status Rewind();
  // Reads the next row into `row`; false after the last. A file that ends
  // or disagrees with what was written is a Corruption.
  Result<bool> Next(std::vector<std::optional<std::string>>* row);

  uint64_t rows() const { return rows_; }
  uint64_t bytes() const { return bytes_; }  // of the values

 private:
  RowSpill(std::FILE* file, std::string dir) : file_(file), dir_(std::move(dir)) {}
  Status WriteError() const;
  Status Truncated() const;

  std::FILE* file_;
  std::string dir_;
  uint64_t rows_ = 0;
  uint64_t bytes_ = 0;
  uint64_t read_ = 0;     // rows read back
  uint32_t widest_ = 0;   // the most values a row was written with
  bool reading_ = false;
};

}  // namespace cdc::agent
