// Every row of the MySQL fixtures decoded, and compared with the values their
// SOURCES.md documents.
#include <gtest/gtest.h>

#include <sstream>

#include "tests/unit/fixtures_absent.h"
#include "tests/unit/decoders/binlog/json_test_util.h"
#include "tests/unit/decoders/binlog/rows_fixture_util.h"

namespace cdc::binlog {
namespace {

using testing::DecodedRow;
using testing::DecodeFileRows;
using testing::FixtureRoot;
using testing::ReadFileBytes;

const std::string kDir = FixtureRoot() + "/binlog-mysql/";

#define SKIP_WITHOUT_FIXTURES()                                                          \
  if (testing::BinlogFiles(kDir).empty()) CDC_FIXTURES_ABSENT("fixture folder " << kDir << " is absent")

struct FileRows {
  Status status;
  std::vector<DecodedRow> rows;
  std::vector<TableSchema> schemas;  // a copy per row, the walk's own do not outlive it
};

FileRows Decode(const std::string& path) {
  FileRows out;
  std::string bytes = ReadFileBytes(path);
  out.status = DecodeFileRows(bytes, [&](const DecodedRow& row) {
    out.rows.push_back(row);
    out.schemas.push_back(*row.schema);
    return Status::OK();
  });
  for (size_t i = 0; i < out.rows.size(); ++i) out.rows[i].schema = &out.schemas[i];
  return out;
}

const cdc::v1::Value& After(const FileRows& f, size_t row, size_t column) {
  return f.rows.at(row).change.after.values.at(column);
}

TEST(FixtureRowsMysqlTest, EveryFileDecodesEveryRow) {
  SKIP_WITHOUT_FIXTURES();
  std::vector<std::string> files = testing::BinlogFiles(kDir);
  for (const auto& f : testing::BinlogFiles(FixtureRoot() + "/binlog")) {
    if (f.find("/mysql-") != std::string::npos) files.push_back(f);
  }
  EXPECT_EQ(files.size(), 21u + 11u);
  std::map<std::string, std::string> documented;  // EXPECTED_ROWS: file -> "N" or ">=N"
  std::istringstream in(ReadFileBytes(kDir + "EXPECTED_ROWS"));
  for (std::string line; std::getline(in, line);) {
    if (line.empty() || line[0] == '#') continue;
    documented[line.substr(0, line.find(' '))] = line.substr(line.find(' ') + 1);
  }
  size_t total = 0;
  for (const auto& path : files) {
    SCOPED_TRACE(path);
    std::string name = path.substr(path.find_last_of('/') + 1);
    FileRows f = Decode(path);
    EXPECT_TRUE(f.status.ok()) << f.status.ToString();
    total += f.rows.size();
    auto it = documented.find(name);
    if (it == documented.end()) continue;
    if (it->second.rfind(">=", 0) == 0) {
      EXPECT_GE(f.rows.size(), std::stoul(it->second.substr(2)));
    } else {
      EXPECT_EQ(f.rows.size(), std::stoul(it->second));
    }
  }
  std::cout << "[rows] MySQL fixtures: " << total << " rows decoded\n";
  EXPECT_GT(total, 60000u);
}

TEST(FixtureRowsMysqlTest, PerconaDecimalsMatchTheServer) {
  SKIP_WITHOUT_FIXTURES();
  FileRows f = Decode(kDir + "5.6.16-percona-decimal.binlog");
  ASSERT_TRUE(f.status.ok()) << f.status.ToString();
  std::istringstream in(ReadFileBytes(kDir + "5.6.16-percona-decimal.expected.txt"));
  size_t compared = 0;
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("| ", 0) != 0 || line.find(" id ") != std::string::npos) continue;
    std::vector<std::string> cells;
    std::istringstream cols(line.substr(1));
    for (std::string cell; std::getline(cols, cell, '|');) {
      cell.erase(0, cell.find_first_not_of(' '));
      cell.erase(cell.find_last_not_of(' ') + 1);
      if (!cell.empty()) cells.push_back(cell);
    }
    ASSERT_EQ(cells.size(), 14u) << line;
    size_t row = std::stoul(cells[0]) - 1;
    ASSERT_LT(row, f.rows.size());
    EXPECT_EQ(After(f, row, 0).int_value(), std::stoll(cells[0]));
    for (size_t c = 1; c <= 11; ++c) {
      EXPECT_EQ(After(f, row, c).decimal_value(), cells[c]) << "row " << row + 1 << " column " << c;
      ++compared;
    }
    EXPECT_EQ(After(f, row, 12).int_value(), std::stoll(cells[12]));
    EXPECT_EQ(After(f, row, 13).int_value(), std::stoll(cells[13]));
  }
  EXPECT_EQ(compared, 17u * 11u);
}

