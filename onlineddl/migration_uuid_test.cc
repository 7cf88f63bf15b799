#include "onlineddl/migration_uuid.h"

#include <set>
#include <string>

#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace sidecut {
namespace onlineddl {
namespace {

TEST(CreateMigrationUuidTest, DeterministicVersionOneLayout) {
  struct Case {
    const char* name;
    absl::Time now;
    uint64_t random;
    const char* want;
  };
  const Case cases[] = {
      // Cross-checked with Python's uuid.UUID(fields=...).
      {"2023-11-14", absl::FromUnixNanos(1700000000123456700),
       0x123456789abcdef0ULL, "04c29687_833b_11ee_9234_57789abcdef0"},
      {"unix epoch", absl::UnixEpoch(), 0,
       "13814000_1dd2_11b2_8000_010000000000"},
      {"gregorian epoch and before",
       absl::FromCivil(absl::CivilSecond(1500, 1, 1, 0, 0, 0),
                       absl::UTCTimeZone()),
       ~uint64_t{0}, "00000000_0000_1000_bfff_ffffffffffff"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    std::string uuid = CreateMigrationUuid(c.now, c.random);
    EXPECT_EQ(uuid, c.want);
    EXPECT_TRUE(IsValidMigrationUuid(uuid));
  }
}

TEST(CreateMigrationUuidTest, TimeRoundTrips) {
  const absl::Time times[] = {
      absl::FromUnixSeconds(1598982630) + absl::Nanoseconds(423332300),
      absl::FromUnixNanos(1700000000123456700),
      absl::UnixEpoch(),
  };
  for (absl::Time t : times) {
    SCOPED_TRACE(absl::FormatTime(t));
    EXPECT_EQ(MigrationUuidTime(CreateMigrationUuid(t, 42)), t);
  }
  // Vitess's documented example UUID.
  EXPECT_EQ(MigrationUuidTime("a0638f6b_ec7b_11ea_9bf8_000d3a9b8a9a"),
            absl::FromUnixNanos(1598982630423332300));
  // Not version 1.
  EXPECT_EQ(MigrationUuidTime("a0638f6b_ec7b_41ea_9bf8_000d3a9b8a9a"),
            absl::nullopt);
  EXPECT_EQ(MigrationUuidTime("not-a-uuid"), absl::nullopt);
}

TEST(CreateMigrationUuidTest, LaterTimeSortsLaterInTimestamp) {
  absl::Time t0 = absl::FromUnixSeconds(1700000000);
  std::string a = CreateMigrationUuid(t0, 1);
  std::string b = CreateMigrationUuid(t0 + absl::Microseconds(1), 1);
  EXPECT_NE(a, b);
  EXPECT_LT(*MigrationUuidTime(a), *MigrationUuidTime(b));
}

TEST(CreateMigrationUuidTest, ConvenienceOverloadIsValidAndUnique) {
  std::set<std::string> seen;
  absl::Time before = absl::Now() - absl::Seconds(1);
  for (int i = 0; i < 100; ++i) {
    std::string uuid = CreateMigrationUuid();
    SCOPED_TRACE(uuid);
    EXPECT_TRUE(IsValidMigrationUuid(uuid));
    EXPECT_TRUE(seen.insert(uuid).second);
    absl::optional<absl::Time> t = MigrationUuidTime(uuid);
    ASSERT_TRUE(t.has_value());
    EXPECT_GE(*t, before);
    EXPECT_LE(*t, absl::Now() + absl::Seconds(1));
  }
}

TEST(IsValidMigrationUuidTest, Forms) {
  struct Case {
    const char* uuid;
    bool valid;
  };
  const Case cases[] = {
      {"a0638f6b_ec7b_11ea_9bf8_000d3a9b8a9a", true},
      {"A0638F6B_EC7B_11EA_9BF8_000D3A9B8A9A", true},
      {"a0638f6b-ec7b-11ea-9bf8-000d3a9b8a9a", false},
      {"a0638f6bec7b11ea9bf8000d3a9b8a9a", false},
      {"a0638f6b_ec7b_11ea_9bf8_000d3a9b8a9", false},
      {"a0638f6b_ec7b_11ea_9bf8_000d3a9b8a9aa", false},
      {"g0638f6b_ec7b_11ea_9bf8_000d3a9b8a9a", false},
      {"a0638f6b_ec7b_11ea_9bf8__00d3a9b8a9a", false},
      {"", false},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.uuid);
    EXPECT_EQ(IsValidMigrationUuid(c.uuid), c.valid);
  }
}

TEST(CondenseUuidTest, RemovesDelimiters) {
  EXPECT_EQ(CondenseUuid("a0638f6b_ec7b_11ea_9bf8_000d3a9b8a9a"),
            "a0638f6bec7b11ea9bf8000d3a9b8a9a");
  EXPECT_EQ(CondenseUuid("a0638f6b-ec7b-11ea-9bf8-000d3a9b8a9a"),
            "a0638f6bec7b11ea9bf8000d3a9b8a9a");
  EXPECT_EQ(CondenseUuid("a0638f6bec7b11ea9bf8000d3a9b8a9a"),
            "a0638f6bec7b11ea9bf8000d3a9b8a9a");
}

}  // namespace
}  // namespace onlineddl
}  // namespace sidecut
