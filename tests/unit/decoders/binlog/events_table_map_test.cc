// TABLE_MAP: per-type column metadata, every optional metadata field, and
// the exact error for each malformation.
#include <gtest/gtest.h>

#include "binlog_test_util.h"

namespace cdc::binlog {
namespace {

using testing::EventBuilder;
using testing::FormatDescriptionEvent;
using testing::Mysql80PostHeaders;

constexpr size_t kHeader = 19;

// Column types and their metadata bytes, as a server writes them.
struct Column {
  uint8_t type;
  std::string meta;
  uint16_t want_meta;
};

const std::vector<Column>& Columns() {
  static const std::vector<Column> columns = {
      {3, "", 0},                      // 0 LONG
      {15, "\x2c\x01", 300},           // 1 VARCHAR(300 bytes)
      {254, "\xfe\x28", 0xfe28},       // 2 CHAR(40)
      {254, "\xf7\x01", 0xf701},       // 3 ENUM
      {254, "\xf8\x01", 0xf801},       // 4 SET
      {246, "\x0a\x02", 0x0a02},       // 5 DECIMAL(10,2)
      {16, "\x05\x01", 0x0105},        // 6 BIT(13)
      {252, "\x02", 2},                // 7 BLOB
      {255, "\x04", 4},                // 8 GEOMETRY
      {245, "\x04", 4},                // 9 JSON
      {18, "\x06", 6},                 // 10 DATETIME(6)
      {5, "\x08", 8},                  // 11 DOUBLE
      {1, "", 0},                      // 12 TINYINT
      {253, std::string("\x50\x00", 2), 80},          // 13 VARBINARY(80)
      {19, "\x03", 3},                 // 14 TIME(3)
      {17, std::string("\x00", 1), 0}, // 15 TIMESTAMP
      {4, "\x04", 4},                  // 16 FLOAT
      {242, "\x04", 4},                // 17 VECTOR
      {13, "", 0},                     // 18 YEAR
      {10, "", 0},                     // 19 DATE
  };
  return columns;
}

// A TABLE_MAP up to its column count.
EventBuilder MapPrefix() {
  EventBuilder b(EventType::kTableMap);
  b.U48(9).U16(1).U8(2).Raw(std::string("db\0", 3)).U8(1).Raw(std::string("t\0", 2));
  return b;
}

EventBuilder FullMapPrefix() {
  EventBuilder b(EventType::kTableMap);
  b.U48(0x0102030405ULL).U16(1);
  b.U8(4).Raw(std::string("shop\0", 5)).U8(6).Raw(std::string("orders\0", 7));
  b.Packed(Columns().size());
  std::string meta;
  for (const Column& c : Columns()) {
    b.U8(c.type);
    meta += c.meta;
  }
  b.PackedStr(meta);
  b.U8(0xfe).U8(0xff).U8(0x0f);  // null bitmap: all but column 0 nullable
  return b;
}

EventBuilder& Tlv(EventBuilder& b, uint8_t type, const std::string& value) {
  return b.U8(type).PackedStr(value);
}

std::string Packed(std::initializer_list<uint64_t> values) {
  EventBuilder b(0);
  for (uint64_t v : values) b.Packed(v);
  return b.body();
}

std::string Strings(std::initializer_list<std::string_view> values) {
  EventBuilder b(0);
  for (std::string_view v : values) b.PackedStr(v);
  return b.body();
}

EventDecoder Decoder() {
  EventDecoder d;
  EXPECT_TRUE(d.Decode(FormatDescriptionEvent("8.0.31", 1, Mysql80PostHeaders())).ok());
  return d;
}

TableMap DecodeMap(const std::string& event) {
  EventDecoder d = Decoder();
  Result<Event> ev = d.Decode(event);
  EXPECT_TRUE(ev.ok()) << ev.status().ToString();
  if (!ev.ok()) return TableMap{};
  return std::get<TableMap>(ev->body);
}

std::string ErrorOf(const std::string& event) {
  EventDecoder d = Decoder();
  Result<Event> ev = d.Decode(event);
  EXPECT_FALSE(ev.ok());
  return ev.ok() ? "OK" : ev.status().ToString();
}

TEST(BinlogTableMap, ColumnTypesAndMetadata) {
  TableMap map = DecodeMap(FullMapPrefix().Build(true));
  EXPECT_EQ(map.table_id, 0x0102030405ULL);
  EXPECT_EQ(map.flags, 1);
  EXPECT_EQ(map.schema, "shop");
  EXPECT_EQ(map.table, "orders");
  ASSERT_EQ(map.column_types.size(), Columns().size());
  for (size_t i = 0; i < Columns().size(); ++i) {
    SCOPED_TRACE(i);
    EXPECT_EQ(map.column_types[i], Columns()[i].type);
    EXPECT_EQ(map.column_meta[i], Columns()[i].want_meta);
    EXPECT_EQ(map.nullable[i], i != 0);
  }
  EXPECT_TRUE(map.metadata.column_names.empty());
  EXPECT_FALSE(map.metadata.default_charset.has_value());
}

TEST(BinlogTableMap, EveryOptionalMetadataField) {
  EventBuilder b = FullMapPrefix();
  // Numeric columns 0, 5, 11, 12, 16: the first and the fourth unsigned.
  Tlv(b, 1, "\x90");
  // Character columns 1, 2, 7, 8, 13, 17 (ordinals 0..5).
  Tlv(b, 2, Packed({255, 0, 8, 2, 63, 5, 309}));
  Tlv(b, 3, Packed({8, 255, 63, 63, 33, 63}));
  std::vector<std::string> names;
  EventBuilder name_bytes(0);
  for (size_t i = 0; i < Columns().size(); ++i) {
    names.push_back("c" + std::to_string(i));
    name_bytes.PackedStr(names.back());
  }
  Tlv(b, 4, name_bytes.body());
  Tlv(b, 5, Packed({2}) + Strings({"a", "b"}));
  Tlv(b, 6, Packed({3}) + Strings({"x", "y", "zz"}));
  Tlv(b, 7, Packed({1}));
  Tlv(b, 8, Packed({0, 2}));
  // Enum/set columns 3 and 4 (ordinals 0, 1).
  Tlv(b, 10, Packed({45, 1, 8}));
  Tlv(b, 11, Packed({45, 8}));
  Tlv(b, 12, std::string("\xfb\xff\xf0", 3));  // column 5 invisible
  Tlv(b, 13, Packed({3}));                     // a newer type, skipped
  Tlv(b, 99, "xyz");
  TableMap map = DecodeMap(b.Build(true));
  const TableMetadata& md = map.metadata;
  EXPECT_EQ(md.is_unsigned, (std::vector<bool>{true, false, false, true, false}));
  EXPECT_EQ(md.default_charset, 255);
  EXPECT_EQ(md.charset_exceptions, (std::map<uint32_t, uint16_t>{{1, 8}, {7, 63}, {17, 309}}));
  EXPECT_EQ(md.column_charsets, (std::vector<uint16_t>{8, 255, 63, 63, 33, 63}));
  EXPECT_EQ(md.column_names, names);
  EXPECT_EQ(md.set_values, (std::vector<std::vector<std::string>>{{"a", "b"}}));
  EXPECT_EQ(md.enum_values, (std::vector<std::vector<std::string>>{{"x", "y", "zz"}}));
  EXPECT_EQ(md.geometry_types, std::vector<uint32_t>{1});
  EXPECT_EQ(md.primary_key, (std::vector<uint32_t>{0, 2}));
  EXPECT_EQ(md.primary_key_prefix, (std::vector<uint32_t>{0, 0}));
  EXPECT_EQ(md.enum_set_default_charset, 45);
  EXPECT_EQ(md.enum_set_charset_exceptions, (std::map<uint32_t, uint16_t>{{4, 8}}));
  EXPECT_EQ(md.enum_set_column_charsets, (std::vector<uint16_t>{45, 8}));
  std::vector<bool> visible(Columns().size(), true);
  visible[5] = false;
  EXPECT_EQ(md.column_visibility, visible);
}

TEST(BinlogTableMap, PrimaryKeyWithPrefix) {
  EventBuilder b = FullMapPrefix();
  Tlv(b, 9, Packed({0, 0, 7, 10}));
  TableMap map = DecodeMap(b.Build(true));
  EXPECT_EQ(map.metadata.primary_key, (std::vector<uint32_t>{0, 7}));
  EXPECT_EQ(map.metadata.primary_key_prefix, (std::vector<uint32_t>{0, 10}));
}

TEST(BinlogTableMap, Errors) {
  {
    EventBuilder b = FullMapPrefix();
    size_t at = kHeader + b.body().size();
    Tlv(b, 2, Packed({255, 6, 8}));
    EXPECT_EQ(ErrorOf(b.Build(true, 50)),
              "Corruption: binlog TABLE_MAP_EVENT (log_pos 50): DEFAULT_CHARSET names column 6 of "
              "only 6 eligible columns at byte " + std::to_string(at + 5));
  }
  {
    EventBuilder b = FullMapPrefix();
    size_t at = kHeader + b.body().size();
    b.U8(4).U8(40).Raw("ab");
    EXPECT_EQ(ErrorOf(b.Build(true, 50)),
              "Corruption: binlog TABLE_MAP_EVENT (log_pos 50): truncated optional metadata 4 at "
              "byte " + std::to_string(at + 2));
  }
  {
    EventBuilder b = FullMapPrefix();
    size_t at = kHeader + b.body().size();
    Tlv(b, 12, "\xff");
    EXPECT_EQ(ErrorOf(b.Build(true, 50)),
              "Corruption: binlog TABLE_MAP_EVENT (log_pos 50): truncated COLUMN_VISIBILITY bitmap "
              "at byte " + std::to_string(at + 2));
  }
  {
    // One type byte and two bytes of metadata where the type needs none.
    EventBuilder b = MapPrefix();
    b.U8(1).U8(3);
    size_t at = kHeader + b.body().size() + 1;
    b.PackedStr("ab").U8(0);
    EXPECT_EQ(ErrorOf(b.Build(true, 50)),
              "Corruption: binlog TABLE_MAP_EVENT (log_pos 50): 2 bytes of column metadata left "
              "over at byte " + std::to_string(at));
  }
  {
    // A VARCHAR needs two bytes of metadata.
    EventBuilder b = MapPrefix();
    b.U8(1).U8(15);
    size_t at = kHeader + b.body().size() + 1;
    b.PackedStr("a").U8(0);
    EXPECT_EQ(ErrorOf(b.Build(true, 50)),
              "Corruption: binlog TABLE_MAP_EVENT (log_pos 50): truncated column metadata at "
              "byte " +
                  std::to_string(at));
  }
  {
    EventBuilder b = MapPrefix();
    size_t at = kHeader + b.body().size();
    b.Packed(70000).U8(3);
    EXPECT_EQ(ErrorOf(b.Build(true, 50)),
              "Corruption: binlog TABLE_MAP_EVENT (log_pos 50): column_count 70000 does not fit in "
              "the 1 bytes left at byte " + std::to_string(at + 4));
  }
  {
    EventBuilder b = MapPrefix();
    b.U8(1).U8(3).U8(0);
    size_t at = kHeader + b.body().size();
    EXPECT_EQ(ErrorOf(b.Build(true, 50)),
              "Corruption: binlog TABLE_MAP_EVENT (log_pos 50): truncated null_bitmap at byte " +
                  std::to_string(at));
  }
  {
    EventBuilder b = FullMapPrefix();
    size_t at = kHeader + b.body().size();
    Tlv(b, 1, "");
    EXPECT_EQ(ErrorOf(b.Build(true, 50)),
              "Corruption: binlog TABLE_MAP_EVENT (log_pos 50): truncated SIGNEDNESS bitmap at "
              "byte " + std::to_string(at + 2));
  }
}

}  // namespace
}  // namespace cdc::binlog
