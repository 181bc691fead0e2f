// Change events built from decoded binlog rows: keys, and the split of an
// UPDATE that moves a row to another primary key.
#include "agent/mysql/row_event_builder.h"

#include <gtest/gtest.h>

#include <functional>

namespace cdc::agent::mysql {
namespace {

binlog::TableSchema Schema(std::vector<uint32_t> key) {
  binlog::TableSchema s;
  s.schema = "shop";
  s.table = "t";
  for (const char* name : {"id", "k2", "v"}) {
    binlog::ColumnSchema c;
    c.name = name;
    c.type_name = "int";
    s.columns.push_back(c);
  }
  s.primary_key = std::move(key);
  return s;
}

binlog::RowImage Image(std::vector<int64_t> values, std::vector<bool> present = {}) {
  binlog::RowImage image;
  image.present = present.empty() ? std::vector<bool>(values.size(), true) : present;
  for (int64_t v : values) image.values.emplace_back().set_int_value(v);
  return image;
}

struct Built {
  cdc::v1::ChangeEvent event;
  cdc::v1::RowKey key;
  bool has_key = false;
};

Built Update(const binlog::TableSchema& schema, binlog::RowImage before, binlog::RowImage after) {
  binlog::RowChange change;
  change.before = std::move(before);
  change.after = std::move(after);
  RowContext ctx;
  ctx.event_index = 4;
  Built b;
  b.has_key = BuildRowEvent(schema, binlog::RowsKind::kUpdate, change, ctx, &b.event, &b.key);
  return b;
}

TEST(SplitKeyChangeTest, AMovedRowIsADeleteOfTheOldKeyAndAnInsertOfTheNew) {
  const binlog::TableSchema schema = Schema({0, 1});
  Built b = Update(schema, Image({1, 1, 7}), Image({1, 10, 7}));
  ASSERT_TRUE(b.has_key);
  cdc::v1::ChangeEvent insert;
  cdc::v1::RowKey insert_key;
  ASSERT_TRUE(SplitKeyChange(schema, &b.event, &b.key, &insert, &insert_key));
  EXPECT_EQ(b.event.op(), cdc::v1::OP_DELETE);
  EXPECT_EQ(b.event.after_size(), 0);
  ASSERT_EQ(b.event.before_size(), 3);
  EXPECT_EQ(b.event.before(1).value().int_value(), 1);
  ASSERT_EQ(b.key.columns_size(), 2);
  EXPECT_EQ(b.key.columns(1).value().int_value(), 1);
  EXPECT_EQ(insert.op(), cdc::v1::OP_INSERT);
  EXPECT_EQ(insert.before_size(), 0);
  ASSERT_EQ(insert.after_size(), 3);
  EXPECT_EQ(insert.after(1).value().int_value(), 10);
  ASSERT_EQ(insert_key.columns_size(), 2);
  EXPECT_EQ(insert_key.columns(1).value().int_value(), 10);
  EXPECT_EQ(insert.source().table(), "t");
  EXPECT_EQ(insert.source().event_index(), 4u);  // the caller numbers it
  EXPECT_EQ(insert.key_columns_size(), 2);
}

TEST(SplitKeyChangeTest, OtherEventsAreLeftAlone) {
  const binlog::TableSchema schema = Schema({0});
  cdc::v1::ChangeEvent insert;
  cdc::v1::RowKey insert_key;
  // The key did not change.
  Built same = Update(schema, Image({1, 1, 7}), Image({1, 2, 8}));
  const std::string before = same.event.SerializeAsString();
  EXPECT_FALSE(SplitKeyChange(schema, &same.event, &same.key, &insert, &insert_key));
  EXPECT_EQ(same.event.SerializeAsString(), before);
  // A minimal after image (not every column): an INSERT would lose values.
  Built minimal = Update(schema, Image({1, 1, 7}), Image({2, 0, 0}, {true, false, false}));
  EXPECT_FALSE(SplitKeyChange(schema, &minimal.event, &minimal.key, &insert, &insert_key));
  EXPECT_EQ(minimal.event.op(), cdc::v1::OP_UPDATE);
  // No primary key.
  const binlog::TableSchema keyless = Schema({});
  Built none = Update(keyless, Image({1, 1, 7}), Image({2, 1, 7}));
  EXPECT_FALSE(SplitKeyChange(keyless, &none.event, &none.key, &insert, &insert_key));
}

// A key kept or moved is told apart whatever its values' case, and from a
// before image that lacks columns.
TEST(SplitKeyChangeTest, KeysOfEveryCaseAndMinimalBeforeImages) {
  const binlog::TableSchema schema = Schema({0, 1});
  auto update = [&](auto set_before, auto set_after, std::vector<bool> before_present = {}) {
    binlog::RowImage before = Image({0, 0, 7}, before_present);
    binlog::RowImage after = Image({0, 0, 8});
    set_before(&before);
    set_after(&after);
    return Update(schema, std::move(before), std::move(after));
  };
  cdc::v1::ChangeEvent insert;
  cdc::v1::RowKey insert_key;
  struct Case {
    const char* what;
    std::function<void(binlog::RowImage*)> before, after;
    bool moved;
  };
  auto text = [](const char* a, const char* b) {
    return [=](binlog::RowImage* image) {
      image->values[0].set_text_value(a);
      image->values[1].set_text_value(b);
    };
  };
  auto stamp = [](int64_t seconds) {
    return [=](binlog::RowImage* image) {
      image->values[1].mutable_timestamp_value()->set_epoch_micros(seconds * 1000000);
    };
  };
  auto real = [](double d) {
    return [=](binlog::RowImage* image) { image->values[1].set_double_value(d); };
  };
  const std::vector<Case> cases = {
      {"same text", text("a", "b"), text("a", "b"), false},
      {"other text", text("a", "b"), text("a", "c"), true},
      {"same timestamp", stamp(5), stamp(5), false},
      {"other timestamp", stamp(5), stamp(6), true},
      {"same double", real(1.5), real(1.5), false},
      {"other double", real(1.5), real(2.5), true},
      {"int to text", [](binlog::RowImage*) {}, text("0", "0"), true},
  };
  for (const Case& c : cases) {
    Built b = update(c.before, c.after);
    EXPECT_EQ(SplitKeyChange(schema, &b.event, &b.key, &insert, &insert_key), c.moved) << c.what;
    EXPECT_EQ(b.event.op(), c.moved ? cdc::v1::OP_DELETE : cdc::v1::OP_UPDATE) << c.what;
  }
  // A before image without its third column, the key moved: still split.
  Built minimal = update(stamp(5), stamp(6), {true, true, false});
  ASSERT_EQ(minimal.event.before_size(), 2);
  EXPECT_TRUE(SplitKeyChange(schema, &minimal.event, &minimal.key, &insert, &insert_key));
  ASSERT_EQ(insert_key.columns_size(), 2);
  EXPECT_EQ(insert_key.columns(1).value().timestamp_value().epoch_micros(), 6000000);
}

TEST(DebeziumTableOfTest, TypesLabelsAndKeyColumnsAsNotNull) {
  binlog::TableSchema schema;
  schema.schema = "shop";
  schema.table = "orders";
  auto add = [&](const std::string& name, const std::string& type_name) -> binlog::ColumnSchema& {
    binlog::ColumnSchema& c = schema.columns.emplace_back();
    c.name = name;
    c.type_name = type_name;
    return c;
  };
  add("id", "int");
  add("state", "enum").enum_values = {"new", "paid"};
  add("tags", "set").set_values = {"x", "y"};
  add("amount", "decimal(10,2)").nullable = false;
  schema.primary_key = {0};
  const DebeziumTableInfo table = DebeziumTableOf(schema);
  ASSERT_EQ(table.columns.size(), 4u);
  EXPECT_EQ(table.columns[0].name, "id");
  EXPECT_EQ(table.columns[0].type, "int");
  EXPECT_FALSE(table.columns[0].optional) << "a primary key column";
  EXPECT_EQ(table.columns[1].allowed, (std::vector<std::string>{"new", "paid"}));
  EXPECT_TRUE(table.columns[1].optional);
  EXPECT_EQ(table.columns[2].allowed, (std::vector<std::string>{"x", "y"}));
  EXPECT_EQ(table.columns[3].type, "decimal(10,2)");
  EXPECT_FALSE(table.columns[3].optional) << "NOT NULL";
  EXPECT_TRUE(table.columns[2].optional);
  EXPECT_TRUE(table.columns[3].allowed.empty());
}

binlog::ColumnSchema Column(const std::string& name, uint8_t type, const std::string& type_name) {
  binlog::ColumnSchema c;
  c.name = name;
  c.type = type;
  c.type_name = type_name;
  return c;
}

// The shape knows the columns whose values the row decoder sets to scalars
// alone (EventSpares::Keep looks only at the others), and a column that
// changes its binlog type under the same name and SQL type is a new shape.
TEST(ShapeOfTest, KnowsTheColumnsTheDecoderSetsToScalarsAlone) {
  binlog::TableSchema schema;
  schema.schema = "shop";
  schema.table = "orders";
  schema.columns = {Column("id", binlog::kTypeLongLong, "bigint"),
                    Column("note", binlog::kTypeVarchar, "varchar"),
                    Column("at", binlog::kTypeTimestamp2, "timestamp"),
                    Column("price", binlog::kTypeDouble, "double"),
                    Column("year", binlog::kTypeYear, "year"),
                    Column("flags", binlog::kTypeBit, "bit(8)"),
                    Column("qty", binlog::kTypeTiny, "tinyint")};
  TableShapePtr known;
  const TableShapePtr shape = KeepShape(schema, cdc::v1::SOURCE_KIND_MYSQL, &known);
  ASSERT_NE(shape->scalar_columns.others(), nullptr);
  EXPECT_EQ(*shape->scalar_columns.others(), (std::vector<uint32_t>{1, 2, 5}));
  EXPECT_EQ(KeepShape(schema, cdc::v1::SOURCE_KIND_MYSQL, &known), shape) << "unchanged";

  schema.columns[0].type = binlog::kTypeVarchar;  // same name, same type name
  const TableShapePtr changed = KeepShape(schema, cdc::v1::SOURCE_KIND_MYSQL, &known);
  EXPECT_NE(changed, shape);
  EXPECT_EQ(*changed->scalar_columns.others(), (std::vector<uint32_t>{0, 1, 2, 5}));

  // Not inherited: a copy may be given other columns.
  const TableShape copy = *shape;
  EXPECT_FALSE(copy.scalar_columns.known());
  EXPECT_EQ(copy.scalar_columns.others(), nullptr);
}

}  // namespace
}  // namespace cdc::agent::mysql
