// PARTIAL_UPDATE_ROWS JSON diffs applied to a document.
#include <gtest/gtest.h>

#include "decoders/binlog/json_doc.h"
#include "tests/unit/decoders/binlog/json_test_util.h"

namespace cdc::binlog {
namespace {

using namespace testing;  // NOLINT: the JSON builders

enum Op : uint8_t { kReplace = 0, kInsert = 1, kRemove = 2 };

std::string Diff(Op op, const std::string& path, const Enc* value = nullptr) {
  std::string d(1, static_cast<char>(op));
  d += static_cast<char>(path.size()) + path;
  if (value != nullptr) {
    std::string doc = JDoc(*value);
    d += static_cast<char>(doc.size()) + doc;
  }
  return d;
}

Enc Base() {
  return JObject({{"a", JInt16(1)},
                  {"n", JObject({{"x", JInt16(-1)}})},
                  {"cc", JBool(true)},
                  {"arr", JArray({JInt16(10), JInt16(20), JInt16(30)})}});
}

std::string Apply(const Enc& doc, const std::string& diffs) {
  auto parsed = json::ParseBinary(JDoc(doc));
  EXPECT_TRUE(parsed.ok()) << parsed.status().ToString();
  json::Node node = *parsed;
  Status s = json::ApplyDiffs(diffs, &node);
  if (!s.ok()) return s.ToString();
  std::string out;
  json::Print(node, &out);
  return out;
}

TEST(JsonDiffTest, ReplaceMembersAndElements) {
  Enc two = JInt16(2), s = JString("new");
  EXPECT_EQ(Apply(Base(), Diff(kReplace, "$.a", &two) + Diff(kReplace, "$.n.x", &s)),
            "{\"a\": 2, \"n\": {\"x\": \"new\"}, \"cc\": true, \"arr\": [10, 20, 30]}");
  EXPECT_EQ(Apply(Base(), Diff(kReplace, "$.arr[1]", &two)),
            "{\"a\": 1, \"n\": {\"x\": -1}, \"cc\": true, \"arr\": [10, 2, 30]}");
  EXPECT_EQ(Apply(Base(), Diff(kReplace, "$.arr[last]", &two)),
            "{\"a\": 1, \"n\": {\"x\": -1}, \"cc\": true, \"arr\": [10, 20, 2]}");
  EXPECT_EQ(Apply(Base(), Diff(kReplace, "$.arr[last-2]", &two)),
            "{\"a\": 1, \"n\": {\"x\": -1}, \"cc\": true, \"arr\": [2, 20, 30]}");
  Enc whole = JArray({JNull()});
  EXPECT_EQ(Apply(Base(), Diff(kReplace, "$", &whole)), "[null]");
}

TEST(JsonDiffTest, InsertKeepsMysqlKeyOrder) {
  Enc v = JInt16(5);
  EXPECT_EQ(Apply(Base(), Diff(kInsert, "$.b", &v)),
            "{\"a\": 1, \"b\": 5, \"n\": {\"x\": -1}, \"cc\": true, \"arr\": [10, 20, 30]}");
  EXPECT_EQ(Apply(Base(), Diff(kInsert, "$.zz", &v)),
            "{\"a\": 1, \"n\": {\"x\": -1}, \"cc\": true, \"zz\": 5, \"arr\": [10, 20, 30]}");
  EXPECT_EQ(Apply(Base(), Diff(kInsert, "$.\"a b\"", &v)),
            "{\"a\": 1, \"n\": {\"x\": -1}, \"cc\": true, \"a b\": 5, \"arr\": [10, 20, 30]}");
  EXPECT_EQ(Apply(JObject({}), Diff(kInsert, "$.\"\\u00e9\\\"\"", &v)), "{\"\xC3\xA9\\\"\": 5}");
}

TEST(JsonDiffTest, InsertIntoArrays) {
  Enc v = JInt16(15);
  EXPECT_EQ(Apply(Base(), Diff(kInsert, "$.arr[1]", &v)),
            "{\"a\": 1, \"n\": {\"x\": -1}, \"cc\": true, \"arr\": [10, 15, 20, 30]}");
  EXPECT_EQ(Apply(Base(), Diff(kInsert, "$.arr[99]", &v)),
            "{\"a\": 1, \"n\": {\"x\": -1}, \"cc\": true, \"arr\": [10, 20, 30, 15]}");
  EXPECT_EQ(Apply(Base(), Diff(kInsert, "$.arr[0]", &v)),
            "{\"a\": 1, \"n\": {\"x\": -1}, \"cc\": true, \"arr\": [15, 10, 20, 30]}");
}

TEST(JsonDiffTest, RemoveAndSequences) {
  Enc v = JString("x");
  EXPECT_EQ(Apply(Base(), Diff(kRemove, "$.arr[0]") + Diff(kRemove, "$.n") +
                              Diff(kInsert, "$.arr[0]", &v) + Diff(kRemove, "$.cc")),
            "{\"a\": 1, \"arr\": [\"x\", 20, 30]}");
  EXPECT_EQ(Apply(Base(), ""), "{\"a\": 1, \"n\": {\"x\": -1}, \"cc\": true, \"arr\": [10, 20, 30]}");
}

TEST(JsonDiffTest, DiffsThatDoNotApply) {
  Enc v = JInt16(1);
  EXPECT_EQ(Apply(Base(), Diff(kReplace, "$.zz", &v)),
            "Corruption: JSON diff 0 at offset 0: no such member to replace (path $.zz)");
  EXPECT_EQ(Apply(Base(), Diff(kReplace, "$.a", &v) + Diff(kRemove, "$.arr[3]")),
            "Corruption: JSON diff 1 at offset 9: array position past the end (path $.arr[3])");
  EXPECT_EQ(Apply(Base(), Diff(kRemove, "$.q.r")),
            "Corruption: JSON diff 0 at offset 0: the path's parent is not in the document "
            "(path $.q.r)");
  EXPECT_EQ(Apply(Base(), Diff(kReplace, "$.a[0]", &v)),
            "Corruption: JSON diff 0 at offset 0: the parent is not an array (path $.a[0])");
  EXPECT_EQ(Apply(Base(), Diff(kRemove, "$")),
            "Corruption: JSON diff 0 at offset 0: only REPLACE can change the whole document "
            "(path $)");
  EXPECT_EQ(Apply(Base(), Diff(kRemove, "$.arr[last-7]")),
            "Corruption: JSON diff 0 at offset 0: array position before the first element "
            "(path $.arr[last-7])");
}

TEST(JsonDiffTest, MalformedDiffs) {
  EXPECT_EQ(Apply(Base(), std::string("\x03\x01$", 3)),
            "Corruption: JSON diff 0 at offset 0: unknown operation 3");
  EXPECT_EQ(Apply(Base(), std::string("\x00\x09$.a", 5)),
            "Corruption: JSON diff 0 at offset 0: truncated operation or path");
  EXPECT_EQ(Apply(Base(), std::string("\x00\x03$.a\x05\x05", 7)),
            "Corruption: JSON diff 0 at offset 0: truncated value for path $.a");
  EXPECT_EQ(Apply(Base(), std::string("\x02\x03" "a.b", 5)),
            "Corruption: JSON diff 0 at offset 0: bad path 'a.b'");
  EXPECT_EQ(Apply(Base(), std::string("\x02\x05$.a[x", 7)),
            "Corruption: JSON diff 0 at offset 0: bad path '$.a[x'");
  EXPECT_EQ(Apply(Base(), std::string("\x00\x03$.a\x02\x05\x01", 8)),
            "Corruption: JSON diff 0 at offset 0: binary JSON: truncated scalar at offset 1");
}

}  // namespace
}  // namespace cdc::binlog
