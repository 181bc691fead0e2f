// The MySQL source's event handling (transactions, positions, GTID sets, DDL,
// TRUNCATE, row events) replayed over the real binlog files of
// ../shared/fixtures: MySQL 5.1 to 9.x and MariaDB 10.11.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>

#include "agent/mysql/mysql_source.h"
#include "offsets/gtid_set.h"
#include "tests/unit/decoders/binlog/binlog_test_util.h"

namespace cdc::agent::mysql {

// Feeds a file's events to a source as the stream would, without servers.
class MysqlSourceTestPeer {
 public:
  // With `batch_max_bytes`, batches go into a queue that holds them all
  // (Pushed); without, every event stays in one batch.
  MysqlSourceTestPeer(const std::vector<std::string>& databases, const std::string& file,
                      int batch_max_bytes = 0)
      : store_(offsets::NewMemoryOffsetStore()), queue_(1000000) {
    config_.name = "replay";
    config_.source.type = SourceConfig::Type::kMysql;
    config_.source.name = "replay";
    config_.source.mysql.databases = databases;
    config_.source.mysql.server_id = 99;
    config_.batch_max_events = 100000000;
    config_.batch_max_bytes = batch_max_bytes > 0 ? batch_max_bytes : 1 << 30;
    config_.kafka.topic_prefix = "t";
    source_ = std::make_unique<MysqlSource>(config_, store_.get());
    source_->out_ = &queue_;
    source_->file_ = file;
    source_->committed_ = offsets::Position::Mysql(file, 4, "");
    // A history that is "already read" far ahead: DDL in the file does not
    // ask a server for the schema (TABLE_MAPs must carry full metadata).
    EXPECT_TRUE(source_->history_.Load(store_.get(), "replay").ok());
    EXPECT_TRUE(source_->history_.Record({"binlog.999999", 4}, {}).ok());
  }

  Status Feed(std::string_view event) { return source_->HandleEvent(event); }
  const offsets::Position& committed() const { return source_->committed_; }
  const EventList& events() const { return source_->batch_.events; }
  // The batches pushed so far, taken from the queue.
  std::vector<Batch> Pushed() {
    std::vector<Batch> out;
    while (std::optional<Batch> b = queue_.Pop(std::chrono::milliseconds(0))) {
      out.push_back(std::move(*b));
    }
    return out;
  }
  bool in_txn() const { return source_->in_txn_; }

