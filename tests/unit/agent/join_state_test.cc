// The lookup join: the join state kept from the joined table's own events
// (JoinState), and the join step that reads it, through the dispatch stage.
#include "agent/join_state.h"

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

TableShapePtr Customers(bool with_key = true) {
  auto s = std::make_shared<TableShape>();
  s->kind = cdc::v1::SOURCE_KIND_POSTGRES;
  s->schema = "shop";
  s->table = "customers";
  s->columns = {{"id", "int8"}, {"name", "text"}, {"country", "text"}, {"note", "text"}};
  if (with_key) s->key = {0};
  return s;
}

TableShapePtr Orders() {
  auto s = std::make_shared<TableShape>();
  s->kind = cdc::v1::SOURCE_KIND_POSTGRES;
  s->schema = "shop";
  s->table = "orders";
  s->columns = {{"id", "int4"}, {"customer_id", "int4"}, {"amount", "numeric(8,2)"}};
  s->key = {0};
  return s;
}

void AddInt(Image* image, const std::string& name, int64_t v) {
  auto* c = image->Add();
  c->set_name(name);
  c->set_type("int8");
  c->mutable_value()->set_int_value(v);
}

void AddText(Image* image, const std::string& name, const std::optional<std::string>& v) {
  auto* c = image->Add();
  c->set_name(name);
  c->set_type("text");
  if (v) {
    c->mutable_value()->set_text_value(*v);
  } else {
    c->mutable_value()->set_null(true);
  }
}

void AddUnchanged(Image* image, const std::string& name) {
  auto* c = image->Add();
  c->set_name(name);
  c->set_type("text");
  c->mutable_value()->set_unchanged(true);
}

OutEvent Customer(cdc::v1::Op op, int64_t id, const std::string& name, const std::string& country) {
  OutEvent e;
  e.table = Customers();
  e.event.set_op(op);
  Image* image = op == cdc::v1::OP_DELETE ? e.event.mutable_before() : e.event.mutable_after();
  AddInt(image, "id", id);
  if (op != cdc::v1::OP_DELETE) {
    AddText(image, "name", name);
    AddText(image, "country", country);
    AddText(image, "note", "n");
  }
  return e;
}

OutEvent Order(int64_t id, std::optional<int64_t> customer,
               cdc::v1::Op op = cdc::v1::OP_INSERT) {
  OutEvent e;
  e.table = Orders();
  e.event.set_op(op);
  Image* image = op == cdc::v1::OP_DELETE ? e.event.mutable_before() : e.event.mutable_after();
  AddInt(image, "id", id);
  if (customer) {
    AddInt(image, "customer_id", *customer);
  } else {
    auto* c = image->Add();
    c->set_name("customer_id");
    c->set_type("int4");
    c->mutable_value()->set_null(true);
  }
  auto* amount = image->Add();
  amount->set_name("amount");
  amount->set_type("numeric(8,2)");
  amount->mutable_value()->set_decimal_value("9.50");
  return e;
}

using testing::TransformsConfig;

AgentConfig Config(const std::string& transforms) { return TransformsConfig(transforms); }

constexpr char kJoin[] =
    "  - type: join\n    tables: [shop.orders]\n    from: shop.customers\n"
    "    on: [customer_id]\n    columns: [name, country]\n";

// Text of column `name` of `e`'s new row, "NULL", or "(absent)".
std::string After(const cdc::v1::ChangeEvent& e, const std::string& name) {
  for (const auto& c : e.after()) {
    if (c.name() != name) continue;
    if (c.value().kind_case() == cdc::v1::Value::kNull) return "NULL";
    if (c.value().kind_case() == cdc::v1::Value::kUnchanged) return "UNCHANGED";
    return c.value().text_value();
  }
  return "(absent)";
}

class JoinTest : public ::testing::Test {
 protected:
  JoinTest()
      : config_(Config(kJoin)),
        store_(offsets::NewMemoryOffsetStore()),
        state_(TransformState::For(config_, store_.get())),
        dispatcher_(config_, state_.get()) {}

