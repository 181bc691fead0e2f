#include <rocksdb/db.h>
#include <rocksdb/iterator.h>
#include <rocksdb/options.h>
#include <rocksdb/write_batch.h>

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <system_error>
#include <utility>

#include "offsets/offset_store.h"

namespace cdc::offsets {
namespace {

// Key layout:
//   pos/<source>           -> Position::Encode()
//   state/<source>/<name>  -> the blob
// Source names contain no '/', so "state/<source>/" prefixes never overlap.
constexpr std::string_view kPositionPrefix = "pos/";
constexpr std::string_view kStatePrefix = "state/";

Status CheckSourceName(std::string_view source) {
  if (source.empty() || source.find('/') != std::string_view::npos) {
    return Status::InvalidArgument("offset store: bad source name \"" + std::string(source) +
                                   "\": must be non-empty and contain no '/'");
  }
  return Status::OK();
}

std::string PositionKey(std::string_view source) {
  return std::string(kPositionPrefix) + std::string(source);
}

std::string StatePrefix(std::string_view source) {
  return std::string(kStatePrefix) + std::string(source) + "/";
}

rocksdb::Slice ToSlice(std::string_view s) { return rocksdb::Slice(s.data(), s.size()); }

bool IsLockError(const rocksdb::Status& s) {
  const std::string text = s.ToString();
  return text.find("/LOCK") != std::string::npos || text.find("While lock file") != std::string::npos ||
         text.find("lock hold by current process") != std::string::npos;
}

constexpr char kDamagedFix[] =
    "the store is damaged and the position it held cannot be read; move the folder aside, then "
    "run `cdc-agent offsets set` with the position to resume from, or `cdc-agent offsets reset` "
    "to start over with a new snapshot";

// A folder with a store's files but no CURRENT: opening it would start an
// empty store over the old one, so it is treated as damaged.
bool StoreFilesWithoutCurrent(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::is_directory(path, ec) ||
      std::filesystem::exists(std::filesystem::path(path) / "CURRENT", ec)) {
    return false;
  }
  for (const auto& entry : std::filesystem::directory_iterator(path, ec)) {
    const std::string name = entry.path().filename().string();
    if (name.rfind("MANIFEST-", 0) == 0 || name.ends_with(".sst") || name.ends_with(".log")) {
      return true;
    }
  }
  return false;
}

Status DamagedError(const std::string& path, const std::string& what) {
  return Status::IOError("cannot open the offset store at " + path + ": " + what + "; " +
                         kDamagedFix);
}

// The error for a store RocksDB cannot open, with a hint that fits.
Status OpenError(const std::string& path, const rocksdb::Status& s) {
  if (s.IsCorruption() ||
      (s.IsPathNotFound() && std::filesystem::exists(std::filesystem::path(path) / "CURRENT"))) {
    // A file the store's own CURRENT or MANIFEST names is bad or gone.
    return DamagedError(path, s.ToString());
  }
  const char* fix = IsLockError(s)
                        ? "is another cdc-agent running with this offsets.path?"
                        : "check that offsets.path names a directory this user can create and write";
  return Status::IOError("cannot open the offset store at " + path + ": " + s.ToString() + "; " +
                         fix);
}

// An exclusive lock on the store's folder, taken before RocksDB touches
// anything in it: two agents opening one folder at the same moment would
// otherwise race on RocksDB's own files (its info log rotation) before its
// LOCK file tells them apart, and the loser could read that as damage.
class FolderLock {
 public:
  FolderLock() = default;
  FolderLock(const FolderLock&) = delete;
  FolderLock& operator=(const FolderLock&) = delete;
  ~FolderLock() {
    if (fd_ >= 0) close(fd_);
  }

  // OK, or an IOError when another process holds the folder. A folder that
  // cannot be created or opened is left to RocksDB to report.
  Status Acquire(const std::string& path) {
    std::error_code ec;
    std::filesystem::create_directories(path, ec);
    fd_ = open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd_ < 0) return Status::OK();
    if (flock(fd_, LOCK_EX | LOCK_NB) != 0 && errno == EWOULDBLOCK) {
      return Status::IOError("cannot open the offset store at " + path +
                             ": another process has it open; is another cdc-agent running with "
                             "this offsets.path?");
    }
    return Status::OK();
  }

 private:
  int fd_ = -1;
};

class RocksDbOffsetStore final : public OffsetStore {
 public:
  RocksDbOffsetStore(std::string path, std::unique_ptr<rocksdb::DB> db,
                     std::unique_ptr<FolderLock> lock = nullptr)
      : path_(std::move(path)), lock_(std::move(lock)), db_(std::move(db)) {
    sync_write_.sync = true;
  }

