#include "agent/dispatch.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <map>

#include "agent/batch_encoder.h"
#include "agent/config.h"
#include "agent/event_json.h"

namespace cdc::agent {
namespace {

TableShapePtr Orders(cdc::v1::SourceKind kind = cdc::v1::SOURCE_KIND_POSTGRES) {
  auto s = std::make_shared<TableShape>();
  s->kind = kind;
  s->schema = "shop";
  s->table = "orders";
  s->columns = {{"id", "int4"}, {"country", "text"}, {"email", "varchar(80)"},
                {"amount", "numeric(8,2)"}, {"region", "text"}};
  s->key = {0};
  return s;
}

cdc::v1::Column Col(const std::string& name, const std::string& type) {
  cdc::v1::Column c;
  c.set_name(name);
  c.set_type(type);
  return c;
}

void AddRow(google::protobuf::RepeatedPtrField<cdc::v1::Column>* image, int64_t id,
            const std::string& country, const std::string& email, const std::string& amount,
            const std::string& region) {
  auto* c = image->Add();
  *c = Col("id", "int4");
  c->mutable_value()->set_int_value(id);
  c = image->Add();
  *c = Col("country", "text");
  c->mutable_value()->set_text_value(country);
  c = image->Add();
  *c = Col("email", "varchar(80)");
  c->mutable_value()->set_text_value(email);
  c = image->Add();
  *c = Col("amount", "numeric(8,2)");
  c->mutable_value()->set_decimal_value(amount);
  c = image->Add();
  *c = Col("region", "text");
  c->mutable_value()->set_text_value(region);
}

OutEvent Insert(const TableShapePtr& shape, int64_t id, const std::string& country,
                const std::string& email = "ann@example.com", const std::string& amount = "1.50",
                const std::string& region = "eu") {
  OutEvent e;
  e.table = shape;
  e.event.set_op(cdc::v1::OP_INSERT);
  e.event.mutable_source()->set_schema(shape->schema);
  e.event.mutable_source()->set_table(shape->table);
  e.event.add_key_columns("id");
  AddRow(e.event.mutable_after(), id, country, email, amount, region);
  return e;
}

OutEvent Delete(const TableShapePtr& shape, int64_t id) {
  OutEvent e;
  e.table = shape;
  e.event.set_op(cdc::v1::OP_DELETE);
  e.event.add_key_columns("id");
  // A key-only before image, as PostgreSQL's default replica identity gives.
  auto* c = e.event.add_before();
  *c = Col("id", "int4");
  c->mutable_value()->set_int_value(id);
  return e;
}

AgentConfig Config(const std::string& transforms_yaml = "") {
  const std::string yaml =
      "name: a\nsource:\n  type: postgres\n  user: u\n  database: d\nkafka:\n  brokers: "
      "127.0.0.1:9092\n  topic_prefix: p\noffsets:\n  path: /tmp/x\n" +
      transforms_yaml;
  auto env = [](const std::string& name) -> std::optional<std::string> {
    if (name == "MASK_SALT") return std::string("pepper");
    return std::nullopt;
  };
  Result<AgentConfig> c = ParseConfig(yaml, env);
  EXPECT_TRUE(c.ok()) << c.status().ToString();
  return c.ok() ? *c : AgentConfig();
}

// The result of dispatching one insert of Orders() through `transforms`.
Status ApplyToOneInsert(const std::string& transforms) {
  Dispatcher d(Config(transforms));
  Batch b;
  b.events.push_back(Insert(Orders(), 1, "DE"));
  return d.Apply(&b);
}

std::string Text(const cdc::v1::ChangeEvent& e, const std::string& column) {
  for (const auto& c : e.after()) {
    if (c.name() == column) return c.value().ShortDebugString();
  }
  return "(absent)";
}

TEST(DispatchTest, NamesTheTopicAndBuildsTheKeyFromTheShape) {
  Dispatcher d(Config());
  Batch b;
  auto shape = Orders();
  b.events.push_back(Insert(shape, 7, "DE"));
  b.events.push_back(Delete(shape, 7));
  OutEvent ready;  // no shape: left as the source made it
  ready.topic = "p.transaction";
  b.events.push_back(ready);
  ASSERT_TRUE(d.Apply(&b).ok());
  ASSERT_EQ(b.events.size(), 3u);
  EXPECT_EQ(b.events[0].topic, "p.shop.orders");
  ASSERT_TRUE(b.events[0].has_key);
  EXPECT_EQ(b.events[0].key.columns(0).name(), "id");
  EXPECT_EQ(b.events[0].key.columns(0).value().int_value(), 7);
  // The delete's key comes from its key-only before image.
  EXPECT_TRUE(b.events[1].has_key);
  EXPECT_EQ(b.events[1].key.SerializeAsString(), b.events[0].key.SerializeAsString());
  EXPECT_EQ(b.events[2].topic, "p.transaction");
  EXPECT_FALSE(b.events[2].has_key);
}

TEST(DispatchTest, NoKeyForAKeylessTableNullKeyOrTruncate) {
  Dispatcher d(Config());
  auto keyless = std::make_shared<TableShape>(*Orders());
  keyless->key.clear();
  Batch b;
  b.events.push_back(Insert(keyless, 1, "DE"));
  OutEvent null_key = Insert(Orders(), 1, "DE");
  null_key.event.mutable_after(0)->mutable_value()->set_null(true);
  b.events.push_back(null_key);
  OutEvent truncate;
  truncate.table = Orders();
  truncate.event.set_op(cdc::v1::OP_TRUNCATE);
  b.events.push_back(truncate);
  ASSERT_TRUE(d.Apply(&b).ok());
  for (const OutEvent& e : b.events) EXPECT_FALSE(e.has_key) << e.event.ShortDebugString();
}

TEST(DispatchTest, AnUpdateWithoutTheKeyInItsNewRowTakesItFromTheOld) {
  Dispatcher d(Config());
  OutEvent e = Insert(Orders(), 3, "DE");
  e.event.set_op(cdc::v1::OP_UPDATE);
  *e.event.mutable_before() = e.event.after();
  e.event.mutable_after()->DeleteSubrange(0, 1);  // a minimal row image
  Batch b;
  b.events.push_back(e);
  ASSERT_TRUE(d.Apply(&b).ok());
  ASSERT_TRUE(b.events[0].has_key);
  EXPECT_EQ(b.events[0].key.columns(0).value().int_value(), 3);
}

TEST(DispatchTest, FilterByOperationDropsEventsAndKeepsOrder) {
  Dispatcher d(Config("transforms:\n  - type: filter\n    ops: [insert]\n"));
  Batch b;
  b.events.push_back(Insert(Orders(), 1, "DE"));
  b.events.push_back(Delete(Orders(), 1));
  b.events.push_back(Insert(Orders(), 2, "FR"));
  b.end_position = offsets::Position::Postgres(42);
  ASSERT_TRUE(d.Apply(&b).ok());
  ASSERT_EQ(b.events.size(), 2u);
  EXPECT_EQ(b.events[0].key.columns(0).value().int_value(), 1);
  EXPECT_EQ(b.events[1].key.columns(0).value().int_value(), 2);
  // A dropped event still counts as published.
  ASSERT_TRUE(b.end_position.has_value());
  EXPECT_EQ(d.counters().filtered, 1u);
}

TEST(DispatchTest, ProjectKeepsRenamesAndNamesTheTableOfTheTopic) {
  Dispatcher d(Config(
      "transforms:\n  - type: project\n    tables: [shop.ord*]\n    exclude: [email, region]\n"
      "    rename: {id: order_id}\n    table: sales\n"));
  Batch b;
  b.events.push_back(Insert(Orders(), 5, "DE"));
  b.events.push_back(Delete(Orders(), 5));
  ASSERT_TRUE(d.Apply(&b).ok());
  const cdc::v1::ChangeEvent& e = b.events[0].event;
  ASSERT_EQ(e.after_size(), 3);
  EXPECT_EQ(e.after(0).name(), "order_id");
  EXPECT_EQ(e.after(1).name(), "country");
  EXPECT_EQ(e.after(2).name(), "amount");
  EXPECT_EQ(e.key_columns(0), "order_id");
  EXPECT_EQ(b.events[0].topic, "p.shop.sales");
  EXPECT_EQ(b.events[0].key.columns(0).name(), "order_id");
  // The key-only before image of the delete is renamed too.
  ASSERT_TRUE(b.events[1].has_key);
  EXPECT_EQ(b.events[1].event.before(0).name(), "order_id");
  EXPECT_EQ(b.events[1].key.SerializeAsString(), b.events[0].key.SerializeAsString());
}

TEST(DispatchTest, RowsATransformRanOverAreNotKeptAsNamedByTheirTable) {
  // The source filled the rows as the shape names them; a rename changed
  // them. Recycled, they must be named again by the next fill.
  Dispatcher d(Config(
      "transforms:\n  - type: project\n    tables: [shop.orders]\n    rename: {id: order_id}\n"));
  const TableShapePtr shape = Orders();
  Batch b;
  b.events.push_back(Insert(shape, 5, "DE"));
  b.events[0].rows_named_by_table = true;
  ASSERT_TRUE(d.Apply(&b).ok());
  ASSERT_EQ(b.events.size(), 1u);
  EXPECT_EQ(b.events[0].event.after(0).name(), "order_id");
  EXPECT_FALSE(b.events[0].rows_named_by_table);
  b.events[0].Clear();
  EventSpares spares;
  spares.TakeFrom(&b.events[0].spares);
  cdc::v1::ChangeEvent refill;
  {
    ColumnFill fill(refill.mutable_after(), &spares, shape.get());
    for (const TableShape::Column& c : shape->columns) fill.Next(c.name, c.type)->set_null(true);
  }
  ASSERT_EQ(refill.after_size(), 5);
  EXPECT_EQ(refill.after(0).name(), "id");
}

TEST(DispatchTest, RowsNoTransformRanOverStayNamedByTheirTable) {
  Dispatcher d(Config(
      "transforms:\n  - type: project\n    tables: [shop.customers]\n    exclude: [email]\n"));
  Batch b;
  b.events.push_back(Insert(Orders(), 5, "DE"));
  b.events[0].rows_named_by_table = true;
  ASSERT_TRUE(d.Apply(&b).ok());
  EXPECT_TRUE(b.events[0].rows_named_by_table);
}

TEST(DispatchTest, ProjectOfAnotherTableLeavesThisOneAlone) {
  Dispatcher d(Config("transforms:\n  - type: project\n    tables: [shop.customers]\n"
                      "    exclude: [email]\n"));
  Batch b;
  b.events.push_back(Insert(Orders(), 5, "DE"));
  ASSERT_TRUE(d.Apply(&b).ok());
  EXPECT_EQ(b.events[0].event.after_size(), 5);
}

TEST(DispatchTest, ProjectThatDropsAKeyColumnIsRefused) {
  Status s = ApplyToOneInsert("transforms:\n  - type: project\n    include: [country]\n");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.message(),
            "transforms[0] (project) on shop.orders: removes key column 'id', which the message "
            "key needs; keep it, or choose the key columns with a route transform; fix the "
            "transform in the config file");
}

TEST(DispatchTest, MaskNullValueKeepLastAndSaltedHash) {
  Dispatcher d(Config(
      "transforms:\n  - type: mask\n    salt_env: MASK_SALT\n    columns:\n"
      "      email: hash\n      country: {value: XX}\n      region: {keep_last: 2}\n"
      "      amount: null\n"));
  Batch b;
  b.events.push_back(Insert(Orders(), 1, "DE", "ann@example.com", "1.50", "Zürich"));
  b.events.push_back(Insert(Orders(), 2, "FR", "ann@example.com", "2.00", "eu"));
  ASSERT_TRUE(d.Apply(&b).ok());
  const cdc::v1::ChangeEvent& e = b.events[0].event;
  // sha256("pepper" + "ann@example.com"), computed independently.
  EXPECT_EQ(e.after(2).value().text_value(),
            "831740710d6a8225c6ad8e71610353afdfcf9f6a3caa448dc11ab17a513081c2");
  EXPECT_EQ(Text(e, "email"), Text(b.events[1].event, "email")) << "the same value hashes the same";
  EXPECT_EQ(Text(e, "country"), "text_value: \"XX\"");
  EXPECT_EQ(e.after(4).value().text_value(), "****ch");
  EXPECT_EQ(Text(b.events[1].event, "region"), "text_value: \"eu\"");
  EXPECT_EQ(Text(e, "amount"), "null: true");
}

TEST(DispatchTest, MaskNullOfAKeyColumnIsRefused) {
  Status s = ApplyToOneInsert("transforms:\n  - type: mask\n    columns:\n      id: null\n");
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("'id' is a key column"), std::string::npos) << s.message();
}

