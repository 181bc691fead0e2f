// TextToValue for date, time, timetz, timestamp, timestamptz and interval in
// PostgreSQL's ISO DateStyle and postgres IntervalStyle output.
#include <gtest/gtest.h>

#include <string>

#include "decoders/pgoutput/types.h"
#include "tests/unit/decoders/pgoutput/types_test_util.h"

namespace cdc::pgoutput {
namespace {

using namespace testing;  // NOLINT: the OID constants and helpers

constexpr int64_t kUs = 1000000;
constexpr int64_t kDayUs = 86400 * kUs;

TEST(DateTest, CalendarDates) {
  cdc::v1::Date leap = Convert(kDate, "2024-02-29").date_value();
  EXPECT_EQ(leap.year(), 2024);
  EXPECT_EQ(leap.month(), 2u);
  EXPECT_EQ(leap.day(), 29u);
  EXPECT_EQ(leap.infinity(), cdc::v1::INFINITY_NONE);
  EXPECT_EQ(Convert(kDate, "5874897-12-31").date_value().year(), 5874897);
}

TEST(DateTest, BcDatesUseAstronomicalYears) {
  cdc::v1::Date ides = Convert(kDate, "0044-03-15 BC").date_value();
  EXPECT_EQ(ides.year(), -43);
  EXPECT_EQ(ides.month(), 3u);
  EXPECT_EQ(ides.day(), 15u);
  EXPECT_EQ(Convert(kDate, "0001-01-01 BC").date_value().year(), 0);
  // 1 BC (year 0) is a leap year, 2 BC is not.
  EXPECT_EQ(Convert(kDate, "0001-02-29 BC").date_value().day(), 29u);
  EXPECT_EQ(ErrorOf(kDate, "0002-02-29 BC"),
            "Corruption: pgoutput: malformed date value \"0002-02-29 BC\"");
}

TEST(DateTest, Infinities) {
  EXPECT_EQ(Convert(kDate, "infinity").date_value().infinity(), cdc::v1::INFINITY_POSITIVE);
  EXPECT_EQ(Convert(kDate, "-infinity").date_value().infinity(), cdc::v1::INFINITY_NEGATIVE);
}

TEST(DateTest, Errors) {
  for (const char* bad : {"2023-02-29", "2024-13-01", "2024-00-10", "2024-1-01", "2024-01-01 AD",
                          "0000-01-01", "Infinity", "20240101", ""}) {
    EXPECT_EQ(ErrorOf(kDate, bad),
              std::string("Corruption: pgoutput: malformed date value \"") + bad + "\"");
  }
}

TEST(TimeTest, TimeOfDayAndPrecision) {
  cdc::v1::Time t = Convert(kTime, "23:59:59.999999").time_value();
  EXPECT_EQ(t.micros(), kDayUs - 1);
  EXPECT_EQ(t.precision(), 6u);
  EXPECT_FALSE(t.has_zone());
  cdc::v1::Time t3 = Convert(kTime, "12:34:56.789", 3).time_value();
  EXPECT_EQ(t3.micros(), ((12 * 60 + 34) * 60 + 56) * kUs + 789000);
  EXPECT_EQ(t3.precision(), 3u);
  EXPECT_EQ(Convert(kTime, "24:00:00").time_value().micros(), kDayUs);
  EXPECT_EQ(Convert(kTime, "00:00:00", 0).time_value().precision(), 0u);
  for (const char* bad : {"24:00:01", "12:60:00", "12:00:60", "12:00", "12:00:00.1234567",
                          "12:00:00.", "1:00:00", "12:00:00+00"}) {
    EXPECT_EQ(ErrorOf(kTime, bad),
              std::string("Corruption: pgoutput: malformed time value \"") + bad + "\"");
  }
}

TEST(TimeTest, TimeWithZoneOffsets) {
  cdc::v1::Time t = Convert(kTimetz, "12:00:00.5+05:30").time_value();
  EXPECT_EQ(t.micros(), 12 * 3600 * kUs + 500000);
  EXPECT_TRUE(t.has_zone());
  EXPECT_EQ(t.utc_offset_seconds(), 5 * 3600 + 30 * 60);
  EXPECT_EQ(Convert(kTimetz, "00:00:00-14").time_value().utc_offset_seconds(), -14 * 3600);
  EXPECT_EQ(Convert(kTimetz, "12:00:00+05:21:10").time_value().utc_offset_seconds(),
            5 * 3600 + 21 * 60 + 10);
  EXPECT_EQ(Convert(kTimetz, "12:00:00-03:30").time_value().utc_offset_seconds(),
            -(3 * 3600 + 30 * 60));
  for (const char* bad : {"12:00:00", "12:00:00+5", "12:00:00+05:3", "12:00:00+24",
                          "12:00:00+05:30:"}) {
    EXPECT_EQ(ErrorOf(kTimetz, bad),
              std::string("Corruption: pgoutput: malformed timetz value \"") + bad + "\"");
  }
}

TEST(TimestampTest, WithoutZoneIsWallClockReadAsUtc) {
  cdc::v1::Timestamp ts = Convert(kTimestamp, "2024-03-10 12:34:56.123456").timestamp_value();
  EXPECT_EQ(ts.epoch_micros(), 1710074096123456);
  EXPECT_FALSE(ts.with_time_zone());
  EXPECT_EQ(ts.precision(), 6u);
  EXPECT_EQ(ts.infinity(), cdc::v1::INFINITY_NONE);
  EXPECT_EQ(Convert(kTimestamp, "1970-01-01 00:00:00").timestamp_value().epoch_micros(), 0);
  EXPECT_EQ(Convert(kTimestamp, "1969-12-31 23:59:59.999999").timestamp_value().epoch_micros(),
            -1);
  EXPECT_EQ(Convert(kTimestamp, "2000-01-01 00:00:00", 2).timestamp_value().precision(), 2u);
  // The last microsecond PostgreSQL stores is 2^63 - 1 - 704 s after 2000-01-01:
  // as Unix epoch microseconds it no longer fits in 64 bits.
  EXPECT_EQ(Convert(kTimestamp, "294247-01-10 04:00:54.775807").timestamp_value().epoch_micros(),
            9223372036854775807);
  // PostgreSQL's last years: the largest int64 and the exact text.
  for (const auto* type : {&kTimestamp, &kTimestamptz}) {
    const char* text = type == &kTimestamp ? "294276-12-31 23:59:59.999999"
                                           : "294276-12-31 23:59:59.999999+00";
    cdc::v1::Timestamp late = Convert(*type, text).timestamp_value();
    EXPECT_EQ(late.epoch_micros(), 9223372036854775807);
    EXPECT_EQ(late.out_of_range_text(), text);
  }
  EXPECT_TRUE(Convert(kTimestamp, "2024-03-10 12:34:56").timestamp_value().out_of_range_text().empty());
}

TEST(TimestampTest, BcTimestamps) {
  // 1 BC is ISO year 0: 719528 days before 1970-01-01.
  EXPECT_EQ(Convert(kTimestamp, "0001-01-01 00:00:00 BC").timestamp_value().epoch_micros(),
            -719528 * kDayUs);
  EXPECT_EQ(Convert(kTimestamptz, "4714-11-24 00:00:00+00 BC").timestamp_value().epoch_micros(),
            -210866803200 * kUs);
  EXPECT_EQ(ErrorOf(kTimestamp, "0001-01-01 BC 00:00:00"),
            "Corruption: pgoutput: malformed timestamp value \"0001-01-01 BC 00:00:00\"");
}

TEST(TimestampTest, WithZoneAppliesTheOffsetExactly) {
  cdc::v1::Timestamp utc = Convert(kTimestamptz, "2024-03-10 07:04:56.789+00").timestamp_value();
  EXPECT_EQ(utc.epoch_micros(), 1710054296789000);
  EXPECT_TRUE(utc.with_time_zone());
  EXPECT_EQ(Convert(kTimestamptz, "2024-03-10 12:34:56.789+05:30").timestamp_value()
                .epoch_micros(),
            1710054296789000);
  EXPECT_EQ(Convert(kTimestamptz, "1900-01-01 05:21:10+05:21:10").timestamp_value()
                .epoch_micros(),
            -2208988800 * kUs);
  EXPECT_EQ(Convert(kTimestamptz, "2026-11-25 13:23:52-03:30", 0).timestamp_value()
                .epoch_micros(),
            (1795613032 + 3 * 3600 + 1800) * kUs);
  EXPECT_EQ(ErrorOf(kTimestamptz, "2024-03-10 07:04:56"),
            "Corruption: pgoutput: malformed timestamptz value \"2024-03-10 07:04:56\"");
  EXPECT_EQ(ErrorOf(kTimestamp, "2024-03-10 07:04:56+00"),
            "Corruption: pgoutput: malformed timestamp value \"2024-03-10 07:04:56+00\"");
  EXPECT_EQ(ErrorOf(kTimestamp, "2024-03-10T07:04:56"),
            "Corruption: pgoutput: malformed timestamp value \"2024-03-10T07:04:56\"");
}

TEST(TimestampTest, InfinitiesAndRange) {
  cdc::v1::Timestamp inf = Convert(kTimestamptz, "infinity").timestamp_value();
  EXPECT_EQ(inf.infinity(), cdc::v1::INFINITY_POSITIVE);
  EXPECT_TRUE(inf.with_time_zone());
  EXPECT_EQ(Convert(kTimestamp, "-infinity").timestamp_value().infinity(),
            cdc::v1::INFINITY_NEGATIVE);
  EXPECT_EQ(ErrorOf(kTimestamp, "9999999-12-31 00:00:00"),
            "Corruption: pgoutput: malformed timestamp value \"9999999-12-31 00:00:00\": out of "
            "the range of 64-bit epoch microseconds");
}

struct IntervalCase {
  const char* text;
  int32_t months;
  int32_t days;
  int64_t micros;
};

TEST(IntervalTest, PostgresStyle) {
  const IntervalCase cases[] = {
      {"1 year 2 mons 3 days 04:05:06.789", 14, 3, (4 * 3600 + 5 * 60 + 6) * kUs + 789000},
      {"-1 years -2 mons +3 days -04:05:06.5", -14, 3, -((4 * 3600 + 5 * 60 + 6) * kUs + 500000)},
      {"00:00:00", 0, 0, 0},
      {"-00:00:01", 0, 0, -kUs},
      {"25:00:00", 0, 0, 25 * 3600 * kUs},
      {"1 mon -1 days", 1, -1, 0},
      {"1 day", 0, 1, 0},
      {"3 days +00:00:01", 0, 3, kUs},
      {"-2147483648 days", 0, std::numeric_limits<int32_t>::min(), 0},
      {"178956970 years 7 mons", std::numeric_limits<int32_t>::max(), 0, 0},
      {"-2562047788:00:54.775807", 0, 0, -9223372036854775807},
      {"-2562047788:00:54.775808", 0, 0, std::numeric_limits<int64_t>::min()},
  };
  for (const IntervalCase& c : cases) {
    cdc::v1::Interval iv = Convert(kInterval, c.text).interval_value();
    EXPECT_EQ(iv.months(), c.months) << c.text;
    EXPECT_EQ(iv.days(), c.days) << c.text;
    EXPECT_EQ(iv.micros(), c.micros) << c.text;
  }
}

TEST(IntervalTest, Errors) {
  EXPECT_EQ(ErrorOf(kInterval, "1 week"),
            "Corruption: pgoutput: malformed interval value \"1 week\": unknown unit");
  EXPECT_EQ(ErrorOf(kInterval, "2147483648 days"),
            "Corruption: pgoutput: malformed interval value \"2147483648 days\": out of range");
  EXPECT_EQ(ErrorOf(kInterval, "2562047788:00:54.775808"),
            "Corruption: pgoutput: malformed interval value \"2562047788:00:54.775808\": out "
            "of range");
  // Found by fuzz_pgoutput_text: hours beyond int64 used to overflow while
  // parsing.
  EXPECT_EQ(ErrorOf(kInterval, "9999999999999999999:00:00"),
            "Corruption: pgoutput: malformed interval value \"9999999999999999999:00:00\"");
  for (const char* bad : {"", "1", "1 day 01:00:00 2 days", "01:00", "1  day", "@ 1 day",
                          "01:61:00", "x days"}) {
    std::string error = ErrorOf(kInterval, bad);
    EXPECT_EQ(error.rfind(std::string("Corruption: pgoutput: malformed interval value \"") +
                              bad + "\"", 0),
              0u)
        << error;
  }
}

}  // namespace
}  // namespace cdc::pgoutput