  Result<std::optional<Position>> Load(std::string_view source) override {
    CDC_RETURN_IF_ERROR(CheckSourceName(source));
    std::string value;
    rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), PositionKey(source), &value);
    if (s.IsNotFound()) return std::optional<Position>();
    if (!s.ok()) return Error("load the position of source " + std::string(source), s);
    Result<Position> position = Position::Decode(value);
    if (!position.ok()) {
      return position.status().WithContext("offset store at " + path_ + ": position of source " +
                                           std::string(source));
    }
    return std::optional<Position>(std::move(position).value());
  }

  Status Store(std::string_view source, const Position& position) override {
    CDC_RETURN_IF_ERROR(CheckSourceName(source));
    rocksdb::Status s = db_->Put(sync_write_, PositionKey(source), position.Encode());
    if (!s.ok()) return Error("store the position of source " + std::string(source), s);
    return Status::OK();
  }

  Status Reset(std::string_view source) override {
    CDC_RETURN_IF_ERROR(CheckSourceName(source));
    // The range end is the prefix with its trailing '/' bumped to '0', the
    // next byte, so the range holds exactly this source's state keys.
    const std::string begin = StatePrefix(source);
    std::string end = begin;
    end.back() = static_cast<char>('/' + 1);
    rocksdb::WriteBatch batch;
    rocksdb::Status s = batch.Delete(PositionKey(source));
    if (s.ok()) s = batch.DeleteRange(begin, end);
    if (s.ok()) s = db_->Write(sync_write_, &batch);
    if (!s.ok()) return Error("reset source " + std::string(source), s);
    return Status::OK();
  }

  Result<std::vector<std::string>> ListSources() override {
    std::vector<std::string> names;
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions()));
    for (it->Seek(ToSlice(kPositionPrefix)); it->Valid(); it->Next()) {
      std::string_view key(it->key().data(), it->key().size());
      if (!key.starts_with(kPositionPrefix)) break;
      names.emplace_back(key.substr(kPositionPrefix.size()));
    }
    if (!it->status().ok()) return Error("list sources", it->status());
    return names;
  }

  Result<std::optional<std::string>> GetState(std::string_view source,
                                              std::string_view name) override {
    CDC_RETURN_IF_ERROR(CheckSourceName(source));
    std::string value;
    rocksdb::Status s =
        db_->Get(rocksdb::ReadOptions(), StatePrefix(source) + std::string(name), &value);
    if (s.IsNotFound()) return std::optional<std::string>();
    if (!s.ok()) {
      return Error("read state " + std::string(name) + " of source " + std::string(source), s);
    }
    return std::optional<std::string>(std::move(value));
  }

  Status PutState(std::string_view source, std::string_view name,
                  std::string_view value) override {
    CDC_RETURN_IF_ERROR(CheckSourceName(source));
    rocksdb::Status s =
        db_->Put(sync_write_, StatePrefix(source) + std::string(name), ToSlice(value));
    if (!s.ok()) {
      return Error("write state " + std::string(name) + " of source " + std::string(source), s);
    }
    return Status::OK();
  }

  Status StoreWith(std::string_view source, const Position& position,
                   const std::vector<StateChange>& changes) override {
    return WriteStates(source, &position, changes);
  }

  Status ChangeStates(std::string_view source, const std::vector<StateChange>& changes) override {
    return WriteStates(source, nullptr, changes);
  }

  Result<std::vector<std::string>> ListStates(std::string_view source,
                                              std::string_view prefix) override {
    CDC_RETURN_IF_ERROR(CheckSourceName(source));
    const std::string begin = StatePrefix(source) + std::string(prefix);
    std::vector<std::string> names;
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions()));
    for (it->Seek(begin); it->Valid(); it->Next()) {
      std::string_view key(it->key().data(), it->key().size());
      if (!key.starts_with(begin)) break;
      names.emplace_back(key.substr(begin.size() - prefix.size()));
    }
    if (!it->status().ok()) return Error("list the states of source " + std::string(source),
                                         it->status());
    return names;
  }

 private:
  Status WriteStates(std::string_view source, const Position* position,
                     const std::vector<StateChange>& changes) {
    CDC_RETURN_IF_ERROR(CheckSourceName(source));
    const std::string prefix = StatePrefix(source);
    rocksdb::WriteBatch batch;
    rocksdb::Status s;
    for (const StateChange& c : changes) {
      s = c.value ? batch.Put(prefix + c.name, ToSlice(*c.value)) : batch.Delete(prefix + c.name);
      if (!s.ok()) break;
    }
    if (s.ok() && position != nullptr) s = batch.Put(PositionKey(source), position->Encode());
    if (s.ok()) s = db_->Write(sync_write_, &batch);
    if (!s.ok()) return Error("store the position and state of source " + std::string(source), s);
    return Status::OK();
  }

  Status Error(const std::string& what, const rocksdb::Status& s) const {
    return Status::IOError("offset store at " + path_ + ": cannot " + what + ": " + s.ToString(),
                           s.IsBusy() || s.IsTryAgain() || s.IsTimedOut());
  }

  const std::string path_;
  std::unique_ptr<FolderLock> lock_;  // released after the database is closed
  std::unique_ptr<rocksdb::DB> db_;
  rocksdb::WriteOptions sync_write_;
};

}  // namespace

