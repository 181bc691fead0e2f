// The MySQL schema history: versions per table and position, kept in the
// offset store.
#include "agent/mysql/schema_history.h"

#include <gtest/gtest.h>

#include "offsets/offset_store.h"

namespace cdc::agent::mysql {
namespace {

InfoTable Table(const std::string& db, const std::string& name,
                std::vector<std::string> columns) {
  InfoTable t;
  t.schema = db;
  t.table = name;
  for (size_t i = 0; i < columns.size(); ++i) {
    InfoColumn c;
    c.name = columns[i];
    c.data_type = "int";
    c.column_type = "int(11)";
    c.key_ordinal = i == 0 ? 1 : 0;
    t.columns.push_back(c);
  }
  return t;
}

Catalog Tables(std::vector<InfoTable> tables) {
  Catalog out;
  for (auto& t : tables) out.tables[{t.schema, t.table}] = std::move(t);
  return out;
}

std::vector<std::string> Names(const InfoTable* t) {
  std::vector<std::string> out;
  if (t == nullptr) return out;
  for (const auto& c : t->columns) out.push_back(c.name);
  return out;
}

TEST(CompareBinlogPosTest, OrdersByFileSequenceThenOffset) {
  EXPECT_LT(CompareBinlogPos({"binlog.000009", 900}, {"binlog.000010", 4}), 0);
  EXPECT_GT(CompareBinlogPos({"binlog.000010", 4}, {"binlog.000009", 900}), 0);
  EXPECT_LT(CompareBinlogPos({"binlog.999999", 4}, {"binlog.1000000", 4}), 0);
  EXPECT_LT(CompareBinlogPos({"binlog.000003", 4}, {"binlog.000003", 5}), 0);
  EXPECT_EQ(CompareBinlogPos({"binlog.000003", 77}, {"binlog.000003", 77}), 0);
  EXPECT_LT(CompareBinlogPos({"", 0}, {"binlog.000001", 4}), 0);
}

TEST(SchemaHistoryTest, FindsTheVersionInEffectAtAPosition) {
  auto store = offsets::NewMemoryOffsetStore();
  SchemaHistory h;
  ASSERT_TRUE(h.Load(store.get(), "src").ok());
  EXPECT_TRUE(h.empty());
  ASSERT_TRUE(h.Record({"binlog.000001", 100}, Tables({Table("shop", "t", {"id", "a"})})).ok());
  ASSERT_TRUE(h.Record({"binlog.000001", 500}, Tables({Table("shop", "t", {"id", "a", "b"})})).ok());
  ASSERT_TRUE(h.Record({"binlog.000002", 4}, Tables({Table("shop", "t", {"id", "b"})})).ok());
  EXPECT_FALSE(h.empty());
  EXPECT_EQ(h.high().ToString(), "binlog.000002:4");

  EXPECT_EQ(h.Find("shop", "t", {"binlog.000001", 99}), nullptr);
  EXPECT_EQ(Names(h.Find("shop", "t", {"binlog.000001", 100})),
            (std::vector<std::string>{"id", "a"}));
  EXPECT_EQ(Names(h.Find("shop", "t", {"binlog.000001", 499})),
            (std::vector<std::string>{"id", "a"}));
  EXPECT_EQ(Names(h.Find("shop", "t", {"binlog.000001", 900})),
            (std::vector<std::string>{"id", "a", "b"}));
  EXPECT_EQ(Names(h.Find("shop", "t", {"binlog.000003", 4})),
            (std::vector<std::string>{"id", "b"}));
  EXPECT_EQ(h.Find("shop", "other", {"binlog.000003", 4}), nullptr);
}

TEST(SchemaHistoryTest, UnchangedTablesGetNoNewVersionAndDroppedTablesVanish) {
  auto store = offsets::NewMemoryOffsetStore();
  SchemaHistory h;
  ASSERT_TRUE(h.Load(store.get(), "src").ok());
  ASSERT_TRUE(h.Record({"binlog.000001", 100}, Tables({Table("a", "x", {"id"}), Table("a", "y", {"id", "v"})}))
                  .ok());
  // y dropped at 200; x unchanged.
  ASSERT_TRUE(h.Record({"binlog.000001", 200}, Tables({Table("a", "x", {"id"})})).ok());
  EXPECT_NE(h.Find("a", "y", {"binlog.000001", 150}), nullptr);
  EXPECT_EQ(h.Find("a", "y", {"binlog.000001", 200}), nullptr);
  EXPECT_EQ(Names(h.Find("a", "x", {"binlog.000001", 300})), (std::vector<std::string>{"id"}));
  // y created again with other columns.
  ASSERT_TRUE(h.Record({"binlog.000001", 300}, Tables({Table("a", "x", {"id"}), Table("a", "y", {"id", "w"})}))
                  .ok());
  EXPECT_EQ(Names(h.Find("a", "y", {"binlog.000001", 301})),
            (std::vector<std::string>{"id", "w"}));
  EXPECT_EQ(h.Find("a", "y", {"binlog.000001", 250}), nullptr);
}

TEST(SchemaHistoryTest, RecordingBeforeTheNewestPositionIsRefused) {
  auto store = offsets::NewMemoryOffsetStore();
  SchemaHistory h;
  ASSERT_TRUE(h.Load(store.get(), "src").ok());
  ASSERT_TRUE(h.Record({"binlog.000002", 100}, Tables({Table("a", "x", {"id"})})).ok());
  Status s = h.Record({"binlog.000001", 900}, Tables({Table("a", "x", {"id", "v"})}));
  EXPECT_TRUE(s.IsInvalidArgument()) << s.ToString();
  EXPECT_NE(s.message().find("binlog.000001:900"), std::string::npos) << s.message();
}

TEST(SchemaHistoryTest, SurvivesAReload) {
  auto store = offsets::NewMemoryOffsetStore();
  {
    SchemaHistory h;
    ASSERT_TRUE(h.Load(store.get(), "src").ok());
    InfoTable t = Table("shop", "t", {"id", "e"});
    t.columns[1].data_type = "enum";
    t.columns[1].column_type = "enum('a','b')";
    t.columns[1].charset = "utf8mb4";
    t.columns[1].collation = "utf8mb4_general_ci";
    t.columns[1].collation_id = 45;
    t.columns[1].is_json = true;
    ASSERT_TRUE(h.Record({"binlog.000001", 100}, Tables({t})).ok());
    ASSERT_TRUE(h.Record({"binlog.000001", 200}, Tables({})).ok());
  }
  SchemaHistory again;
  ASSERT_TRUE(again.Load(store.get(), "src").ok());
  EXPECT_EQ(again.high().ToString(), "binlog.000001:200");
  const InfoTable* t = again.Find("shop", "t", {"binlog.000001", 150});
  ASSERT_NE(t, nullptr);
  ASSERT_EQ(t->columns.size(), 2u);
  EXPECT_EQ(t->columns[0].key_ordinal, 1u);
  EXPECT_EQ(t->columns[1].column_type, "enum('a','b')");
  EXPECT_EQ(t->columns[1].collation_id, 45);
  EXPECT_TRUE(t->columns[1].is_json);
  EXPECT_EQ(again.Find("shop", "t", {"binlog.000001", 200}), nullptr);
  // Another source's history is its own.
  SchemaHistory other;
  ASSERT_TRUE(other.Load(store.get(), "other").ok());
  EXPECT_TRUE(other.empty());
}

TEST(SchemaHistoryTest, CorruptBlobIsAnErrorThatSaysWhatToDo) {
  auto store = offsets::NewMemoryOffsetStore();
  ASSERT_TRUE(store->PutState("src", SchemaHistory::kStateName, "\xff\xff\xff").ok());
  SchemaHistory h;
  Status s = h.Load(store.get(), "src");
  EXPECT_TRUE(s.IsCorruption()) << s.ToString();
  EXPECT_NE(s.message().find("offsets reset"), std::string::npos) << s.message();
}

}  // namespace
}  // namespace cdc::agent::mysql
