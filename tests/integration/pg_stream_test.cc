// Streaming from PostgreSQL into Kafka, read back with `cdc-agent tail`: every
// type, updates with unchanged TOAST values, replica identities, a table
// without a primary key, TRUNCATE, multi-table transactions, quoted names,
// and a slot that moves on while only uncaptured tables change.
#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <string>
#include <thread>

#include "tests/integration/pg_agent_fixture.h"

namespace cdc::itest {
namespace {

using cdc::v1::ChangeEvent;
using cdc::v1::Value;

class PgStreamTest : public PgAgentTest {};

int64_t EpochMicros(PgClient& db, const std::string& expr) {
  auto v = db.Scalar("SELECT (extract(epoch from " + expr + ") * 1000000)::bigint");
  return v ? std::stoll(*v) : -1;
}

std::vector<std::string> ArrayTexts(const Value& v) {
  std::vector<std::string> out;
  for (const auto& e : v.array_value().elements()) {
    out.push_back(e.kind_case() == Value::kNull ? "<null>" : e.text_value());
  }
  return out;
}

TEST_F(PgStreamTest, EveryTypeArrivesExact) {
  Sql("CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy')");
  Sql("CREATE DOMAIN posint AS integer CHECK (VALUE > 0)");
  Sql("CREATE TABLE all_types (id bigint PRIMARY KEY, c_smallint smallint, c_integer integer, "
      "c_bigint bigint, c_real real, c_double double precision, c_numeric numeric(30,10), "
      "c_numeric_nan numeric, c_bool boolean, c_text text, c_varchar varchar(20), c_char char(5), "
      "c_bytea bytea, c_uuid uuid, c_json json, c_jsonb jsonb, c_date date, c_time time(3), "
      "c_timetz timetz, c_timestamp timestamp(6), c_timestamptz timestamptz, c_interval interval, "
      "c_inet inet, c_cidr cidr, c_macaddr macaddr, c_money money, c_bit bit(4), c_varbit varbit(8), "
      "c_mood mood, c_int_array int[], c_text_array text[], c_domain posint, c_mood_array mood[], "
      "c_int2d int[][], c_point point)");
  StartAgent();
  Sql("INSERT INTO all_types VALUES (1, -32768, 2147483647, -9223372036854775808, 1.5, "
      "3.141592653589793, 12345678901234567890.0123456789, 'NaN', true, E'h\\u00e9llo \"world\"\\n', "
      "'abc', 'ab', '\\xdeadbeef', 'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11', '{\"a\": [1, 2]}', "
      "'{\"b\": 1, \"a\": [1, 2]}', '2024-02-29', '13:45:06.789', '13:45:06+05:30', "
      "'2024-02-29 13:45:06.123456', '2024-02-29 13:45:06.5+02', "
      "'1 year 2 months 3 days 04:05:06.789', '192.168.1.5/24', '10.0.0.0/8', '08:00:2b:01:02:03', "
      "1234.56, B'1010', B'101', 'happy', '{1,2,NULL,4}', '{\"a,b\",\"c\\\"d\",NULL}', 42, "
      "'{sad,happy}', '{{1,2},{3,4}}', '(1,2)')");
  Sql("INSERT INTO all_types (id, c_numeric_nan, c_date, c_timestamptz, c_double) VALUES "
      "(2, '-Infinity', 'infinity', '-infinity', '-Infinity')");

  auto lines = TailTopic(env_, Topic("public", "all_types"), 2);
  ASSERT_EQ(lines.size(), 2u);
  const ChangeEvent& e = lines[0].value();
  EXPECT_EQ(e.op(), cdc::v1::OP_INSERT);
  EXPECT_EQ(e.source().kind(), cdc::v1::SOURCE_KIND_POSTGRES);
  EXPECT_EQ(e.source().table(), "all_types");
  EXPECT_EQ(e.source().schema(), "public");
  EXPECT_EQ(e.source().database(), db_name_);
  EXPECT_GT(e.source().transaction_id(), 0u);
  EXPECT_GT(e.source().postgres().lsn(), 0u);
  ASSERT_EQ(lines[0].key().columns_size(), 1);
  EXPECT_EQ(lines[0].key().columns(0).name(), "id");
  EXPECT_EQ(lines[0].key().columns(0).value().int_value(), 1);

  const auto& a = e.after();
  ASSERT_EQ(a.size(), 35);
  EXPECT_EQ(FindValue(a, "c_smallint")->int_value(), -32768);
  EXPECT_EQ(FindValue(a, "c_integer")->int_value(), 2147483647);
  EXPECT_EQ(FindValue(a, "c_bigint")->int_value(), INT64_MIN);
  EXPECT_EQ(FindValue(a, "c_real")->float_value(), 1.5f);
  EXPECT_EQ(FindValue(a, "c_double")->double_value(), 3.141592653589793);
  EXPECT_EQ(FindValue(a, "c_numeric")->decimal_value(), "12345678901234567890.0123456789");
  EXPECT_EQ(FindValue(a, "c_numeric_nan")->decimal_value(), "NaN");
  EXPECT_TRUE(FindValue(a, "c_bool")->bool_value());
  EXPECT_EQ(FindValue(a, "c_text")->text_value(), "h\xc3\xa9llo \"world\"\n");
  EXPECT_EQ(FindValue(a, "c_varchar")->text_value(), "abc");
  EXPECT_EQ(FindValue(a, "c_char")->text_value(), "ab   ");
  EXPECT_EQ(FindValue(a, "c_bytea")->bytes_value(), std::string("\xde\xad\xbe\xef"));
  EXPECT_EQ(FindValue(a, "c_uuid")->uuid_value(), "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11");
  EXPECT_EQ(FindValue(a, "c_json")->json_value(), "{\"a\": [1, 2]}");
  EXPECT_EQ(FindValue(a, "c_jsonb")->json_value(), *db_->Scalar("SELECT c_jsonb::text FROM all_types WHERE id = 1"));
  const auto& date = FindValue(a, "c_date")->date_value();
  EXPECT_EQ(date.year(), 2024);
  EXPECT_EQ(date.month(), 2u);
  EXPECT_EQ(date.day(), 29u);
  EXPECT_EQ(FindValue(a, "c_time")->time_value().micros(), 49506789000);
  EXPECT_EQ(FindValue(a, "c_timetz")->time_value().micros(), 49506000000);
  EXPECT_EQ(FindValue(a, "c_timetz")->time_value().utc_offset_seconds(), 19800);
  EXPECT_EQ(FindValue(a, "c_timestamp")->timestamp_value().epoch_micros(),
            EpochMicros(*db_, "'2024-02-29 13:45:06.123456'::timestamp"));
  EXPECT_FALSE(FindValue(a, "c_timestamp")->timestamp_value().with_time_zone());
  EXPECT_EQ(FindValue(a, "c_timestamptz")->timestamp_value().epoch_micros(),
            EpochMicros(*db_, "'2024-02-29 13:45:06.5+02'::timestamptz"));
  EXPECT_TRUE(FindValue(a, "c_timestamptz")->timestamp_value().with_time_zone());
  const auto& iv = FindValue(a, "c_interval")->interval_value();
  EXPECT_EQ(iv.months(), 14);
  EXPECT_EQ(iv.days(), 3);
  EXPECT_EQ(iv.micros(), 14706789000);
  EXPECT_EQ(FindValue(a, "c_inet")->inet_value(), "192.168.1.5/24");
  EXPECT_EQ(FindValue(a, "c_cidr")->inet_value(), "10.0.0.0/8");
  EXPECT_EQ(FindValue(a, "c_macaddr")->macaddr_value(), "08:00:2b:01:02:03");
  EXPECT_EQ(FindValue(a, "c_money")->decimal_value(), "1234.56");
  EXPECT_EQ(FindValue(a, "c_bit")->bits_value(), "1010");
  EXPECT_EQ(FindValue(a, "c_varbit")->bits_value(), "101");
  EXPECT_EQ(FindValue(a, "c_mood")->enum_value(), "happy");
  const auto& ints = FindValue(a, "c_int_array")->array_value();
  ASSERT_EQ(ints.elements_size(), 4);
  EXPECT_EQ(ints.elements(0).int_value(), 1);
  EXPECT_EQ(ints.elements(1).int_value(), 2);
  EXPECT_TRUE(ints.elements(2).null());
  EXPECT_EQ(ints.elements(3).int_value(), 4);
  EXPECT_EQ(ArrayTexts(*FindValue(a, "c_text_array")),
            (std::vector<std::string>{"a,b", "c\"d", "<null>"}));
  EXPECT_EQ(FindValue(a, "c_domain")->int_value(), 42);
  const auto& moods = FindValue(a, "c_mood_array")->array_value();
  ASSERT_EQ(moods.elements_size(), 2);
  EXPECT_EQ(moods.elements(1).enum_value(), "happy");
  const auto& grid = FindValue(a, "c_int2d")->array_value();
  ASSERT_EQ(grid.elements_size(), 2);
  ASSERT_EQ(grid.elements(1).array_value().elements_size(), 2);
  EXPECT_EQ(grid.elements(1).array_value().elements(0).int_value(), 3);
  EXPECT_EQ(FindValue(a, "c_point")->raw_value().text(), "(1,2)");
  for (const auto& col : a) {
    if (col.name() == "c_point") {
      EXPECT_EQ(col.type(), "point");
    }
    if (col.name() == "c_mood") {
      EXPECT_EQ(col.type(), "mood");
    }
  }

  const auto& b = lines[1].value().after();
  EXPECT_EQ(FindValue(b, "c_numeric_nan")->decimal_value(), "-Infinity");
  EXPECT_EQ(FindValue(b, "c_date")->date_value().infinity(), cdc::v1::INFINITY_POSITIVE);
  EXPECT_EQ(FindValue(b, "c_timestamptz")->timestamp_value().infinity(), cdc::v1::INFINITY_NEGATIVE);
  EXPECT_EQ(FindValue(b, "c_double")->double_value(), -std::numeric_limits<double>::infinity());
  EXPECT_TRUE(FindValue(b, "c_text")->null());
  EXPECT_EQ(StopAgent(), 0);
}

// Only tables the agent does not capture change: the slot still moves on
// (the agent confirms the server's WAL end once nothing is in flight), so it
// does not hold WAL forever, and the stored position follows.
TEST_F(PgStreamTest, SlotAdvancesWhenOnlyUncapturedTablesChange) {
  Sql("CREATE TABLE captured (id int PRIMARY KEY)");
  Sql("CREATE TABLE other (id int PRIMARY KEY, v text)");
  settings_.tables = {"public.captured"};
  StartAgent();
  Sql("INSERT INTO captured VALUES (1)");
  ASSERT_EQ(TailTopic(env_, Topic("public", "captured"), 1).size(), 1u);
  for (int i = 0; i < 20; ++i) {
    Sql("INSERT INTO other SELECT g, md5(g::text) FROM generate_series(" +
        std::to_string(i * 1000 + 1) + ", " + std::to_string(i * 1000 + 1000) + ") g");
  }
  const std::string target = *db_->Scalar("SELECT pg_current_wal_lsn()::text");
  PgClient admin(env_, "postgres");
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  bool advanced = false;
  while (!advanced && std::chrono::steady_clock::now() < deadline) {
    advanced = admin.Scalar("SELECT confirmed_flush_lsn >= '" + target +
                            "'::pg_lsn FROM pg_replication_slots WHERE slot_name = '" +
                            settings_.slot + "'") == "t";
    if (!advanced) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_TRUE(advanced) << "the slot stayed behind " << target << "; stderr:\n"
                        << agent_->Stderr();
  EXPECT_EQ(StopAgent(), 0) << agent_->Stderr();
}

TEST_F(PgStreamTest, UpdateKeepsUnchangedToastExplicit) {
  Sql("CREATE TABLE toasty (id int PRIMARY KEY, big text, note text)");
  Sql("ALTER TABLE toasty ALTER COLUMN big SET STORAGE EXTERNAL");
  StartAgent();
  Sql("INSERT INTO toasty SELECT 1, string_agg(md5(i::text), '') , 'first' FROM generate_series(1, 400) i");
  Sql("UPDATE toasty SET note = 'second' WHERE id = 1");
  auto big = db_->Scalar("SELECT big FROM toasty WHERE id = 1");
  ASSERT_TRUE(big.has_value());
  ASSERT_EQ(big->size(), 12800u);

  auto lines = TailTopic(env_, Topic("public", "toasty"), 2);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(FindValue(lines[0].value().after(), "big")->text_value(), *big);
  const ChangeEvent& upd = lines[1].value();
  EXPECT_EQ(upd.op(), cdc::v1::OP_UPDATE);
  EXPECT_TRUE(FindValue(upd.after(), "big")->unchanged());
  EXPECT_EQ(FindValue(upd.after(), "note")->text_value(), "second");
  EXPECT_EQ(upd.before_size(), 0);  // REPLICA IDENTITY DEFAULT, key unchanged
}

TEST_F(PgStreamTest, BeforeImagesFollowReplicaIdentity) {
  Sql("CREATE TABLE t_default (id int PRIMARY KEY, a text, b int)");
  Sql("CREATE TABLE t_full (id int PRIMARY KEY, a text, b int)");
  Sql("ALTER TABLE t_full REPLICA IDENTITY FULL");
  StartAgent();
  for (const char* t : {"t_default", "t_full"}) {
    Sql(std::string("INSERT INTO ") + t + " VALUES (1, 'one', 10)");
    Sql(std::string("UPDATE ") + t + " SET a = 'uno' WHERE id = 1");
    Sql(std::string("DELETE FROM ") + t + " WHERE id = 1");
  }
  // insert, update, delete, tombstone
  auto def = TailTopic(env_, Topic("public", "t_default"), 4);
  auto full = TailTopic(env_, Topic("public", "t_full"), 4);
  ASSERT_EQ(def.size(), 4u);
  ASSERT_EQ(full.size(), 4u);

  EXPECT_EQ(def[1].value().op(), cdc::v1::OP_UPDATE);
  EXPECT_EQ(def[1].value().before_size(), 0);
  EXPECT_EQ(def[2].value().op(), cdc::v1::OP_DELETE);
  ASSERT_EQ(def[2].value().before_size(), 1);
  EXPECT_EQ(def[2].value().before(0).name(), "id");
  EXPECT_EQ(def[2].key().columns(0).value().int_value(), 1);
  EXPECT_FALSE(def[3].has_value());  // tombstone
  EXPECT_EQ(def[3].key().columns(0).value().int_value(), 1);

  const ChangeEvent& fu = full[1].value();
  ASSERT_EQ(fu.before_size(), 3);
  EXPECT_EQ(FindValue(fu.before(), "a")->text_value(), "one");
  EXPECT_EQ(FindValue(fu.after(), "a")->text_value(), "uno");
  const ChangeEvent& fd = full[2].value();
  EXPECT_EQ(fd.op(), cdc::v1::OP_DELETE);
  ASSERT_EQ(fd.before_size(), 3);
  EXPECT_EQ(FindValue(fd.before(), "a")->text_value(), "uno");
  EXPECT_EQ(FindValue(fd.before(), "b")->int_value(), 10);
  EXPECT_EQ(fd.key_columns_size(), 1);
}

TEST_F(PgStreamTest, PrimaryKeyChangeIsDeleteThenInsert) {
  Sql("CREATE TABLE moved (id int PRIMARY KEY, v text)");
  StartAgent();
  Sql("INSERT INTO moved VALUES (1, 'a')");
  Sql("UPDATE moved SET id = 2 WHERE id = 1");
  // insert 1, delete 1, tombstone 1, insert 2
  auto lines = TailTopic(env_, Topic("public", "moved"), 4);
  ASSERT_EQ(lines.size(), 4u);
  EXPECT_EQ(lines[1].value().op(), cdc::v1::OP_DELETE);
  EXPECT_EQ(lines[1].key().columns(0).value().int_value(), 1);
  EXPECT_EQ(FindValue(lines[1].value().before(), "id")->int_value(), 1);
  EXPECT_FALSE(lines[2].has_value());
  EXPECT_EQ(lines[2].key().columns(0).value().int_value(), 1);
  EXPECT_EQ(lines[3].value().op(), cdc::v1::OP_INSERT);
  EXPECT_EQ(lines[3].key().columns(0).value().int_value(), 2);
  EXPECT_EQ(FindValue(lines[3].value().after(), "v")->text_value(), "a");
  EXPECT_EQ(lines[1].value().source().transaction_id(), lines[3].value().source().transaction_id());
}

TEST_F(PgStreamTest, PartitionedTableUnderItsOwnName) {
  Sql("CREATE TABLE measurements (id int, day date, v int, PRIMARY KEY (id, day)) "
      "PARTITION BY RANGE (day)");
  Sql("CREATE TABLE measurements_2024 PARTITION OF measurements "
      "FOR VALUES FROM ('2024-01-01') TO ('2025-01-01')");
  Sql("CREATE TABLE measurements_2025 PARTITION OF measurements "
      "FOR VALUES FROM ('2025-01-01') TO ('2026-01-01')");
  Sql("INSERT INTO measurements VALUES (1, '2024-06-01', 10)");
  settings_.tables = {"public.measurements"};
  StartAgent();
  Sql("INSERT INTO measurements VALUES (2, '2025-06-01', 20)");
  Sql("UPDATE measurements SET v = 11 WHERE id = 1");
  auto lines = TailTopic(env_, Topic("public", "measurements"), 3);
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[0].value().op(), cdc::v1::OP_READ);
  EXPECT_EQ(lines[1].value().op(), cdc::v1::OP_INSERT);
  EXPECT_EQ(lines[1].value().source().table(), "measurements");
  EXPECT_EQ(FindValue(lines[1].value().after(), "v")->int_value(), 20);
  EXPECT_EQ(lines[2].value().op(), cdc::v1::OP_UPDATE);
  EXPECT_EQ(FindValue(lines[2].value().after(), "v")->int_value(), 11);
  ASSERT_EQ(lines[2].key().columns_size(), 2);
}

TEST_F(PgStreamTest, TableWithoutPrimaryKeyHasNullKey) {
  Sql("CREATE TABLE nopk (a int, b text)");
  Sql("ALTER TABLE nopk REPLICA IDENTITY FULL");
  StartAgent();
  Sql("INSERT INTO nopk VALUES (1, 'x'), (1, 'x')");
  Sql("UPDATE nopk SET b = 'y' WHERE ctid = (SELECT min(ctid) FROM nopk)");
  Sql("DELETE FROM nopk WHERE b = 'y'");
  auto lines = TailTopic(env_, Topic("public", "nopk"), 4);
  ASSERT_EQ(lines.size(), 4u);  // no tombstone without a key
  for (const auto& l : lines) {
    EXPECT_FALSE(l.has_key());
    EXPECT_EQ(l.value().key_columns_size(), 0);
  }
  EXPECT_EQ(lines[2].value().op(), cdc::v1::OP_UPDATE);
  EXPECT_EQ(FindValue(lines[2].value().before(), "b")->text_value(), "x");
  EXPECT_EQ(FindValue(lines[2].value().after(), "b")->text_value(), "y");
  EXPECT_EQ(lines[3].value().op(), cdc::v1::OP_DELETE);
  EXPECT_EQ(FindValue(lines[3].value().before(), "a")->int_value(), 1);
}

TEST_F(PgStreamTest, TruncateAndMultiTableTransaction) {
  Sql("CREATE TABLE orders (id int PRIMARY KEY, total numeric(10,2))");
  Sql("CREATE TABLE lines (id int PRIMARY KEY, order_id int, sku text)");
  StartAgent();
  Sql("BEGIN; INSERT INTO orders VALUES (1, 9.99); INSERT INTO lines VALUES (10, 1, 'a'), (11, 1, 'b'); "
      "UPDATE orders SET total = 19.98 WHERE id = 1; COMMIT");
  Sql("TRUNCATE lines");
  auto orders = TailTopic(env_, Topic("public", "orders"), 2);
  auto lines = TailTopic(env_, Topic("public", "lines"), 3);
  ASSERT_EQ(orders.size(), 2u);
  ASSERT_EQ(lines.size(), 3u);
  const auto& s0 = orders[0].value().source();
  EXPECT_EQ(lines[0].value().source().transaction_id(), s0.transaction_id());
  EXPECT_EQ(orders[1].value().source().transaction_id(), s0.transaction_id());
  EXPECT_EQ(lines[1].value().source().commit_time_us(), s0.commit_time_us());
  EXPECT_GT(s0.commit_time_us(), 1700000000000000);
  EXPECT_EQ(s0.event_index(), 0u);
  EXPECT_EQ(lines[0].value().source().event_index(), 1u);
  EXPECT_EQ(lines[1].value().source().event_index(), 2u);
  EXPECT_EQ(orders[1].value().source().event_index(), 3u);
  EXPECT_EQ(FindValue(orders[1].value().after(), "total")->decimal_value(), "19.98");
  const ChangeEvent& tr = lines[2].value();
  EXPECT_EQ(tr.op(), cdc::v1::OP_TRUNCATE);
  EXPECT_EQ(tr.source().table(), "lines");
  EXPECT_NE(tr.source().transaction_id(), s0.transaction_id());
  EXPECT_EQ(lines[2].key().columns_size(), 0) << "a TRUNCATE has a key without columns";
}

TEST_F(PgStreamTest, QuotedMixedCaseIdentifiers) {
  Sql("CREATE SCHEMA \"Sales\"");
  Sql("CREATE TABLE \"Sales\".\"Order Items\" (\"OrderId\" int PRIMARY KEY, \"Qty\" int)");
  settings_.tables = {"'\"Sales\".\"Order Items\"'"};
  StartAgent();
  Sql("INSERT INTO \"Sales\".\"Order Items\" VALUES (7, 3)");
  auto lines = TailTopic(env_, settings_.topic_prefix + ".Sales.Order_Items", 1);
  ASSERT_EQ(lines.size(), 1u);
  const ChangeEvent& e = lines[0].value();
  EXPECT_EQ(e.source().schema(), "Sales");
  EXPECT_EQ(e.source().table(), "Order Items");
  EXPECT_EQ(FindValue(e.after(), "OrderId")->int_value(), 7);
  EXPECT_EQ(FindValue(e.after(), "Qty")->int_value(), 3);
  EXPECT_EQ(lines[0].key().columns(0).name(), "OrderId");
}

}  // namespace
}  // namespace cdc::itest