TEST(DispatchTest, AMaskThatWouldMergeKeysIsRefused) {
  Status s =
      ApplyToOneInsert("transforms:\n  - type: mask\n    columns:\n      id: {keep_last: 1}\n");
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("'id' is a key column: this mask would give rows the same key"),
            std::string::npos)
      << s.message();
}

TEST(DispatchTest, MaskMakesTheColumnText) {
  Dispatcher d(Config("transforms:\n  - type: mask\n    columns:\n      amount: {value: x}\n"));
  Batch b;
  b.events.push_back(Insert(Orders(), 1, "DE"));
  ASSERT_TRUE(d.Apply(&b).ok());
  EXPECT_EQ(b.events[0].event.after(3).type(), "text");
  EXPECT_EQ(b.events[0].event.after(3).value().text_value(), "x");
}

TEST(TransformConfigTest, ProjectAndMaskAreRefusedWithDebeziumJson) {
  const std::string yaml =
      "name: a\nsource:\n  type: postgres\n  user: u\n  database: d\nkafka:\n  brokers: "
      "127.0.0.1:9092\n  format: debezium-json\noffsets:\n  path: /tmp/x\n"
      "transforms:\n  - type: project\n    exclude: [a]\n";
  Result<AgentConfig> c = ParseConfig(yaml, [](const std::string&) { return std::nullopt; });
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().message(),
            "config:11: transforms: transforms[0] (project) with kafka.format debezium-json is "
            "not supported yet (its schema is the table's); use the protobuf or json format");
}

