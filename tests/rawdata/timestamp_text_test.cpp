#include "rawdata/timestamp_text.h"

#include <gtest/gtest.h>

#include <ctime>

namespace barforge {
namespace {

constexpr int64_t kNs = 1000000000;

// Independent check of DaysFromCivil: timegm from the C library.
int64_t TimegmDays(int year, int month, int day) {
  std::tm tm{};
  tm.tm_year = year - 1900;
  tm.tm_mon = month - 1;
  tm.tm_mday = day;
  return static_cast<int64_t>(timegm(&tm)) / 86400;
}

TEST(TimestampText, DaysFromCivilAgreesWithTimegm) {
  for (int year : {1900, 1969, 1970, 1999, 2000, 2020, 2024, 2100, 2261}) {
    for (int month = 1; month <= 12; ++month) {
      for (int day : {1, 15, 28}) {
        EXPECT_EQ(DaysFromCivil(year, static_cast<unsigned>(month), static_cast<unsigned>(day)),
                  TimegmDays(year, month, day))
            << year << "-" << month << "-" << day;
      }
    }
  }
}

TEST(TimestampText, IsoDatesAndDateTimes) {
  EXPECT_EQ(ParseIsoTimestamp("1970-01-01"), 0);
  EXPECT_EQ(ParseIsoTimestamp("2020-01-01"), 1577836800 * kNs);
  EXPECT_EQ(ParseIsoTimestamp("2020-01-01T00:00:00Z"), 1577836800 * kNs);
  EXPECT_EQ(ParseIsoTimestamp("2020-01-01 00:00:01"), 1577836801 * kNs);
  EXPECT_EQ(ParseIsoTimestamp("2020-01-01T00:01"), 1577836860 * kNs);
  EXPECT_EQ(ParseIsoTimestamp("2020-01-01T00:00:00.5Z"), 1577836800 * kNs + 500000000);
  EXPECT_EQ(ParseIsoTimestamp("2020-01-01T00:00:00.123456789"), 1577836800 * kNs + 123456789);
  EXPECT_EQ(ParseIsoTimestamp("2020-01-01T01:00:00+01:00"), 1577836800 * kNs);
  EXPECT_EQ(ParseIsoTimestamp("2019-12-31T19:00:00-0500"), 1577836800 * kNs);
  EXPECT_EQ(ParseIsoTimestamp("2020-01-01T02:00:00+02"), 1577836800 * kNs);
  EXPECT_EQ(ParseIsoTimestamp("2024-02-29"), 1709164800 * kNs);
}

TEST(TimestampText, RejectsMalformedIso) {
  for (const char* bad : {"", "2020", "2020-1-01", "2020-13-01", "2023-02-29", "2020-04-31", "2020-01-01T24:00:00",
                          "2020-01-01T00:60", "2020-01-01T00:00:00.", "2020-01-01T00:00:00.1234567890",
                          "2020-01-01T00:00:00X", "2020-01-01 junk", "01/02/2020"}) {
    EXPECT_FALSE(ParseIsoTimestamp(bad).has_value()) << bad;
  }
}

TEST(TimestampText, EpochUnitsByMagnitudeOrExplicit) {
  EXPECT_EQ(ParseEpochTimestamp("1577836800", EpochUnit::kAuto), 1577836800 * kNs);
  EXPECT_EQ(ParseEpochTimestamp("1577836800000", EpochUnit::kAuto), 1577836800 * kNs);
  EXPECT_EQ(ParseEpochTimestamp("1577836800000000", EpochUnit::kAuto), 1577836800 * kNs);
  EXPECT_EQ(ParseEpochTimestamp("1577836800000000000", EpochUnit::kAuto), 1577836800 * kNs);
  EXPECT_EQ(ParseEpochTimestamp("1577836800", EpochUnit::kMillis), 1577836800 * 1000000LL);
  EXPECT_EQ(ParseEpochTimestamp("-86400", EpochUnit::kSeconds), -86400 * kNs);
  EXPECT_FALSE(ParseEpochTimestamp("1.5", EpochUnit::kAuto).has_value());
  EXPECT_FALSE(ParseEpochTimestamp("99999999999999999", EpochUnit::kSeconds).has_value()) << "overflow";
  EXPECT_FALSE(ParseEpochTimestamp("", EpochUnit::kAuto).has_value());
  EXPECT_EQ(ParseTimestamp("2020-01-01", EpochUnit::kAuto), 1577836800 * kNs);
  EXPECT_EQ(ParseTimestamp("1577836800", EpochUnit::kAuto), 1577836800 * kNs);
}

}  // namespace
}  // namespace barforge
