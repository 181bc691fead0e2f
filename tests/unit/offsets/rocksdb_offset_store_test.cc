// What only the RocksDB store does: persistence across reopen, the lock that
// keeps a second agent out, and durability of synced writes.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "offsets/offset_store.h"
#include "tests/unit/offsets/test_util.h"

namespace cdc::offsets {
namespace {

constexpr char kLockFix[] = "is another cdc-agent running with this offsets.path?";

std::unique_ptr<OffsetStore> MustOpen(const std::string& path) {
  Result<std::unique_ptr<OffsetStore>> store = OpenRocksDbOffsetStore(path);
  EXPECT_TRUE(store.ok()) << store.status().ToString();
  return store.ok() ? std::move(store).value() : nullptr;
}

TEST(RocksDbOffsetStoreTest, ReopenKeepsPositionsAndState) {
  cdc::testing::TempDir dir;
  const std::string path = dir.Sub("offsets");
  {
    std::unique_ptr<OffsetStore> store = MustOpen(path);
    ASSERT_NE(store, nullptr);
    ASSERT_TRUE(store->Store("pg", Position::Postgres(0x16B374D848ull)).ok());
    ASSERT_TRUE(store->Store("my", Position::Mysql("binlog.000003", 4567, "0-1-100")).ok());
    ASSERT_TRUE(store->PutState("pg", "snapshot", "done").ok());
    ASSERT_TRUE(store->Store("gone", Position::Postgres(1)).ok());
    ASSERT_TRUE(store->PutState("gone", "snapshot", "x").ok());
    ASSERT_TRUE(store->Reset("gone").ok());
  }
  std::unique_ptr<OffsetStore> store = MustOpen(path);
  ASSERT_NE(store, nullptr);
  Result<std::optional<Position>> pg = store->Load("pg");
  ASSERT_TRUE(pg.ok());
  EXPECT_EQ(*pg, Position::Postgres(0x16B374D848ull));
  Result<std::optional<Position>> my = store->Load("my");
  ASSERT_TRUE(my.ok());
  EXPECT_EQ(*my, Position::Mysql("binlog.000003", 4567, "0-1-100"));
  Result<std::optional<std::string>> state = store->GetState("pg", "snapshot");
  ASSERT_TRUE(state.ok());
  EXPECT_EQ(*state, "done");
  Result<std::optional<Position>> gone = store->Load("gone");
  ASSERT_TRUE(gone.ok());
  EXPECT_EQ(*gone, std::nullopt);
  Result<std::optional<std::string>> gone_state = store->GetState("gone", "snapshot");
  ASSERT_TRUE(gone_state.ok());
  EXPECT_EQ(*gone_state, std::nullopt);
  Result<std::vector<std::string>> sources = store->ListSources();
  ASSERT_TRUE(sources.ok());
  EXPECT_EQ(*sources, (std::vector<std::string>{"my", "pg"}));
}

TEST(RocksDbOffsetStoreTest, SecondOpenInTheSameProcessFailsClearly) {
  cdc::testing::TempDir dir;
  const std::string path = dir.Sub("offsets");
  std::unique_ptr<OffsetStore> first = MustOpen(path);
  ASSERT_NE(first, nullptr);
  Result<std::unique_ptr<OffsetStore>> second = OpenRocksDbOffsetStore(path);
  ASSERT_FALSE(second.ok());
  EXPECT_TRUE(second.status().IsIOError());
  EXPECT_EQ(second.status().message().rfind("cannot open the offset store at " + path + ": ", 0),
            0u)
      << second.status().message();
  EXPECT_TRUE(second.status().message().ends_with(kLockFix)) << second.status().message();
  // The first store is unaffected.
  EXPECT_TRUE(first->Store("demo", Position::Postgres(7)).ok());
}

// Agents started at the same moment on one folder: one opens it, the others
// are told another agent has it, never that it is damaged. Each child writes
// one byte: 'o' opened, 'l' told about the other agent, 'x' anything else.
TEST(RocksDbOffsetStoreTest, SimultaneousOpensAreToldApartFromDamage) {
  for (int round = 0; round < 5; ++round) {
    cdc::testing::TempDir dir;
    const std::string path = dir.Sub("offsets");
    if (round % 2 == 1) {
      ASSERT_NE(MustOpen(path), nullptr);  // an existing store, too
    }
    int results[2];
    ASSERT_EQ(pipe(results), 0);
    constexpr int kChildren = 6;
    std::vector<pid_t> children;
    for (int i = 0; i < kChildren; ++i) {
      pid_t child = fork();
      ASSERT_GE(child, 0);
      if (child == 0) {
        Result<std::unique_ptr<OffsetStore>> store = OpenRocksDbOffsetStore(path);
        char r = store.ok() ? 'o'
                 : store.status().message().ends_with(kLockFix) ? 'l'
                                                                : 'x';
        if (write(results[1], &r, 1) != 1) _exit(2);
        usleep(200000);
        _exit(0);
      }
      children.push_back(child);
    }
    std::string got;
    for (int i = 0; i < kChildren; ++i) {
      char r = '?';
      ASSERT_EQ(read(results[0], &r, 1), 1);
      got.push_back(r);
    }
    for (pid_t child : children) waitpid(child, nullptr, 0);
    close(results[0]);
    close(results[1]);
    EXPECT_EQ(std::count(got.begin(), got.end(), 'x'), 0) << got;
    EXPECT_GE(std::count(got.begin(), got.end(), 'o'), 1) << got;
  }
}

// Another process holds the LOCK file the way a running agent does (an
// fcntl write lock); the child uses only async-signal-safe calls.
TEST(RocksDbOffsetStoreTest, OpenLockedByAnotherProcessFailsClearly) {
  cdc::testing::TempDir dir;
  const std::string path = dir.Sub("offsets");
  ASSERT_NE(MustOpen(path), nullptr);  // creates the store and its LOCK file
  const std::string lock_file = path + "/LOCK";

  int locked[2];
  int release[2];
  ASSERT_EQ(pipe(locked), 0);
  ASSERT_EQ(pipe(release), 0);
  pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    int fd = open(lock_file.c_str(), O_RDWR);
    struct flock fl = {};
    fl.l_type = F_WRLCK;
    fl.l_whence = SEEK_SET;
    char ok = (fd >= 0 && fcntl(fd, F_SETLK, &fl) == 0) ? '1' : '0';
    if (write(locked[1], &ok, 1) != 1) _exit(2);
    char done;
    if (read(release[0], &done, 1) < 0) _exit(3);
    _exit(0);
  }
  char ok = '0';
  ASSERT_EQ(read(locked[0], &ok, 1), 1);
  EXPECT_EQ(ok, '1') << "the child could not lock " << lock_file;