TEST(TransformConfigTest, ErrorsNameTheKeyAndLine) {
  auto parse = [](const std::string& transforms) {
    const std::string yaml =
        "name: a\nsource:\n  type: postgres\n  user: u\n  database: d\nkafka:\n  brokers: "
        "127.0.0.1:9092\noffsets:\n  path: /tmp/x\ntransforms:\n" + transforms;
    Result<AgentConfig> c = ParseConfig(yaml, [](const std::string&) { return std::nullopt; });
    return c.ok() ? std::string("ok") : c.status().message();
  };
  EXPECT_EQ(parse("  - type: filtre\n    ops: [insert]\n"),
            "config:11: transforms[0].type: must be one of filter, project, mask, compute, split, "
            "route, unwrap, join, aggregate, got "
            "\"filtre\"");
  EXPECT_EQ(parse("  - type: filter\n    ops: [upsert]\n"),
            "config:12: transforms[0].ops: \"upsert\" is not an operation; expected insert, "
            "update, delete, read, truncate");
  EXPECT_EQ(parse("  - type: mask\n    columns:\n      email: hash\n"),
            "config: transforms[0].salt_env: required key is missing: a hash mask needs the name "
            "of the environment variable that holds its salt (without a secret salt a hash of a "
            "short value can be reversed by trying every value)");
  EXPECT_EQ(parse("  - type: mask\n    salt_env: NOPE\n    columns:\n      email: hash\n"),
            "config:12: transforms[0].salt_env: environment variable NOPE is not set or empty");
  EXPECT_EQ(parse("  - type: route\n    tables: [a.b]\n"),
            "config:11: transforms[0]: a route needs topic (a template), key (columns), or both");
}

