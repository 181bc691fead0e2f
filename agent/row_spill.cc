#include "agent/row_spill.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>

namespace cdc::agent {

namespace {

// Each row: its number of values, then each value's length (kNull for a
// NULL) and bytes; the numbers as 4 bytes in the machine's order (the file
// never leaves the process).
constexpr uint32_t kNull = UINT32_MAX;
constexpr size_t kBufferBytes = 1 << 20;

}  // namespace

Result<std::unique_ptr<RowSpill>> RowSpill::Create(const std::string& dir) {
  std::string path = dir + "/.cdc-agent-rows-XXXXXX";
  const int fd = ::mkstemp(path.data());
  if (fd < 0) {
    return Status::IOError("cannot make a temporary file for a snapshot's rows in " + dir + ": " +
                           std::strerror(errno) + " (offsets.path must be writable)");
  }
  ::unlink(path.c_str());
  std::FILE* file = ::fdopen(fd, "w+b");
  if (file == nullptr) {
    ::close(fd);
    return Status::IOError("cannot open the temporary file for a snapshot's rows in " + dir +
                           ": " + std::strerror(errno));
  }
  std::setvbuf(file, nullptr, _IOFBF, kBufferBytes);
  return std::unique_ptr<RowSpill>(new RowSpill(file, dir));
}

RowSpill::~RowSpill() { std::fclose(file_); }

Status RowSpill::WriteError() const {
  return Status::IOError("cannot write a snapshot's rows to a temporary file in " + dir_ + ": " +
                         std::strerror(errno) +
                         " (a table without a key waits there whole before it is published: "
                         "free space in offsets.path, or give the table a primary key)");
}

Status RowSpill::Truncated() const {
  return Status::Corruption("the temporary file of a snapshot's rows in " + dir_ +
                            " ends or disagrees inside row " + std::to_string(read_ + 1) +
                            " of " + std::to_string(rows_));
}

Status RowSpill::Append(const std::vector<std::optional<std::string_view>>& row) {
  if (reading_) return Status::InvalidArgument("RowSpill: Append after Rewind");
  const uint32_t n = static_cast<uint32_t>(row.size());
  if (std::fwrite(&n, sizeof n, 1, file_) != 1) return WriteError();
  widest_ = std::max(widest_, n);
  for (const std::optional<std::string_view>& value : row) {
    if (value && value->size() >= kNull) {
      return Status::InvalidArgument("a snapshot value of " + std::to_string(value->size()) +
                                     " bytes is too large to keep");
    }
    const uint32_t len = value ? static_cast<uint32_t>(value->size()) : kNull;
    if (std::fwrite(&len, sizeof len, 1, file_) != 1) return WriteError();
    if (value && !value->empty() && std::fwrite(value->data(), value->size(), 1, file_) != 1) {
      return WriteError();
    }
    bytes_ += value ? value->size() : 0;
  }
  ++rows_;
  return Status::OK();
}

Status RowSpill::Rewind() {
  if (std::fflush(file_) != 0) return WriteError();
  if (std::fseek(file_, 0, SEEK_SET) != 0) return WriteError();
  reading_ = true;
  read_ = 0;
  return Status::OK();
}

Result<bool> RowSpill::Next(std::vector<std::optional<std::string>>* row) {
  if (!reading_) return Status::InvalidArgument("RowSpill: Next before Rewind");
  if (read_ == rows_) return false;
  uint32_t n = 0;
  if (std::fread(&n, sizeof n, 1, file_) != 1 || n > widest_) return Truncated();
  row->resize(n);
  for (std::optional<std::string>& value : *row) {
    uint32_t len = 0;
    if (std::fread(&len, sizeof len, 1, file_) != 1) return Truncated();
    if (len == kNull) {
      value.reset();
      continue;
    }
    if (len > bytes_) return Truncated();  // more than all values together
    if (!value) value.emplace();
    value->resize(len);
    if (len > 0 && std::fread(value->data(), len, 1, file_) != 1) return Truncated();
  }
  ++read_;
  return true;
}

}  // namespace cdc::agent