  Result<std::unique_ptr<OffsetStore>> store = OpenRocksDbOffsetStore(path);
  EXPECT_FALSE(store.ok());
  if (!store.ok()) {
    EXPECT_TRUE(store.status().IsIOError());
    EXPECT_NE(store.status().message().find(path), std::string::npos) << store.status().message();
    EXPECT_TRUE(store.status().message().ends_with(kLockFix)) << store.status().message();
  }

  char done = 'x';
  EXPECT_EQ(write(release[1], &done, 1), 1);
  int wstatus = 0;
  ASSERT_EQ(waitpid(child, &wstatus, 0), child);
  EXPECT_TRUE(WIFEXITED(wstatus) && WEXITSTATUS(wstatus) == 0);
  for (int fd : {locked[0], locked[1], release[0], release[1]}) close(fd);

  // Once the other process is gone, the store opens again.
  EXPECT_NE(MustOpen(path), nullptr);
}

TEST(RocksDbOffsetStoreTest, OpenOfAnUnusablePathNamesIt) {
  cdc::testing::TempDir dir;
  const std::string file = dir.Sub("plain-file");
  FILE* f = fopen(file.c_str(), "w");
  ASSERT_NE(f, nullptr);
  fclose(f);
  const std::string path = file + "/offsets";
  Result<std::unique_ptr<OffsetStore>> store = OpenRocksDbOffsetStore(path);
  ASSERT_FALSE(store.ok());
  EXPECT_TRUE(store.status().IsIOError());
  EXPECT_EQ(store.status().message().rfind("cannot open the offset store at " + path + ": ", 0),
            0u)
      << store.status().message();
  EXPECT_TRUE(store.status().message().ends_with(
      "check that offsets.path names a directory this user can create and write"))
      << store.status().message();
}

TEST(RocksDbOffsetStoreCheckTest, MissingPathIsUsableAndNotCreated) {
  cdc::testing::TempDir dir;
  const std::string path = dir.Sub("a/b/offsets");
  EXPECT_TRUE(CheckRocksDbOffsetStore(path).ok()) << CheckRocksDbOffsetStore(path).ToString();
  EXPECT_FALSE(std::filesystem::exists(dir.Sub("a"))) << "check creates nothing";
}

TEST(RocksDbOffsetStoreCheckTest, PathUnderAPlainFileCannotBeCreated) {
  cdc::testing::TempDir dir;
  const std::string file = dir.Sub("plain-file");
  std::ofstream(file) << "x";
  const Status s = CheckRocksDbOffsetStore(file + "/offsets");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.message(), "offsets.path " + file + "/offsets cannot be created: " + file +
                             " is not a directory this user can write; name a directory this "
                             "user can create and write");
  const Status not_dir = CheckRocksDbOffsetStore(file);
  ASSERT_FALSE(not_dir.ok());
  EXPECT_EQ(not_dir.message(), "offsets.path " + file +
                                   " is not a directory; name a directory this user can create "
                                   "and write");
}

TEST(RocksDbOffsetStoreCheckTest, ExistingStoreIsReadEvenWhileInUse) {
  cdc::testing::TempDir dir;
  const std::string path = dir.Sub("offsets");
  std::unique_ptr<OffsetStore> store = MustOpen(path);
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(store->Store("src", Position::Postgres(42)).ok());
  // The running agent holds the lock; check reads without it.
  EXPECT_TRUE(CheckRocksDbOffsetStore(path).ok()) << CheckRocksDbOffsetStore(path).ToString();
  store.reset();
  EXPECT_TRUE(CheckRocksDbOffsetStore(path).ok());
}