TEST(DispatchTest, FilterByExpressionOverTheRowAndTheOperation) {
  Dispatcher d(Config("transforms:\n  - type: filter\n"
                      "    when: \"after.country == 'DE' && op != 'delete' && amount > 1.5\"\n"));
  Batch b;
  b.events.push_back(Insert(Orders(), 1, "DE", "a@b", "2.00"));
  b.events.push_back(Insert(Orders(), 2, "FR", "a@b", "2.00"));
  b.events.push_back(Insert(Orders(), 3, "DE", "a@b", "1.50"));
  b.events.push_back(Delete(Orders(), 1));
  ASSERT_TRUE(d.Apply(&b).ok());
  ASSERT_EQ(b.events.size(), 1u);
  EXPECT_EQ(b.events[0].key.columns(0).value().int_value(), 1);
  EXPECT_EQ(d.counters().filtered, 3u);
}

TEST(DispatchTest, AFilterThatIsNotABoolIsRefused) {
  Status s = ApplyToOneInsert("transforms:\n  - type: filter\n    when: \"after.amount + 1\"\n");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.message(),
            "transforms[0] (filter) on shop.orders: when: must give a bool, gives decimal; fix "
            "the transform in the config file");
}

TEST(DispatchTest, AnExpressionErrorNamesTheTransformTableAndColumn) {
  Status s =
      ApplyToOneInsert("transforms:\n  - type: filter\n    when: \"after.contry == 'DE'\"\n");
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("transforms[0] (filter) on shop.orders: when: column 1: unknown "
                             "column 'after.contry'"),
            std::string::npos)
      << s.message();
}

TEST(DispatchTest, ComputeAddsAndReplacesColumnsInOrder) {
  Dispatcher d(Config(
      "transforms:\n  - type: compute\n    columns:\n"
      "      cents: \"cast(amount * 100 as int)\"\n"
      "      country: \"lookup('names', country, 'other')\"\n"
      "      label: \"concat(upper(region), '-', cents)\"\n"
      "    maps:\n      names: {DE: Germany, FR: France}\n"));
  Batch b;
  b.events.push_back(Insert(Orders(), 1, "DE", "a@b", "2.50", "eu"));
  b.events.push_back(Insert(Orders(), 2, "XX", "a@b", "1.00", "us"));
  ASSERT_TRUE(d.Apply(&b).ok());
  const cdc::v1::ChangeEvent& e = b.events[0].event;
  ASSERT_EQ(e.after_size(), 7);
  EXPECT_EQ(e.after(5).name(), "cents");
  EXPECT_EQ(e.after(5).value().int_value(), 250);
  EXPECT_EQ(e.after(1).value().text_value(), "Germany");
  EXPECT_EQ(e.after(6).name(), "label");
  EXPECT_EQ(e.after(6).value().text_value(), "EU-250");
  EXPECT_EQ(b.events[1].event.after(1).value().text_value(), "other");
}