  // Dispatches `events` as one batch ending at position `lsn`.
  Batch Run(std::vector<OutEvent> events, uint64_t lsn) {
    Batch b;
    b.events = std::move(events);
    b.end_position = offsets::Position::Postgres(lsn);
    ordinal_[lsn] = ++batches_;
    Status s = dispatcher_.Apply(&b);
    EXPECT_TRUE(s.ok()) << s.ToString();
    return b;
  }

  // What the pipeline does once `lsn` is durable.
  void Durable(uint64_t lsn) {
    testing::MakeDurable(*state_, *store_, ordinal_.at(lsn), offsets::Position::Postgres(lsn));
  }

  size_t StoredRows() {
    Result<std::vector<std::string>> names = store_->ListStates("a", JoinState::kPrefix);
    EXPECT_TRUE(names.ok());
    return names.ok() ? names->size() : 0;
  }

  AgentConfig config_;
  std::unique_ptr<offsets::OffsetStore> store_;
  std::unique_ptr<TransformState> state_;
  Dispatcher dispatcher_;
  uint64_t batches_ = 0;               // as the dispatcher counts them
  std::map<uint64_t, uint64_t> ordinal_;  // batch end lsn -> its ordinal
};

TEST_F(JoinTest, AnOrderFindsTheCustomerWrittenBeforeItInTheSameBatch) {
  std::vector<OutEvent> events;
  events.push_back(Customer(cdc::v1::OP_INSERT, 7, "Ann", "DE"));
  events.push_back(Order(1, 7));
  events.push_back(Order(2, 8));  // no such customer: NULLs
  events.push_back(Order(3, std::nullopt));
  Batch b = Run(std::move(events), 100);
  ASSERT_EQ(b.events.size(), 4u);
  EXPECT_EQ(After(b.events[1].event, "customers_name"), "Ann");
  EXPECT_EQ(After(b.events[1].event, "customers_country"), "DE");
  EXPECT_EQ(b.events[1].topic, "p.shop.orders");
  EXPECT_EQ(After(b.events[2].event, "customers_name"), "NULL");
  EXPECT_EQ(After(b.events[3].event, "customers_country"), "NULL");
  // The customer's own event is published as it came.
  EXPECT_EQ(After(b.events[0].event, "customers_name"), "(absent)");
  // The change goes to Kafka with the batch.
  ASSERT_EQ(b.states.size(), 1u);
  EXPECT_EQ(b.states[0].first, JoinState::StateName("shop.customers", "1:7"));
  EXPECT_EQ(dispatcher_.counters().join_missed, 2u);
}

TEST_F(JoinTest, TheStateReachesTheStoreWithItsPositionAndIsReadFromThere) {
  Run({Customer(cdc::v1::OP_INSERT, 7, "Ann", "DE")}, 100);
  EXPECT_EQ(StoredRows(), 0u);
  Durable(100);
  EXPECT_EQ(StoredRows(), 1u);
  EXPECT_EQ(store_->Load("a").value(), offsets::Position::Postgres(100));
  // A new state over the same store (a restart) reads the row there.
  std::unique_ptr<TransformState> restarted = TransformState::For(config_, store_.get());
  Dispatcher d(config_, restarted.get());
  Batch b;
  b.events.push_back(Order(1, 7));
  b.end_position = offsets::Position::Postgres(200);
  ASSERT_TRUE(d.Apply(&b).ok());
  EXPECT_EQ(After(b.events[0].event, "customers_name"), "Ann");
}

TEST_F(JoinTest, ALaterChangeStaysInMemoryUntilItsOwnPositionIsDurable) {
  Run({Customer(cdc::v1::OP_INSERT, 7, "Ann", "DE")}, 100);
  Run({Customer(cdc::v1::OP_UPDATE, 7, "Ann", "FR")}, 200);
  Durable(100);
  // offsets.path holds the row as of 100; lookups see the later one.
  Result<std::optional<std::string>> stored =
      store_->GetState("a", JoinState::StateName("shop.customers", "1:7"));
  ASSERT_TRUE(stored.ok() && stored->has_value());
  EXPECT_NE(stored->value().find("DE"), std::string::npos);
  Batch b = Run({Order(1, 7)}, 300);
  EXPECT_EQ(After(b.events[0].event, "customers_country"), "FR");
  Durable(300);
  stored = store_->GetState("a", JoinState::StateName("shop.customers", "1:7"));
  ASSERT_TRUE(stored.ok() && stored->has_value());
  EXPECT_NE(stored->value().find("FR"), std::string::npos);
}

