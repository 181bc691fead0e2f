// `decode-binlog` over the real binlog fixtures: every row change becomes one
// JSON line, with the source position and the GTID of its transaction.
#include "tests/unit/fixtures_absent.h"
#include "agent/mysql/decode_binlog.h"

#include <gtest/gtest.h>
#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "cdc/v1/change_event.pb.h"

namespace cdc::agent::mysql {
namespace {

std::string Fixture(const std::string& name) {
  return std::string(CDC_SOURCE_DIR) + "/../shared/fixtures/binlog/" + name;
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) out.push_back(line);
  return out;
}

// The "value" object of one output line, parsed back into a ChangeEvent
// through a generic JSON document.
cdc::v1::ChangeEvent ValueOf(const std::string& line) {
  cdc::v1::ChangeEvent event;
  google::protobuf::Struct doc;
  if (!google::protobuf::util::JsonStringToMessage(line, &doc).ok()) {
    ADD_FAILURE() << "not JSON: " << line.substr(0, 200);
    return event;
  }
  auto it = doc.fields().find("value");
  if (it == doc.fields().end()) {
    ADD_FAILURE() << "no value: " << line.substr(0, 200);
    return event;
  }
  std::string value;
  EXPECT_TRUE(google::protobuf::util::MessageToJsonString(it->second, &value).ok());
  EXPECT_TRUE(google::protobuf::util::JsonStringToMessage(value, &event).ok()) << value.substr(0, 200);
  return event;
}

class DecodeBinlogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!std::filesystem::exists(Fixture("MANIFEST.md"))) {
      CDC_FIXTURES_ABSENT("the binlog fixtures are not beside this clone (../shared/fixtures)");
    }
  }
};

TEST_F(DecodeBinlogTest, MariaDbTypesFixtureEveryRowOneLine) {
  std::ostringstream out;
  DecodeBinlogStats stats;
  Status s = DecodeBinlogFiles({Fixture("mariadb-10.11-types.binlog")}, "fixture", out, &stats);
  ASSERT_TRUE(s.ok()) << s.ToString();
  auto lines = Lines(out.str());
  EXPECT_EQ(stats.rows_events, 81u);
  EXPECT_EQ(stats.rows, 36682u);
  ASSERT_EQ(lines.size(), 36682u);
  cdc::v1::ChangeEvent first = ValueOf(lines.front());
  EXPECT_EQ(first.source().kind(), cdc::v1::SOURCE_KIND_MARIADB);
  EXPECT_EQ(first.source().server_name(), "fixture");
  EXPECT_EQ(first.source().mysql().file(), "mariadb-10.11-types.binlog");
  EXPECT_GT(first.source().mysql().pos(), 4u);
  EXPECT_EQ(first.source().mysql().gtid().rfind("0-7-", 0), 0u) << first.source().mysql().gtid();
  EXPECT_FALSE(first.source().table().empty());
  int inserts = 0, updates = 0, deletes = 0;
  for (const auto& line : lines) {
    cdc::v1::ChangeEvent e = ValueOf(line);
    if (e.op() == cdc::v1::OP_INSERT) ++inserts;
    if (e.op() == cdc::v1::OP_UPDATE) {
      ++updates;
      EXPECT_GT(e.before_size(), 0);
      EXPECT_GT(e.after_size(), 0);
    }
    if (e.op() == cdc::v1::OP_DELETE) ++deletes;
  }
  EXPECT_EQ(inserts + updates + deletes, 36682);
  EXPECT_GT(updates, 0);
  EXPECT_GT(deletes, 0);
}

TEST_F(DecodeBinlogTest, EventIndexCountsWithinATransaction) {
  std::ostringstream out;
  DecodeBinlogStats stats;
  ASSERT_TRUE(DecodeBinlogFiles({Fixture("mariadb-10.11-types.binlog")}, "m", out, &stats).ok());
  std::string gtid;
  uint64_t expected = 0;
  uint64_t largest = 0;
  for (const auto& line : Lines(out.str())) {
    cdc::v1::ChangeEvent e = ValueOf(line);
    if (e.source().mysql().gtid() != gtid) {
      gtid = e.source().mysql().gtid();
      expected = 0;
    }
    ASSERT_EQ(e.source().event_index(), expected++) << gtid;
    largest = std::max(largest, expected);
  }
  // The fixture's large transaction (its .sql script): 20,000 inserts, 10,000
  // updates of the even ids and 6,666 deletes of the multiples of 3.
  EXPECT_EQ(largest, 36666u);
}