TEST(DispatchTest, RunTimeFailuresFollowThePolicy) {
  const std::string compute =
      "transforms:\n  - type: compute\n    columns:\n      n: \"cast(country as int)\"\n";
  {
    Dispatcher d(Config(compute));
    Batch b;
    b.events.push_back(Insert(Orders(), 1, "12"));
    b.events.push_back(Insert(Orders(), 2, "DE"));
    Status s = d.Apply(&b);
    ASSERT_FALSE(s.ok());
    EXPECT_NE(s.message().find("transforms[0] (compute) on shop.orders: "), std::string::npos)
        << s.message();
    EXPECT_NE(s.message().find("(set on_error: drop, null or dead-letter"), std::string::npos) << s.message();
  }
  {
    Dispatcher d(Config(compute + "    on_error: drop\n"));
    Batch b;
    b.events.push_back(Insert(Orders(), 1, "12"));
    b.events.push_back(Insert(Orders(), 2, "DE"));
    ASSERT_TRUE(d.Apply(&b).ok());
    ASSERT_EQ(b.events.size(), 1u);
    EXPECT_EQ(b.events[0].event.after(5).value().int_value(), 12);
    EXPECT_EQ(d.counters().dropped, 1u);
  }
  {
    Dispatcher d(Config(compute + "    on_error: null\n"));
    Batch b;
    b.events.push_back(Insert(Orders(), 2, "DE"));
    ASSERT_TRUE(d.Apply(&b).ok());
    ASSERT_EQ(b.events.size(), 1u);
    EXPECT_TRUE(b.events[0].event.after(5).value().null());
    EXPECT_EQ(d.counters().nulled, 1u);
  }
}

TEST(DispatchTest, ADeadLetterIsTheSourceEventWithTheReason) {
  Dispatcher d(Config("transforms:\n  - type: project\n    exclude: [email]\n"
                      "  - type: compute\n    columns:\n      n: \"cast(country as int)\"\n"
                      "    on_error: dead-letter\n"));
  Batch b;
  b.events.push_back(Insert(Orders(), 1, "12"));
  b.events.push_back(Insert(Orders(), 2, "DE"));
  ASSERT_TRUE(d.Apply(&b).ok());
  ASSERT_EQ(b.events.size(), 2u);
  EXPECT_EQ(b.events[0].topic, "p.shop.orders");
  EXPECT_TRUE(b.events[0].extra_headers.empty());
  const OutEvent& dead = b.events[1];
  EXPECT_EQ(dead.topic, "p.dead-letter");
  // As the source gave it: the projected-away column is there.
  EXPECT_EQ(dead.event.after_size(), 5);
  EXPECT_EQ(Text(dead.event, "email"), "text_value: \"ann@example.com\"");
  ASSERT_TRUE(dead.has_key);
  EXPECT_EQ(dead.key.columns(0).value().int_value(), 2);
  ASSERT_EQ(dead.extra_headers.size(), 2u);
  EXPECT_EQ(dead.extra_headers[0].first, "cdc-error");
  EXPECT_EQ(dead.extra_headers[0].second, "cast('DE' as int): not an integer");
  EXPECT_EQ(dead.extra_headers[1].second, "transforms[1] (compute) on shop.orders");
  EXPECT_EQ(d.counters().dead_lettered, 1u);
  // The encoder puts the reason in the message's headers.
  BatchEncoder encoder(Config().kafka);
  ASSERT_TRUE(encoder.Open().ok());
  Result<EncodedBatch> encoded = encoder.Encode(std::move(b), nullptr);
  ASSERT_TRUE(encoded.ok()) << encoded.status().ToString();
  const EncodedBatch::Message& m = encoded->messages[1];
  std::vector<HeaderView> headers;
  encoded->HeaderViews(m.headers_begin, m.headers_end, &headers);
  std::map<std::string, std::string> by_name;
  for (const HeaderView& h : headers) by_name[std::string(h.name)] = std::string(h.value);
  EXPECT_EQ(by_name["cdc-error"], "cast('DE' as int): not an integer");
  EXPECT_EQ(by_name["cdc-op"], "insert");
}

TEST(DispatchTest, ComputeOverAnUnchangedToastValueIsUnchanged) {
  Dispatcher d(Config("transforms:\n  - type: compute\n    columns:\n"
                      "      e2: \"upper(email)\"\n"));
  OutEvent e = Insert(Orders(), 1, "DE");
  e.event.set_op(cdc::v1::OP_UPDATE);
  e.event.mutable_after(2)->mutable_value()->set_unchanged(true);
  Batch b;
  b.events.push_back(e);
  ASSERT_TRUE(d.Apply(&b).ok());
  EXPECT_TRUE(b.events[0].event.after(5).value().unchanged());
}

TEST(DispatchTest, ARouteKeyLetsAProjectDropTheSourceKey) {
  Dispatcher d(Config("transforms:\n  - type: project\n    exclude: [id]\n"
                      "  - type: route\n    key: [email]\n"));
  Batch b;
  b.events.push_back(Insert(Orders(), 1, "DE", "ann@example.com"));
  ASSERT_TRUE(d.Apply(&b).ok());
  ASSERT_TRUE(b.events[0].has_key);
  EXPECT_EQ(b.events[0].key.columns(0).name(), "email");
  EXPECT_EQ(b.events[0].event.after_size(), 4);
}