TEST_F(JoinTest, UpdatesKeepWhatTheyDoNotCarryAndDeletesAndTruncateRemove) {
  Run({Customer(cdc::v1::OP_INSERT, 7, "Ann", "DE"), Customer(cdc::v1::OP_INSERT, 8, "Bo", "SE")},
      100);
  Durable(100);
  // An UPDATE whose name is an unchanged TOAST value keeps the stored name.
  OutEvent update = Customer(cdc::v1::OP_UPDATE, 7, "", "AT");
  update.event.mutable_after()->Clear();
  AddInt(update.event.mutable_after(), "id", 7);
  AddUnchanged(update.event.mutable_after(), "name");
  AddText(update.event.mutable_after(), "country", "AT");
  Batch b = Run({std::move(update), Order(1, 7)}, 200);
  EXPECT_EQ(After(b.events[1].event, "customers_name"), "Ann");
  EXPECT_EQ(After(b.events[1].event, "customers_country"), "AT");

  b = Run({Customer(cdc::v1::OP_DELETE, 7, "", ""), Order(2, 7), Order(3, 8)}, 300);
  EXPECT_EQ(After(b.events[1].event, "customers_name"), "NULL");
  EXPECT_EQ(After(b.events[2].event, "customers_name"), "Bo");
  // The removal goes to Kafka as an empty value (a tombstone).
  ASSERT_EQ(b.states.size(), 1u);
  EXPECT_EQ(b.states[0].second, "");
  Durable(300);
  EXPECT_EQ(StoredRows(), 1u);

  OutEvent truncate;
  truncate.table = Customers();
  truncate.event.set_op(cdc::v1::OP_TRUNCATE);
  b = Run({Customer(cdc::v1::OP_INSERT, 9, "Cy", "PL"), std::move(truncate), Order(4, 8),
           Order(5, 9)},
          400);
  EXPECT_EQ(After(b.events[2].event, "customers_name"), "NULL");
  EXPECT_EQ(After(b.events[3].event, "customers_name"), "NULL");
  Durable(400);
  EXPECT_EQ(StoredRows(), 0u);
}

TEST_F(JoinTest, AKeyChangeMovesTheRow) {
  Run({Customer(cdc::v1::OP_INSERT, 7, "Ann", "DE")}, 100);
  OutEvent moved = Customer(cdc::v1::OP_UPDATE, 70, "Ann", "DE");
  AddInt(moved.event.mutable_before(), "id", 7);
  Batch b = Run({std::move(moved), Order(1, 7), Order(2, 70)}, 200);
  EXPECT_EQ(After(b.events[1].event, "customers_name"), "NULL");
  EXPECT_EQ(After(b.events[2].event, "customers_name"), "Ann");
}

TEST_F(JoinTest, AnUnchangedOrMissingJoinColumnLeavesTheJoinedColumnsUnknown) {
  OutEvent order = Order(1, 7, cdc::v1::OP_UPDATE);
  order.event.mutable_after(1)->mutable_value()->set_unchanged(true);
  Batch b = Run({std::move(order)}, 100);
  EXPECT_EQ(After(b.events[0].event, "customers_name"), "UNCHANGED");
  OutEvent minimal = Order(2, 7, cdc::v1::OP_UPDATE);
  minimal.event.mutable_after()->DeleteSubrange(1, 1);
  b = Run({std::move(minimal)}, 200);
  EXPECT_EQ(After(b.events[0].event, "customers_name"), "(absent)");
}

TEST(JoinConfigTest, MissingDropDropsAndAPrefixNamesTheColumns) {
  AgentConfig config = Config(std::string(kJoin) + "    missing: drop\n    prefix: c_\n");
  auto store = offsets::NewMemoryOffsetStore();
  std::unique_ptr<TransformState> state = TransformState::For(config, store.get());
  Dispatcher d(config, state.get());
  Batch b;
  b.events.push_back(Customer(cdc::v1::OP_READ, 7, "Ann", "DE"));
  b.events.push_back(Order(1, 7));
  b.events.push_back(Order(2, 8));
  ASSERT_TRUE(d.Apply(&b).ok());
  ASSERT_EQ(b.events.size(), 2u);
  EXPECT_EQ(After(b.events[1].event, "c_name"), "Ann");
}

