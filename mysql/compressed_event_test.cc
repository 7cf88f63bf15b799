// MariaDB's compressed events built from the layout its log_event.cc
// writes (binlog_buf_compress): each is turned into the plain event it
// stands for, byte for byte; damaged ones are refused. Events the server
// writes are decoded in binlog_integration_test.
#include "mysql/compressed_event.h"

#include <zlib.h>

#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "mysql/testing/event_builder.h"
#include "util/status_matchers.h"

namespace sidecut {
namespace mysql {
namespace {

using namespace ::sidecut::mysql::testing;  // NOLINT: builder helpers

// The record binlog_buf_compress makes of `data` (the length in the
// fewest bytes, high byte first).
std::string Compressed(absl::string_view data, uint8_t algorithm = 0) {
  uLongf n = compressBound(static_cast<uLong>(data.size()));
  std::string z(n, '\0');
  EXPECT_EQ(compress(reinterpret_cast<Bytef*>(z.data()), &n,
                     reinterpret_cast<const Bytef*>(data.data()),
                     static_cast<uLong>(data.size())),
            Z_OK);
  z.resize(n);
  const int bytes = data.size() > 0xffffff ? 4
                    : data.size() > 0xffff ? 3
                    : data.size() > 0xff   ? 2
                                           : 1;
  return absl::StrCat(
      std::string(1, static_cast<char>(0x80 | (algorithm << 4) | bytes)),
      BE(data.size(), bytes), z);
}

class CompressedEventTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(
        fmt_, ParseFormatDescription(MariadbFormatDescription(true)));
  }
  FormatDescription fmt_;
};

TEST_F(CompressedEventTest, AQueryBecomesTheQueryItStandsFor) {
  const std::string fixed =
      absl::StrCat(LE(7, 4), LE(0, 4), LE(2, 1), LE(0, 2), LE(3, 2), "abc",
                   "db", std::string(1, '\0'));
  const std::string query =
      absl::StrCat("ALTER TABLE t COMMENT '", std::string(600, 'q'), "'");
  const std::string compressed =
      Event(kMariadbQueryCompressedEvent,
            absl::StrCat(fixed, Compressed(query)), true);
  EXPECT_TRUE(IsCompressedEvent(kMariadbQueryCompressedEvent));
  ASSERT_OK_AND_ASSIGN(std::string plain, UncompressEvent(compressed, fmt_));
  EXPECT_EQ(plain, Event(kQueryEvent, absl::StrCat(fixed, query), true));
  ASSERT_OK_AND_ASSIGN(QueryEvent q, ParseQuery(plain, fmt_));
  EXPECT_EQ(q.database, "db");
  EXPECT_EQ(q.query, query);
}

TEST_F(CompressedEventTest, RowsEventsBecomeTheirPlainKind) {
  // 9 columns: bitmaps of 2 bytes; an update has two.
  const std::string rows(70000, 'r');  // a length of 3 bytes
  struct Case {
    uint8_t compressed;
    uint8_t plain;
    std::string fixed;  // post-header, column count, bitmaps
  };
  const Case cases[] = {
      {kMariadbWriteRowsCompressedV1, kWriteRowsEventV1,
       absl::StrCat(LE(42, 6), LE(1, 2), Packed(9), LE(0xffff, 2))},
      {kMariadbUpdateRowsCompressedV1, kUpdateRowsEventV1,
       absl::StrCat(LE(42, 6), LE(1, 2), Packed(9), LE(0xffff, 2),
                    LE(0x01ff, 2))},
      {kMariadbDeleteRowsCompressedV1, kDeleteRowsEventV1,
       absl::StrCat(LE(42, 6), LE(1, 2), Packed(9), LE(0xffff, 2))},
      // v2: extra data (its length counts its two bytes).
      {kMariadbWriteRowsCompressed, kWriteRowsEventV2,
       absl::StrCat(LE(42, 6), LE(1, 2), LE(5, 2), "xyz", Packed(9),
                    LE(0xffff, 2))},
      {kMariadbUpdateRowsCompressed, kUpdateRowsEventV2,
       absl::StrCat(LE(42, 6), LE(1, 2), LE(2, 2), Packed(9), LE(0xffff, 2),
                    LE(0x01ff, 2))},
      {kMariadbDeleteRowsCompressed, kDeleteRowsEventV2,
       absl::StrCat(LE(42, 6), LE(1, 2), LE(2, 2), Packed(9), LE(0xffff, 2))},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(EventTypeName(c.compressed));
    EXPECT_TRUE(IsCompressedEvent(c.compressed));
    ASSERT_OK_AND_ASSIGN(
        std::string plain,
        UncompressEvent(
            Event(c.compressed, absl::StrCat(c.fixed, Compressed(rows)), true),
            fmt_));
    EXPECT_EQ(plain, Event(c.plain, absl::StrCat(c.fixed, rows), true));
  }
  EXPECT_FALSE(IsCompressedEvent(kWriteRowsEventV1));
  EXPECT_FALSE(IsCompressedEvent(kMariadbStartEncryptionEvent));
}

TEST_F(CompressedEventTest, DamagedEventsAreRefused) {
  const std::string fixed =
      absl::StrCat(LE(42, 6), LE(1, 2), Packed(1), LE(1, 1));
  const std::string good = Compressed("row data");
  auto uncompress = [&](absl::string_view record) {
    return UncompressEvent(
        Event(kMariadbWriteRowsCompressedV1, absl::StrCat(fixed, record), true),
        fmt_);
  };
  ASSERT_OK(uncompress(good).status());
  // Without the marker bit; another algorithm; a length of 5 bytes.
  std::string unmarked = good;
  unmarked[0] = static_cast<char>(unmarked[0] & 0x7f);
  EXPECT_THAT(uncompress(unmarked), StatusIs(absl::StatusCode::kDataLoss));
  EXPECT_THAT(uncompress(Compressed("row data", 1)),
              StatusIs(absl::StatusCode::kUnimplemented));
  std::string five = good;
  five[0] = static_cast<char>(0x85);
  EXPECT_THAT(uncompress(five), StatusIs(absl::StatusCode::kDataLoss));
  // A declared length the data does not have; data cut short.
  std::string longer = good;
  longer[1] = static_cast<char>(good[1] + 1);
  EXPECT_THAT(uncompress(longer), StatusIs(absl::StatusCode::kDataLoss));
  EXPECT_THAT(uncompress(good.substr(0, good.size() - 3)),
              StatusIs(absl::StatusCode::kDataLoss));
  // A wrong checksum; an event that is not compressed.
  std::string event =
      Event(kMariadbWriteRowsCompressedV1, absl::StrCat(fixed, good), true);
  event[event.size() - 1] ^= 1;
  EXPECT_THAT(UncompressEvent(event, fmt_),
              StatusIs(absl::StatusCode::kDataLoss));
  EXPECT_THAT(UncompressEvent(Event(kWriteRowsEventV1,
                                    absl::StrCat(fixed, "row data"), true),
                              fmt_),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace mysql
}  // namespace sidecut