TEST(DispatchTest, SplitByDelimiterTheLastColumnTakesTheRest) {
  Dispatcher d(Config("transforms:\n  - type: split\n    column: email\n    delimiter: \"@\"\n"
                      "    into: [user, domain, extra]\n    keep_source: false\n"));
  Batch b;
  b.events.push_back(Insert(Orders(), 1, "DE", "ann@example.com"));
  b.events.push_back(Insert(Orders(), 2, "DE", "a@b@c@d"));
  OutEvent null_email = Insert(Orders(), 3, "DE");
  null_email.event.mutable_after(2)->mutable_value()->set_null(true);
  b.events.push_back(null_email);
  ASSERT_TRUE(d.Apply(&b).ok());
  const cdc::v1::ChangeEvent& e = b.events[0].event;
  std::vector<std::string> names;
  for (const auto& c : e.after()) names.push_back(c.name());
  EXPECT_EQ(names, (std::vector<std::string>{"id", "country", "amount", "region", "user",
                                             "domain", "extra"}));
  EXPECT_EQ(Text(e, "user"), "text_value: \"ann\"");
  EXPECT_EQ(Text(e, "domain"), "text_value: \"example.com\"");
  EXPECT_EQ(Text(e, "extra"), "null: true");
  EXPECT_EQ(Text(b.events[1].event, "extra"), "text_value: \"c@d\"");
  EXPECT_EQ(Text(b.events[2].event, "user"), "null: true");
}

TEST(DispatchTest, SplitByRegexNamedGroups) {
  Dispatcher d(Config(
      "transforms:\n  - type: split\n    column: email\n"
      "    regex: \"(?<user>[^@]+)@(?:mail\\\\.)?(?<domain>[a-z.]+)\"\n    on_error: null\n"));
  Batch b;
  b.events.push_back(Insert(Orders(), 1, "DE", "ann@mail.example.com"));
  b.events.push_back(Insert(Orders(), 2, "DE", "no at sign"));
  ASSERT_TRUE(d.Apply(&b).ok());
  EXPECT_EQ(Text(b.events[0].event, "user"), "text_value: \"ann\"");
  EXPECT_EQ(Text(b.events[0].event, "domain"), "text_value: \"example.com\"");
  EXPECT_EQ(Text(b.events[0].event, "email"), "text_value: \"ann@mail.example.com\"");
  EXPECT_EQ(Text(b.events[1].event, "user"), "null: true");
  EXPECT_EQ(d.counters().nulled, 1u);
}

TEST(DispatchTest, SplitThatDropsTheKeyColumnIsRefused) {
  Status s = ApplyToOneInsert("transforms:\n  - type: split\n    column: id\n    delimiter: \"-\"\n"
                      "    into: [a, b]\n    keep_source: false\n");
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("keep_source: false removes key column 'id'"), std::string::npos)
      << s.message();
}

TEST(DispatchTest, UnwrapPublishesTheRowWithTheFieldsAsked) {
  Dispatcher d(Config("transforms:\n  - type: unwrap\n    add_fields: [op, table, source]\n"
                      "  - type: project\n    include: [id, country]\n"));
  Batch b;
  b.events.push_back(Insert(Orders(), 1, "DE"));
  b.events.push_back(Delete(Orders(), 1));
  ASSERT_TRUE(d.Apply(&b).ok());
  ASSERT_TRUE(b.events[0].row.has_value());
  EXPECT_EQ(RowToPlainJson(*b.events[0].row),
            R"({"id":1,"country":"DE","__op":"insert","__table":"orders","__source":"a",)"
            R"("__deleted":false})");
  // A delete: the old row (here its key), flagged; its key as ever.
  EXPECT_EQ(RowToPlainJson(*b.events[1].row),
            R"({"id":1,"__op":"delete","__table":"orders","__source":"a","__deleted":true})");
  ASSERT_TRUE(b.events[1].has_key);
  EXPECT_EQ(b.events[1].event.op(), cdc::v1::OP_DELETE);
  // The encoder writes the row and names its schema.
  BatchEncoder encoder(Config().kafka);
  ASSERT_TRUE(encoder.Open().ok());
  Result<EncodedBatch> encoded = encoder.Encode(std::move(b), nullptr);
  ASSERT_TRUE(encoded.ok()) << encoded.status().ToString();
  cdc::v1::Row row;
  ASSERT_TRUE(row.ParseFromString(std::string(encoded->Value(encoded->messages[0]))));
  EXPECT_EQ(row.columns(1).value().text_value(), "DE");
  std::vector<HeaderView> headers;
  encoded->HeaderViews(encoded->messages[0].headers_begin, encoded->messages[0].headers_end,
                       &headers);
  std::map<std::string, std::string> by_name;
  for (const HeaderView& h : headers) by_name[std::string(h.name)] = std::string(h.value);
  EXPECT_EQ(by_name["cdc-schema"], "cdc.v1.Row");
  EXPECT_TRUE(encoded->messages[1].is_delete);
}