Result<std::unique_ptr<OffsetStore>> OpenRocksDbOffsetStore(const std::string& path) {
  rocksdb::Options options;
  options.create_if_missing = true;
  // Positions and state are small: keep the memtable, the block cache and
  // the info logs small so the agent stays within its memory budget.
  options.write_buffer_size = 4 << 20;
  options.max_write_buffer_number = 2;
  options.keep_log_file_num = 3;
  options.max_log_file_size = 1 << 20;
  options.info_log_level = rocksdb::InfoLogLevel::WARN_LEVEL;
  auto lock = std::make_unique<FolderLock>();
  CDC_RETURN_IF_ERROR(lock->Acquire(path));
  if (StoreFilesWithoutCurrent(path)) return DamagedError(path, "its CURRENT file is missing");
  rocksdb::DB* raw = nullptr;
  rocksdb::Status s = rocksdb::DB::Open(options, path, &raw);
  if (!s.ok()) return OpenError(path, s);
  return std::unique_ptr<OffsetStore>(std::make_unique<RocksDbOffsetStore>(
      path, std::unique_ptr<rocksdb::DB>(raw), std::move(lock)));
}

Result<std::unique_ptr<OffsetStore>> OpenRocksDbOffsetStoreReadOnly(const std::string& path) {
  if (StoreFilesWithoutCurrent(path)) return DamagedError(path, "its CURRENT file is missing");
  std::error_code ec;
  if (!std::filesystem::exists(std::filesystem::path(path) / "CURRENT", ec)) {
    return NewMemoryOffsetStore();  // no store yet: nothing stored
  }
  rocksdb::Options options;
  options.info_log_level = rocksdb::InfoLogLevel::WARN_LEVEL;
  rocksdb::DB* raw = nullptr;
  rocksdb::Status s = rocksdb::DB::OpenForReadOnly(options, path, &raw);
  if (!s.ok()) return OpenError(path, s);
  return std::unique_ptr<OffsetStore>(
      std::make_unique<RocksDbOffsetStore>(path, std::unique_ptr<rocksdb::DB>(raw)));
}

Status CheckRocksDbOffsetStore(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::exists(path, ec)) {
    if (!std::filesystem::is_directory(path, ec)) {
      return Status::IOError("offsets.path " + path + " is not a directory; name a directory "
                             "this user can create and write");
    }
    if (access(path.c_str(), W_OK | X_OK) != 0) {
      return Status::IOError("offsets.path " + path + " is not writable by this user; fix its "
                             "permissions or name another directory");
    }
    if (StoreFilesWithoutCurrent(path)) return DamagedError(path, "its CURRENT file is missing");
    if (!std::filesystem::exists(std::filesystem::path(path) / "CURRENT", ec)) {
      return Status::OK();  // an empty (or foreign) directory: the store is created there
    }
    rocksdb::Options options;
    options.info_log_level = rocksdb::InfoLogLevel::WARN_LEVEL;
    options.paranoid_checks = true;
    rocksdb::DB* raw = nullptr;
    rocksdb::Status s = rocksdb::DB::OpenForReadOnly(options, path, &raw);
    std::unique_ptr<rocksdb::DB> db(raw);
    if (!s.ok()) return OpenError(path, s);
    return Status::OK();
  }
  // Missing: the nearest existing parent must let this user create it.
  std::filesystem::path parent = std::filesystem::absolute(path, ec).parent_path();
  while (!parent.empty() && !std::filesystem::exists(parent, ec)) {
    if (parent == parent.parent_path()) break;
    parent = parent.parent_path();
  }
  if (!std::filesystem::is_directory(parent, ec) || access(parent.c_str(), W_OK | X_OK) != 0) {
    return Status::IOError("offsets.path " + path + " cannot be created: " + parent.string() +
                           " is not a directory this user can write; name a directory this "
                           "user can create and write");
  }
  return Status::OK();
}

}  // namespace cdc::offsets
