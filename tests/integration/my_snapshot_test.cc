// The MariaDB source's initial snapshot and its stored positions: rows
// written during the snapshot arrive exactly once, snapshot: never starts at
// the server's end, a stop and restart (resuming by GTID, or by file:pos
// alone) neither loses nor repeats a row, and rows written before an ALTER
// while the agent was down decode with the columns they were written with.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include "tests/integration/my_agent_fixture.h"

namespace cdc::itest {
namespace {

using cdc::v1::ChangeEvent;

class MySnapshotTest : public MyAgentTest {
 protected:
  // The stored position as `offsets show` prints it ("mysql:FILE:POS
  // gtid=SET"), or "" when it cannot be read.
  std::string StoredPosition() {
    CommandResult r = AgentCommand({"offsets", "show"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    size_t tab = r.out.find('\t');
    if (tab == std::string::npos) return "";
    std::string pos = r.out.substr(tab + 1);
    while (!pos.empty() && (pos.back() == '\n' || pos.back() == '\r')) pos.pop_back();
    return pos;
  }

  // Stops the agent while a writer thread inserts rows from `first` on, one
  // transaction each: 100 before the stop, as many as it manages while the
  // agent stops, and 100 after it exited. Then starts the agent again. With
  // `strip_gtid`, the stored position is first set to its file:pos part
  // alone (kept in file_pos_). Returns the last id written.
  int StopWhileWriting(int first, bool strip_gtid) {
    auto writer_db = Connect(db_name_);
    EXPECT_TRUE(writer_db->ok()) << writer_db->error();
    std::atomic<int> written{0};
    std::atomic<bool> stopped{false};
    std::string writer_error;
    int last = first - 1;
    std::thread writer([&] {
      int after_stop = 0;
      while (after_stop < 100 && written.load() < 100000) {
        if (stopped.load()) ++after_stop;
        std::string err = writer_db->Exec("INSERT INTO t VALUES (" + std::to_string(last + 1) +
                                          ", 'v" + std::to_string(last + 1) + "')");
        if (!err.empty()) {
          writer_error = err;
          return;
        }
        ++last;
        ++written;
      }
    });
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (written.load() < 100 && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    int code = StopAgent();
    stopped = true;
    writer.join();
    EXPECT_TRUE(writer_error.empty()) << writer_error;
    EXPECT_EQ(code, 0) << agent_->Stderr();
    if (strip_gtid) {
      std::string stored = StoredPosition();
      size_t gtid_at = stored.find(" gtid=");
      EXPECT_NE(gtid_at, std::string::npos) << stored;
      file_pos_ = stored.substr(0, gtid_at);
      EXPECT_EQ(file_pos_.rfind("mysql:binlog.", 0), 0u) << stored;
      CommandResult set = AgentCommand({"offsets", "set", "--position", file_pos_});
      EXPECT_EQ(set.exit_code, 0) << set.err;
      EXPECT_EQ(StoredPosition(), file_pos_);
    }
    StartAgent();
    return last;
  }

  std::string file_pos_;
};

TEST_F(MySnapshotTest, RowsWrittenDuringTheSnapshotArriveOnce) {
  constexpr int kExisting = 20000;
  constexpr int kAfterStreaming = 50;
  Sql("CREATE TABLE t (id INT PRIMARY KEY, v VARCHAR(20))");
  Sql("CREATE TABLE small (id INT PRIMARY KEY)");
  Sql("INSERT INTO t SELECT seq, CONCAT('v', seq) FROM seq_1_to_" + std::to_string(kExisting));
  Sql("INSERT INTO small VALUES (1), (2)");
  // A writer inserts rows from before the agent starts until after it
  // streams, so rows land before, during and after the snapshot.
  auto writer_db = Connect(db_name_);
  ASSERT_TRUE(writer_db->ok());
  std::string writer_error;
  std::atomic<bool> streaming{false};
  int last_id = kExisting;
  std::thread writer([&] {
    int after = 0;
    while (after < kAfterStreaming && last_id < kExisting + 100000) {
      if (streaming.load()) ++after;
      std::string err = writer_db->Exec("INSERT INTO t VALUES (" + std::to_string(last_id + 1) +
                                        ", 'w')");
      if (!err.empty()) {
        writer_error = err;
        return;
      }
      ++last_id;
    }
  });
  StartAgent();
  streaming = true;
  writer.join();
  ASSERT_TRUE(writer_error.empty()) << writer_error;
  Sql("UPDATE t SET v = 'changed' WHERE id = 1");

  // Every row once (READ or INSERT), then the UPDATE; no more.
  const int rows = last_id;
  auto lines = TailTopic(env_, Topic("t"), rows + 2, std::chrono::milliseconds(5000));
  ASSERT_EQ(lines.size(), static_cast<size_t>(rows + 1));
  auto ops = OpsByKey(lines, "id");
  ASSERT_EQ(ops.size(), static_cast<size_t>(rows));
  int reads = 0;
  int inserts = 0;
  for (const auto& [id, list] : ops) {
    const size_t expected = id == 1 ? 2u : 1u;
    ASSERT_EQ(list.size(), expected) << "row " << id;
    if (list[0] == cdc::v1::OP_READ) ++reads;
    if (list[0] == cdc::v1::OP_INSERT) ++inserts;
    if (id <= kExisting) {
      EXPECT_EQ(list[0], cdc::v1::OP_READ) << "row " << id;
    }
  }
  EXPECT_EQ(reads + inserts, rows);
  EXPECT_GE(inserts, kAfterStreaming);
  std::printf("snapshot: %d rows read by the snapshot, %d streamed, of %d\n", reads, inserts, rows);
  EXPECT_EQ(ops[1].back(), cdc::v1::OP_UPDATE);
  EXPECT_EQ(FindValue(lines.back().value().after(), "v")->text_value(), "changed");
  // READ events come first and carry the snapshot's position.
  const ChangeEvent& first = lines[0].value();
  EXPECT_EQ(first.op(), cdc::v1::OP_READ);
  EXPECT_TRUE(first.source().snapshot());
  EXPECT_EQ(first.source().kind(), cdc::v1::SOURCE_KIND_MARIADB);
  EXPECT_FALSE(first.source().mysql().file().empty());
  EXPECT_GT(first.source().mysql().pos(), 0u);
  EXPECT_EQ(lines[1].value().source().mysql().pos(), first.source().mysql().pos());
  for (int i = 0; i < reads; ++i) {
    if (lines[i].value().op() != cdc::v1::OP_READ) {
      ADD_FAILURE() << "a streamed event before the end of the snapshot, at " << i;
      break;
    }
  }

  auto small = TailTopic(env_, Topic("small"), 2);
  ASSERT_EQ(small.size(), 2u);
  EXPECT_EQ(small[0].value().op(), cdc::v1::OP_READ);
  EXPECT_EQ(small[1].value().op(), cdc::v1::OP_READ);
  EXPECT_EQ(StopAgent(), 0) << agent_->Stderr();
}

TEST_F(MySnapshotTest, SnapshotNeverStartsAtTheServersEnd) {
  Sql("CREATE TABLE t (id INT PRIMARY KEY, v VARCHAR(20))");
  Sql("INSERT INTO t VALUES (1, 'before')");
  settings_.snapshot = "never";
  StartAgent();
  Sql("INSERT INTO t VALUES (2, 'after')");
  auto lines = TailTopic(env_, Topic("t"), 2, std::chrono::milliseconds(5000));
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0].value().op(), cdc::v1::OP_INSERT);
  EXPECT_EQ(FindValue(lines[0].value().after(), "id")->int_value(), 2);
  ASSERT_EQ(StopAgent(), 0) << agent_->Stderr();
  EXPECT_EQ(StoredPosition().rfind("mysql:binlog.", 0), 0u);
}

TEST_F(MySnapshotTest, RestartResumesByGtidWithoutLossOrRepeat) {
  Sql("CREATE TABLE t (id INT PRIMARY KEY, v VARCHAR(20))");
  StartAgent();
  const int last = StopWhileWriting(1, /*strip_gtid=*/false);
  ASSERT_FALSE(HasFailure());
  const std::string resumed = "resuming from mysql:";
  EXPECT_NE(agent_->Stderr().find(resumed), std::string::npos) << agent_->Stderr();
  Sql("INSERT INTO t VALUES (" + std::to_string(last + 1) + ", 'last')");
  Sql("UPDATE t SET v = 'u' WHERE id = 1");
  const int rows = last + 1;
  auto lines = TailTopic(env_, Topic("t"), rows + 2, std::chrono::milliseconds(5000));
  ASSERT_EQ(lines.size(), static_cast<size_t>(rows + 1));
  auto ops = OpsByKey(lines, "id");
  ASSERT_EQ(ops.size(), static_cast<size_t>(rows));
  for (const auto& [id, list] : ops) {
    std::vector<cdc::v1::Op> expected = {cdc::v1::OP_INSERT};
    if (id == 1) expected.push_back(cdc::v1::OP_UPDATE);
    EXPECT_EQ(list, expected) << "row " << id;
  }
  ASSERT_EQ(StopAgent(), 0) << agent_->Stderr();
  // The stored position names the last GTID of the stream.
  const std::string stored = StoredPosition();
  EXPECT_NE(stored.find(" gtid=" + LastGtid()), std::string::npos) << stored;
}

TEST_F(MySnapshotTest, RestartFromFileAndPositionWithoutGtid) {
  Sql("CREATE TABLE t (id INT PRIMARY KEY, v VARCHAR(20))");
  StartAgent();
  Sql("INSERT INTO t VALUES (1, 'v1')");
  auto first = TailTopic(env_, Topic("t"), 1);
  ASSERT_EQ(first.size(), 1u);
  // Stopped mid-stream; the stored position loses its GTID part, so the
  // agent resumes by file:pos.
  const int last = StopWhileWriting(2, /*strip_gtid=*/true);
  ASSERT_FALSE(HasFailure());
  EXPECT_NE(agent_->Stderr().find("resuming from " + file_pos_ + "\n"), std::string::npos)
      << agent_->Stderr();
  Sql("INSERT INTO t VALUES (" + std::to_string(last + 1) + ", 'last')");
  const int rows = last + 1;
  auto lines = TailTopic(env_, Topic("t"), rows + 1, std::chrono::milliseconds(5000));
  ASSERT_EQ(lines.size(), static_cast<size_t>(rows));
  auto ops = OpsByKey(lines, "id");
  ASSERT_EQ(ops.size(), static_cast<size_t>(rows));
  for (const auto& [id, list] : ops) {
    EXPECT_EQ(list, std::vector<cdc::v1::Op>{cdc::v1::OP_INSERT}) << "row " << id;
  }
  ASSERT_EQ(StopAgent(), 0) << agent_->Stderr();
  // Having read transactions with GTIDs, it stores a GTID again.
  const std::string stored = StoredPosition();
  EXPECT_NE(stored.find(" gtid=" + LastGtid()), std::string::npos) << stored;
}

TEST_F(MySnapshotTest, AlterWhileDownDecodesOlderRowsWithOlderColumns) {
  Sql("CREATE TABLE t (id INT PRIMARY KEY, a INT, b VARCHAR(10))");
  Sql("INSERT INTO t VALUES (1, 10, 'one')");
  StartAgent();
  Sql("INSERT INTO t VALUES (2, 20, 'two')");
  auto seen = TailTopic(env_, Topic("t"), 2);
  ASSERT_EQ(seen.size(), 2u);
  ASSERT_EQ(StopAgent(), 0) << agent_->Stderr();
  // While the agent is down: rows with the old columns, the ALTER, rows
  // with the new ones.
  Sql("INSERT INTO t VALUES (3, 30, 'three')");
  Sql("UPDATE t SET b = 'TWO' WHERE id = 2");
  Sql("ALTER TABLE t DROP COLUMN a, ADD COLUMN c DATE NULL AFTER id");
  Sql("INSERT INTO t VALUES (4, '2024-01-02', 'four')");
  Sql("UPDATE t SET c = '2025-05-06' WHERE id = 3");
  StartAgent();
  Sql("INSERT INTO t VALUES (5, NULL, 'five')");
  auto lines = TailTopic(env_, Topic("t"), 8, std::chrono::milliseconds(5000));
  ASSERT_EQ(lines.size(), 7u);
  using Cols = std::vector<std::string>;
  auto names = [](const google::protobuf::RepeatedPtrField<cdc::v1::Column>& row) {
    Cols out;
    for (const auto& c : row) out.push_back(c.name());
    return out;
  };
  const Cols old_cols = {"id", "a", "b"};
  const Cols new_cols = {"id", "c", "b"};
  EXPECT_EQ(lines[0].value().op(), cdc::v1::OP_READ);
  EXPECT_EQ(names(lines[0].value().after()), old_cols);
  EXPECT_EQ(names(lines[1].value().after()), old_cols);
  // Written before the ALTER while the agent was down.
  const ChangeEvent& ins3 = lines[2].value();
  EXPECT_EQ(ins3.op(), cdc::v1::OP_INSERT);
  EXPECT_EQ(names(ins3.after()), old_cols);
  EXPECT_EQ(FindValue(ins3.after(), "a")->int_value(), 30);
  EXPECT_EQ(FindValue(ins3.after(), "b")->text_value(), "three");
  const ChangeEvent& upd2 = lines[3].value();
  EXPECT_EQ(upd2.op(), cdc::v1::OP_UPDATE);
  EXPECT_EQ(names(upd2.before()), old_cols);
  EXPECT_EQ(FindValue(upd2.before(), "b")->text_value(), "two");
  EXPECT_EQ(FindValue(upd2.after(), "b")->text_value(), "TWO");
  EXPECT_EQ(FindValue(upd2.after(), "a")->int_value(), 20);
  // Written after it.
  const ChangeEvent& ins4 = lines[4].value();
  EXPECT_EQ(names(ins4.after()), new_cols);
  const auto& date = FindValue(ins4.after(), "c")->date_value();
  EXPECT_EQ(date.year(), 2024);
  EXPECT_EQ(date.month(), 1u);
  EXPECT_EQ(date.day(), 2u);
  EXPECT_EQ(FindValue(ins4.after(), "b")->text_value(), "four");
  const ChangeEvent& upd3 = lines[5].value();
  EXPECT_EQ(names(upd3.before()), new_cols);
  EXPECT_TRUE(FindValue(upd3.before(), "c")->null());
  EXPECT_EQ(FindValue(upd3.after(), "c")->date_value().year(), 2025);
  EXPECT_EQ(names(lines[6].value().after()), new_cols);
  EXPECT_EQ(FindValue(lines[6].value().after(), "id")->int_value(), 5);
  EXPECT_EQ(StopAgent(), 0) << agent_->Stderr();
}

}  // namespace
}  // namespace cdc::itest
