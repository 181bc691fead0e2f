// Windowed aggregates through the dispatch stage: the windows, their
// results, lateness, and the state that carries them across a restart.
#include "agent/aggregate.h"

#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "agent/config.h"
#include "agent/dispatch.h"
#include "agent/transform_state.h"
#include "tests/unit/agent/transform_state_test_util.h"

namespace cdc::agent {
namespace {

using Image = google::protobuf::RepeatedPtrField<cdc::v1::Column>;

constexpr int64_t kMinute = 60'000'000;
constexpr int64_t kT0 = 1'700'000'040'000'000;  // a minute's start

TableShapePtr Orders() {
  auto s = std::make_shared<TableShape>();
  s->kind = cdc::v1::SOURCE_KIND_POSTGRES;
  s->schema = "shop";
  s->table = "orders";
  s->columns = {{"id", "int4"}, {"country", "text"}, {"amount", "numeric(8,2)"},
                {"qty", "int8"}, {"note", "text"}};
  s->key = {0};
  return s;
}

OutEvent Order(int64_t at_us, int64_t id, const std::string& country, const std::string& amount,
               int64_t qty, cdc::v1::Op op = cdc::v1::OP_INSERT) {
  OutEvent e;
  e.table = Orders();
  e.event.set_op(op);
  e.event.mutable_source()->set_commit_time_us(at_us);
  e.event.mutable_source()->mutable_postgres()->set_lsn(static_cast<uint64_t>(at_us));
  Image* image = op == cdc::v1::OP_DELETE ? e.event.mutable_before() : e.event.mutable_after();
  auto add = [&](const char* name, const char* type) {
    auto* c = image->Add();
    c->set_name(name);
    c->set_type(type);
    return c->mutable_value();
  };
  add("id", "int4")->set_int_value(id);
  add("country", "text")->set_text_value(country);
  if (amount.empty()) {
    add("amount", "numeric(8,2)")->set_null(true);
  } else {
    add("amount", "numeric(8,2)")->set_decimal_value(amount);
  }
  add("qty", "int8")->set_int_value(qty);
  add("note", "text")->set_text_value("n");
  return e;
}

using testing::TransformsConfig;

AgentConfig Config(const std::string& transforms) { return TransformsConfig(transforms); }

constexpr char kPerMinute[] =
    "  - type: aggregate\n    tables: [shop.orders]\n    window: 1m\n    grace: 2s\n"
    "    group_by: [country]\n    topic: orders_per_minute\n"
    "    measures: {orders: count, revenue: sum(amount), items: sum(qty), largest: max(amount),"
    " smallest: min(amount)}\n";

// Column `name` of `e`'s new row as short text.
std::string Col(const cdc::v1::ChangeEvent& e, const std::string& name) {
  for (const auto& c : e.after()) {
    if (c.name() != name) continue;
    const cdc::v1::Value& v = c.value();
    switch (v.kind_case()) {
      case cdc::v1::Value::kNull: return "NULL";
      case cdc::v1::Value::kIntValue: return std::to_string(v.int_value());
      case cdc::v1::Value::kDecimalValue: return v.decimal_value();
      case cdc::v1::Value::kTextValue: return v.text_value();
      case cdc::v1::Value::kDoubleValue: return std::to_string(v.double_value());
      case cdc::v1::Value::kTimestampValue:
        return std::to_string(v.timestamp_value().epoch_micros());
      default: return v.ShortDebugString();
    }
  }
  return "(absent)";
}

class AggregateTest : public ::testing::Test {
 protected:
  explicit AggregateTest(const std::string& transforms = kPerMinute)
      : config_(Config(transforms)), store_(offsets::NewMemoryOffsetStore()) {
    Restart();
  }

  // A new dispatch stage over the same store, as after a restart.
  void Restart() {
    dispatcher_.reset();
    state_ = TransformState::For(config_, store_.get());
    batches_ = 0;
    ordinal_.clear();
    dispatcher_ = std::make_unique<Dispatcher>(config_, state_.get());
  }

