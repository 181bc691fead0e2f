#include "agent/postgres/event_builder.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace cdc::agent::postgres {
namespace {

constexpr uint32_t kInt4Oid = 23;
constexpr uint32_t kTextOid = 25;
constexpr uint32_t kMoodOid = 70001;     // a user enum, registered by hand
constexpr uint32_t kUnknownOid = 70002;  // in no registry

ColumnInfo Col(std::string name, uint32_t oid, std::string type_name, bool identity = false) {
  ColumnInfo c;
  c.name = std::move(name);
  c.type_oid = oid;
  c.type_name = std::move(type_name);
  c.identity = identity;
  return c;
}

pgoutput::Datum Text(std::string_view bytes) {
  return pgoutput::Datum{pgoutput::DatumKind::kText, bytes};
}
pgoutput::Datum Null() { return pgoutput::Datum{pgoutput::DatumKind::kNull, {}}; }
pgoutput::Datum Unchanged() { return pgoutput::Datum{pgoutput::DatumKind::kUnchanged, {}}; }

class EventBuilderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    pgoutput::PgType mood;
    mood.oid = kMoodOid;
    mood.name = "mood";
    mood.kind = pgoutput::PgType::Kind::kEnum;
    types_.Add(mood);

    rel_.oid = 16384;
    rel_.schema = "public";
    rel_.table = "people";
    rel_.columns = {
        Col("id", kInt4Oid, "int4", /*identity=*/true),
        Col("name", kTextOid, "text"),
        Col("mood", kMoodOid, "mood"),
        Col("bio", kTextOid, "text"),
        Col("tenant", kInt4Oid, "int4", /*identity=*/true),
        Col("blob", kUnknownOid, "oid:70002"),
    };
  }

  pgoutput::TypeRegistry types_;
  RelationInfo rel_;
  google::protobuf::RepeatedPtrField<cdc::v1::Column> out_;
};

TEST_F(EventBuilderTest, TupleToColumnsConvertsEveryKindOfDatum) {
  pgoutput::Tuple tuple;
  tuple.columns = {Text("42"), Text("Ann \xc3\xa9"), Text("happy"),
                   Null(),     Unchanged(),        Text("\\x00ff")};
  Status s = TupleToColumns(rel_, types_, tuple, /*identity_only=*/false, &out_);
  ASSERT_TRUE(s.ok()) << s.ToString();
  ASSERT_EQ(out_.size(), 6);

  EXPECT_EQ(out_[0].name(), "id");
  EXPECT_EQ(out_[0].type(), "int4");
  ASSERT_EQ(out_[0].value().kind_case(), cdc::v1::Value::kIntValue);
  EXPECT_EQ(out_[0].value().int_value(), 42);

  EXPECT_EQ(out_[1].name(), "name");
  EXPECT_EQ(out_[1].type(), "text");
  ASSERT_EQ(out_[1].value().kind_case(), cdc::v1::Value::kTextValue);
  EXPECT_EQ(out_[1].value().text_value(), "Ann \xc3\xa9");

  EXPECT_EQ(out_[2].name(), "mood");
  EXPECT_EQ(out_[2].type(), "mood");
  ASSERT_EQ(out_[2].value().kind_case(), cdc::v1::Value::kEnumValue);
  EXPECT_EQ(out_[2].value().enum_value(), "happy");

  EXPECT_EQ(out_[3].name(), "bio");
  ASSERT_EQ(out_[3].value().kind_case(), cdc::v1::Value::kNull);
  EXPECT_TRUE(out_[3].value().null());

  EXPECT_EQ(out_[4].name(), "tenant");
  EXPECT_EQ(out_[4].type(), "int4");
  ASSERT_EQ(out_[4].value().kind_case(), cdc::v1::Value::kUnchanged);
  EXPECT_TRUE(out_[4].value().unchanged());

  // A type the registry does not know keeps its text.
  EXPECT_EQ(out_[5].name(), "blob");
  EXPECT_EQ(out_[5].type(), "oid:70002");
  ASSERT_EQ(out_[5].value().kind_case(), cdc::v1::Value::kRawValue);
  EXPECT_EQ(out_[5].value().raw_value().text(), "\\x00ff");
}

TEST_F(EventBuilderTest, NegativeAndExtremeInt4) {
  rel_.columns = {Col("a", kInt4Oid, "int4"), Col("b", kInt4Oid, "int4")};
  pgoutput::Tuple tuple;
  tuple.columns = {Text("-2147483648"), Text("2147483647")};
  ASSERT_TRUE(TupleToColumns(rel_, types_, tuple, false, &out_).ok());
  ASSERT_EQ(out_.size(), 2);
  EXPECT_EQ(out_[0].value().int_value(), -2147483648LL);
  EXPECT_EQ(out_[1].value().int_value(), 2147483647LL);
}