TEST(FixtureRowsMysqlTest, JsonOpaqueValues) {
  SKIP_WITHOUT_FIXTURES();
  FileRows f = Decode(kDir + "9.0.1-json-opaque-full-metadata.binlog");
  ASSERT_TRUE(f.status.ok()) << f.status.ToString();
  // SOURCES.md lists these by event counter; MySQL prints DECIMALs as numbers.
  const std::vector<std::pair<size_t, std::string>> expected = {
      {10, "{\"a\": \"base64:type15:VQ==\"}"}, {12, "{\"b\": \"2012-03-18\"}"},
      {14, "{\"c\": \"2012-03-18 11:30:45.000000\"}"}, {16, "{\"c\": \"87:31:46.654321\"}"},
      {18, "{\"d\": 123.456}"}, {20, "{\"e\": 9.00}"}, {22, "{\"e\": [0, 1, true, false]}"},
      {24, "{\"e\": null}"}};
  ASSERT_EQ(f.rows.size(), expected.size());
  for (size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(f.rows[i].event_index, expected[i].first);
    EXPECT_EQ(After(f, i, 0).json_value(), expected[i].second);
  }
}

TEST(FixtureRowsMysqlTest, FullMetadataEnumSetAndBit) {
  SKIP_WITHOUT_FIXTURES();
  FileRows f = Decode(kDir + "8.0.28-full-metadata-enum-set.binlog");
  ASSERT_TRUE(f.status.ok()) << f.status.ToString();
  ASSERT_EQ(f.rows.size(), 3u);
  std::string digits;
  for (int i = 0; i < 10; ++i) digits += "0123456789";
  EXPECT_EQ(After(f, 0, 0).text_value(), digits);
  EXPECT_EQ(After(f, 0, 1).text_value().size(), 298u);
  EXPECT_EQ(After(f, 0, 2).enum_value(), "var1");
  EXPECT_EQ(After(f, 0, 3).set_value().labels().size(), 2);
  EXPECT_EQ(After(f, 0, 3).set_value().labels(0), "one");
  EXPECT_EQ(After(f, 0, 3).set_value().labels(1), "three");
  EXPECT_EQ(After(f, 0, 4).text_value(), "0123456789");
  EXPECT_EQ(f.rows[1].change.before.values[2].enum_value(), "var1");
  EXPECT_EQ(After(f, 1, 0).text_value(), "field1");
  EXPECT_EQ(After(f, 1, 1).text_value(), "field_2");
  EXPECT_EQ(After(f, 1, 2).enum_value(), "variant2");
  EXPECT_EQ(After(f, 1, 3).set_value().labels(0), "two");
  EXPECT_EQ(After(f, 1, 3).set_value().labels(1), "four");
  EXPECT_EQ(After(f, 1, 4).text_value(), f.rows[0].change.after.values[1].text_value());
  EXPECT_EQ(f.rows[2].change.before.values[1].text_value(), "field_2");
  EXPECT_EQ(f.rows[0].schema->columns[2].name, "f3");
  EXPECT_EQ(f.rows[0].schema->columns[2].type_name, "enum");

  FileRows bits = Decode(kDir + "8.0.26-full-metadata-bit.binlog");
  ASSERT_TRUE(bits.status.ok()) << bits.status.ToString();
  EXPECT_EQ(After(bits, 0, 0).bits_value(), "100");
  EXPECT_EQ(After(bits, 0, 1).text_value(), "foo");
  EXPECT_EQ(After(bits, 0, 2).bits_value(), "00100000");
}