TEST(RocksDbOffsetStoreCheckTest, DamagedStoreIsReportedWithItsHint) {
  cdc::testing::TempDir dir;
  const std::string path = dir.Sub("offsets");
  {
    std::unique_ptr<OffsetStore> store = MustOpen(path);
    ASSERT_NE(store, nullptr);
    ASSERT_TRUE(store->Store("src", Position::Postgres(42)).ok());
  }
  // CURRENT names the MANIFEST; point it at one that is not there.
  std::ofstream(path + "/CURRENT", std::ios::trunc) << "MANIFEST-999999\n";
  const std::string hint =
      "the store is damaged and the position it held cannot be read; move the folder aside, "
      "then run `cdc-agent offsets set` with the position to resume from, or `cdc-agent offsets "
      "reset` to start over with a new snapshot";
  const Status checked = CheckRocksDbOffsetStore(path);
  ASSERT_FALSE(checked.ok());
  EXPECT_TRUE(checked.message().ends_with(hint)) << checked.message();
  Result<std::unique_ptr<OffsetStore>> opened = OpenRocksDbOffsetStore(path);
  ASSERT_FALSE(opened.ok());
  EXPECT_TRUE(opened.status().message().ends_with(hint)) << opened.status().message();
  // A MANIFEST cut short.
  std::string manifest;
  for (const auto& entry : std::filesystem::directory_iterator(path)) {
    if (entry.path().filename().string().rfind("MANIFEST-", 0) == 0) manifest = entry.path().string();
  }
  ASSERT_FALSE(manifest.empty());
  std::ofstream(path + "/CURRENT", std::ios::trunc)
      << std::filesystem::path(manifest).filename().string() << "\n";
  std::filesystem::resize_file(manifest, 20);
  const Status truncated = CheckRocksDbOffsetStore(path);
  ASSERT_FALSE(truncated.ok());
  EXPECT_TRUE(truncated.message().ends_with(hint)) << truncated.message();
  Result<std::unique_ptr<OffsetStore>> reopened = OpenRocksDbOffsetStore(path);
  ASSERT_FALSE(reopened.ok()) << "a damaged store must not open as an empty one";
  EXPECT_TRUE(reopened.status().message().ends_with(hint)) << reopened.status().message();
  // CURRENT gone: opening would start an empty store over the old files.
  std::filesystem::remove(path + "/CURRENT");
  const Status no_current = CheckRocksDbOffsetStore(path);
  ASSERT_FALSE(no_current.ok());
  EXPECT_EQ(no_current.message(), "cannot open the offset store at " + path +
                                      ": its CURRENT file is missing; " + hint);
  Result<std::unique_ptr<OffsetStore>> not_created = OpenRocksDbOffsetStore(path);
  ASSERT_FALSE(not_created.ok());
  EXPECT_EQ(not_created.status().message(), no_current.message());
  EXPECT_FALSE(std::filesystem::exists(path + "/CURRENT")) << "no new store over the old files";
}

// The child re-runs this test from the start in a fresh process (threadsafe
// style), so the directory is handed to it through the environment.
TEST(RocksDbOffsetStoreDeathTest, SyncedWritesSurviveExitWithoutClose) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  constexpr char kDirVar[] = "CDC_OFFSETS_SYNC_TEST_DIR";
  std::unique_ptr<cdc::testing::TempDir> owned;
  std::string path;
  if (const char* inherited = std::getenv(kDirVar)) {
    path = inherited;
  } else {
    owned = std::make_unique<cdc::testing::TempDir>();
    path = owned->Sub("offsets");
    setenv(kDirVar, path.c_str(), 1);
  }

  // The child stores and dies at once: no destructor, no close, no flush of
  // the memtable; only what was synced to the write-ahead log remains.
  EXPECT_EXIT(
      {
        Result<std::unique_ptr<OffsetStore>> store = OpenRocksDbOffsetStore(path);
        if (!store.ok()) _exit(10);
        if (!(*store)->Store("demo", Position::Postgres(0xABCDEF0123ull)).ok()) _exit(11);
        if (!(*store)->PutState("demo", "snapshot", "chunk 42").ok()) _exit(12);
        _exit(0);
      },
      ::testing::ExitedWithCode(0), "");
  unsetenv(kDirVar);

  std::unique_ptr<OffsetStore> store = MustOpen(path);
  ASSERT_NE(store, nullptr);
  Result<std::optional<Position>> position = store->Load("demo");
  ASSERT_TRUE(position.ok()) << position.status().ToString();
  EXPECT_EQ(*position, Position::Postgres(0xABCDEF0123ull));
  Result<std::optional<std::string>> state = store->GetState("demo", "snapshot");
  ASSERT_TRUE(state.ok());
  EXPECT_EQ(*state, "chunk 42");
}

}  // namespace
}  // namespace cdc::offsets
