// MySQL's binary JSON built from its documented layout (json_binary.h in
// MySQL's source): opaque values print as MySQL prints them.
#include "mysql/json_binary.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "mysql/testing/event_builder.h"
#include "util/status_matchers.h"

namespace sidecut {
namespace mysql {
namespace {

using namespace ::sidecut::mysql::testing;  // NOLINT: builder helpers

// An opaque value of MySQL field type `field` holding `data`.
std::string Opaque(uint8_t field, const std::string& data) {
  return absl::StrCat(LE(field, 1), LE(data.size(), 1), data);
}

int64_t PackedDatetime(int y, int mo, int d, int h, int mi, int s, int64_t us) {
  const int64_t ymd = ((int64_t{y} * 13 + mo) << 5) | d;
  const int64_t hms = (h << 12) | (mi << 6) | s;
  return (((ymd << 17) | hms) << 24) + us;
}

std::string Text(const std::string& binary) {
  std::string out;
  absl::Status s = JsonBinaryToText(binary, &out);
  return s.ok() ? out : s.ToString();
}

TEST(JsonBinaryTest, TemporalOpaqueValuesPrintAsMysqlShowsThem) {
  auto packed = [](int64_t v) { return LE(static_cast<uint64_t>(v), 8); };
  EXPECT_EQ(
      Text(absl::StrCat(
          "\x0f", Opaque(12, packed(PackedDatetime(2024, 1, 2, 3, 4, 5, 6))))),
      "\"2024-01-02 03:04:05.000006\"");
  EXPECT_EQ(
      Text(absl::StrCat(
          "\x0f", Opaque(7, packed(PackedDatetime(1970, 1, 1, 0, 0, 1, 0))))),
      "\"1970-01-01 00:00:01.000000\"");
  EXPECT_EQ(
      Text(absl::StrCat(
          "\x0f", Opaque(10, packed(PackedDatetime(2024, 2, 29, 0, 0, 0, 0))))),
      "\"2024-02-29\"");
  const int64_t time = ((int64_t{838} << 12 | 59 << 6 | 58) << 24) + 500000;
  EXPECT_EQ(Text(absl::StrCat("\x0f", Opaque(11, packed(-time)))),
            "\"-838:59:58.500000\"");
  EXPECT_EQ(Text(absl::StrCat("\x0f", Opaque(11, packed(time)))),
            "\"838:59:58.500000\"");
  // Inside an array (an opaque value is not inlined: its entry points to
  // it).
  const std::string dt =
      Opaque(12, packed(PackedDatetime(1999, 12, 31, 23, 59, 59, 0)));
  EXPECT_EQ(Text(absl::StrCat("\x02", LE(1, 2), LE(7 + dt.size(), 2), "\x0f",
                              LE(7, 2), dt)),
            "[\"1999-12-31 23:59:59.000000\"]");
}

TEST(JsonBinaryTest, OtherOpaqueValues) {
  // A VAR_STRING opaque value is a string to MySQL.
  EXPECT_EQ(Text(absl::StrCat("\x0f", Opaque(253, "a\"b"))), "\"a\\\"b\"");
  // Others (a BLOB, a temporal value of the wrong size) as MySQL writes
  // them: base64 with the type.
  EXPECT_EQ(Text(absl::StrCat("\x0f", Opaque(252, "\x01\x02"))),
            "\"base64:type252:AQI=\"");
  EXPECT_EQ(Text(absl::StrCat("\x0f", Opaque(12, "1234"))),
            "\"base64:type12:MTIzNA==\"");
}

}  // namespace
}  // namespace mysql
}  // namespace sidecut
