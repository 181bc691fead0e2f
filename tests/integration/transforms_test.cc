// Transforms end to end: a chain of filter, compute, project, mask and route on the
// events of real PostgreSQL and MariaDB tables, read back from Kafka.
#include <gtest/gtest.h>

#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "tests/integration/my_agent_fixture.h"
#include "tests/integration/pg_agent_fixture.h"

namespace cdc::itest {
namespace {

using namespace std::chrono_literals;

// sha256("salt-1" + text), as the mask's hash gives it.
constexpr char kSalt[] = "salt-1";

std::string Chain(const std::string& table) {
  return "transforms:\n"
         "  - type: filter\n"
         "    tables: [" + table + "]\n"
         "    ops: [insert, delete, read]\n"
         "    when: \"region != 'xx' || op == 'delete'\"\n"
         "  - type: compute\n"
         "    columns:\n"
         "      cents: \"cast(amount * 100 as int)\"\n"
         "      region: \"lower(trim(region))\"\n"
         "  - type: project\n"
         "    tables: [" + table + "]\n"
         "    exclude: [note]\n"
         "    rename: {amount: total}\n"
         "  - type: mask\n"
         "    salt_env: CDC_IT_MASK_SALT\n"
         "    columns:\n"
         "      email: hash\n"
         "      card: {keep_last: 4}\n"
         "  - type: route\n"
         "    topic: \"${prefix}.sales.${after.region}\"\n"
         "    key: [region, id]\n";
}

const cdc::v1::Column* Find(const google::protobuf::RepeatedPtrField<cdc::v1::Column>& image,
                            const std::string& name) {
  for (const auto& c : image) {
    if (c.name() == name) return &c;
  }
  return nullptr;
}

// The statements CheckRouted expects the events of, the same in both SQL
// dialects.
constexpr const char* kChainWorkload[] = {
    "INSERT INTO orders VALUES (1, ' EU ', 'ann@example.com', '4111111111114242', 1.50, 'x')",
    "INSERT INTO orders VALUES (2, 'xx', 'cat@example.com', '4111111111110002', 1.00, 'x')",
    "INSERT INTO orders VALUES (3, 'us', 'ann@example.com', '4111111111114242', 9.00, 'y')",
    "UPDATE orders SET amount = 2 WHERE id = 1",
    "DELETE FROM orders WHERE id = 3",
    "INSERT INTO orders VALUES (5, 'eu', 'bob@example.com', '4111111111110005', 5.00, 'z')",
};

// Runs the agent with `config`, expecting it to stop with exit 1 before it
// streams, its last line holding `expected`.
void ExpectRefusedAtStart(const TestEnv& env, const std::string& config, const std::string& log,
                          const std::string& expected) {
  Process agent;
  ASSERT_TRUE(agent.Start({env.agent_bin, "run", "--config", config}, log));
  EXPECT_EQ(agent.Wait(std::chrono::seconds(60)), 1) << agent.Stderr();
  const std::vector<std::string> lines = UserLines(agent.Stderr());
  ASSERT_FALSE(lines.empty());
  EXPECT_NE(lines.back().find(expected), std::string::npos) << lines.back();
}

// The events of the two routed topics are what the rows say, reshaped.
void CheckRouted(const std::vector<TailLine>& eu, const std::vector<TailLine>& us) {
  ASSERT_EQ(eu.size(), 2u);  // INSERT 1, INSERT 5: the filter drops the UPDATE
  ASSERT_EQ(us.size(), 3u);  // INSERT 3, DELETE 3, tombstone
  const cdc::v1::ChangeEvent& insert = eu[0].value();
  EXPECT_EQ(insert.op(), cdc::v1::OP_INSERT);
  std::vector<std::string> names;
  for (const auto& c : insert.after()) names.push_back(c.name());
  EXPECT_EQ(names, (std::vector<std::string>{"id", "region", "email", "card", "total", "cents"}));
  EXPECT_EQ(Find(insert.after(), "cents")->value().int_value(), 150);
  // The email is a 64-hex-digit hash, the same for the same address.
  const cdc::v1::Column* email = Find(insert.after(), "email");
  ASSERT_NE(email, nullptr);
  EXPECT_EQ(email->value().text_value().size(), 64u);
  EXPECT_NE(email->value().text_value(), "ann@example.com");
  EXPECT_EQ(Find(us[0].value().after(), "email")->value().text_value(),
            email->value().text_value());
  EXPECT_EQ(Find(insert.after(), "card")->value().text_value(), "************4242");
  // The key is (region, id).
  ASSERT_EQ(eu[0].key().columns_size(), 2);
  EXPECT_EQ(eu[0].key().columns(0).name(), "region");
  EXPECT_EQ(eu[0].key().columns(0).value().text_value(), "eu");
  EXPECT_EQ(eu[0].key().columns(1).value().int_value(), 1);
  EXPECT_EQ(eu[1].value().op(), cdc::v1::OP_INSERT);
  EXPECT_EQ(eu[1].key().columns(1).value().int_value(), 5);
  // The delete (a full before image) goes where its row was, with its key.
  EXPECT_EQ(us[1].value().op(), cdc::v1::OP_DELETE);
  EXPECT_EQ(us[1].key().SerializeAsString(), us[0].key().SerializeAsString());
  EXPECT_EQ(Find(us[1].value().before(), "note"), nullptr);
  EXPECT_FALSE(us[2].has_value());
}

class PgTransformsTest : public PgAgentTest {};

TEST_F(PgTransformsTest, ChainOfFilterComputeProjectMaskRoute) {
  setenv("CDC_IT_MASK_SALT", kSalt, 1);
  Sql("CREATE TABLE orders (id int PRIMARY KEY, region text, email text, card text, "
      "amount numeric(8,2), note text)");
  // Route and key by region for deletes too: the old row must be whole.
  Sql("ALTER TABLE orders REPLICA IDENTITY FULL");
  settings_.extra = Chain("public.orders");
  StartAgent();
  for (const char* sql : kChainWorkload) Sql(sql);
  const std::string prefix = settings_.topic_prefix;
  CheckRouted(TailTopic(env_, prefix + ".sales.eu", 2), TailTopic(env_, prefix + ".sales.us", 3));
  EXPECT_EQ(StopAgent(), 0) << agent_->Stderr();
}

TEST_F(PgTransformsTest, ATransformThatDoesNotFitATableStopsTheAgentBeforeItStarts) {
  Sql("CREATE TABLE orders (id int PRIMARY KEY, region text)");
  Sql("INSERT INTO orders VALUES (1, 'eu')");
  settings_.extra = "transforms:\n  - type: filter\n    tables: [public.orders]\n"
                    "    when: \"after.regio == 'eu'\"\n";
  ExpectRefusedAtStart(env_, ConfigPath(), dir_ + "/bad",
                       "transforms[0] (filter) on public.orders: when: column 1: unknown column "
                       "'after.regio'");
  // Nothing was published: not even the snapshot.
  EXPECT_TRUE(TailTopic(env_, Topic("public", "orders"), 1, 3s).empty());
}

TEST_F(PgTransformsTest, CheckCompilesTheTransformsAgainstTheTables) {
  Sql("CREATE TABLE orders (id int PRIMARY KEY, region text)");
  settings_.extra = "transforms:\n  - type: compute\n    columns:\n"
                    "      r: \"upper(region)\"\n";
  CommandResult ok = RunCommand({env_.agent_bin, "check", "--config", ConfigPath()}, 60s);
  EXPECT_EQ(ok.exit_code, 0) << ok.err;
  EXPECT_NE(ok.out.find("transforms fit the captured tables"), std::string::npos) << ok.out;
  settings_.extra = "transforms:\n  - type: compute\n    columns:\n"
                    "      r: \"upper(regio)\"\n";
  CommandResult bad = RunCommand({env_.agent_bin, "check", "--config", ConfigPath()}, 60s);
  EXPECT_EQ(bad.exit_code, 1) << bad.err;
  EXPECT_NE(bad.err.find("cdc-agent: problem: transforms[0] (compute) on public.orders: "
                         "columns.r: column 7: unknown column 'regio'"),
            std::string::npos)
      << bad.err;
}

TEST_F(PgTransformsTest, AFailedComputeSendsTheEventToTheDeadLetterTopic) {
  Sql("CREATE TABLE codes (id int PRIMARY KEY, code text, full_name text)");
  settings_.extra =
      "transforms:\n"
      "  - type: split\n"
      "    column: full_name\n"
      "    regex: \"(?<first>\\\\S+) (?<last>.+)\"\n"
      "  - type: compute\n"
      "    columns:\n"
      "      n: \"cast(code as int)\"\n"
      "    on_error: dead-letter\n";
  StartAgent();
  Sql("INSERT INTO codes VALUES (1, '12', 'Ann Lee Smith'), (2, 'x7', 'Bob Ray')");
  const std::vector<TailLine> rows = TailTopic(env_, Topic("public", "codes"), 1);
  ASSERT_EQ(rows.size(), 1u);
  const auto& after = rows[0].value().after();
  EXPECT_EQ(Find(after, "n")->value().int_value(), 12);
  EXPECT_EQ(Find(after, "first")->value().text_value(), "Ann");
  EXPECT_EQ(Find(after, "last")->value().text_value(), "Lee Smith");
  const std::vector<TailLine> dead =
      TailTopic(env_, settings_.topic_prefix + ".dead-letter", 1);
  ASSERT_EQ(dead.size(), 1u);
  EXPECT_EQ(dead[0].key().columns(0).value().int_value(), 2);
  // The event as the source gave it, and why it is there.
  EXPECT_EQ(Find(dead[0].value().after(), "n"), nullptr);
  EXPECT_EQ(Find(dead[0].value().after(), "first"), nullptr);
  EXPECT_EQ(dead[0].headers().at("cdc-error"), "cast('x7' as int): not an integer");
  EXPECT_EQ(dead[0].headers().at("cdc-error-transform"), "transforms[1] (compute) on public.codes");
  EXPECT_EQ(StopAgent(), 0) << agent_->Stderr();
}

std::string TextOf(const google::protobuf::RepeatedPtrField<cdc::v1::Column>& image,
                   const std::string& name) {
  const cdc::v1::Column* c = Find(image, name);
  if (c == nullptr) return "(absent)";
  if (c->value().kind_case() == cdc::v1::Value::kNull) return "NULL";
  return c->value().text_value();
}

constexpr char kJoinAndCount[] =
    "transforms:\n"
    "  - type: join\n"
    "    tables: [public.orders]\n"
    "    from: public.customers\n"
    "    on: [customer_id]\n"
    "    columns: [name, country]\n"
    "    prefix: c_\n"
    "  - type: aggregate\n"
    "    tables: [public.orders]\n"
    "    window: 1s\n"
    "    grace: 0s\n"
    "    topic: AGG\n"
    "    measures: {orders: count, total: sum(amount)}\n";

TEST_F(PgTransformsTest, JoinAndAggregateStateSurvivesKillsAndALostOffsetsFolder) {
  Sql("CREATE TABLE customers (id int PRIMARY KEY, name text, country text)");
  Sql("CREATE TABLE orders (id int PRIMARY KEY, customer_id int, amount numeric(8,2))");
  Sql("INSERT INTO customers VALUES (1, 'Ann', 'DE')");
  Sql("INSERT INTO orders VALUES (1, 1, 1.00)");  // snapshot: customers are read first
  const std::string agg_topic = settings_.topic_prefix + ".per_second";
  std::string extra = kJoinAndCount;
  extra.replace(extra.find("AGG"), 3, agg_topic);
  settings_.extra = extra;
  StartAgent();
  WaitSnapshotDone();
  // A customer and an order in one transaction: the order finds it.
  Sql("BEGIN; INSERT INTO customers VALUES (2, 'Bo', 'SE'); "
      "INSERT INTO orders VALUES (2, 2, 5.00); COMMIT");
  Sql("INSERT INTO orders VALUES (3, 1, 2.00), (4, 9, 1.50)");
  ASSERT_EQ(TailTopic(env_, Topic("public", "orders"), 4).size(), 4u);
  agent_->Signal(SIGKILL);
  agent_->Wait(10s);
  // While it is down: Ann moves, then orders.
  Sql("UPDATE customers SET country = 'AT' WHERE id = 1");
  Sql("INSERT INTO orders VALUES (5, 1, 3.00)");
  StartAgent();
  ASSERT_EQ(TailTopic(env_, Topic("public", "orders"), 5).size(), 5u);
  ASSERT_EQ(StopAgent(), 0) << agent_->Stderr();
  // offsets.path lost: the joined rows and the open windows come back from
  // Kafka with the position.
  std::filesystem::remove_all(settings_.offsets_path);
  Sql("INSERT INTO orders VALUES (6, 2, 4.00)");
  StartAgent();
  std::this_thread::sleep_for(1200ms);
  Sql("INSERT INTO orders VALUES (7, 1, 0.50)");  // closes the windows before it
  std::vector<TailLine> orders = TailTopic(env_, Topic("public", "orders"), 8, 10s);
  ASSERT_EQ(orders.size(), 7u);
  std::map<int64_t, std::pair<std::string, std::string>> joined;
  std::map<int64_t, int64_t> per_window;  // second -> orders inserted then
  int64_t last_second = 0;
  for (const TailLine& l : orders) {
    const auto& after = l.value().after();
    joined[Find(after, "id")->value().int_value()] = {TextOf(after, "c_name"),
                                                      TextOf(after, "c_country")};
    if (l.value().op() == cdc::v1::OP_INSERT) {
      const int64_t second = l.value().source().commit_time_us() / 1000000;
      ++per_window[second];
      last_second = std::max(last_second, second);
    }
  }
  using P = std::pair<std::string, std::string>;
  EXPECT_EQ(joined[1], P("Ann", "DE"));
  EXPECT_EQ(joined[2], P("Bo", "SE"));
  EXPECT_EQ(joined[3], P("Ann", "DE"));
  EXPECT_EQ(joined[4], P("NULL", "NULL"));
  EXPECT_EQ(joined[5], P("Ann", "AT"));
  EXPECT_EQ(joined[6], P("Bo", "SE"));
  EXPECT_EQ(joined[7], P("Ann", "AT"));
  // Every closed window once, with the orders inserted in it (the READ of
  // the snapshot is not an insert); the last is still open.
  per_window.erase(last_second);
  std::vector<TailLine> windows = TailTopic(env_, agg_topic, 20, 5s);
  std::map<int64_t, int64_t> counted;
  for (const TailLine& w : windows) {
    const int64_t start =
        Find(w.value().after(), "window_start")->value().timestamp_value().epoch_micros();
    EXPECT_EQ(counted.count(start / 1000000), 0u) << "window " << start << " twice";
    counted[start / 1000000] = Find(w.value().after(), "orders")->value().int_value();
  }
  EXPECT_EQ(counted, per_window);
  EXPECT_EQ(StopAgent(), 0) << agent_->Stderr();
}

// Checks the plain rows of an unwrapped table: an insert, then a delete
// (its old row: the key alone without REPLICA IDENTITY FULL) and its
// tombstone.
void CheckUnwrapped(const std::vector<TailLine>& lines) {
  ASSERT_EQ(lines.size(), 3u);
  const auto& insert = lines[0].row().fields();
  EXPECT_EQ(lines[0].headers().at("cdc-schema"), "cdc.v1.Row");
  EXPECT_EQ(insert.at("id").number_value(), 1);
  EXPECT_EQ(insert.at("name").string_value(), "Ann");
  EXPECT_EQ(insert.at("amt").string_value(), "2.50");
  EXPECT_EQ(insert.at("__op").string_value(), "insert");
  EXPECT_FALSE(insert.at("__deleted").bool_value());
  ASSERT_EQ(lines[0].key().columns_size(), 1);
  const auto& deleted = lines[1].row().fields();
  EXPECT_EQ(deleted.at("id").number_value(), 1);
  EXPECT_EQ(deleted.at("__op").string_value(), "delete");
  EXPECT_TRUE(deleted.at("__deleted").bool_value());
  EXPECT_EQ(lines[1].key().SerializeAsString(), lines[0].key().SerializeAsString());
  EXPECT_FALSE(lines[2].has_value());
  EXPECT_TRUE(lines[2].row().fields().empty());
}

TEST_F(PgTransformsTest, UnwrapPublishesPlainRows) {
  Sql("CREATE TABLE u (id int PRIMARY KEY, name text, amt numeric(6,2))");
  settings_.extra = "transforms:\n  - type: unwrap\n    add_fields: [op]\n";
  StartAgent();
  Sql("INSERT INTO u VALUES (1, 'Ann', 2.50)");
  Sql("DELETE FROM u WHERE id = 1");
  CheckUnwrapped(TailTopic(env_, Topic("public", "u"), 3));
  EXPECT_EQ(StopAgent(), 0) << agent_->Stderr();
}

class MyTransformsTest : public MyAgentTest {};

TEST_F(MyTransformsTest, UnwrapPublishesPlainJsonRows) {
  Sql("CREATE TABLE u (id INT PRIMARY KEY, name VARCHAR(10), amt DECIMAL(6,2))");
  settings_.kafka_extra = "  format: json\n";
  settings_.extra = "transforms:\n  - type: unwrap\n    add_fields: [op]\n"
                    "  - type: project\n    include: [id]\n    tables: [nothing.matches]\n";
  StartAgent();
  Sql("INSERT INTO u VALUES (1, 'Ann', 2.50)");
  Sql("DELETE FROM u WHERE id = 1");
  std::vector<TailLine> lines = TailTopic(env_, Topic("u"), 3);
  ASSERT_EQ(lines.size(), 3u);
  // A full old row: MySQL's binlog has it.
  EXPECT_EQ(lines[1].row().fields().at("name").string_value(), "Ann");
  CheckUnwrapped(lines);
}

TEST_F(MyTransformsTest, ChainOfFilterComputeProjectMaskRoute) {
  setenv("CDC_IT_MASK_SALT", kSalt, 1);
  Sql("CREATE TABLE orders (id INT PRIMARY KEY, region VARCHAR(8), email VARCHAR(80), "
      "card VARCHAR(20), amount DECIMAL(8,2), note TEXT)");
  settings_.extra = Chain(db_name_ + ".orders");
  StartAgent();
  for (const char* sql : kChainWorkload) Sql(sql);
  const std::string prefix = settings_.topic_prefix;
  CheckRouted(TailTopic(env_, prefix + ".sales.eu", 2), TailTopic(env_, prefix + ".sales.us", 3));
}

TEST_F(MyTransformsTest, JoinFindsTheRowOfItsOwnTransactionAndAggregateCounts) {
  Sql("CREATE TABLE customers (id INT PRIMARY KEY, name VARCHAR(20))");
  Sql("CREATE TABLE orders (id INT PRIMARY KEY, customer_id INT, amount DECIMAL(8,2))");
  const std::string agg_topic = settings_.topic_prefix + ".per_second";
  settings_.extra =
      "transforms:\n"
      "  - type: join\n"
      "    tables: [" + db_name_ + ".orders]\n"
      "    from: " + db_name_ + ".customers\n"
      "    on: [customer_id]\n"
      "    columns: [name]\n"
      "    missing: drop\n"
      "  - type: aggregate\n"
      "    tables: [" + db_name_ + ".orders]\n"
      "    window: 1s\n"
      "    grace: 0s\n"
      "    topic: " + agg_topic + "\n"
      "    measures: {orders: count, total: sum(amount)}\n";
  StartAgent();
  Sql("BEGIN");
  Sql("INSERT INTO customers VALUES (1, 'Ann')");
  Sql("INSERT INTO orders VALUES (1, 1, 2.50)");
  Sql("COMMIT");
  Sql("INSERT INTO orders VALUES (2, 7, 1.00)");  // no customer 7: dropped
  Sql("UPDATE customers SET name = 'Anna' WHERE id = 1");
  Sql("INSERT INTO orders VALUES (3, 1, 4.00)");
  std::this_thread::sleep_for(1200ms);
  Sql("INSERT INTO customers VALUES (2, 'Bo')");  // any commit closes the window
  std::vector<TailLine> orders = TailTopic(env_, Topic("orders"), 3, 10s);
  ASSERT_EQ(orders.size(), 2u);
  EXPECT_EQ(TextOf(orders[0].value().after(), "customers_name"), "Ann");
  EXPECT_EQ(TextOf(orders[1].value().after(), "customers_name"), "Anna");
  // The aggregate comes after the join in the list: the order the join
  // dropped is not counted.
  std::vector<TailLine> windows = TailTopic(env_, agg_topic, 3, 5s);
  int64_t counted = 0;
  for (const TailLine& w : windows) {
    counted += Find(w.value().after(), "orders")->value().int_value();
  }
  EXPECT_EQ(counted, 2);
  EXPECT_EQ(StopAgent(), 0) << agent_->Stderr();
}

TEST_F(MyTransformsTest, AJoinOfATableTheAgentDoesNotCaptureIsRefused) {
  Sql("CREATE TABLE orders (id INT PRIMARY KEY, customer_id INT)");
  settings_.extra =
      "transforms:\n"
      "  - type: join\n"
      "    from: " + db_name_ + ".customers\n"
      "    on: [customer_id]\n"
      "    columns: [name]\n";
  CommandResult bad = RunCommand({env_.agent_bin, "check", "--config", ConfigPath()}, 60s);
  EXPECT_EQ(bad.exit_code, 1) << bad.err;
  EXPECT_NE(bad.err.find("transforms[0] (join): table " + db_name_ +
                         ".customers is not captured by this agent"),
            std::string::npos)
      << bad.err;
  ExpectRefusedAtStart(env_, ConfigPath(), dir_ + "/bad",
                       "transforms[0] (join): table " + db_name_ +
                           ".customers is not captured by this agent");
}

TEST_F(MyTransformsTest, ATransformThatDoesNotFitATableStopsTheAgentBeforeItStarts) {
  Sql("CREATE TABLE orders (id INT PRIMARY KEY, region VARCHAR(8))");
  settings_.extra = "transforms:\n  - type: compute\n    columns:\n"
                    "      r: \"upper(region) + 1\"\n";
  ExpectRefusedAtStart(env_, ConfigPath(), dir_ + "/bad",
                       "transforms[0] (compute) on " + db_name_ + ".orders: columns.r: column 15: ");
}

}  // namespace
}  // namespace cdc::itest
