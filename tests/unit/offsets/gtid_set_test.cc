#include "offsets/gtid_set.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <random>
#include <set>
#include <string>
#include <vector>

namespace cdc::offsets {
namespace {

using ::testing::HasSubstr;

constexpr char kUuidA[] = "3e11fa47-71ca-11e1-9e33-c80aa9429562";
constexpr char kUuidB[] = "8a94f357-aab4-11df-86ab-c80aa9429562";

MysqlUuid Uuid(const char* text) {
  Result<MysqlUuid> uuid = ParseMysqlUuid(text);
  EXPECT_TRUE(uuid.ok()) << text << ": " << uuid.status().ToString();
  return uuid.ok() ? *uuid : MysqlUuid{};
}

MysqlGtidSet MustParseMysql(std::string_view text) {
  Result<MysqlGtidSet> set = MysqlGtidSet::Parse(text);
  EXPECT_TRUE(set.ok()) << text << ": " << set.status().ToString();
  return set.ok() ? *set : MysqlGtidSet();
}

MariaGtidSet MustParseMaria(std::string_view text) {
  Result<MariaGtidSet> set = MariaGtidSet::Parse(text);
  EXPECT_TRUE(set.ok()) << text << ": " << set.status().ToString();
  return set.ok() ? *set : MariaGtidSet();
}

// ------------------------------------------------------------------ MariaDB

TEST(MariaGtidSetTest, ParsesAndPrintsCanonically) {
  struct Case {
    const char* text;
    const char* canonical;
  };
  for (const Case& c : {Case{"", ""}, Case{"  \n ", ""}, Case{"0-1-100", "0-1-100"},
                        Case{"0-1-100,1-2-7", "0-1-100,1-2-7"},
                        Case{"1-2-7,0-1-100", "0-1-100,1-2-7"},
                        Case{" 5-3-1 ,\n 0-1-0\t", "0-1-0,5-3-1"},
                        Case{"10-1-1,9-1-1,2-1-1", "2-1-1,9-1-1,10-1-1"},
                        Case{"007-001-0100", "7-1-100"},
                        Case{"4294967295-4294967295-18446744073709551615",
                             "4294967295-4294967295-18446744073709551615"}}) {
    MariaGtidSet set = MustParseMaria(c.text);
    EXPECT_EQ(set.ToString(), c.canonical) << c.text;
    EXPECT_EQ(set.empty(), std::string(c.canonical).empty()) << c.text;
    // The canonical form parses back to the same set.
    EXPECT_EQ(MustParseMaria(set.ToString()), set) << c.text;
  }
}

TEST(MariaGtidSetTest, ParsedEntriesHoldTheNumbers) {
  MariaGtidSet set = MustParseMaria("1-2-7,0-1-100");
  ASSERT_EQ(set.size(), 2u);
  std::vector<MariaGtidSet::Entry> entries = set.entries();
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(entries[0], (MariaGtidSet::Entry{0, 1, 100}));
  EXPECT_EQ(entries[1], (MariaGtidSet::Entry{1, 2, 7}));
  ASSERT_TRUE(set.Find(1).has_value());
  EXPECT_EQ(set.Find(1)->seq, 7u);
  EXPECT_FALSE(set.Find(2).has_value());
}

TEST(MariaGtidSetTest, UpdateReplacesADomainAndAddsNewOnes) {
  MariaGtidSet set = MustParseMaria("0-1-100,2-1-5");
  set.Update(0, 1, 101);
  EXPECT_EQ(set.ToString(), "0-1-101,2-1-5");
  // A new server id in the same domain replaces the entry too.
  set.Update(0, 3, 1);
  EXPECT_EQ(set.ToString(), "0-3-1,2-1-5");
  set.Update(1, 2, 7);
  EXPECT_EQ(set.ToString(), "0-3-1,1-2-7,2-1-5");
  set.Update(9, 1, 1);
  EXPECT_EQ(set.ToString(), "0-3-1,1-2-7,2-1-5,9-1-1");
  EXPECT_EQ(set.size(), 4u);

  MariaGtidSet fresh;
  EXPECT_TRUE(fresh.empty());
  fresh.Update(4, 5, 6);
  EXPECT_FALSE(fresh.empty());
  EXPECT_EQ(fresh.ToString(), "4-5-6");
  EXPECT_NE(fresh, set);
}

TEST(MariaGtidSetTest, RejectsMalformedText) {
  struct Case {
    const char* text;
    const char* message;  // a substring of the error
  };
  for (const Case& c : {
           Case{"abc", "GTID set \"abc\": entry \"abc\" is not domain-server-seq"},
           Case{"0-1", "entry \"0-1\" is not domain-server-seq"},
           Case{"0-1-2-3", "entry \"0-1-2-3\" is not domain-server-seq"},
           Case{"0-1-x", "entry \"0-1-x\" is not domain-server-seq"},
           Case{"0--1-2", "entry \"0--1-2\" is not domain-server-seq"},
           Case{"+0-1-2", "entry \"+0-1-2\" is not domain-server-seq"},
           Case{"0 - 1 - 2", "entry \"0 - 1 - 2\" is not domain-server-seq"},
           Case{"0-1-100,", "entry 2 is empty"},
           Case{",0-1-100", "entry 1 is empty"},
           Case{"0-1-1,,1-1-1", "entry 2 is empty"},
           Case{"3e11fa47-71ca-11e1-9e33-c80aa9429562:1-5", "is not domain-server-seq"},
           Case{"4294967296-1-1",
                "entry \"4294967296-1-1\": domain 4294967296 is above the maximum 4294967295"},
           Case{"0-4294967296-1", "server id 4294967296 is above the maximum"},
           Case{"0-1-18446744073709551616",
                "seq 18446744073709551616 is above the maximum 18446744073709551615"},
           Case{"0-1-100,1-1-1,0-2-200",
                "domain 0 appears twice (0-1-100 and 0-2-200)"},
       }) {
    Result<MariaGtidSet> set = MariaGtidSet::Parse(c.text);
    ASSERT_FALSE(set.ok()) << c.text;
    EXPECT_TRUE(set.status().IsInvalidArgument()) << c.text;
    EXPECT_THAT(set.status().message(), HasSubstr(c.message)) << c.text;
    EXPECT_EQ(set.status().message().find('\n'), std::string::npos) << c.text;
  }
}

// ------------------------------------------------------------------ uuids

TEST(MysqlUuidTest, ParsesAndFormats) {
  Result<MysqlUuid> uuid = ParseMysqlUuid("3E11FA47-71ca-11E1-9e33-C80AA9429562");
  ASSERT_TRUE(uuid.ok()) << uuid.status().ToString();
  EXPECT_EQ((*uuid)[0], 0x3e);
  EXPECT_EQ((*uuid)[1], 0x11);
  EXPECT_EQ((*uuid)[15], 0x62);
  EXPECT_EQ(FormatMysqlUuid(*uuid), kUuidA);

  for (const char* bad :
       {"", "3e11fa47", "3e11fa4771ca11e19e33c80aa9429562", "3e11fa47-71ca-11e1-9e33-c80aa942956",
        "3e11fa47-71ca-11e1-9e33-c80aa94295621", "3e11fa47_71ca-11e1-9e33-c80aa9429562",
        "3g11fa47-71ca-11e1-9e33-c80aa9429562", "{3e11fa47-71ca-11e1-9e33-c80aa9429562}"}) {
    Result<MysqlUuid> parsed = ParseMysqlUuid(bad);
    ASSERT_FALSE(parsed.ok()) << bad;
    EXPECT_THAT(parsed.status().message(), HasSubstr("is not a server UUID")) << bad;
  }
}

// ------------------------------------------------------------------ MySQL

TEST(MysqlGtidSetTest, ParsesAndPrintsCanonically) {
  struct Case {
    std::string text;
    std::string canonical;
  };
  const std::string a = kUuidA;
  const std::string b = kUuidB;
  for (const Case& c : std::vector<Case>{
           {"", ""},
           {" \n", ""},
           {a + ":1-5", a + ":1-5"},
           {a + ":1-5:7-9," + b + ":1-3", a + ":1-5:7-9," + b + ":1-3"},
           // Sorted by uuid; uppercase hex printed lowercase.
           {"8A94F357-AAB4-11DF-86AB-C80AA9429562:1-3,\n" + a + ":1-5",
            a + ":1-5," + b + ":1-3"},
           // Single GNOs print as "a"; a range of one prints as "a".
           {a + ":3-3:5", a + ":3:5"},
           // Intervals sorted and merged: overlapping, adjacent and repeated.
           {a + ":7-9:1-5", a + ":1-5:7-9"},
           {a + ":1-3:4", a + ":1-4"},
           {a + ":1-3:2-8:10", a + ":1-8:10"},
           {a + ":5:4:3:2:1", a + ":1-5"},
           {a + ":1-10:3-4", a + ":1-10"},
           // The same uuid in two entries is one set.
           {a + ":1-3," + b + ":1," + a + ":4-6", a + ":1-6," + b + ":1"},
           // Whitespace around entries, parts and numbers, as servers print.
           {"  " + a + " : 1 - 5 : 7 ,\n  " + b + ":2\n", a + ":1-5:7," + b + ":2"},
           // Tagged GTIDs (MySQL 8.4): untagged intervals first, tags sorted and
           // lowercased.
           {a + ":tag:1-5", a + ":tag:1-5"},
           {a + ":9:zz:1:AA:2-3", a + ":9:aa:2-3:zz:1"},
           {a + ":zz:1:AA:2-3:1-4", a + ":aa:1-4:zz:1"},
           {a + ":t:1," + a + ":2", a + ":2:t:1"},
           {a + ":Batch_1:1-2," + a + ":batch_1:3", a + ":batch_1:1-3"},
           {a + ":_t:9:t2:1-2:_t:10", a + ":_t:9-10:t2:1-2"},
       }) {
    MysqlGtidSet set = MustParseMysql(c.text);
    EXPECT_EQ(set.ToString(), c.canonical) << c.text;
    EXPECT_EQ(set.empty(), c.canonical.empty()) << c.text;
    EXPECT_EQ(MustParseMysql(set.ToString()), set) << c.text;
  }
  MysqlGtidSet max = MustParseMysql(a + ":9223372036854775805-9223372036854775806");
  EXPECT_EQ(max.ToString(), a + ":9223372036854775805-9223372036854775806");
  EXPECT_TRUE(max.Contains(Uuid(kUuidA), "", MysqlGtidSet::kMaxGno));
}

TEST(MysqlGtidSetTest, AddExtendsAndJoinsIntervals) {
  const std::string a = kUuidA;
  MysqlGtidSet set;
  EXPECT_TRUE(set.empty());
  ASSERT_TRUE(set.Add(Uuid(kUuidA), "", 5).ok());
  EXPECT_FALSE(set.empty());
  EXPECT_EQ(set.ToString(), a + ":5");
  // At the upper end.
  ASSERT_TRUE(set.Add(Uuid(kUuidA), "", 6).ok());
  EXPECT_EQ(set.ToString(), a + ":5-6");
  // At the lower end.
  ASSERT_TRUE(set.Add(Uuid(kUuidA), "", 4).ok());
  EXPECT_EQ(set.ToString(), a + ":4-6");
  // Apart from the rest, before and after.
  ASSERT_TRUE(set.Add(Uuid(kUuidA), "", 1).ok());
  ASSERT_TRUE(set.Add(Uuid(kUuidA), "", 10).ok());
  EXPECT_EQ(set.ToString(), a + ":1:4-6:10");
  // In the middle of a gap, touching neither side.
  ASSERT_TRUE(set.Add(Uuid(kUuidA), "", 8).ok());
  EXPECT_EQ(set.ToString(), a + ":1:4-6:8:10");
  // Filling a one-GNO gap joins the intervals on both sides.
  ASSERT_TRUE(set.Add(Uuid(kUuidA), "", 9).ok());
  EXPECT_EQ(set.ToString(), a + ":1:4-6:8-10");
  ASSERT_TRUE(set.Add(Uuid(kUuidA), "", 7).ok());
  EXPECT_EQ(set.ToString(), a + ":1:4-10");
  // Adding what is there changes nothing.
  ASSERT_TRUE(set.Add(Uuid(kUuidA), "", 6).ok());
  EXPECT_EQ(set.ToString(), a + ":1:4-10");
  // An interval spanning several joins them all.
  ASSERT_TRUE(set.AddInterval(Uuid(kUuidA), "", 12, 12).ok());
  ASSERT_TRUE(set.AddInterval(Uuid(kUuidA), "", 2, 11).ok());
  EXPECT_EQ(set.ToString(), a + ":1-12");
  std::vector<MysqlGtidSet::Interval> intervals = set.Intervals(Uuid(kUuidA), "");
  ASSERT_EQ(intervals.size(), 1u);
  EXPECT_EQ(intervals[0], (MysqlGtidSet::Interval{1, 12}));

  // Another uuid, and tags, go to their own sets.
  ASSERT_TRUE(set.Add(Uuid(kUuidB), "", 3).ok());
  ASSERT_TRUE(set.Add(Uuid(kUuidA), "Tag", 1).ok());
  ASSERT_TRUE(set.Add(Uuid(kUuidA), "tag", 2).ok());
  EXPECT_EQ(set.ToString(), a + ":1-12:tag:1-2," + kUuidB + ":3");
  EXPECT_TRUE(set.HasTags());
}

TEST(MysqlGtidSetTest, AddRejectsBadGnosAndTags) {
  MysqlGtidSet set = MustParseMysql(std::string(kUuidA) + ":1-3");
  const MysqlGtidSet before = set;
  Status s = set.Add(Uuid(kUuidA), "", 0);
  EXPECT_TRUE(s.IsInvalidArgument());
  EXPECT_THAT(s.message(), HasSubstr("GNO 0 is not valid"));
  EXPECT_THAT(s.message(), HasSubstr(std::string(kUuidA) + ":0"));
  s = set.Add(Uuid(kUuidA), "", MysqlGtidSet::kMaxGno + 1);
  EXPECT_THAT(s.message(), HasSubstr("GNO 9223372036854775807 is above the maximum"));
  s = set.Add(Uuid(kUuidA), "1tag", 4);
  EXPECT_THAT(s.message(), HasSubstr("tag \"1tag\" is not valid"));
  s = set.Add(Uuid(kUuidA), std::string(33, 'a'), 4);
  EXPECT_THAT(s.message(), HasSubstr("is not valid"));
  s = set.Add(Uuid(kUuidA), "a-b", 4);
  EXPECT_THAT(s.message(), HasSubstr("tag \"a-b\" is not valid"));
  s = set.AddInterval(Uuid(kUuidA), "", 5, 4);
  EXPECT_THAT(s.message(), HasSubstr("interval 5-4 starts after it ends"));
  EXPECT_EQ(set, before);
  // The longest tag is fine.
  EXPECT_TRUE(set.Add(Uuid(kUuidA), std::string(32, 'a'), 4).ok());
}

TEST(MysqlGtidSetTest, Contains) {
  MysqlGtidSet set = MustParseMysql(std::string(kUuidA) + ":1-3:7:10-20:tag:5");
  for (uint64_t gno : {1, 2, 3, 7, 10, 15, 20}) {
    EXPECT_TRUE(set.Contains(Uuid(kUuidA), "", gno)) << gno;
  }
  for (uint64_t gno : {0, 4, 6, 8, 9, 21, 1000}) {
    EXPECT_FALSE(set.Contains(Uuid(kUuidA), "", gno)) << gno;
  }
  EXPECT_TRUE(set.Contains(Uuid(kUuidA), "tag", 5));
  EXPECT_TRUE(set.Contains(Uuid(kUuidA), "TAG", 5));
  EXPECT_FALSE(set.Contains(Uuid(kUuidA), "tag", 1));
  EXPECT_FALSE(set.Contains(Uuid(kUuidA), "other", 5));
  EXPECT_FALSE(set.Contains(Uuid(kUuidB), "", 1));
  EXPECT_FALSE(MysqlGtidSet().Contains(Uuid(kUuidA), "", 1));
}

// Random Adds against a plain set of GNOs: the printed intervals and
// Contains must agree with it.
TEST(MysqlGtidSetTest, RandomAddsMatchAReferenceSet) {
  std::mt19937_64 rng(7);
  for (int round = 0; round < 50; ++round) {
    MysqlGtidSet set;
    std::set<uint64_t> reference;
    for (int i = 0; i < 60; ++i) {
      uint64_t first = 1 + rng() % 80;
      uint64_t last = first + (rng() % 4 == 0 ? rng() % 5 : 0);
      ASSERT_TRUE(set.AddInterval(Uuid(kUuidA), "", first, last).ok());
      for (uint64_t g = first; g <= last; ++g) reference.insert(g);
    }
    std::string expected = kUuidA;
    for (auto it = reference.begin(); it != reference.end();) {
      uint64_t first = *it;
      uint64_t last = first;
      while (++it != reference.end() && *it == last + 1) last = *it;
      expected += ":" + std::to_string(first);
      if (last != first) expected += "-" + std::to_string(last);
    }
    ASSERT_EQ(set.ToString(), expected) << "round " << round;
    for (uint64_t g = 0; g <= 90; ++g) {
      ASSERT_EQ(set.Contains(Uuid(kUuidA), "", g), reference.count(g) == 1)
          << "round " << round << " gno " << g;
    }
    ASSERT_EQ(MustParseMysql(expected), set);
  }
}

TEST(MysqlGtidSetTest, RejectsMalformedText) {
  const std::string a = kUuidA;
  struct Case {
    std::string text;
    std::string message;  // a substring of the error
  };
  for (const Case& c : std::vector<Case>{
           {"abc", "GTID set \"abc\": entry \"abc\": \"abc\" is not a server UUID"},
           {"3e11fa47-71ca-11e1-9e33:1-5", "is not a server UUID"},
           {"0-1-100", "entry \"0-1-100\": \"0-1-100\" is not a server UUID"},
           {a, "entry \"" + a + "\": uuid has no interval after it"},
           {a + ":", "empty part after ':'"},
           {a + ":1-5:", "empty part after ':'"},
           {a + "::1-5", "empty part after ':'"},
           {a + ":1-5,", "entry 2 is empty"},
           {a + ":1-5,," + kUuidB + ":1", "entry 2 is empty"},
           {a + ":0", "interval \"0\": GNO 0 is not valid: GNOs start at 1"},
           {a + ":0-5", "interval \"0-5\": GNO 0 is not valid"},
           {a + ":5-3", "interval \"5-3\": interval 5-3 starts after it ends"},
           {a + ":1-", "interval \"1-\" is not N or N-M"},
           {a + ":-3", "interval \"-3\" is not N or N-M"},
           {a + ":1-2-3", "interval \"1-2-3\" is not N or N-M"},
           {a + ":1x", "interval \"1x\" is not N or N-M"},
           {a + ":9223372036854775807", "GNO 9223372036854775807 is above the maximum"},
           {a + ":1-99999999999999999999", "GNO above the maximum"},
           {a + ":tag", "tag \"tag\" has no interval after it"},
           {a + ":1-5:tag", "tag \"tag\" has no interval after it"},
           {a + ":t1:t2:1", "tag \"t1\" has no interval after it"},
           {a + ":t-x:1", "tag \"t-x\" is not valid"},
           {a + ":" + std::string(33, 't') + ":1", "is not valid: a tag is 1 to 32"},
           {a + ":1-5\n," + kUuidB + ":7-x", "interval \"7-x\" is not N or N-M"},
       }) {
    Result<MysqlGtidSet> set = MysqlGtidSet::Parse(c.text);
    ASSERT_FALSE(set.ok()) << c.text;
    EXPECT_TRUE(set.status().IsInvalidArgument()) << c.text;
    EXPECT_THAT(set.status().message(), HasSubstr(c.message)) << c.text;
    EXPECT_EQ(set.status().message().find('\n'), std::string::npos) << c.text;
  }
}

TEST(MysqlGtidSetTest, ErrorMessagesQuoteLongSetsShortly) {
  std::string text;
  for (int i = 0; i < 50; ++i) text += std::string(kUuidA) + ":" + std::to_string(i + 1) + ",\n";
  text += "bad";
  Result<MysqlGtidSet> set = MysqlGtidSet::Parse(text);
  ASSERT_FALSE(set.ok());
  const std::string& message = set.status().message();
  EXPECT_THAT(message, HasSubstr("...\": entry \"bad\""));
  EXPECT_THAT(message, HasSubstr(":1,\\n"));  // newlines shown escaped
  EXPECT_EQ(message.find('\n'), std::string::npos);
  EXPECT_LT(message.size(), 300u);
}

TEST(MysqlGtidSetTest, EncodesForBinlogDumpByteByByte) {
  // kUuidB sorts after kUuidA; give the sets in the other order.
  MysqlGtidSet set = MustParseMysql(std::string(kUuidB) + ":7," + kUuidA + ":1-3:5");
  Result<std::string> encoded = set.EncodeForDump();
  ASSERT_TRUE(encoded.ok()) << encoded.status().ToString();
  const std::vector<uint8_t> expected = {
      2, 0, 0, 0, 0, 0, 0, 0,  // n_sids
      // 3e11fa47-71ca-11e1-9e33-c80aa9429562
      0x3e, 0x11, 0xfa, 0x47, 0x71, 0xca, 0x11, 0xe1, 0x9e, 0x33, 0xc8, 0x0a, 0xa9, 0x42, 0x95,
      0x62,                    //
      2, 0, 0, 0, 0, 0, 0, 0,  // n_intervals
      1, 0, 0, 0, 0, 0, 0, 0,  // start 1
      4, 0, 0, 0, 0, 0, 0, 0,  // end 4 (exclusive)
      5, 0, 0, 0, 0, 0, 0, 0,  // start 5
      6, 0, 0, 0, 0, 0, 0, 0,  // end 6
      // 8a94f357-aab4-11df-86ab-c80aa9429562
      0x8a, 0x94, 0xf3, 0x57, 0xaa, 0xb4, 0x11, 0xdf, 0x86, 0xab, 0xc8, 0x0a, 0xa9, 0x42, 0x95,
      0x62,                    //
      1, 0, 0, 0, 0, 0, 0, 0,  // n_intervals
      7, 0, 0, 0, 0, 0, 0, 0,  // start 7
      8, 0, 0, 0, 0, 0, 0, 0,  // end 8
  };
  ASSERT_EQ(encoded->size(), expected.size());
  for (size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(static_cast<uint8_t>((*encoded)[i]), expected[i]) << "byte " << i;
  }
}

TEST(MysqlGtidSetTest, EncodesLargeNumbersLittleEndian) {
  MysqlGtidSet set;
  ASSERT_TRUE(set.AddInterval(Uuid(kUuidA), "", 0x0102030405060708ull, MysqlGtidSet::kMaxGno).ok());
  Result<std::string> encoded = set.EncodeForDump();
  ASSERT_TRUE(encoded.ok());
  ASSERT_EQ(encoded->size(), 8u + 16u + 8u + 16u);
  EXPECT_EQ(encoded->substr(32, 8), std::string("\x08\x07\x06\x05\x04\x03\x02\x01", 8));
  // End is exclusive: kMaxGno + 1 = INT64_MAX.
  EXPECT_EQ(encoded->substr(40, 8), std::string("\xff\xff\xff\xff\xff\xff\xff\x7f", 8));
}

TEST(MysqlGtidSetTest, EncodesTheEmptySetAsZeroSids) {
  Result<std::string> encoded = MysqlGtidSet().EncodeForDump();
  ASSERT_TRUE(encoded.ok());
  EXPECT_EQ(*encoded, std::string(8, '\0'));
}

TEST(MysqlGtidSetTest, RefusesToEncodeTaggedSets) {
  MysqlGtidSet set = MustParseMysql(std::string(kUuidA) + ":1-5:tag:1");
  EXPECT_TRUE(set.HasTags());
  Result<std::string> encoded = set.EncodeForDump();
  ASSERT_FALSE(encoded.ok());
  EXPECT_EQ(encoded.status().code(), Status::Code::kNotSupported);
  EXPECT_THAT(encoded.status().message(), HasSubstr(std::string(kUuidA) + ":tag"));
  EXPECT_FALSE(MustParseMysql(std::string(kUuidA) + ":1-5").HasTags());
}

// ------------------------------------------------------------------ flavor

TEST(GtidSetFlavorTest, TellsMariaDbFromMysql) {
  const std::string a = kUuidA;
  EXPECT_EQ(DetectGtidSetFlavor(""), GtidSetFlavor::kEmpty);
  EXPECT_EQ(DetectGtidSetFlavor(" \n"), GtidSetFlavor::kEmpty);
  EXPECT_EQ(DetectGtidSetFlavor("0-1-100"), GtidSetFlavor::kMariaDb);
  EXPECT_EQ(DetectGtidSetFlavor("0-1-100, 1-2-7"), GtidSetFlavor::kMariaDb);
  EXPECT_EQ(DetectGtidSetFlavor(a + ":1-5"), GtidSetFlavor::kMysql);
  EXPECT_EQ(DetectGtidSetFlavor(a + ":1-5,\n" + kUuidB + ":tag:1"), GtidSetFlavor::kMysql);
  EXPECT_EQ(DetectGtidSetFlavor("0-1-100," + a + ":1"), GtidSetFlavor::kUnknown);
  EXPECT_EQ(DetectGtidSetFlavor("abc"), GtidSetFlavor::kUnknown);
  EXPECT_EQ(DetectGtidSetFlavor(","), GtidSetFlavor::kUnknown);
}

}  // namespace
}  // namespace cdc::offsets