TEST_F(DecodeBinlogTest, AnonymousGtidsLeaveTheGtidEmpty) {
  // The MySQL workload was written with gtid_mode=OFF: ANONYMOUS_GTID events.
  std::ostringstream out;
  DecodeBinlogStats stats;
  ASSERT_TRUE(DecodeBinlogFiles({Fixture("mysql-8.0-workload-a.binlog")}, "w", out, &stats).ok());
  auto lines = Lines(out.str());
  ASSERT_EQ(lines.size(), 10099u);
  for (size_t i = 0; i < lines.size(); i += 97) {
    cdc::v1::ChangeEvent e = ValueOf(lines[i]);
    EXPECT_EQ(e.source().kind(), cdc::v1::SOURCE_KIND_MYSQL);
    EXPECT_EQ(e.source().mysql().gtid(), "");
    EXPECT_EQ(e.source().mysql().file(), "mysql-8.0-workload-a.binlog");
  }
}

// A quoted-number or string member of a decode-binlog line ("" when absent,
// as the JSON mapping leaves out zero values): cheaper than parsing each of
// tens of thousands of lines.
std::string Member(const std::string& line, const std::string& name) {
  const std::string key = "\"" + name + "\":\"";
  const size_t at = line.find(key);
  if (at == std::string::npos) return "";
  const size_t start = at + key.size();
  return line.substr(start, line.find('"', start) - start);
}

TEST_F(DecodeBinlogTest, MysqlCommitTimeHasMicrosecondsAndIsTheTransactions) {
  // MySQL 8's GTID events (anonymous ones too) carry the commit time in
  // microseconds; every row of a transaction gets it.
  std::ostringstream out;
  DecodeBinlogStats stats;
  ASSERT_TRUE(DecodeBinlogFiles({Fixture("mysql-8.0-workload-a.binlog")}, "w", out, &stats).ok());
  size_t with_fraction = 0;
  int64_t txn_time = 0;
  size_t rows = 0;
  for (const auto& line : Lines(out.str())) {
    const int64_t t = std::stoll("0" + Member(line, "commit_time_us"));
    ASSERT_GT(t, 1600000000LL * 1000000) << line.substr(0, 200);
    if (t % 1000000 != 0) ++with_fraction;
    if (Member(line, "event_index").empty()) {
      txn_time = t;
    } else {
      ASSERT_EQ(t, txn_time) << "rows of one transaction: " << line.substr(0, 200);
    }
    ++rows;
  }
  ASSERT_EQ(rows, 10099u);
  // Whole seconds would mean the rows events' header times were used.
  EXPECT_GT(with_fraction, rows / 2);
  // The member scan reads what the JSON says.
  EXPECT_EQ(ValueOf(Lines(out.str())[1]).source().commit_time_us(),
            std::stoll(Member(Lines(out.str())[1], "commit_time_us")));
}

TEST_F(DecodeBinlogTest, MariaDbCommitTimeIsTheTransactions) {
  std::ostringstream out;
  DecodeBinlogStats stats;
  ASSERT_TRUE(DecodeBinlogFiles({Fixture("mariadb-10.11-types.binlog")}, "m", out, &stats).ok());
  std::string gtid = "-";
  int64_t txn_time = 0;
  for (const auto& line : Lines(out.str())) {
    const int64_t t = std::stoll("0" + Member(line, "commit_time_us"));
    ASSERT_GT(t, 0) << line.substr(0, 200);
    ASSERT_EQ(t % 1000000, 0) << "MariaDB's binlog has whole seconds only";
    const std::string g = Member(line, "gtid");
    if (g != gtid) {
      gtid = g;
      txn_time = t;
    }
    ASSERT_EQ(t, txn_time) << gtid;
  }
}

TEST_F(DecodeBinlogTest, TruncatedFileNamesTheOffset) {
  std::ifstream in(Fixture("mariadb-10.11-minimal.binlog"), std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  ASSERT_GT(bytes.size(), 500u);
  std::string path = (std::filesystem::temp_directory_path() / "cdc-truncated.binlog").string();
  {
    std::ofstream cut(path, std::ios::binary | std::ios::trunc);
    cut.write(bytes.data(), static_cast<std::streamsize>(bytes.size() - 7));
  }
  std::ostringstream out;
  DecodeBinlogStats stats;
  Status s = DecodeBinlogFiles({path}, "t", out, &stats);
  std::filesystem::remove(path);
  ASSERT_TRUE(s.IsCorruption()) << s.ToString();
  EXPECT_NE(s.message().find(path), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("offset"), std::string::npos) << s.message();
}

TEST_F(DecodeBinlogTest, MissingFileIsAnIoError) {
  std::ostringstream out;
  DecodeBinlogStats stats;
  Status s = DecodeBinlogFiles({"/nonexistent/binlog.000001"}, "t", out, &stats);
  EXPECT_TRUE(s.IsIOError());
  EXPECT_EQ(s.message(), "decode-binlog: cannot open /nonexistent/binlog.000001");
}

}  // namespace
}  // namespace cdc::agent::mysql