TEST(FixtureRowsMysqlTest, DocumentedSingleValues) {
  SKIP_WITHOUT_FIXTURES();
  FileRows t = Decode(kDir + "8.0.40-time2-negative.binlog");
  ASSERT_TRUE(t.status.ok()) << t.status.ToString();
  EXPECT_EQ(After(t, 0, 0).time_value().micros(), -((507LL * 60 + 48) * 60 + 27) * 1000000);

  FileRows m = Decode(kDir + "8.0.40-row-image-minimal.binlog");
  ASSERT_TRUE(m.status.ok()) << m.status.ToString();
  EXPECT_EQ(m.rows[0].change.after.present, std::vector<bool>({true, false, true, false, true}));
  EXPECT_EQ(After(m, 0, 4).uint_value(), 3230202323u);
  EXPECT_EQ(m.rows[0].schema->columns[2].collation, 255);  // "@2" counts from 0 there
  EXPECT_EQ(m.rows[0].schema->columns[1].collation, 63);

  FileRows v = Decode(kDir + "9.0.1-vector-full-metadata.binlog");
  ASSERT_TRUE(v.status.ok()) << v.status.ToString();
  std::vector<const DecodedRow*> at12;
  for (const auto& r : v.rows) {
    if (r.event_index == 12) at12.push_back(&r);
  }
  ASSERT_EQ(at12.size(), 2u);
  EXPECT_EQ(at12[0]->change.after.values[1].bytes_value(),
            std::string("\xCD\xCC\x8C\x3F\xCD\xCC\x0C\x40\x33\x33\x53\x40", 12));
  EXPECT_EQ(at12[1]->change.after.values[1].bytes_value(),
            std::string("\x00\x00\x80\x3F\x00\x00\x80\xBF\x00\x00\x00\x00", 12));

  FileRows z = Decode(kDir + "5.6.35-dml-zalora.binlog");
  ASSERT_TRUE(z.status.ok()) << z.status.ToString();
  EXPECT_EQ(After(z, 0, 0).int_value(), 1);
  EXPECT_EQ(After(z, 0, 1).bytes_value(), "ACME Headquaters");  // no charset metadata in 5.6
  EXPECT_EQ(After(z, 0, 2).bytes_value(), "3950 North 1st Street CA 95134");

  FileRows j = Decode(kDir + "5.7.23-many-types-json.binlog");
  ASSERT_TRUE(j.status.ok()) << j.status.ToString();
  EXPECT_EQ(After(j, 0, 8).decimal_value(),
            "1234567890112233445566778899001112223334445556667778889.9900011112");
  EXPECT_EQ(After(j, 0, 12).json_value(), "{\"id\": 1, \"name\": \"John\"}");
  EXPECT_EQ(After(j, 0, 14).bits_value(), "0111101101010101011110000111");
  EXPECT_EQ(After(j, 0, 17).int_value(), 1989);
  EXPECT_EQ(After(j, 0, 19).timestamp_value().epoch_micros(), 596643133345000);  // 1988-11-27 14:12:13.345
  EXPECT_EQ(After(j, 0, 20).time_value().micros(), ((15LL * 60 + 22) * 60 + 33) * 1000000 + 670000);
}

// The whole file, as the server wrote it: its PARTIAL_UPDATE_ROWS (the 35th
// event) has MINIMAL images (the key before, the changed columns after), so each row's JSON diff cannot be
// applied and the after image carries it as error_value; every other column
// and row decodes.
TEST(FixtureRowsMysqlTest, PartialJsonWithoutBeforeImageCarriesTheDiff) {
  SKIP_WITHOUT_FIXTURES();
  FileRows f = Decode(kDir + "8.0.22-json-partial-update.binlog");
  ASSERT_TRUE(f.status.ok()) << f.status.ToString();
  std::vector<const DecodedRow*> partial;
  for (const auto& row : f.rows) {
    if (row.kind == RowsKind::kPartialUpdate) partial.push_back(&row);
  }
  ASSERT_EQ(partial.size(), 6u);
  EXPECT_EQ(f.rows.size(), 12u + 6u);
  for (const DecodedRow* row : partial) {
    SCOPED_TRACE("row with id " + std::to_string(row->change.before.values[0].int_value()));
    EXPECT_EQ(row->event_index, 35u);
    EXPECT_EQ(row->change.before.present, std::vector<bool>({true, false, false, false}));
    EXPECT_EQ(row->change.after.present, std::vector<bool>({false, true, true, true}));
    const cdc::v1::Value& json = row->change.after.values[1];
    ASSERT_EQ(json.kind_case(), cdc::v1::Value::kErrorValue) << json.ShortDebugString();
    EXPECT_EQ(json.error_value().message(),
              "JSON partial update of column @2 cannot be applied: the before image does not "
              "carry it (set binlog_row_image=FULL)");
    EXPECT_FALSE(json.error_value().raw().empty());
    // The generated columns after it are whole values, read past the diff.
    EXPECT_EQ(row->change.after.values[3].kind_case(), cdc::v1::Value::kIntValue);
  }
}

