// A publication for all tables makes PostgreSQL refuse the application's own
// UPDATE and DELETE on a table with neither a primary key nor a replica
// identity. `check` names such tables and the two fixes, and `run` says so
// when it starts, before it creates the publication.
#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "tests/integration/pg_agent_fixture.h"

namespace cdc::itest {
namespace {

class PgReplicaIdentityTest : public PgAgentTest {
 protected:
  CommandResult Check() {
    return RunCommand({env_.agent_bin, "check", "--config", ConfigPath()}, std::chrono::seconds(60));
  }

  static std::vector<std::string> Warnings(const CommandResult& r) {
    std::vector<std::string> out;
    for (const auto& line : UserLines(r.err)) {
      if (line.rfind("cdc-agent: warning: ", 0) == 0) out.push_back(line);
    }
    return out;
  }
};

TEST_F(PgReplicaIdentityTest, CheckNamesTablesThePublicationWouldBreak) {
  Sql("CREATE TABLE keyed (id int PRIMARY KEY, v text)");
  Sql("CREATE TABLE bare (v text)");
  Sql("CREATE TABLE \"Bare Two\" (v text)");
  Sql("CREATE TABLE full_identity (v text)");
  Sql("ALTER TABLE full_identity REPLICA IDENTITY FULL");
  Sql("CREATE TABLE by_index (v text NOT NULL)");
  Sql("CREATE UNIQUE INDEX by_index_v ON by_index (v)");
  Sql("ALTER TABLE by_index REPLICA IDENTITY USING INDEX by_index_v");
  Sql("CREATE TABLE nothing (id int PRIMARY KEY)");
  Sql("ALTER TABLE nothing REPLICA IDENTITY NOTHING");

  CommandResult r = Check();
  EXPECT_EQ(r.exit_code, 0) << r.err;
  std::vector<std::string> warnings = Warnings(r);
  ASSERT_EQ(warnings.size(), 1u) << r.err;
  const std::string& w = warnings[0];
  EXPECT_NE(w.find("public.\"Bare Two\", public.bare, public.nothing"), std::string::npos) << w;
  EXPECT_EQ(w.find("keyed"), std::string::npos) << w;
  EXPECT_EQ(w.find("full_identity"), std::string::npos) << w;
  EXPECT_EQ(w.find("by_index"), std::string::npos) << w;
  EXPECT_NE(w.find("add a primary key"), std::string::npos) << w;
  EXPECT_NE(w.find("REPLICA IDENTITY FULL"), std::string::npos) << w;

  // Only the configured tables count when source.tables lists them.
  settings_.tables = {"public.keyed"};
  CommandResult listed = Check();
  EXPECT_EQ(listed.exit_code, 0) << listed.err;
  EXPECT_TRUE(Warnings(listed).empty()) << listed.err;
  settings_.tables = {"public.keyed", "public.bare"};
  std::vector<std::string> one = Warnings(Check());
  ASSERT_EQ(one.size(), 1u);
  EXPECT_NE(one[0].find(": public.bare."), std::string::npos) << one[0];

  // `run` says it at start, then does what it was asked.
  settings_.tables.clear();
  StartAgent();
  EXPECT_NE(agent_->Stderr().find("public.\"Bare Two\", public.bare, public.nothing"),
            std::string::npos)
      << agent_->Stderr();
  // What the warning said: the application can no longer update `bare`.
  std::string err = db_->Exec("UPDATE bare SET v = 'x'");
  EXPECT_NE(err.find("does not have a replica identity"), std::string::npos) << err;
  EXPECT_EQ(StopAgent(), 0) << agent_->Stderr();
}

}  // namespace
}  // namespace cdc::itest