// The error of dispatching `event` through a join of `join_yaml`.
std::string ErrorOf(const std::string& join_yaml, OutEvent event) {
  AgentConfig config = Config(join_yaml);
  auto store = offsets::NewMemoryOffsetStore();
  std::unique_ptr<TransformState> state = TransformState::For(config, store.get());
  Dispatcher d(config, state.get());
  Batch b;
  b.events.push_back(std::move(event));
  Status s = d.Apply(&b);
  return s.ok() ? "ok" : s.message();
}

TEST(JoinConfigTest, ErrorsNameTheTransformAndWhatToFix) {
  OutEvent keyless = Customer(cdc::v1::OP_INSERT, 7, "Ann", "DE");
  keyless.table = Customers(/*with_key=*/false);
  EXPECT_EQ(ErrorOf(kJoin, std::move(keyless)),
            "transforms[0] (join): table shop.customers has no primary key, and a lookup join "
            "finds its rows by it; give the table a primary key or remove the join");
  EXPECT_EQ(ErrorOf("  - type: join\n    tables: [shop.orders]\n    from: shop.customers\n"
                    "    on: [customer_id, id]\n    columns: [name]\n",
                    Customer(cdc::v1::OP_INSERT, 7, "Ann", "DE")),
            "transforms[0] (join): on names 2 column(s), but the primary key of shop.customers "
            "has 1 (id); name one column per key column, in key order");
  EXPECT_EQ(ErrorOf("  - type: join\n    tables: [shop.orders]\n    from: shop.customers\n"
                    "    on: [customer_id]\n    columns: [nmae]\n",
                    Customer(cdc::v1::OP_INSERT, 7, "Ann", "DE")),
            "transforms[0] (join): columns: table shop.customers has no column 'nmae'; fix the "
            "join's columns");
  EXPECT_EQ(ErrorOf("  - type: join\n    tables: [shop.orders]\n    from: shop.customers\n"
                    "    on: [customer]\n    columns: [name]\n",
                    Order(1, 7)),
            "transforms[0] (join) on shop.orders: on: unknown column 'customer' (the table has: "
            "id, customer_id, amount); fix the transform in the config file");
  EXPECT_EQ(ErrorOf("  - type: join\n    tables: [shop.orders]\n    from: shop.customers\n"
                    "    on: [customer_id]\n    columns: [amount]\n    prefix: ''\n",
                    Order(1, 7)),
            "transforms[0] (join) on shop.orders: the joined column 'amount' would be named "
            "'amount', a name the row has; choose another prefix; fix the transform in the "
            "config file");
}

TEST(JoinConfigTest, ConfigErrors) {
  auto error = [](const std::string& join_yaml) {
    const std::string yaml =
        "name: a\nsource:\n  type: postgres\n  user: u\n  database: d\nkafka:\n  brokers: "
        "127.0.0.1:9092\noffsets:\n  path: /tmp/x\ntransforms:\n" +
        join_yaml;
    Result<AgentConfig> c = ParseConfig(yaml, [](const std::string&) { return std::nullopt; });
    return c.ok() ? std::string("ok") : c.status().message();
  };
  EXPECT_NE(error("  - type: join\n    from: customers\n    on: [a]\n    columns: [b]\n")
                .find("from: must name one table as schema.table"),
            std::string::npos);
  EXPECT_NE(error("  - type: join\n    from: s.c\n    columns: [b]\n").find("on"),
            std::string::npos);
  EXPECT_NE(error("  - type: join\n    from: s.c\n    on: [a]\n").find("columns"),
            std::string::npos);
  EXPECT_NE(error("  - type: join\n    from: s.c\n    on: [a]\n    columns: [b]\n    missing: "
                  "skip\n")
                .find("must be null or drop"),
            std::string::npos);
  EXPECT_EQ(error("  - type: join\n    from: s.c\n    on: [a]\n    columns: [b]\n    missing: "
                  "null\n"),
            "ok");
}

}  // namespace
}  // namespace cdc::agent
