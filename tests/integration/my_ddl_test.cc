// A migration script with every DDL form the schema history follows,
// interleaved with inserts, updates and deletes, on the MariaDB of
// deploy/local: with the agent running, stopped halfway, and far behind
// (stopped for the whole script), with the server's default
// binlog_row_metadata (NO_LOG on MariaDB: minimal TABLE_MAPs) and with FULL. After each, the events in
// Kafka equal the rows, value by value, with the columns each row had when
// it was written.
#include <sstream>

#include "tests/integration/my_agent_fixture.h"

namespace cdc::itest {
namespace {

using cdc::v1::ChangeEvent;

// One step of the script; `checkpoint` steps are where the "stopped" mode
// stops the agent.
struct Step {
  std::string sql;
  bool checkpoint = false;
};

const std::vector<Step>& Script() {
  static const std::vector<Step> kScript = {
      {"CREATE TABLE t (id INT PRIMARY KEY, a INT, b VARCHAR(10))"},
      {"INSERT INTO t VALUES (1, 10, 'x')"},
      {"ALTER TABLE t ADD COLUMN z INT DEFAULT 5 FIRST"},
      {"INSERT INTO t (id, a, b) VALUES (2, 20, 'y')"},
      {"ALTER TABLE t MODIFY b VARCHAR(20) CHARACTER SET latin1, "
       "CHANGE a a2 BIGINT UNSIGNED AFTER b"},
      {"INSERT INTO t (id, b, a2) VALUES (3, 'caf\xc3\xa9', 18446744073709551615)"},
      {"CREATE USER IF NOT EXISTS 'ddl_probe'@'%' IDENTIFIED BY 'x'"},
      {"CREATE OR REPLACE VIEW v AS SELECT id FROM t"},
      {"ALTER TABLE t RENAME COLUMN z TO zz, ADD COLUMN e ENUM('p','q') DEFAULT 'q', "
       "ADD COLUMN j JSON",
       true},
      {"UPDATE t SET e = 'p', j = '{\"k\": 1}' WHERE id = 1"},
      {"ALTER TABLE t DROP COLUMN b"},
      {"DELETE FROM t WHERE id = 2"},
      {"ALTER TABLE t DROP PRIMARY KEY, ADD PRIMARY KEY (id, zz)"},
      {"INSERT INTO t (id, zz, a2) VALUES (4, 9, 1)"},
      {"CREATE TABLE t2 LIKE t"},
      {"INSERT INTO t2 SELECT * FROM t WHERE id = 4"},
      {"CREATE TABLE t3 AS SELECT id, a2 FROM t"},
      {"RENAME TABLE t2 TO t2_new"},
      {"INSERT INTO t2_new (id, zz) VALUES (5, 1)"},
      {"ALTER TABLE t ADD COLUMN c VARCHAR(5)"},
      {"ALTER TABLE t CONVERT TO CHARACTER SET latin1"},
      {"INSERT INTO t (id, zz, c) VALUES (6, 0, '\xc3\xa9')"},
      {"TRUNCATE TABLE t3"},
      {"DROP TABLE t3"},
      {"CREATE TABLE t3 (k VARCHAR(3) PRIMARY KEY) DEFAULT CHARSET=latin1"},
      {"INSERT INTO t3 VALUES ('abc')"},
      {"ALTER TABLE t /*!50100 ADD COLUMN v INT DEFAULT 3 */"},
      {"INSERT INTO t (id, zz) VALUES (7, 7)"},
      {"DROP USER 'ddl_probe'@'%'"},
  };
  return kScript;
}

std::string Show(const cdc::v1::Value& v) {
  switch (v.kind_case()) {
    case cdc::v1::Value::kNull: return "NULL";
    case cdc::v1::Value::kIntValue: return std::to_string(v.int_value());
    case cdc::v1::Value::kUintValue: return "u" + std::to_string(v.uint_value());
    case cdc::v1::Value::kTextValue: return "'" + v.text_value() + "'";
    case cdc::v1::Value::kJsonValue: return "j" + v.json_value();
    case cdc::v1::Value::kEnumValue: return "e:" + v.enum_value();
    default: return "?" + v.ShortDebugString();
  }
}

std::string Row(const google::protobuf::RepeatedPtrField<cdc::v1::Column>& row) {
  std::string out;
  for (const auto& c : row) out += (out.empty() ? "" : ",") + c.name() + "=" + Show(c.value());
  return out;
}

// One line per message: "I zz=5,id=1 key(id)", "U after<-before", "D before", "~", "T".
std::vector<std::string> Lines(const std::vector<TailLine>& lines) {
  std::vector<std::string> out;
  for (const TailLine& l : lines) {
    if (!l.has_value()) {
      out.push_back("~");
      continue;
    }
    const ChangeEvent& e = l.value();
    std::string s;
    switch (e.op()) {
      case cdc::v1::OP_INSERT: s = "I " + Row(e.after()); break;
      case cdc::v1::OP_UPDATE: s = "U " + Row(e.after()) + "<-" + Row(e.before()); break;
      case cdc::v1::OP_DELETE: s = "D " + Row(e.before()); break;
      case cdc::v1::OP_TRUNCATE: s = "T"; break;
      default: s = "op" + std::to_string(e.op()) + " " + Row(e.after()); break;
    }
    if (l.key().columns_size() > 0) {
      std::string key;
      for (const auto& c : l.key().columns()) key += (key.empty() ? "" : ",") + c.name();
      s += " key(" + key + ")";
    }
    out.push_back(s);
  }
  return out;
}

enum class Mode { kRunning, kStoppedHalfway, kFarBehind };

class MyDdlTest : public MyAgentTest,
                  public ::testing::WithParamInterface<std::tuple<Mode, bool>> {
 protected:
  void TearDown() override {
    if (full_) admin_->Exec("SET GLOBAL binlog_row_metadata = DEFAULT");
    MyAgentTest::TearDown();
  }

  void RunScript(Mode mode) {
    if (mode == Mode::kFarBehind) {
      StartAgent();
      ASSERT_EQ(StopAgent(), 0) << agent_->Stderr();
    } else {
      StartAgent();
    }
    for (const Step& step : Script()) {
      Sql(step.sql);
      if (step.checkpoint && mode == Mode::kStoppedHalfway) {
        ASSERT_EQ(TailTopic(env_, Topic("t"), 3).size(), 3u);
        ASSERT_EQ(StopAgent(), 0) << agent_->Stderr();
      }
    }
    if (mode != Mode::kRunning) StartAgent();
  }

  bool full_ = false;
};

TEST_P(MyDdlTest, EveryRowArrivesWithTheColumnsItWasWrittenWith) {
  const auto [mode, full] = GetParam();
  if (full) {
    full_ = true;
    SqlOn(*admin_, "SET GLOBAL binlog_row_metadata = FULL");
    db_ = Connect(db_name_);  // a session of the new setting
  }
  RunScript(mode);
  if (HasFatalFailure()) return;
  const std::vector<std::string> want_t = {
      "I id=1,a=10,b='x' key(id)",
      "I z=5,id=2,a=20,b='y' key(id)",
      "I z=5,id=3,b='caf\xc3\xa9',a2=u18446744073709551615 key(id)",
      "U zz=5,id=1,b='x',a2=u10,e=e:p,j=j{\"k\": 1}<-zz=5,id=1,b='x',a2=u10,e=e:q,j=NULL key(id)",
      "D zz=5,id=2,a2=u20,e=e:q,j=NULL key(id)",
      "~",
      "I zz=9,id=4,a2=u1,e=e:q,j=NULL key(id,zz)",
      "I zz=0,id=6,a2=NULL,e=e:q,j=NULL,c='\xc3\xa9' key(id,zz)",
      "I zz=7,id=7,a2=NULL,e=e:q,j=NULL,c=NULL,v=3 key(id,zz)",
  };
  EXPECT_EQ(Lines(TailTopic(env_, Topic("t"), 10, std::chrono::milliseconds(8000))), want_t)
      << agent_->Stderr();
  // The copy, then its rows under the new name: a renamed table's later
  // rows go to the new name's topic.
  EXPECT_EQ(Lines(TailTopic(env_, Topic("t2"), 2, std::chrono::milliseconds(3000))),
            (std::vector<std::string>{"I zz=9,id=4,a2=u1,e=e:q,j=NULL key(id,zz)"}));
  EXPECT_EQ(Lines(TailTopic(env_, Topic("t2_new"), 2, std::chrono::milliseconds(3000))),
            (std::vector<std::string>{"I zz=1,id=5,a2=NULL,e=e:q,j=NULL key(id,zz)"}));
  // CREATE ... SELECT rows, TRUNCATE, then the table made anew.
  EXPECT_EQ(Lines(TailTopic(env_, Topic("t3"), 6, std::chrono::milliseconds(3000))),
            (std::vector<std::string>{"I id=1,a2=u10", "I id=3,a2=u18446744073709551615",
                                      "I id=4,a2=u1", "T", "I k='abc' key(k)"}));
  EXPECT_TRUE(agent_->running()) << agent_->Stderr();
  EXPECT_EQ(StopAgent(), 0) << agent_->Stderr();
}

INSTANTIATE_TEST_SUITE_P(
    ModesAndMetadata, MyDdlTest,
    ::testing::Combine(::testing::Values(Mode::kRunning, Mode::kStoppedHalfway, Mode::kFarBehind),
                       ::testing::Bool()),
    [](const ::testing::TestParamInfo<std::tuple<Mode, bool>>& p) {
      const char* mode = std::get<0>(p.param) == Mode::kRunning          ? "Running"
                         : std::get<0>(p.param) == Mode::kStoppedHalfway ? "StoppedHalfway"
                                                                             : "FarBehind";
      return std::string(mode) + (std::get<1>(p.param) ? "FullMetadata" : "MinimalMetadata");
    });

}  // namespace
}  // namespace cdc::itest