TEST(RowToPlainJsonTest, EveryKindOfValue) {
  cdc::v1::Row row;
  auto add = [&row](const std::string& name) {
    cdc::v1::Column* c = row.add_columns();
    c->set_name(name);
    return c->mutable_value();
  };
  add("n")->set_null(true);
  add("u")->set_unchanged(true);
  add("b")->set_bool_value(true);
  add("i")->set_int_value(-7);
  add("big")->set_uint_value(18446744073709551615ull);
  add("d")->set_double_value(1.5);
  add("nan")->set_double_value(std::nan(""));
  add("dec")->set_decimal_value("12.50");
  add("t")->set_text_value("a\"b");
  add("j")->set_json_value(R"({"k":[1,2]})");
  add("by")->set_bytes_value("\x01\x02");
  cdc::v1::Date* date = add("day")->mutable_date_value();
  date->set_year(2024);
  date->set_month(3);
  date->set_day(1);
  cdc::v1::Timestamp* ts = add("ts")->mutable_timestamp_value();
  ts->set_epoch_micros(1709296496789012);
  ts->set_with_time_zone(true);
  add("set")->mutable_set_value()->add_labels("x");
  cdc::v1::Array* arr = add("arr")->mutable_array_value();
  arr->add_elements()->set_int_value(1);
  arr->add_elements()->set_null(true);
  EXPECT_EQ(RowToPlainJson(row),
            R"({"n":null,"b":true,"i":-7,"big":18446744073709551615,"d":1.5,"nan":"NaN",)"
            R"("dec":"12.50","t":"a\"b","j":{"k":[1,2]},"by":"AQI=","day":"2024-03-01",)"
            R"("ts":"2024-03-01T12:34:56.789012Z","set":["x"],"arr":[1,null]})");
}

TEST(TransformConfigTest, UnwrapIsRefusedWithARegistry) {
  const std::string yaml =
      "name: a\nsource:\n  type: postgres\n  user: u\n  database: d\nkafka:\n  brokers: "
      "127.0.0.1:9092\n  schema_registry:\n    url: http://127.0.0.1:1\noffsets:\n  path: /tmp/x\n"
      "transforms:\n  - type: unwrap\n";
  Result<AgentConfig> c = ParseConfig(yaml, [](const std::string&) { return std::nullopt; });
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("transforms[0] (unwrap) is not supported yet with "
                                      "kafka.format debezium-json nor with kafka.schema_registry"),
            std::string::npos)
      << c.status().message();
}

TEST(DispatchTest, ComputeOverwritesAColumnFromItsOwnValue) {
  Dispatcher d(Config("transforms:\n  - type: compute\n    columns:\n"
                      "      email: \"trim(email)\"\n      region: \"substr(region, 3)\"\n"
                      "      amount: \"cast(amount as text)\"\n"
                      "      n: \"length(amount)\"\n"));
  Batch b;
  b.events.push_back(Insert(Orders(), 1, "DE", "   a-rather-long-address@example.com   ", "1.50",
                            "a region name longer than sixteen bytes"));
  ASSERT_TRUE(d.Apply(&b).ok());
  const cdc::v1::ChangeEvent& e = b.events[0].event;
  EXPECT_EQ(Text(e, "email"), "text_value: \"a-rather-long-address@example.com\"");
  EXPECT_EQ(Text(e, "region"), "text_value: \"region name longer than sixteen bytes\"");
  // The overwritten column is text now, in the event and for what follows.
  EXPECT_EQ(e.after(3).type(), "text");
  EXPECT_EQ(Text(e, "amount"), "text_value: \"1.50\"");
  EXPECT_EQ(Text(e, "n"), "int_value: 4");
}

TEST(DispatchTest, ValuesAnEventDoesNotCarryAreNotKnownNotNull) {
  Dispatcher d(Config("transforms:\n  - type: filter\n    when: \"country == 'DE'\"\n"
                      "  - type: compute\n    columns:\n      c2: \"lower(country)\"\n"));
  Batch b;
  b.events.push_back(Insert(Orders(), 1, "FR"));  // dropped: known not DE
  b.events.push_back(Delete(Orders(), 2));        // its old row is the key alone: kept
  OutEvent truncate;
  truncate.table = Orders();
  truncate.event.set_op(cdc::v1::OP_TRUNCATE);
  b.events.push_back(truncate);  // no row to test: kept
  ASSERT_TRUE(d.Apply(&b).ok());
  ASSERT_EQ(b.events.size(), 2u);
  EXPECT_EQ(b.events[0].event.op(), cdc::v1::OP_DELETE);
  // Nothing computed from a value it lacks.
  EXPECT_EQ(b.events[0].event.before_size(), 1);
  EXPECT_EQ(b.events[1].event.op(), cdc::v1::OP_TRUNCATE);
}