TEST_F(EventBuilderTest, DomainColumnIsNamedForTheDomainAndConvertedAsItsBase) {
  constexpr uint32_t kPosintOid = 70003;  // CREATE DOMAIN posint AS integer
  pgoutput::PgType posint;
  posint.oid = kPosintOid;
  posint.name = "posint";
  posint.kind = pgoutput::PgType::Kind::kDomain;
  posint.base_oid = kInt4Oid;
  types_.Add(posint);
  rel_.columns = {Col("n", kPosintOid, pgoutput::TypeName(types_, kPosintOid))};
  pgoutput::Tuple tuple;
  tuple.columns = {Text("42")};
  ASSERT_TRUE(TupleToColumns(rel_, types_, tuple, false, &out_).ok());
  ASSERT_EQ(out_.size(), 1);
  EXPECT_EQ(out_[0].type(), "posint");
  ASSERT_EQ(out_[0].value().kind_case(), cdc::v1::Value::kIntValue);
  EXPECT_EQ(out_[0].value().int_value(), 42);
}

TEST_F(EventBuilderTest, IdentityOnlyKeepsReplicaIdentityColumnsInOrder) {
  pgoutput::Tuple tuple;
  tuple.columns = {Text("7"), Null(), Null(), Null(), Text("3"), Null()};
  Status s = TupleToColumns(rel_, types_, tuple, /*identity_only=*/true, &out_);
  ASSERT_TRUE(s.ok()) << s.ToString();
  ASSERT_EQ(out_.size(), 2);
  EXPECT_EQ(out_[0].name(), "id");
  EXPECT_EQ(out_[0].value().int_value(), 7);
  EXPECT_EQ(out_[1].name(), "tenant");
  EXPECT_EQ(out_[1].value().int_value(), 3);
}

TEST_F(EventBuilderTest, IdentityOnlySkipsBadDataOutsideTheIdentity) {
  // Non-identity columns are not converted, so their bytes do not matter.
  pgoutput::Tuple tuple;
  tuple.columns = {Text("1"), pgoutput::Datum{pgoutput::DatumKind::kBinary, "\x01"},
                   Text("x"), Text("y"), Text("2"), Text("z")};
  Status s = TupleToColumns(rel_, types_, tuple, /*identity_only=*/true, &out_);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(out_.size(), 2);
}

TEST_F(EventBuilderTest, ColumnCountMismatchIsCorruption) {
  pgoutput::Tuple tuple;
  tuple.columns = {Text("1"), Text("a")};
  Status s = TupleToColumns(rel_, types_, tuple, false, &out_);
  EXPECT_TRUE(s.IsCorruption()) << s.ToString();
  EXPECT_EQ(s.message(), "table public.people: tuple has 2 columns, relation has 6");
  EXPECT_EQ(out_.size(), 0);

  tuple.columns.assign(7, Null());
  s = TupleToColumns(rel_, types_, tuple, /*identity_only=*/true, &out_);
  EXPECT_TRUE(s.IsCorruption()) << s.ToString();
  EXPECT_EQ(s.message(), "table public.people: tuple has 7 columns, relation has 6");
  EXPECT_EQ(out_.size(), 0);
}

TEST_F(EventBuilderTest, BinaryDatumIsNotSupported) {
  pgoutput::Tuple tuple;
  tuple.columns = {Text("1"), pgoutput::Datum{pgoutput::DatumKind::kBinary, std::string_view("\x00\x01", 2)},
                   Null(),    Null(),
                   Null(),    Null()};
  Status s = TupleToColumns(rel_, types_, tuple, false, &out_);
  EXPECT_EQ(s.code(), Status::Code::kNotSupported) << s.ToString();
  EXPECT_EQ(s.message(), "table public.people column name: binary tuple data was not requested");
}

TEST_F(EventBuilderTest, MalformedTextNamesTableColumnAndValue) {
  pgoutput::Tuple tuple;
  tuple.columns = {Text("12x"), Null(), Null(), Null(), Null(), Null()};
  Status s = TupleToColumns(rel_, types_, tuple, false, &out_);
  EXPECT_TRUE(s.IsCorruption()) << s.ToString();
  EXPECT_EQ(s.message(), "table public.people column id: pgoutput: malformed int4 value \"12x\"");

  out_.Clear();
  tuple.columns[0] = Text("2147483648");
  s = TupleToColumns(rel_, types_, tuple, false, &out_);
  EXPECT_TRUE(s.IsCorruption()) << s.ToString();
  EXPECT_EQ(s.message(),
            "table public.people column id: pgoutput: malformed int4 value \"2147483648\": "
            "out of range");
}

// A key column in a row image.
cdc::v1::Column IntColumn(const std::string& name, int64_t v) {
  cdc::v1::Column c;
  c.set_name(name);
  c.set_type("int4");
  c.mutable_value()->set_int_value(v);
  return c;
}

