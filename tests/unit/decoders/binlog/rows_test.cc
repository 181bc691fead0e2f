// DecodeRows over hand-built rows events: every kind, full and partial row
// images, PARTIAL_UPDATE_ROWS JSON diffs, and truncations.
#include <gtest/gtest.h>

#include <deque>

#include "decoders/binlog/rows.h"
#include "tests/unit/decoders/binlog/json_test_util.h"

namespace cdc::binlog {
namespace {

using namespace testing;  // NOLINT: byte and JSON builders

TableSchema People() {
  TableSchema t;
  t.schema = "db";
  t.table = "people";
  t.columns = {Col(kTypeLong, 0, "id"), Col(kTypeVarchar, 80, "name", 45),
               Col(kTypeBlob, 2, "bio", 45)};
  t.columns[1].type_name = "varchar";
  return t;
}

RowsEvent Event(RowsKind kind, std::vector<bool> before, std::vector<bool> after,
                const std::string& rows) {
  RowsEvent ev;
  ev.kind = kind;
  ev.column_count = before.empty() ? after.size() : before.size();
  ev.columns_before = std::move(before);
  ev.columns_after = std::move(after);
  static std::deque<std::string> keep;  // the events borrow their bytes
  keep.push_back(rows);
  ev.rows = keep.back();
  return ev;
}

std::string Varchar(const std::string& s) { return LE(s.size(), 1) + s; }
std::string Text(const std::string& s) { return LE(s.size(), 2) + s; }

struct Collected {
  std::vector<RowChange> rows;
  Status status;
};

Collected Decode(const RowsEvent& ev, const TableSchema& t) {
  Collected c;
  c.status = DecodeRows(ev, t, [&](RowChange& row) {
    c.rows.push_back(row);
    return Status::OK();
  });
  return c;
}

TEST(RowsTest, WriteRowsWithNulls) {
  std::string rows = std::string(1, '\x00') + LE(1, 4) + Varchar("ann") + Text("hi") +  // row 0
                     std::string(1, '\x06') + LE(2, 4);                  // row 1: name, bio NULL
  RowsEvent ev = Event(RowsKind::kWrite, {true, true, true}, {true, true, true}, rows);
  Collected c = Decode(ev, People());
  ASSERT_TRUE(c.status.ok()) << c.status.ToString();
  ASSERT_EQ(c.rows.size(), 2u);
  EXPECT_TRUE(c.rows[0].before.present.empty());
  EXPECT_EQ(c.rows[0].after.values[0].int_value(), 1);
  EXPECT_EQ(c.rows[0].after.values[1].text_value(), "ann");
  EXPECT_EQ(c.rows[0].after.values[2].text_value(), "hi");
  EXPECT_EQ(c.rows[1].after.values[0].int_value(), 2);
  EXPECT_TRUE(c.rows[1].after.values[1].null());
  EXPECT_TRUE(c.rows[1].after.values[2].null());
  EXPECT_EQ(c.rows[1].after.present, std::vector<bool>({true, true, true}));
}

TEST(RowsTest, RowsWithoutColumnsAreAnErrorNotALoop) {
  // Found by fuzz_binlog_rows: no column present means a row of zero bytes,
  // and bytes after it used to be read as rows forever.
  RowsEvent ev = Event(RowsKind::kWrite, {false, false, false}, {false, false, false},
                       std::string("\x00\x00", 2));
  Collected c = Decode(ev, People());
  ASSERT_TRUE(c.status.IsCorruption()) << c.status.ToString();
  EXPECT_NE(c.status.message().find("has no columns but bytes follow it"), std::string::npos)
      << c.status.message();
}

TEST(RowsTest, WriteBitmapUnderEitherName) {
  std::string rows = std::string(1, '\x00') + LE(9, 4) + Varchar("x") + Text("");
  RowsEvent ev = Event(RowsKind::kWrite, {true, true, true}, {}, rows);
  Collected c = Decode(ev, People());
  ASSERT_TRUE(c.status.ok()) << c.status.ToString();
  EXPECT_EQ(c.rows[0].after.values[0].int_value(), 9);
}

TEST(RowsTest, UpdateAndDeleteFullImages) {
  std::string before = std::string(1, '\x00') + LE(1, 4) + Varchar("ann") + Text("a");
  std::string after = std::string(1, '\x00') + LE(1, 4) + Varchar("bob") + Text("b");
  Collected u = Decode(Event(RowsKind::kUpdate, {true, true, true}, {true, true, true},
                             before + after + before + after),
                       People());
  ASSERT_TRUE(u.status.ok()) << u.status.ToString();
  ASSERT_EQ(u.rows.size(), 2u);
  EXPECT_EQ(u.rows[1].before.values[1].text_value(), "ann");
  EXPECT_EQ(u.rows[1].after.values[1].text_value(), "bob");
  Collected d = Decode(Event(RowsKind::kDelete, {true, true, true}, {}, before), People());
  ASSERT_TRUE(d.status.ok()) << d.status.ToString();
  ASSERT_EQ(d.rows.size(), 1u);
  EXPECT_TRUE(d.rows[0].after.present.empty());
  EXPECT_EQ(d.rows[0].before.values[2].text_value(), "a");
}

TEST(RowsTest, MinimalAndNoblobImages) {
  // MINIMAL: before = key only, after = the changed column only.
  std::string rows = std::string(1, '\x00') + LE(1, 4) + std::string(1, '\x00') + Varchar("zed");
  Collected m = Decode(Event(RowsKind::kUpdate, {true, false, false}, {false, true, false}, rows),
                       People());
  ASSERT_TRUE(m.status.ok()) << m.status.ToString();
  const RowChange& r = m.rows[0];
  EXPECT_EQ(r.before.present, std::vector<bool>({true, false, false}));
  EXPECT_EQ(r.after.present, std::vector<bool>({false, true, false}));
  EXPECT_EQ(r.before.values[1].kind_case(), cdc::v1::Value::KIND_NOT_SET);
  EXPECT_EQ(r.after.values[0].kind_case(), cdc::v1::Value::KIND_NOT_SET);
  EXPECT_EQ(r.after.values[1].text_value(), "zed");
  // NOBLOB: the unchanged BLOB is absent from both images; a null among present ones.
  std::string noblob = std::string(1, '\x02') + LE(4, 4) + std::string(1, '\x00') + LE(4, 4) +
                       Varchar("q");
  Collected n = Decode(Event(RowsKind::kUpdate, {true, true, false}, {true, true, false}, noblob),
                       People());
  ASSERT_TRUE(n.status.ok()) << n.status.ToString();
  EXPECT_TRUE(n.rows[0].before.values[1].null());
  EXPECT_FALSE(n.rows[0].before.present[2]);
  EXPECT_EQ(n.rows[0].after.values[1].text_value(), "q");
}

TEST(RowsTest, TruncationsNameTableRowColumnAndOffset) {
  std::string row = std::string(1, '\x00') + LE(1, 4) + Varchar("ann") + Text("hi");
  RowsEvent ev = Event(RowsKind::kWrite, {true, true, true}, {true, true, true}, row + row);
  std::string all = row + row;
  ev.rows = std::string_view(all).substr(0, row.size() + 3);
  EXPECT_EQ(Decode(ev, People()).status.ToString(),
            "Corruption: table db.people row 1 (after image): column `id` (type 3): truncated "
            "4-byte integer at offset 14");
  ev.rows = std::string_view(all).substr(0, row.size() + 7);
  EXPECT_EQ(Decode(ev, People()).status.ToString(),
            "Corruption: table db.people row 1 (after image): column `name` (varchar): truncated "
            "VARCHAR value at offset 18");
  std::string upd = row;
  RowsEvent u = Event(RowsKind::kUpdate, {true, true, true}, {true, true, true}, upd);
  EXPECT_EQ(Decode(u, People()).status.ToString(),
            "Corruption: table db.people row 0 (after image): truncated null bitmap at offset 13");
  RowsEvent wide = Event(RowsKind::kWrite, {true, true, true, true}, {true, true, true, true}, row);
  EXPECT_EQ(Decode(wide, People()).status.ToString(),
            "Corruption: table db.people: the rows event has 4 columns, the schema 3");
  RowsEvent short_bitmap = Event(RowsKind::kDelete, {true}, {}, row);
  short_bitmap.column_count = 3;
  EXPECT_EQ(Decode(short_bitmap, People()).status.ToString(),
            "Corruption: table db.people: column bitmap shorter than 3 columns");
}

TEST(RowsTest, CallbackErrorStops) {
  std::string row = std::string(1, '\x00') + LE(1, 4) + Varchar("a") + Text("b");
  int calls = 0;
  Status s = DecodeRows(Event(RowsKind::kWrite, {true, true, true}, {true, true, true}, row + row),
                        People(), [&](RowChange&) {
                          ++calls;
                          return Status::Aborted("stop");
                        });
  EXPECT_EQ(s.ToString(), "Aborted: stop");
  EXPECT_EQ(calls, 1);
}

TableSchema JsonTable() {
  TableSchema t;
  t.schema = "db";
  t.table = "docs";
  t.columns = {Col(kTypeLong, 0, "id"), Col(kTypeJson, 4, "j"), Col(kTypeJson, 4, "k")};
  return t;
}

std::string JsonValue(const Enc& e) { return LE(JDoc(e).size(), 4) + JDoc(e); }

std::string ReplaceDiff(const std::string& path, const Enc& v) {
  std::string doc = JDoc(v);
  return std::string(1, '\x00') + static_cast<char>(path.size()) + path +
         static_cast<char>(doc.size()) + doc;
}

TEST(RowsTest, PartialJsonUpdateAppliesDiffs) {
  Enc before_j = JObject({{"a", JInt16(1)}, {"b", JString("x")}});
  Enc before_k = JArray({JInt16(1)});
  std::string diffs = ReplaceDiff("$.b", JString("y"));
  std::string before = std::string(1, '\x00') + LE(7, 4) + JsonValue(before_j) + JsonValue(before_k);
  // value_options=PARTIAL_JSON, partial bits: j partial, k whole.
  std::string after = std::string("\x01\x01\x00", 3) + LE(7, 4) + LE(diffs.size(), 4) + diffs +
                      JsonValue(JArray({JInt16(2)}));
  RowsEvent ev = Event(RowsKind::kPartialUpdate, {true, true, true}, {true, true, true}, before + after);
  Collected c = Decode(ev, JsonTable());
  ASSERT_TRUE(c.status.ok()) << c.status.ToString();
  EXPECT_EQ(c.rows[0].before.values[1].json_value(), "{\"a\": 1, \"b\": \"x\"}");
  EXPECT_EQ(c.rows[0].after.values[1].json_value(), "{\"a\": 1, \"b\": \"y\"}");
  EXPECT_EQ(c.rows[0].after.values[2].json_value(), "[2]");
  // Without PARTIAL_JSON in the row's options there are no partial bits.
  std::string plain = std::string("\x00\x00", 2) + LE(7, 4) + JsonValue(JBool(true)) +
                      JsonValue(JNull());
  c = Decode(Event(RowsKind::kPartialUpdate, {true, true, true}, {true, true, true}, before + plain),
             JsonTable());
  ASSERT_TRUE(c.status.ok()) << c.status.ToString();
  EXPECT_EQ(c.rows[0].after.values[1].json_value(), "true");
}

const char kNoBeforeImage[] =
    " cannot be applied: the before image does not carry it (set binlog_row_image=FULL)";

TEST(RowsTest, PartialJsonUpdateWithoutTheBeforeImageCarriesTheError) {
  std::string diffs = ReplaceDiff("$.b", JString("y"));
  // MINIMAL images: the before image holds the key only; two rows, so the
  // decoder is seen to go on after the first.
  std::string row = std::string(1, '\x00') + LE(7, 4) + std::string("\x01\x01\x00", 3) + LE(7, 4) +
                    LE(diffs.size(), 4) + diffs;
  std::string second = std::string(1, '\x00') + LE(8, 4) + std::string("\x01\x00\x00", 3) +
                       LE(8, 4) + JsonValue(JInt16(5));
  RowsEvent ev = Event(RowsKind::kPartialUpdate, {true, false, false}, {true, true, false},
                       row + second);
  Collected c = Decode(ev, JsonTable());
  ASSERT_TRUE(c.status.ok()) << c.status.ToString();
  ASSERT_EQ(c.rows.size(), 2u);
  const cdc::v1::Value& j = c.rows[0].after.values[1];
  ASSERT_EQ(j.kind_case(), cdc::v1::Value::kErrorValue) << j.ShortDebugString();
  EXPECT_EQ(j.error_value().message(),
            std::string("JSON partial update of column j") + kNoBeforeImage);
  EXPECT_EQ(j.error_value().raw(), diffs);
  EXPECT_TRUE(c.rows[0].after.present[1]);
  EXPECT_EQ(c.rows[0].after.values[0].int_value(), 7);
  EXPECT_EQ(c.rows[1].after.values[0].int_value(), 8);
  EXPECT_EQ(c.rows[1].after.values[1].json_value(), "5");
}

TEST(RowsTest, PartialJsonUpdateAppliesWhereTheBeforeImageHasTheColumn) {
  // j is in the before image, k is not: j's diff applies, k's is carried.
  std::string diff_j = ReplaceDiff("$.b", JString("y"));
  std::string diff_k = ReplaceDiff("$[0]", JInt16(9));
  std::string before =
      std::string(1, '\x00') + LE(7, 4) + JsonValue(JObject({{"b", JString("x")}}));
  std::string after = std::string("\x01\x03\x00", 3) + LE(7, 4) + LE(diff_j.size(), 4) + diff_j +
                      LE(diff_k.size(), 4) + diff_k;
  RowsEvent ev = Event(RowsKind::kPartialUpdate, {true, true, false}, {true, true, true},
                       before + after);
  Collected c = Decode(ev, JsonTable());
  ASSERT_TRUE(c.status.ok()) << c.status.ToString();
  ASSERT_EQ(c.rows.size(), 1u);
  EXPECT_EQ(c.rows[0].after.values[1].json_value(), "{\"b\": \"y\"}");
  const cdc::v1::Value& k = c.rows[0].after.values[2];
  ASSERT_EQ(k.kind_case(), cdc::v1::Value::kErrorValue) << k.ShortDebugString();
  EXPECT_EQ(k.error_value().message(),
            std::string("JSON partial update of column k") + kNoBeforeImage);
  EXPECT_EQ(k.error_value().raw(), diff_k);
}

TEST(RowsTest, PartialJsonUpdateErrors) {
  std::string diffs = ReplaceDiff("$.b", JString("y"));
  // A diff against a NULL document: the server never writes one.
  std::string null_before = std::string(1, '\x02') + LE(7, 4) + JsonValue(JNull());
  std::string after = std::string("\x01\x01\x00", 3) + LE(7, 4) + LE(diffs.size(), 4) + diffs +
                      JsonValue(JNull());
  RowsEvent ev = Event(RowsKind::kPartialUpdate, {true, true, true}, {true, true, true},
                       null_before + after);
  EXPECT_EQ(Decode(ev, JsonTable()).status.ToString(),
            "Corruption: table db.docs row 0 (after image): column `j` (type 245): partial JSON "
            "update of a NULL before image at offset " +
                std::to_string(null_before.size() + 7));
  std::string full_before = std::string(1, '\x00') + LE(7, 4) +
                            JsonValue(JObject({{"a", JInt16(1)}})) + JsonValue(JNull());
  std::string missing = std::string("\x01\x01\x00", 3) + LE(7, 4) + LE(diffs.size(), 4) + diffs +
                        JsonValue(JNull());
  ev = Event(RowsKind::kPartialUpdate, {true, true, true}, {true, true, true}, full_before + missing);
  std::string status = Decode(ev, JsonTable()).status.ToString();
  EXPECT_NE(status.find("column `j` (type 245): JSON diff 0 at offset 0: no such member to "
                        "replace (path $.b)"),
            std::string::npos)
      << status;
}

}  // namespace
}  // namespace cdc::binlog