  // Dispatches one batch ending at `lsn`; returns the aggregate results.
  std::vector<cdc::v1::ChangeEvent> Run(std::vector<OutEvent> events, uint64_t lsn,
                                        size_t* published = nullptr) {
    Batch b;
    b.events = std::move(events);
    b.end_position = offsets::Position::Postgres(lsn);
    ordinal_[lsn] = ++batches_;
    Status s = dispatcher_->Apply(&b);
    EXPECT_TRUE(s.ok()) << s.ToString();
    std::vector<cdc::v1::ChangeEvent> results;
    for (OutEvent& e : b.events) {
      if (e.topic == "orders_per_minute") {
        EXPECT_TRUE(e.has_key);
        EXPECT_EQ(e.key.columns(0).name(), "__table");
        EXPECT_EQ(e.key.columns(0).value().text_value(), "shop.orders");
        EXPECT_EQ(e.key.columns(1).name(), "window_start");
        results.push_back(e.event);
      }
    }
    if (published != nullptr) *published = b.events.size();
    return results;
  }

  void Durable(uint64_t lsn) {
    testing::MakeDurable(*state_, *store_, ordinal_.at(lsn), offsets::Position::Postgres(lsn));
  }

  AgentConfig config_;
  std::unique_ptr<offsets::OffsetStore> store_;
  std::unique_ptr<TransformState> state_;
  std::unique_ptr<Dispatcher> dispatcher_;
  uint64_t batches_ = 0;               // as the dispatcher counts them
  std::map<uint64_t, uint64_t> ordinal_;  // batch end lsn -> its ordinal
};

TEST_F(AggregateTest, CountsPerGroupAndPublishesWhenTheCommitTimesPassTheWindow) {
  size_t published = 0;
  std::vector<cdc::v1::ChangeEvent> r =
      Run({Order(kT0 + 1, 1, "DE", "10.50", 2), Order(kT0 + 2, 2, "DE", "0.25", 1),
           Order(kT0 + 3, 3, "FR", "", 5), Order(kT0 + 4, 4, "DE", "3.00", 1, cdc::v1::OP_DELETE)},
          100, &published);
  EXPECT_TRUE(r.empty());
  EXPECT_EQ(published, 4u);  // the events themselves go on
  // Within the grace: still open.
  r = Run({Order(kT0 + kMinute + 1'000'000, 5, "DE", "1.00", 1)}, 200);
  EXPECT_TRUE(r.empty());
  r = Run({Order(kT0 + kMinute + 2'000'000, 6, "SE", "1.00", 1)}, 300);
  ASSERT_EQ(r.size(), 2u);
  const cdc::v1::ChangeEvent& de = Col(r[0], "country") == "DE" ? r[0] : r[1];
  const cdc::v1::ChangeEvent& fr = Col(r[0], "country") == "DE" ? r[1] : r[0];
  EXPECT_EQ(Col(de, "window_start"), std::to_string(kT0));
  EXPECT_EQ(Col(de, "window_end"), std::to_string(kT0 + kMinute));
  EXPECT_EQ(Col(de, "orders"), "2");  // the delete is not counted
  EXPECT_EQ(Col(de, "revenue"), "10.75");
  EXPECT_EQ(Col(de, "items"), "3");
  EXPECT_EQ(Col(de, "largest"), "10.50");
  EXPECT_EQ(Col(de, "smallest"), "0.25");
  EXPECT_EQ(Col(fr, "orders"), "1");
  EXPECT_EQ(Col(fr, "revenue"), "NULL");  // NULL is not measured
  EXPECT_EQ(Col(fr, "items"), "5");
  EXPECT_EQ(de.source().table(), "orders");
  EXPECT_EQ(de.op(), cdc::v1::OP_INSERT);
}

TEST_F(AggregateTest, ALateEventIsNotCounted) {
  Run({Order(kT0 + 1, 1, "DE", "1.00", 1)}, 100);
  std::vector<cdc::v1::ChangeEvent> r = Run({Order(kT0 + 3 * kMinute, 2, "DE", "1.00", 1)}, 200);
  ASSERT_EQ(r.size(), 1u);
  Run({Order(kT0 + 5, 3, "DE", "1.00", 1)}, 300);  // its window closed
  EXPECT_EQ(state_->aggregates->late(), 1u);
}

TEST_F(AggregateTest, OpenWindowsSurviveARestartAtTheDurablePosition) {
  Run({Order(kT0 + 1, 1, "DE", "2.00", 1)}, 100);
  Durable(100);
  // Counted, but not durable: a restart replays it.
  Run({Order(kT0 + 2, 2, "DE", "3.00", 1)}, 200);
  Restart();
  Run({Order(kT0 + 2, 2, "DE", "3.00", 1)}, 200);
  std::vector<cdc::v1::ChangeEvent> r = Run({Order(kT0 + 2 * kMinute, 3, "DE", "1.00", 1)}, 300);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(Col(r[0], "orders"), "2");
  EXPECT_EQ(Col(r[0], "revenue"), "5.00");
  Durable(300);
  // The closed window is gone from the store; the new one is there.
  Result<std::vector<std::string>> names = store_->ListStates("a", Aggregator::kPrefix);
  ASSERT_TRUE(names.ok());
  EXPECT_EQ(names->size(), 1u);
  EXPECT_NE(names->front().find(std::to_string(kT0 + 2 * kMinute)), std::string::npos);
}

TEST_F(AggregateTest, SumsStayExactAndWidenInsteadOfOverflowing) {
  Run({Order(kT0 + 1, 1, "DE", "0.10", INT64_MAX), Order(kT0 + 2, 2, "DE", "0.20", 10)}, 100);
  std::vector<cdc::v1::ChangeEvent> r = Run({Order(kT0 + 2 * kMinute, 3, "DE", "1", 1)}, 200);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(Col(r[0], "revenue"), "0.30");
  EXPECT_EQ(Col(r[0], "items"), "9223372036854775817");
}

TEST(AggregateConfigTest, ErrorsSayWhatIsWrong) {
  auto error = [](const std::string& aggregate) {
    const std::string yaml =
        "name: a\nsource:\n  type: postgres\n  user: u\n  database: d\nkafka:\n  brokers: "
        "127.0.0.1:9092\noffsets:\n  path: /tmp/x\ntransforms:\n  - type: aggregate\n" +
        aggregate;
    Result<AgentConfig> c = ParseConfig(yaml, [](const std::string&) { return std::nullopt; });
    return c.ok() ? std::string("ok") : c.status().message();
  };
  EXPECT_NE(error("    window: 1 minute\n    topic: t\n    measures: {n: count}\n")
                .find("window: must be a length such as 500ms, 10s, 5m or 1h"),
            std::string::npos);
  EXPECT_NE(error("    window: 1m\n    topic: t\n    measures: {n: avg(x)}\n")
                .find("must be count, sum(COLUMN), min(COLUMN) or max(COLUMN)"),
            std::string::npos);
  EXPECT_NE(error("    window: 1m\n    topic: t\n").find("measures"), std::string::npos);
  EXPECT_NE(error("    window: 1m\n    measures: {n: count}\n").find("topic"), std::string::npos);
  EXPECT_EQ(error("    window: 1m\n    topic: t\n    measures: {n: count, s: sum( amount )}\n"),
            "ok");
}

TEST(AggregateConfigTest, ColumnsAreCheckedAgainstTheTable) {
  auto error = [](const std::string& measures) {
    AgentConfig config = Config(
        "  - type: aggregate\n    window: 1m\n    topic: t\n    group_by: [country]\n"
        "    measures: " + measures + "\n");
    auto store = offsets::NewMemoryOffsetStore();
    auto state = TransformState::For(config, store.get());
    Dispatcher d(config, state.get());
    Batch b;
    b.events.push_back(Order(kT0, 1, "DE", "1.00", 1));
    Status s = d.Apply(&b);
    return s.ok() ? std::string("ok") : s.message();
  };
  EXPECT_EQ(error("{s: sum(note)}"),
            "transforms[0] (aggregate) on shop.orders: measures.s: sum needs a number column; "
            "'note' is text; fix the transform in the config file");
  EXPECT_EQ(error("{s: max(nope)}"),
            "transforms[0] (aggregate) on shop.orders: measures.s: unknown column 'nope' (the "
            "table has: id, country, amount, qty, note); fix the transform in the config file");
  EXPECT_EQ(error("{s: min(note)}"), "ok");
  EXPECT_EQ(error("{country: count}"),
            "transforms[0] (aggregate) on shop.orders: measures.country: the row has a column of "
            "that name already (window_start, window_end, the group_by columns); choose another "
            "name; fix the transform in the config file");
}

}  // namespace
}  // namespace cdc::agent
