#include "mysql/testing/event_builder.h"

#include "absl/strings/str_cat.h"
#include "mysql/binlog_event.h"

namespace sidecut {
namespace mysql {
namespace testing {

std::string LE(uint64_t v, int n) {
  std::string s;
  for (int i = 0; i < n; ++i)
    s.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
  return s;
}

std::string BE(uint64_t v, int n) {
  std::string s;
  for (int i = n - 1; i >= 0; --i)
    s.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
  return s;
}

std::string Packed(uint64_t v) {
  if (v < 251) return LE(v, 1);
  if (v < (1 << 16)) return "\xfc" + LE(v, 2);
  if (v < (1 << 24)) return "\xfd" + LE(v, 3);
  return "\xfe" + LE(v, 8);
}

std::string PackedStr(absl::string_view s) {
  return absl::StrCat(Packed(s.size()), s);
}

std::string Event(uint8_t type, absl::string_view body, bool crc,
                  uint32_t server_id, uint32_t timestamp, uint32_t log_pos) {
  uint32_t size = static_cast<uint32_t>(19 + body.size() + (crc ? 4 : 0));
  std::string e = absl::StrCat(LE(timestamp, 4), LE(type, 1), LE(server_id, 4),
                               LE(size, 4), LE(log_pos, 4), LE(0, 2), body);
  if (crc) e += LE(BinlogCrc32(e), 4);
  return e;
}

namespace {

std::string FormatDescription(absl::string_view version,
                              const std::string& post_headers, bool crc) {
  std::string v(version);
  v.resize(50, '\0');
  std::string body = absl::StrCat(LE(4, 2), v, LE(0, 4), LE(19, 1),
                                  post_headers, LE(crc ? 1 : 0, 1));
  // The checksum field is present even with checksums off.
  std::string e = Event(kFormatDescriptionEvent, body, /*crc=*/true);
  if (!crc) {
    e.replace(e.size() - 4, 4, LE(0, 4));
  }
  return e;
}

}  // namespace

std::string MysqlFormatDescription(bool crc) {
  std::string ph(41, '\0');  // types 1..41
  ph[kQueryEvent - 1] = 13;
  ph[kBeginLoadQueryEvent - 1] = 4;
  ph[kExecuteLoadQueryEvent - 1] = 26;
  ph[kIncidentEvent - 1] = 2;
  ph[kRotateEvent - 1] = 8;
  ph[kFormatDescriptionEvent - 1] = 98;
  ph[kTableMapEvent - 1] = 8;
  for (int t = kWriteRowsEventV1; t <= kDeleteRowsEventV1; ++t) ph[t - 1] = 8;
  for (int t = kWriteRowsEventV2; t <= kDeleteRowsEventV2; ++t) ph[t - 1] = 10;
  ph[kGtidLogEvent - 1] = 42;
  ph[kAnonymousGtidLogEvent - 1] = 42;
  return FormatDescription("8.0.36", ph, crc);
}

std::string MariadbFormatDescription(bool crc) {
  std::string ph(171, '\0');  // types 1..171, as 10.11 writes them
  ph[kQueryEvent - 1] = 13;
  ph[kMariadbQueryCompressedEvent - 1] = 13;
  for (int t = kMariadbWriteRowsCompressedV1;
       t <= kMariadbDeleteRowsCompressedV1; ++t) {
    ph[t - 1] = 8;
  }
  for (int t = kMariadbWriteRowsCompressed; t <= kMariadbDeleteRowsCompressed;
       ++t) {
    ph[t - 1] = 10;
  }
  ph[kRotateEvent - 1] = 8;
  ph[kFormatDescriptionEvent - 1] = 87;
  ph[kTableMapEvent - 1] = 8;
  for (int t = kWriteRowsEventV1; t <= kDeleteRowsEventV1; ++t) ph[t - 1] = 8;
  ph[kMariadbGtidEvent - 1] = 19;
  return FormatDescription("10.11.14-MariaDB-log", ph, crc);
}

}  // namespace testing
}  // namespace mysql
}  // namespace sidecut
