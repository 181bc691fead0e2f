// Snapshot requests: written whole and read back in order, tables added to a
// snapshot once, a damaged request named, and a request removed only once
// its tables are read.
#include "agent/snapshot_requests.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

namespace cdc::agent {
namespace {

class SnapshotRequestsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/cdc-requests-XXXXXX";
    ASSERT_NE(mkdtemp(pattern), nullptr);
    root_ = pattern;
    dir_ = SnapshotRequestDir(root_ + "/offsets/");
  }
  void TearDown() override { std::filesystem::remove_all(root_); }

  std::string root_;
  std::string dir_;
};

TEST_F(SnapshotRequestsTest, FolderSitsBesideOffsetsPath) {
  EXPECT_EQ(SnapshotRequestDir("/var/lib/cdc/offsets"), "/var/lib/cdc/offsets.requests");
  EXPECT_EQ(dir_, root_ + "/offsets.requests");
}

TEST_F(SnapshotRequestsTest, WrittenRequestsReadBackInOrder) {
  Result<std::vector<SnapshotRequest>> none = ReadSnapshotRequests(dir_);
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
  ASSERT_TRUE(WriteSnapshotRequest(dir_, {{"public", "orders"}, {"Sales", "Order Items"}}).ok());
  ASSERT_TRUE(WriteSnapshotRequest(dir_, {{"shop", "a.b"}}).ok());
  Result<std::vector<SnapshotRequest>> read = ReadSnapshotRequests(dir_);
  ASSERT_TRUE(read.ok()) << read.status().ToString();
  ASSERT_EQ(read->size(), 2u);
  EXPECT_EQ((*read)[0].tables, (std::vector<TableName>{{"public", "orders"}, {"Sales", "Order Items"}}));
  EXPECT_EQ((*read)[1].tables, (std::vector<TableName>{{"shop", "a.b"}}));
}

TEST_F(SnapshotRequestsTest, DamagedRequestIsNamed) {
  std::filesystem::create_directories(dir_);
  std::ofstream(dir_ + "/1-1.request") << "no tab here\n";
  Result<std::vector<SnapshotRequest>> read = ReadSnapshotRequests(dir_);
  ASSERT_FALSE(read.ok());
  EXPECT_NE(read.status().message().find(dir_ + "/1-1.request:1: not a snapshot request line"),
            std::string::npos)
      << read.status().message();
}

TEST_F(SnapshotRequestsTest, FinishingTheLastTableEndsTheSnapshot) {
  std::optional<offsets::SnapshotProgress> snap;
  AddToSnapshot({{"public", "a"}, {"public", "b"}}, &snap, 1);
  snap->after_columns = {"id"};
  snap->after = {"7"};
  snap->rows = 7;
  EXPECT_FALSE(FinishSnapshotTable(&snap));
  ASSERT_TRUE(snap);
  ASSERT_EQ(snap->tables.size(), 1u);
  EXPECT_EQ(snap->tables[0].name, "b");
  EXPECT_TRUE(snap->after.empty());
  EXPECT_TRUE(snap->after_columns.empty());
  EXPECT_EQ(snap->rows, 0u);
  EXPECT_EQ(snap->started_us, 1);
  EXPECT_TRUE(FinishSnapshotTable(&snap));
  EXPECT_FALSE(snap);
}

TEST_F(SnapshotRequestsTest, TablesAreAddedOnce) {
  std::optional<offsets::SnapshotProgress> snap;
  EXPECT_EQ(AddToSnapshot({{"public", "a"}, {"public", "b"}, {"public", "a"}}, &snap, 42), 2u);
  ASSERT_TRUE(snap);
  EXPECT_EQ(snap->started_us, 42);
  snap->rows = 10;
  EXPECT_EQ(AddToSnapshot({{"public", "b"}, {"public", "c"}}, &snap, 99), 1u);
  EXPECT_EQ(snap->started_us, 42);  // the snapshot in progress goes on
  EXPECT_EQ(snap->rows, 10u);
  ASSERT_EQ(snap->tables.size(), 3u);
  EXPECT_EQ(snap->tables[2].name, "c");
  std::optional<offsets::SnapshotProgress> empty;
  EXPECT_EQ(AddToSnapshot({}, &empty, 1), 0u);
  EXPECT_FALSE(empty);
}

TEST_F(SnapshotRequestsTest, RequestGoesOnceWhereItsTablesWereReadIsDurable) {
  Result<std::string> path = WriteSnapshotRequest(dir_, {{"public", "a"}, {"public", "b"}});
  ASSERT_TRUE(path.ok());
  SnapshotRequestWatcher watcher(dir_);
  Result<std::vector<TableName>> tables = watcher.Poll();
  ASSERT_TRUE(tables.ok());
  ASSERT_EQ(tables->size(), 2u);
  std::optional<offsets::SnapshotProgress> snap;
  AddToSnapshot(*tables, &snap, 1);
  // a is read at 0/100: b is still queued, nothing is done.
  snap->tables.erase(snap->tables.begin());
  watcher.Finished(snap, offsets::Position::Postgres(0x100));
  watcher.Durable(offsets::Position::Postgres(0x100));
  EXPECT_TRUE(std::filesystem::exists(*path));
  // b is read at 0/200; durable up to 0/1FF only: the file stays.
  snap.reset();
  watcher.Finished(snap, offsets::Position::Postgres(0x200));
  watcher.Durable(offsets::Position::Postgres(0x1FF));
  EXPECT_TRUE(std::filesystem::exists(*path));
  watcher.Durable(offsets::Position::Postgres(0x200));
  EXPECT_FALSE(std::filesystem::exists(*path));
}

TEST_F(SnapshotRequestsTest, MysqlPositionsCompareByFileThenOffset) {
  Result<std::string> path = WriteSnapshotRequest(dir_, {{"shop", "a"}});
  ASSERT_TRUE(path.ok());
  SnapshotRequestWatcher watcher(dir_);
  ASSERT_TRUE(watcher.Poll().ok());
  watcher.Finished(std::nullopt, offsets::Position::Mysql("binlog.999999", 500, ""));
  watcher.Durable(offsets::Position::Mysql("binlog.999999", 499, ""));
  EXPECT_TRUE(std::filesystem::exists(*path));
  watcher.Durable(offsets::Position::Mysql("binlog.1000000", 4, ""));
  EXPECT_FALSE(std::filesystem::exists(*path));
}

}  // namespace
}  // namespace cdc::agent