 private:
  AgentConfig config_;
  std::unique_ptr<offsets::OffsetStore> store_;
  BatchQueue queue_;
  std::unique_ptr<MysqlSource> source_;
};

namespace {

using binlog::testing::BinlogFiles;
using binlog::testing::kMariaDir;
using binlog::testing::kMysqlDir;
using binlog::testing::ReadFileBytes;

std::string BaseName(const std::string& path) { return path.substr(path.find_last_of('/') + 1); }

// What a replay saw.
struct Seen {
  std::vector<binlog::MysqlGtid> gtids;     // non-anonymous MySQL GTIDs
  std::vector<std::string> maria_gtids;     // MariaDB GTIDs
  std::vector<uint64_t> boundaries;         // end of each XID and each non-BEGIN statement
  std::vector<uint64_t> committed;          // the source's position, each time it moved
  size_t rows_bytes = 0;                    // of every rows event's rows
  size_t largest_rows = 0;                  // of the largest rows event
};

// Feeds every event of `path`; returns the first error.
Status Replay(const std::string& path, MysqlSourceTestPeer* peer, Seen* seen) {
  std::string bytes = ReadFileBytes(path);
  binlog::FileReader reader(bytes);
  CDC_RETURN_IF_ERROR(reader.Open());
  binlog::EventDecoder side;  // what the file holds, decoded separately
  while (true) {
    CDC_ASSIGN_OR_RETURN(std::optional<std::string_view> next, reader.Next());
    if (!next) break;
    CDC_RETURN_IF_ERROR(peer->Feed(*next));
    if (seen->committed.empty() || seen->committed.back() != peer->committed().pos) {
      seen->committed.push_back(peer->committed().pos);
    }
    CDC_ASSIGN_OR_RETURN(binlog::Event ev, side.Decode(*next));
    if (const auto* g = std::get_if<binlog::MysqlGtid>(&ev.body); g && !g->anonymous) {
      seen->gtids.push_back(*g);
    }
    if (const auto* g = std::get_if<binlog::MariaGtid>(&ev.body)) {
      seen->maria_gtids.push_back(g->ToString());
    }
    const auto* q = std::get_if<binlog::Query>(&ev.body);
    if (std::holds_alternative<binlog::Xid>(ev.body) || (q != nullptr && q->sql != "BEGIN")) {
      seen->boundaries.push_back(ev.header.log_pos);
    }
    if (const auto* rows = std::get_if<binlog::RowsEvent>(&ev.body)) {
      seen->rows_bytes += rows->rows.size();
      seen->largest_rows = std::max(seen->largest_rows, rows->rows.size());
    }
  }
  return Status::OK();
}

TEST(MysqlSourceReplayTest, EveryMysqlFileCommitsEveryGtidTransaction) {
  SKIP_WITHOUT(kMysqlDir);
  std::vector<std::string> files = BinlogFiles(kMysqlDir);
  for (const auto& f : BinlogFiles(kMariaDir)) {
    if (BaseName(f).rfind("mysql-", 0) == 0) files.push_back(f);
  }
  int with_gtids = 0;
  for (const std::string& path : files) {
    SCOPED_TRACE(path);
    // Nothing captured: only transactions and positions are followed, so
    // files without full TABLE_MAP metadata replay too.
    MysqlSourceTestPeer peer({"no_such_database"}, BaseName(path));
    Seen seen;
    Status s = Replay(path, &peer, &seen);
    ASSERT_TRUE(s.ok()) << s.ToString();
    EXPECT_TRUE(peer.events().empty());
    const std::vector<binlog::MysqlGtid>& gtids = seen.gtids;
    if (gtids.empty()) continue;
    ++with_gtids;
    // Every transaction of the file, DDL included, ended and entered the set.
    ASSERT_FALSE(peer.in_txn());
    auto set = offsets::MysqlGtidSet::Parse(peer.committed().gtid_set);
    ASSERT_TRUE(set.ok()) << set.status().ToString();
    for (const auto& g : gtids) {
      EXPECT_TRUE(set->Contains(g.sid, g.tag, static_cast<uint64_t>(g.gno))) << g.ToString();
    }
    // Moved past the first transaction (or on to the next file at a ROTATE).
    EXPECT_TRUE(peer.committed().pos > 4 || peer.committed().file != BaseName(path));
  }
  EXPECT_GT(with_gtids, 3) << "expected several MySQL fixture files with GTIDs";
}

TEST(MysqlSourceReplayTest, QueryFileDdlAndDmlTransactionsEachMoveThePosition) {
  SKIP_WITHOUT(kMariaDir);
  // MySQL 8.0.31, anonymous GTIDs: CREATE/DROP TABLE statements (no BEGIN,
  // no XID) between BEGIN ... XID transactions.
  const std::string path = kMariaDir + "/mysql-8.0.31-query.binlog";
  MysqlSourceTestPeer peer({"no_such_database"}, "binlog.000001");
  Seen seen;
  ASSERT_TRUE(Replay(path, &peer, &seen).ok());
  ASSERT_GE(seen.boundaries.size(), 10u);
  // The position moved at every transaction end and nowhere else.
  std::vector<uint64_t> moved(seen.committed.begin() + 1, seen.committed.end());
  EXPECT_EQ(moved, seen.boundaries);
  EXPECT_FALSE(peer.in_txn());
}

TEST(MysqlSourceReplayTest, MariadbTypesFileGivesEveryRowWithItsTransaction) {
  SKIP_WITHOUT(kMariaDir);
  const std::string path = kMariaDir + "/mariadb-10.11-types.binlog";
  // Every database: the file has full TABLE_MAP metadata.
  MysqlSourceTestPeer peer({}, "mariadb-bin.000001");
  Seen seen;
  ASSERT_TRUE(Replay(path, &peer, &seen).ok());
  const std::vector<std::string>& maria = seen.maria_gtids;
  int rows = 0, truncates = 0;
  std::string gtid;
  uint64_t expected_index = 0;
  std::set<const TableShape*> shapes;
  std::set<std::string> tables;
  for (const OutEvent& e : peer.events()) {
    const auto& src = e.event.source();
    if (e.event.op() == cdc::v1::OP_TRUNCATE) {
      ++truncates;
    } else {
      ++rows;
    }
    ASSERT_FALSE(src.mysql().gtid().empty());
    if (src.mysql().gtid() != gtid) {
      gtid = src.mysql().gtid();
      expected_index = 0;
    }
    ASSERT_EQ(src.event_index(), expected_index++) << gtid;
    EXPECT_EQ(src.kind(), cdc::v1::SOURCE_KIND_MARIADB);
    // The dispatch stage names the topic from the table's shape.
    if (e.table) {
      EXPECT_EQ(e.table->schema, src.database());
      EXPECT_EQ(e.table->table, src.table());
      shapes.insert(e.table.get());
      tables.insert(src.database() + "." + src.table());
    } else {
      EXPECT_EQ(e.event.op(), cdc::v1::OP_TRUNCATE);
      EXPECT_EQ(e.topic, "t." + src.database() + "." + src.table());
    }
  }
  // Every transaction maps its tables again; a shape is made only when a
  // table's columns change: once in this file (ALTER TABLE nopk).
  EXPECT_EQ(tables.size(), 3u);
  EXPECT_EQ(shapes.size(), tables.size() + 1);
  EXPECT_EQ(rows, 36682);
  EXPECT_GE(truncates, 1);
  ASSERT_FALSE(maria.empty());
  // The position holds the file's last GTID (one domain).
  EXPECT_EQ(peer.committed().gtid_set, maria.back());
  EXPECT_FALSE(peer.in_txn());
  // The position moved at every transaction end and nowhere else, and at the
  // closing ROTATE to the next file.
  std::vector<uint64_t> moved(seen.committed.begin() + 1, seen.committed.end());
  ASSERT_FALSE(moved.empty());
  EXPECT_EQ(moved.back(), 4u);
  EXPECT_NE(peer.committed().file, "mariadb-bin.000001");
  moved.pop_back();
  EXPECT_EQ(moved, seen.boundaries);
}

// A rows event whose first row is cut short after its first value: the
// source says so, leaves no event of it behind, and recycles the event it
// was filling as a row of no known names (its values were not all set; a
// debug build asserts what a row kept as named by its table holds).
TEST(MysqlSourceReplayTest, ARowCutShortLeavesNoEventAndIsNotKeptAsNamed) {
  SKIP_WITHOUT(kMariaDir);
  std::string bytes = ReadFileBytes(kMariaDir + "/mariadb-10.11-types.binlog");
  binlog::FileReader reader(bytes);
  ASSERT_TRUE(reader.Open().ok());
  MysqlSourceTestPeer peer({}, "mariadb-bin.000001");
  binlog::EventDecoder side;
  bool cut = false;
  while (!cut) {
    Result<std::optional<std::string_view>> next = reader.Next();
    ASSERT_TRUE(next.ok());
    ASSERT_TRUE(next->has_value()) << "no WRITE_ROWS event in the file";
    Result<binlog::Event> ev = side.Decode(**next);
    ASSERT_TRUE(ev.ok());
    const auto* rows = std::get_if<binlog::RowsEvent>(&ev->body);
    if (rows == nullptr || rows->kind != binlog::RowsKind::kWrite) {
      ASSERT_TRUE(peer.Feed(**next).ok());
      continue;
    }
    // The rows keep their null bitmap and one byte of values.
    const std::vector<bool>& present =
        rows->columns_after.empty() ? rows->columns_before : rows->columns_after;
    const size_t keep = (std::count(present.begin(), present.end(), true) + 7) / 8 + 1;
    ASSERT_GT(rows->rows.size(), keep);
    std::string event(**next);
    const size_t rows_at = event.size() - 4 - rows->rows.size();  // before the CRC32
    event.erase(rows_at + keep, rows->rows.size() - keep);
    binlog::testing::Reframe(&event, /*crc=*/true);
    const size_t before = peer.events().size();
    Status s = peer.Feed(event);
    EXPECT_FALSE(s.ok());
    EXPECT_NE(s.message().find("truncated"), std::string::npos) << s.ToString();
    EXPECT_EQ(peer.events().size(), before);
    cut = true;
    // The whole event then decodes, its rows filled from the recycled event.
    ASSERT_TRUE(peer.Feed(**next).ok());
    EXPECT_GT(peer.events().size(), before);
  }
}

// A batch is handed over once the bytes of its rows come to
// batch_max_bytes, whatever its number of events: large rows do not pile
// up in memory. Every event still arrives once, in order.
TEST(MysqlSourceReplayTest, BatchesAreHandedOverAtTheirBytes) {
  SKIP_WITHOUT(kMariaDir);
  const std::string path = kMariaDir + "/mariadb-10.11-types.binlog";
  constexpr int kMaxBytes = 64 * 1024;
  MysqlSourceTestPeer whole({}, "mariadb-bin.000001");
  MysqlSourceTestPeer bounded({}, "mariadb-bin.000001", kMaxBytes);
  Seen seen_whole, seen_bounded;
  ASSERT_TRUE(Replay(path, &whole, &seen_whole).ok());
  ASSERT_TRUE(Replay(path, &bounded, &seen_bounded).ok());
  const size_t rows_bytes = seen_whole.rows_bytes;
  // A batch's bytes pass the bound by less than the largest rows event.
  const size_t largest = seen_whole.largest_rows;
  ASSERT_GT(rows_bytes, 4u * kMaxBytes);
  std::vector<Batch> pushed = bounded.Pushed();
  EXPECT_TRUE(whole.Pushed().empty());
  ASSERT_GE(pushed.size(), rows_bytes / (kMaxBytes + largest));
  // Each event by its transaction and index in it.
  using Order = std::vector<std::pair<std::string, uint64_t>>;
  auto add = [](const EventList& events, Order* out) {
    for (const OutEvent& e : events) {
      out->emplace_back(e.event.source().mysql().gtid(), e.event.source().event_index());
    }
  };
  Order order;
  for (const Batch& b : pushed) {
    EXPECT_LT(b.bytes, static_cast<size_t>(kMaxBytes) + largest);
    add(b.events, &order);
  }
  add(bounded.events(), &order);
  Order expected;
  add(whole.events(), &expected);
  EXPECT_EQ(order, expected);
}

}  // namespace
}  // namespace cdc::agent::mysql
