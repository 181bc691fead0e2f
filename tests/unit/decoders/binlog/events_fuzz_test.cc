// Robustness: truncated and randomly damaged events (from the fixtures and
// built here) must decode or fail with a Corruption, never crash or read out
// of bounds. Run under -DCDC_SANITIZE=ON to catch the latter.
#include <gtest/gtest.h>

#include <random>
#include <set>

#include "tests/unit/fixtures_absent.h"
#include "binlog_test_util.h"

namespace cdc::binlog {
namespace {

using testing::BinlogFiles;
using testing::EventBuilder;
using testing::FixtureRoot;
using testing::ReadFileBytes;
using testing::Reframe;

// Decodes `event` on a copy of `base` (so each try sees the same format) and
// drains any payload; returns the first error.
Status TryDecode(const EventDecoder& base, const std::string& event) {
  EventDecoder d = base;
  Result<Event> ev = d.Decode(event);
  if (!ev.ok()) return ev.status();
  while (true) {
    Result<std::optional<Event>> next = d.NextPayloadEvent();
    if (!next.ok()) return next.status();
    if (!next->has_value()) return Status::OK();
  }
}

// The events of one file, each with the decoder state it is decoded in.
struct Sample {
  std::string event;
  EventDecoder before;
  bool crc = false;
};

std::vector<Sample> SampleFile(const std::string& bytes, size_t max_events) {
  std::vector<Sample> out;
  FileReader reader(bytes);
  EXPECT_TRUE(reader.Open().ok());
  EventDecoder d;
  std::vector<std::string_view> all;
  while (true) {
    Result<std::optional<std::string_view>> next = reader.Next();
    EXPECT_TRUE(next.ok());
    if (!next.ok() || !next->has_value()) break;
    all.push_back(**next);
  }
  size_t step = all.size() > max_events ? all.size() / max_events : 1;
  std::set<uint8_t> seen;
  for (size_t i = 0; i < all.size(); ++i) {
    uint8_t type = static_cast<uint8_t>(all[i][4]);
    // Every first event of a type, then every step-th one.
    bool take = seen.insert(type).second || i % step == 0;
    if (take) {
      out.push_back({std::string(all[i]), d, d.format().checksum == ChecksumAlg::kCrc32});
    }
    Result<Event> ev = d.Decode(all[i]);
    EXPECT_TRUE(ev.ok());
    // A FORMAT_DESCRIPTION's own algorithm says whether it has a checksum.
    if (take && type == 15) out.back().crc = d.format().checksum == ChecksumAlg::kCrc32;
  }
  return out;
}

std::vector<std::string> AllFixtures() {
  std::vector<std::string> files = BinlogFiles(FixtureRoot() + "/binlog");
  std::vector<std::string> mysql = BinlogFiles(FixtureRoot() + "/binlog-mysql");
  files.insert(files.end(), mysql.begin(), mysql.end());
  return files;
}

void ExpectOkOrCorruption(const Status& s, const std::string& what) {
  if (s.ok()) return;
  EXPECT_TRUE(s.IsCorruption()) << what << ": " << s.ToString();
  EXPECT_EQ(s.message().rfind("binlog ", 0), 0u) << what << ": " << s.ToString();
}

TEST(BinlogRobustness, EveryTruncationOfSampleEvents) {
  std::vector<std::string> files = AllFixtures();
  if (files.empty()) CDC_FIXTURES_ABSENT("fixture folders under " << FixtureRoot() << " are absent");
  size_t tries = 0;
  for (const std::string& path : files) {
    std::string bytes = ReadFileBytes(path);
    std::set<uint8_t> done;
    for (const Sample& s : SampleFile(bytes, 40)) {
      uint8_t type = static_cast<uint8_t>(s.event[4]);
      if (!done.insert(type).second) continue;
      // Every length of small events; long row events (up to 70 KB) every
      // length near either end and a stride in between.
      const size_t n = s.event.size();
      for (size_t len = 0; len < n; len += (len < 512 || len + 512 > n) ? 1 : 61) {
        // The bytes cut short: event_size no longer matches.
        Status cut = TryDecode(s.before, s.event.substr(0, len));
        EXPECT_TRUE(cut.IsCorruption()) << path << " type " << int{type} << " len " << len;
        // A shorter event that is framed and checksummed consistently: the
        // body parsers see the cut.
        if (len >= kHeaderSize + (s.crc ? 4 : 0)) {
          std::string framed = s.event.substr(0, len);
          Reframe(&framed, s.crc);
          ExpectOkOrCorruption(TryDecode(s.before, framed), path);
        }
        ++tries;
      }
    }
  }
  EXPECT_GT(tries, 10000u);
}

TEST(BinlogRobustness, RandomByteFlips) {
  std::vector<std::string> files = AllFixtures();
  if (files.empty()) CDC_FIXTURES_ABSENT("fixture folders under " << FixtureRoot() << " are absent");
  std::mt19937 rng(20261125);
  size_t tries = 0, failures = 0;
  for (const std::string& path : files) {
    std::string bytes = ReadFileBytes(path);
    for (const Sample& s : SampleFile(bytes, 400)) {
      for (int round = 0; round < 12; ++round) {
        std::string mutant = s.event;
        int flips = 1 + static_cast<int>(rng() % 3);
        for (int f = 0; f < flips; ++f) {
          size_t at = rng() % mutant.size();
          mutant[at] = static_cast<char>(mutant[at] ^ (1 + rng() % 255));
        }
        // Most rounds repair the framing and checksum so that the damage
        // reaches the body parsers.
        if (round % 4 != 0) Reframe(&mutant, s.crc);
        Status st = TryDecode(s.before, mutant);
        ExpectOkOrCorruption(st, path);
        failures += st.ok() ? 0 : 1;
        ++tries;
      }
    }
  }
  EXPECT_GT(tries, 15000u);
  EXPECT_GT(failures, tries / 10);  // the damage is noticed, not ignored
}

// Damage inside an uncompressed transaction payload reaches the inner events.
TEST(BinlogRobustness, DamagedPayloadEvents) {
  std::string inner;
  inner += EventBuilder(EventType::kQuery)
               .U32(1).U32(0).U8(1).U16(0).U16(5).U8(0).U32(0).Raw(std::string("d\0", 2))
               .Raw("BEGIN").Build(false, 0);
  inner += EventBuilder(EventType::kTableMap)
               .U48(5).U16(1).U8(1).Raw(std::string("d\0", 2)).U8(1).Raw(std::string("t\0", 2))
               .U8(2).U8(15).U8(3).U8(2).U16(40).U8(3).U8(1).U8(1).U8(0x80)
               .Build(false, 0);
  inner += EventBuilder(EventType::kUpdateRowsV2)
               .U48(5).U16(1).U16(2).U8(2).U8(3).U8(3).Raw("rows").Build(false, 0);
  inner += EventBuilder(EventType::kXid).U64(9).Build(false, 0);
  EventBuilder outer(EventType::kTransactionPayload);
  outer.U8(2).U8(3).U8(0xfc).U16(255);            // compression: none
  outer.U8(3).U8(1).U8(inner.size());              // uncompressed size
  outer.U8(1).U8(1).U8(inner.size()).U8(0);        // payload size, end mark
  size_t payload_at = kHeaderSize + outer.body().size();
  outer.Raw(inner);
  std::string event = outer.Build(true);

  EventDecoder base;
  ASSERT_TRUE(base.Decode(testing::FormatDescriptionEvent("8.0.31", 1,
                                                          testing::Mysql80PostHeaders()))
                  .ok());
  Status clean = TryDecode(base, event);
  ASSERT_TRUE(clean.ok()) << clean.ToString();
  std::mt19937 rng(7);
  size_t failures = 0;
  for (int round = 0; round < 3000; ++round) {
    std::string mutant = event;
    size_t at = payload_at + rng() % inner.size();
    mutant[at] = static_cast<char>(mutant[at] ^ (1 + rng() % 255));
    Reframe(&mutant, true);
    Status st = TryDecode(base, mutant);
    ExpectOkOrCorruption(st, "payload");
    failures += st.ok() ? 0 : 1;
  }
  EXPECT_GT(failures, 300u);
}

}  // namespace
}  // namespace cdc::binlog
