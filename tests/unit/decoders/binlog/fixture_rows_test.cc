// Every row of the MariaDB fixtures decoded and compared, value by value, with
// the vendor tool's reading (mariadb-binlog --verbose, *.expected.txt).
#include <gtest/gtest.h>
#include <iconv.h>

#include <cmath>
#include <cstdio>
#include <ctime>
#include <sstream>

#include "tests/unit/fixtures_absent.h"
#include "decoders/binlog/charset.h"
#include "tests/unit/decoders/binlog/rows_fixture_util.h"
#include "tests/unit/decoders/binlog/rows_test_util.h"

namespace cdc::binlog {
namespace {

using testing::DecodedRow;
using testing::DecodeFileRows;
using testing::FixtureRoot;
using testing::ReadFileBytes;

struct ExpectedRow {
  char kind = 0;  // 'I', 'U', 'D'
  std::string table;
  std::map<size_t, std::string> before, after;  // 0-based column -> value text
  size_t line = 0;
};

std::vector<ExpectedRow> ParseExpected(const std::string& text) {
  std::vector<ExpectedRow> rows;
  std::istringstream in(text);
  std::string line;
  std::map<size_t, std::string>* section = nullptr;
  for (size_t n = 1; std::getline(in, line); ++n) {
    if (line.rfind("### INSERT INTO ", 0) == 0 || line.rfind("### UPDATE ", 0) == 0 ||
        line.rfind("### DELETE FROM ", 0) == 0) {
      ExpectedRow& r = rows.emplace_back();
      r.kind = line[4];
      r.table = line.substr(line.find('`'));
      r.line = n;
      section = r.kind == 'I' ? &r.after : &r.before;
    } else if (line == "### WHERE" && !rows.empty()) {
      section = &rows.back().before;
    } else if (line == "### SET" && !rows.empty()) {
      section = &rows.back().after;
    } else if (line.rfind("###   @", 0) == 0 && section != nullptr) {
      size_t eq = line.find('=');
      size_t column = std::stoul(line.substr(7, eq - 7)) - 1;
      std::string value = line.substr(eq + 1);
      if (value.empty() || value[0] != '\'') {
        while (!value.empty() && value.back() == ' ') value.pop_back();
      }
      (*section)[column] = value;
    }
  }
  return rows;
}

// The bytes of a quoted value: '...' with \xNN for bytes below 0x20.
bool Unquote(const std::string& v, std::string* out) {
  if (v.size() < 2 || v.front() != '\'' || v.back() != '\'') return false;
  out->clear();
  for (size_t i = 1; i + 1 < v.size(); ++i) {
    if (v[i] == '\\' && i + 3 < v.size() && v[i + 1] == 'x') {
      out->push_back(static_cast<char>(std::stoi(v.substr(i + 2, 2), nullptr, 16)));
      i += 3;
    } else {
      out->push_back(v[i]);
    }
  }
  return true;
}

std::string Iconv(const char* from, const std::string& in) {
  iconv_t cd = iconv_open("UTF-8", from);
  std::string out(in.size() * 4 + 4, '\0');
  char* src = const_cast<char*>(in.data());
  char* dst = out.data();
  size_t src_left = in.size(), dst_left = out.size();
  size_t r = iconv(cd, &src, &src_left, &dst, &dst_left);
  iconv_close(cd);
  if (r == static_cast<size_t>(-1)) return "<iconv failed>";
  out.resize(out.size() - dst_left);
  return out;
}

int64_t TimegmMicros(int y, int mo, int d, int h, int mi, int s) {
  std::tm tm{};
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  tm.tm_sec = s;
  return static_cast<int64_t>(timegm(&tm)) * 1000000;
}

// Digits after '.' as microseconds ("99" -> 990000), and their count.
int64_t FractionMicros(const std::string& digits, uint32_t* precision) {
  *precision = static_cast<uint32_t>(digits.size());
  std::string six = digits + std::string(6 - std::min<size_t>(6, digits.size()), '0');
  return six.empty() ? 0 : std::stoll(six.substr(0, 6));
}

// "" when `v` is the value the vendor tool printed as `e`; else what differs.
std::string Compare(const ColumnSchema& c, const cdc::v1::Value& v, const std::string& e) {
  using V = cdc::v1::Value;
  auto got = v.ShortDebugString();
  auto diff = [&](const std::string& why) { return why + ": expected " + e.substr(0, 80) +
                                                   ", decoded " + got.substr(0, 80); };
  if (e == "NULL") return v.null() ? "" : diff("not null");
  std::string raw;
  switch (v.kind_case()) {
    case V::kIntValue:
    case V::kUintValue: {
      if (c.type == kTypeYear) {
        return std::to_string(v.int_value() == 0 ? 1900 : v.int_value()) == e ? "" : diff("year");
      }
      size_t paren = e.find(" (");
      std::string want = v.kind_case() == V::kUintValue && paren != std::string::npos
                             ? e.substr(paren + 2, e.size() - paren - 3)
                             : e.substr(0, paren);
      std::string have = v.kind_case() == V::kUintValue ? std::to_string(v.uint_value())
                                                        : std::to_string(v.int_value());
      return have == want ? "" : diff("integer");
    }
    case V::kDecimalValue:
      return v.decimal_value() == e ? "" : diff("decimal");
    case V::kFloatValue: {
      char buf[64];
      std::snprintf(buf, sizeof(buf), "%g", static_cast<double>(v.float_value()));
      return e == buf ? "" : diff("float");
    }
    case V::kDoubleValue: {
      char buf[64];
      std::snprintf(buf, sizeof(buf), "%.20g", v.double_value());
      return e == buf ? "" : diff("double");
    }
    case V::kBitsValue:
      return e == "b'" + v.bits_value() + "'" ? "" : diff("bits");
    case V::kDateValue: {
      char buf[32];
      std::snprintf(buf, sizeof(buf), "'%04d:%02u:%02u'", v.date_value().year(),
                    v.date_value().month(), v.date_value().day());
      return e == buf ? "" : diff("date");
    }
    case V::kTimeValue: {
      int h, mi, s;
      bool neg = e.size() > 1 && e[1] == '-';
      if (std::sscanf(e.c_str() + (neg ? 2 : 1), "%d:%d:%d", &h, &mi, &s) != 3) return diff("time text");
      size_t dot = e.find('.');
      uint32_t precision = 0;
      int64_t frac = dot == std::string::npos ? 0 : FractionMicros(e.substr(dot + 1, e.size() - dot - 2), &precision);
      int64_t micros = ((h * 60LL + mi) * 60 + s) * 1000000 + frac;
      if (neg) micros = -micros;
      return v.time_value().micros() == micros && v.time_value().precision() == precision ? "" : diff("time");
    }
    case V::kTimestampValue: {
      const auto& ts = v.timestamp_value();
      if (ts.with_time_zone()) {  // epoch seconds with the fraction
        size_t dot = e.find('.');
        uint32_t precision = 0;
        int64_t frac = dot == std::string::npos ? 0 : FractionMicros(e.substr(dot + 1), &precision);
        int64_t micros = std::stoll(e.substr(0, dot)) * 1000000 + frac;
        if (micros == 0) return ts.zero() ? "" : diff("zero timestamp");
        return ts.epoch_micros() == micros && precision <= ts.precision() ? "" : diff("timestamp");
      }
      int y, mo, d, h, mi, s;
      if (std::sscanf(e.c_str(), "'%d-%d-%d %d:%d:%d", &y, &mo, &d, &h, &mi, &s) != 6) return diff("datetime text");
      size_t dot = e.find('.');
      uint32_t precision = 0;
      int64_t frac = dot == std::string::npos ? 0 : FractionMicros(e.substr(dot + 1, e.size() - dot - 2), &precision);
      if (ts.precision() != precision) return diff("datetime precision");
      if (y == 0 && mo == 0 && d == 0 && h == 0 && mi == 0 && s == 0 && frac == 0) {
        return ts.zero() ? "" : diff("zero datetime");
      }
      if (mo == 0 || d == 0) return "'" + ts.invalid_text() + "'" == e ? "" : diff("invalid datetime");
      return ts.epoch_micros() == TimegmMicros(y, mo, d, h, mi, s) + frac ? "" : diff("datetime");
    }
    case V::kTextValue: {
      if (!Unquote(e, &raw)) return diff("text notation");
      const Charset* cs = CharsetOfCollation(c.collation);
      std::string name = cs == nullptr ? "" : cs->name;
      const char* from = name == "latin1" ? "CP1252" : name.rfind("utf8", 0) == 0 ? "UTF-8" : nullptr;
      if (from == nullptr) return diff("charset " + name + " not covered by this test");
      return Iconv(from, raw) == v.text_value() ? "" : diff("text");
    }
    case V::kBytesValue:
      if (!Unquote(e, &raw)) return diff("bytes notation");
      // The vendor tool prints a BINARY(n) as the binlog stores it, without
      // its trailing 0x00 bytes; the column's value (what a SELECT or a
      // snapshot returns, and what the decoder gives) has all n bytes. n fits
      // the low meta byte: a binary charset has one byte per character.
      if (c.type == kTypeString && IsBinaryCollation(c.collation) &&
          raw.size() < (c.meta & 0xFFu)) {
        raw.resize(c.meta & 0xFFu, '\0');
      }
      return raw == v.bytes_value() ? "" : diff("bytes");
    case V::kGeometryValue: {
      if (!Unquote(e, &raw)) return diff("geometry notation");
      std::string have = testing::LE(v.geometry_value().srid(), 4) + v.geometry_value().wkb();
      return raw == have ? "" : diff("geometry");
    }
    case V::kEnumValue: {
      size_t index = std::stoul(e);
      std::string want = index == 0 ? "" : c.enum_values.at(index - 1);
      return v.enum_value() == want ? "" : diff("enum");
    }
    case V::kSetValue: {
      if (e.size() < 3 || e.rfind("b'", 0) != 0) return diff("set notation");
      uint64_t mask = std::stoull(e.substr(2, e.size() - 3), nullptr, 2);
      uint64_t have = 0;
      for (const auto& label : v.set_value().labels()) {
        for (size_t i = 0; i < c.set_values.size(); ++i) {
          if (c.set_values[i] == label) have |= uint64_t{1} << i;
        }
      }
      return have == mask ? "" : diff("set");
    }
    default:
      return diff("unexpected kind");
  }
}

struct Totals {
  size_t rows = 0, values = 0, mismatches = 0;
};

void CompareImage(const ExpectedRow& want, const std::map<size_t, std::string>& expected,
                  const RowImage& image, const TableSchema& schema, const char* which,
                  Totals* totals) {
  std::set<size_t> present;
  for (size_t i = 0; i < image.present.size(); ++i) {
    if (image.present[i]) present.insert(i);
  }
  std::set<size_t> listed;
  for (const auto& [i, text] : expected) listed.insert(i);
  EXPECT_EQ(present, listed) << which << " columns of the row at expected line " << want.line;
  for (const auto& [i, text] : expected) {
    if (i >= image.values.size()) continue;
    ++totals->values;
    std::string why = Compare(schema.columns[i], image.values[i], text);
    if (!why.empty()) {
      ++totals->mismatches;
      ADD_FAILURE() << "line " << want.line << " " << which << " column @" << i + 1 << " ("
                    << schema.columns[i].type_name << "): " << why;
    }
  }
}

Totals CompareFile(const std::string& name) {
  const std::string dir = FixtureRoot() + "/binlog/";
  std::vector<ExpectedRow> expected = ParseExpected(ReadFileBytes(dir + name + ".expected.txt"));
  std::string bytes = ReadFileBytes(dir + name + ".binlog");
  Totals totals;
  Status s = DecodeFileRows(bytes, [&](const DecodedRow& row) {
    if (totals.rows >= expected.size()) return Status::Corruption("more rows than expected");
    const ExpectedRow& want = expected[totals.rows++];
    const char kind = row.kind == RowsKind::kWrite ? 'I' : row.kind == RowsKind::kDelete ? 'D' : 'U';
    EXPECT_EQ(kind, want.kind) << "expected line " << want.line;
    EXPECT_EQ("`" + row.schema->schema + "`.`" + row.schema->table + "`", want.table);
    if (kind != 'I') CompareImage(want, want.before, row.change.before, *row.schema, "before", &totals);
    if (kind != 'D') CompareImage(want, want.after, row.change.after, *row.schema, "after", &totals);
    return totals.mismatches > 50 ? Status::Aborted("too many mismatches") : Status::OK();
  });
  EXPECT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(totals.rows, expected.size());
  return totals;
}

bool HaveFixtures() { return !testing::BinlogFiles(FixtureRoot() + "/binlog").empty(); }

TEST(FixtureRowsTest, MariaDbTypesMatchTheVendorReading) {
  if (!HaveFixtures()) CDC_FIXTURES_ABSENT("fixture folder ../shared/fixtures/binlog is absent");
  Totals t = CompareFile("mariadb-10.11-types");
  EXPECT_EQ(t.rows, 36682u);
  EXPECT_EQ(t.mismatches, 0u);
  std::cout << "[rows] mariadb-10.11-types: " << t.rows << " rows, " << t.values
            << " values compared\n";
}

TEST(FixtureRowsTest, MariaDbMinimalImagesMatchTheVendorReading) {
  if (!HaveFixtures()) CDC_FIXTURES_ABSENT("fixture folder ../shared/fixtures/binlog is absent");
  Totals t = CompareFile("mariadb-10.11-minimal");
  EXPECT_EQ(t.rows, 7u);
  EXPECT_EQ(t.mismatches, 0u);
  std::cout << "[rows] mariadb-10.11-minimal: " << t.rows << " rows, " << t.values
            << " values compared\n";
}

}  // namespace
}  // namespace cdc::binlog