TEST(DispatchTest, SplitWithoutTheSourceRemovesItFromBothImages) {
  Dispatcher d(Config("transforms:\n  - type: split\n    column: email\n    delimiter: \"@\"\n"
                      "    into: [user, domain]\n    keep_source: false\n"));
  OutEvent e = Insert(Orders(), 1, "DE");
  e.event.set_op(cdc::v1::OP_UPDATE);
  *e.event.mutable_before() = e.event.after();
  Batch b;
  b.events.push_back(e);
  ASSERT_TRUE(d.Apply(&b).ok());
  for (const auto& c : b.events[0].event.before()) EXPECT_NE(c.name(), "email");
  for (const auto& c : b.events[0].event.after()) EXPECT_NE(c.name(), "email");
  EXPECT_EQ(Text(b.events[0].event, "user"), "text_value: \"ann\"");
}

TEST(DispatchTest, SplitRefusesANameTwiceAndLongValuesForARegex) {
  {
    Dispatcher d(Config("transforms:\n  - type: split\n    column: email\n"
                        "    delimiter: \"@\"\n    into: [a, a]\n"));
    Batch b;
    b.events.push_back(Insert(Orders(), 1, "DE"));
    Status s = d.Apply(&b);
    ASSERT_FALSE(s.ok());
    EXPECT_NE(s.message().find("'a' is named twice"), std::string::npos) << s.message();
  }
  Dispatcher d(Config("transforms:\n  - type: split\n    column: email\n"
                      "    regex: \"(?<all>.+)\"\n    on_error: null\n"));
  Batch b;
  b.events.push_back(Insert(Orders(), 1, "DE", std::string(100000, 'x')));
  ASSERT_TRUE(d.Apply(&b).ok());
  EXPECT_EQ(Text(b.events[0].event, "all"), "null: true");
  EXPECT_EQ(d.counters().nulled, 1u);
}

TEST(DispatchTest, ASplitThatFailsUnderNullStillRemovesItsColumn) {
  Dispatcher d(Config("transforms:\n  - type: split\n    column: email\n"
                      "    regex: \"(?<user>[^@]+)@(?<domain>.+)\"\n    keep_source: false\n"
                      "    on_error: null\n"));
  Batch b;
  b.events.push_back(Insert(Orders(), 1, "DE", "no at sign"));
  ASSERT_TRUE(d.Apply(&b).ok());
  EXPECT_EQ(Text(b.events[0].event, "email"), "(absent)");
  EXPECT_EQ(Text(b.events[0].event, "user"), "null: true");
}

TEST(DispatchTest, RouteByTemplateAndColumnsWithOtherKeyColumns) {
  Dispatcher d(Config("transforms:\n  - type: route\n    topic: \"${source}-${table}.${after.region}\"\n"
                      "    key: [country, id]\n"));
  Batch b;
  b.events.push_back(Insert(Orders(), 1, "DE", "a@b", "1", "eu west"));
  b.events.push_back(Insert(Orders(), 2, "FR", "a@b", "1", "us"));
  ASSERT_TRUE(d.Apply(&b).ok());
  EXPECT_EQ(b.events[0].topic, "a-orders.eu_west");
  EXPECT_EQ(b.events[1].topic, "a-orders.us");
  ASSERT_EQ(b.events[0].key.columns_size(), 2);
  EXPECT_EQ(b.events[0].key.columns(0).name(), "country");
  EXPECT_EQ(b.events[0].key.columns(1).name(), "id");
  ASSERT_EQ(b.events[0].event.key_columns_size(), 2);
  EXPECT_EQ(b.events[0].event.key_columns(0), "country");
}

TEST(DispatchTest, RouteToAnUnknownColumnIsRefused) {
  Status s = ApplyToOneInsert("transforms:\n  - type: route\n    topic: \"x.${after.regio}\"\n");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.message(),
            "transforms[0] (route) on shop.orders: topic: ${after.regio} at character 3 is none "
            "of source, prefix, schema, table nor a column (the row has: id, country, email, "
            "amount, region); fix the transform in the config file");
}

TEST(TableMatchesTest, Globs) {
  EXPECT_TRUE(transform::TableMatches("shop.*", "shop.orders"));
  EXPECT_TRUE(transform::TableMatches("*.orders", "shop.orders"));
  EXPECT_TRUE(transform::TableMatches("shop.ord?rs", "shop.orders"));
  EXPECT_TRUE(transform::TableMatches("shop.orders", "shop.orders"));
  EXPECT_FALSE(transform::TableMatches("shop.orders", "shop.orders2"));
  EXPECT_FALSE(transform::TableMatches("shop.o*s", "shop.order"));
  EXPECT_TRUE(transform::TableMatches("*", "a.b"));
}

}  // namespace
}  // namespace cdc::agent
