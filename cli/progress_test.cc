#include "cli/progress.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace sidecut {
namespace cli {
namespace {

using ::testing::HasSubstr;

vtctldata::SchemaMigration Running(int64_t rows_copied) {
  vtctldata::SchemaMigration m;
  m.set_uuid("u");
  m.set_status(vtctldata::SchemaMigration::RUNNING);
  m.set_rows_copied(rows_copied);
  m.set_table_rows(1000000);
  m.set_eta_seconds(-1);
  m.set_stage("copying; lag 0s");
  return m;
}

TEST(ProgressLineTest, RateIsRowsOverTheLastSecondsNotBetweenTwoPolls) {
  ProgressLine line;
  const absl::Time t0 = absl::FromUnixSeconds(1000);
  // Chunks of 20,000 rows land every 200 ms; the poll runs every 50 ms.
  uint64_t shown = 0;
  for (int i = 0; i <= 200; ++i) {
    const absl::Time now = t0 + absl::Milliseconds(50) * i;
    line.Render(Running(20000 * (i / 4)), now);
    if (i >= 40) {  // a window of 2 s or more: at most one chunk off
      shown = line.rate();
      EXPECT_GE(shown, 90000u) << "at poll " << i;
      EXPECT_LE(shown, 110000u) << "at poll " << i;
    }
  }
  EXPECT_THAT(line.Render(Running(20000 * 50), t0 + absl::Seconds(10)),
              HasSubstr("rows/s"));
}

TEST(ProgressLineTest, NoRateBeforeASecondAndAfterAStallItFalls) {
  ProgressLine line;
  const absl::Time t0 = absl::FromUnixSeconds(1000);
  line.Render(Running(0), t0);
  line.Render(Running(50000), t0 + absl::Milliseconds(500));
  EXPECT_EQ(line.rate(), 0u);  // half a second says nothing yet
  line.Render(Running(100000), t0 + absl::Seconds(1));
  EXPECT_EQ(line.rate(), 100000u);
  // The copy stops (catching up): the rate falls to 0 within the window.
  for (int s = 2; s <= 8; ++s) {
    line.Render(Running(100000), t0 + absl::Seconds(s));
  }
  EXPECT_EQ(line.rate(), 0u);
}

TEST(ProgressLineTest, ARetriedMigrationStartsItsRateOver) {
  ProgressLine line;
  const absl::Time t0 = absl::FromUnixSeconds(1000);
  line.Render(Running(0), t0);
  line.Render(Running(500000), t0 + absl::Seconds(5));
  EXPECT_EQ(line.rate(), 100000u);
  line.Render(Running(0), t0 + absl::Seconds(6));
  line.Render(Running(10000), t0 + absl::Seconds(8));
  EXPECT_EQ(line.rate(), 5000u);
}

}  // namespace
}  // namespace cli
}  // namespace sidecut