class BuildKeyTest : public EventBuilderTest {
 protected:
  void SetUp() override {
    EventBuilderTest::SetUp();
    *row_.Add() = IntColumn("id", 7);
    cdc::v1::Column* name = row_.Add();
    name->set_name("name");
    name->set_type("text");
    name->mutable_value()->set_text_value("Ann");
    *row_.Add() = IntColumn("tenant", 3);
    // Stale content that BuildKey must replace or clear.
    *stale_.add_columns() = IntColumn("stale", 99);
  }

  google::protobuf::RepeatedPtrField<cdc::v1::Column> row_;
  cdc::v1::RowKey stale_;
};

TEST_F(BuildKeyTest, KeyPresentIsCopiedInKeyOrder) {
  rel_.key_indexes = {4, 0};  // tenant, then id: not the column order
  cdc::v1::RowKey key = stale_;
  ASSERT_TRUE(BuildKey(rel_, row_, &key));
  ASSERT_EQ(key.columns_size(), 2);
  EXPECT_EQ(key.columns(0).name(), "tenant");
  EXPECT_EQ(key.columns(0).type(), "");  // the key contract: names and values only
  EXPECT_EQ(key.columns(0).value().int_value(), 3);
  EXPECT_EQ(key.columns(1).name(), "id");
  EXPECT_EQ(key.columns(1).value().int_value(), 7);

  rel_.key_indexes = {0, 4};
  ASSERT_TRUE(BuildKey(rel_, row_, &key));
  ASSERT_EQ(key.columns_size(), 2);
  EXPECT_EQ(key.columns(0).name(), "id");
  EXPECT_EQ(key.columns(1).name(), "tenant");
}

TEST_F(BuildKeyTest, NoKeyIndexesMeansNoKey) {
  rel_.key_indexes.clear();
  cdc::v1::RowKey key = stale_;
  EXPECT_FALSE(BuildKey(rel_, row_, &key));
  EXPECT_EQ(key.columns_size(), 0);
}

TEST_F(BuildKeyTest, MissingKeyColumnMeansNoKey) {
  rel_.key_indexes = {0, 2};  // "mood" is not in the row image
  cdc::v1::RowKey key = stale_;
  EXPECT_FALSE(BuildKey(rel_, row_, &key));
  EXPECT_EQ(key.columns_size(), 0) << "a partial key must not be left behind";
}

TEST_F(BuildKeyTest, NullKeyColumnMeansNoKey) {
  row_[2].mutable_value()->set_null(true);
  rel_.key_indexes = {0, 4};
  cdc::v1::RowKey key = stale_;
  EXPECT_FALSE(BuildKey(rel_, row_, &key));
  EXPECT_EQ(key.columns_size(), 0);
}

TEST_F(BuildKeyTest, UnchangedKeyColumnMeansNoKey) {
  row_[0].mutable_value()->set_unchanged(true);
  rel_.key_indexes = {0};
  cdc::v1::RowKey key = stale_;
  EXPECT_FALSE(BuildKey(rel_, row_, &key));
  EXPECT_EQ(key.columns_size(), 0);
}

TEST_F(BuildKeyTest, KeyFromConvertedIdentityTuple) {
  rel_.key_indexes = {0, 4};
  pgoutput::Tuple tuple;
  tuple.columns = {Text("5"), Null(), Null(), Null(), Text("6"), Null()};
  ASSERT_TRUE(TupleToColumns(rel_, types_, tuple, /*identity_only=*/true, &out_).ok());
  cdc::v1::RowKey key;
  ASSERT_TRUE(BuildKey(rel_, out_, &key));
  ASSERT_EQ(key.columns_size(), 2);
  EXPECT_EQ(key.columns(0).value().int_value(), 5);
  EXPECT_EQ(key.columns(1).value().int_value(), 6);
}

TEST_F(EventBuilderTest, FillTableFieldsSetsSourceAndKeyColumns) {
  rel_.key_indexes = {4, 0};
  cdc::v1::ChangeEvent event;
  event.mutable_source()->set_server_name("srv");
  event.set_op(cdc::v1::OP_INSERT);
  FillTableFields(rel_, &event);
  EXPECT_EQ(event.source().schema(), "public");
  EXPECT_EQ(event.source().table(), "people");
  EXPECT_EQ(event.source().server_name(), "srv") << "other source fields are left alone";
  EXPECT_EQ(event.op(), cdc::v1::OP_INSERT);
  ASSERT_EQ(event.key_columns_size(), 2);
  EXPECT_EQ(event.key_columns(0), "tenant");
  EXPECT_EQ(event.key_columns(1), "id");
}