// The file's PARTIAL_UPDATE_ROWS after images applied to the full JSON the
// UPDATE before it wrote for the same ids; and, as the server wrote them, the
// raw diffs carried as error_value are exactly the event's bytes.
TEST(FixtureRowsMysqlTest, PartialJsonDiffsFromTheServer) {
  SKIP_WITHOUT_FIXTURES();
  std::string bytes = ReadFileBytes(kDir + "8.0.22-json-partial-update.binlog");
  FileReader reader(bytes);
  EventDecoder decoder;
  ASSERT_TRUE(reader.Open().ok());
  std::optional<TableMap> map;
  std::map<int64_t, std::string> json_by_id;  // after-image JSON bytes of the UPDATE
  std::optional<RowsEvent> partial;
  while (true) {
    auto next = reader.Next();
    ASSERT_TRUE(next.ok());
    if (!next->has_value()) break;
    auto ev = decoder.Decode(**next);
    ASSERT_TRUE(ev.ok()) << ev.status().ToString();
    if (auto* m = std::get_if<TableMap>(&ev->body)) map = *m;
    auto* rows = std::get_if<RowsEvent>(&ev->body);
    if (rows == nullptr) continue;
    if (rows->kind == RowsKind::kPartialUpdate) partial = *rows;
    if (rows->kind != RowsKind::kUpdate) continue;
    ByteReader r(rows->rows);
    // Keep the raw JSON bytes of each after image: null bitmap, id, JSON.
    while (!r.empty()) {
      for (int image = 0; image < 2; ++image) {
        uint8_t nulls;
        uint32_t id, len;
        std::string_view doc, name;
        uint16_t name_len;
        uint32_t age;
        ASSERT_TRUE(r.ReadU8(&nulls) && r.ReadU32LE(&id) && r.ReadU32LE(&len) && r.ReadBytes(len, &doc) &&
                    r.ReadU16LE(&name_len) && r.ReadBytes(name_len, &name) && r.ReadU32LE(&age));
        if (image == 1) json_by_id[id] = std::string(doc);
      }
    }
  }
  ASSERT_TRUE(partial.has_value());
  ASSERT_EQ(json_by_id.size(), 6u);
  // Rebuild the event with FULL before images: null bitmap, id, JSON, name, age.
  TableSchema schema = SchemaFromTableMap(*map);
  ByteReader r(partial->rows);
  std::string rebuilt;
  std::vector<int64_t> ids;
  std::vector<std::string> diffs;  // each row's JSON diff bytes, after the length
  while (!r.empty()) {
    uint8_t nulls;
    uint32_t id;
    ASSERT_TRUE(r.ReadU8(&nulls) && r.ReadU32LE(&id));
    ids.push_back(id);
    const std::string& doc = json_by_id.at(id);
    rebuilt += std::string(1, '\x00') + testing::LE(id, 4) + testing::LE(doc.size(), 4) + doc +
               testing::LE(0, 2) + testing::LE(0, 4);
    // The after image, as the server wrote it: options, partial bits, nulls, id, diff, name, age.
    size_t start = r.offset();
    uint8_t options, bits, after_nulls;
    uint32_t diff_len, age;
    uint16_t name_len;
    std::string_view skip;
    ASSERT_TRUE(r.ReadU8(&options) && r.ReadU8(&bits) && r.ReadU8(&after_nulls) && r.ReadU32LE(&diff_len) &&
                r.ReadBytes(diff_len, &skip));
    diffs.emplace_back(skip);
    ASSERT_TRUE(r.ReadU16LE(&name_len) && r.ReadBytes(name_len, &skip) && r.ReadU32LE(&age));
    rebuilt += std::string(partial->rows.substr(start, r.offset() - start));
  }
  RowsEvent full = *partial;
  full.columns_before = {true, true, true, true};
  full.rows = rebuilt;
  std::vector<std::string> after_json;
  std::vector<int64_t> ages;
  Status s = DecodeRows(full, schema, [&](RowChange& c) {
    after_json.push_back(c.after.values[1].json_value());
    ages.push_back(c.after.values[3].int_value());
    return Status::OK();
  });
  ASSERT_TRUE(s.ok()) << s.ToString();
  ASSERT_EQ(after_json.size(), 6u);
  for (size_t i = 0; i < after_json.size(); ++i) {
    // The diff sets $.age to the generated column's new value.
    EXPECT_NE(after_json[i].find("\"age\": " + std::to_string(ages[i])), std::string::npos)
        << after_json[i];
  }
  EXPECT_EQ(after_json[0], "{\"age\": 26, \"data\": \"xxxxxxxxxx\", \"name\": \"Joe\"}");

  std::vector<std::string> carried;
  s = DecodeRows(*partial, schema, [&](RowChange& c) {
    carried.push_back(c.after.values[1].error_value().raw());
    return Status::OK();
  });
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(carried, diffs);
}

}  // namespace
}  // namespace cdc::binlog