TEST_F(EventBuilderTest, FillTableFieldsWithoutKey) {
  rel_.key_indexes.clear();
  cdc::v1::ChangeEvent event;
  FillTableFields(rel_, &event);
  EXPECT_EQ(event.source().schema(), "public");
  EXPECT_EQ(event.source().table(), "people");
  EXPECT_EQ(event.key_columns_size(), 0);
}

void AddColumn(RelationInfo* rel, const std::string& name, uint32_t oid, int32_t typmod) {
  ColumnInfo c;
  c.name = name;
  c.type_oid = oid;
  c.type_modifier = typmod;
  rel->columns.push_back(c);
}

TEST(DebeziumTableOfTest, NumericScaleAndBitLengthFromTheTypeModifier) {
  RelationInfo rel;
  AddColumn(&rel, "id", 23, -1);                           // int4
  AddColumn(&rel, "amount", 1700, ((8 << 16) | 2) + 4);    // numeric(8,2)
  AddColumn(&rel, "any_numeric", 1700, -1);                // numeric
  AddColumn(&rel, "flags", 1560, 5);                       // bit(5)
  AddColumn(&rel, "negative", 1700, ((3 << 16) | 0x7fe) + 4);  // numeric(3,-2)
  const DebeziumTableInfo table = DebeziumTableOf(rel, pgoutput::TypeRegistry(), {"id"});
  ASSERT_EQ(table.columns.size(), 5u);
  EXPECT_EQ(table.columns[0].name, "id");
  EXPECT_EQ(table.columns[0].type, "int4");
  EXPECT_FALSE(table.columns[0].optional) << "NOT NULL";
  EXPECT_TRUE(table.columns[1].optional);
  EXPECT_EQ(table.columns[0].scale, -1);
  EXPECT_EQ(table.columns[1].length, 8);
  EXPECT_EQ(table.columns[1].scale, 2);
  EXPECT_EQ(table.columns[2].length, -1);
  EXPECT_EQ(table.columns[2].scale, -1) << "no declared scale: VariableScaleDecimal";
  EXPECT_EQ(table.columns[3].length, 5);
  EXPECT_EQ(table.columns[4].length, 3);
  EXPECT_EQ(table.columns[4].scale, -2);
}

TEST(DebeziumTableOfTest, DomainsEnumsArraysAndTimePrecision) {
  pgoutput::TypeRegistry types;
  pgoutput::PgType ts3;
  ts3.oid = 90001;
  ts3.name = "ts3";
  ts3.kind = pgoutput::PgType::Kind::kDomain;
  ts3.base_oid = 1114;  // timestamp
  ts3.base_typmod = 3;
  types.Add(ts3);
  pgoutput::PgType mood;
  mood.oid = 90002;
  mood.name = "mood";
  mood.kind = pgoutput::PgType::Kind::kEnum;
  mood.labels = {"sad", "ok", "happy"};
  types.Add(mood);
  pgoutput::PgType moods;
  moods.oid = 90003;
  moods.name = "_mood";
  moods.kind = pgoutput::PgType::Kind::kArray;
  moods.element_oid = 90002;
  types.Add(moods);
  RelationInfo rel;
  AddColumn(&rel, "at", 90001, -1);                       // ts3: timestamp(3)
  AddColumn(&rel, "m", 90002, -1);                        // mood
  AddColumn(&rel, "ms", 90003, -1);                       // mood[]
  AddColumn(&rel, "t0", 1083, 0);                         // time(0)
  AddColumn(&rel, "amounts", 1231, ((6 << 16) | 2) + 4);  // numeric(6,2)[]
  AddColumn(&rel, "gone", 99999, -1);                     // a type the registry lacks
  const DebeziumTableInfo table = DebeziumTableOf(rel, types, {});
  ASSERT_EQ(table.columns.size(), 6u);
  EXPECT_EQ(table.columns[0].type, "timestamp") << "a domain is its base type";
  EXPECT_EQ(table.columns[0].length, 3) << "with the domain's modifier";
  EXPECT_EQ(table.columns[1].type, "mood");
  EXPECT_EQ(table.columns[1].allowed, (std::vector<std::string>{"sad", "ok", "happy"}));
  EXPECT_EQ(table.columns[2].type, "_mood");
  EXPECT_EQ(table.columns[2].allowed, (std::vector<std::string>{"sad", "ok", "happy"}));
  EXPECT_EQ(table.columns[3].length, 0);
  EXPECT_EQ(table.columns[4].type, "_numeric");
  EXPECT_EQ(table.columns[4].length, 6);
  EXPECT_EQ(table.columns[4].scale, 2);
  EXPECT_EQ(table.columns[5].name, "gone");
  EXPECT_TRUE(table.columns[5].type.empty()) << "typed by its values";
  EXPECT_TRUE(table.columns[5].optional);
}

}  // namespace
}  // namespace cdc::agent::postgres
