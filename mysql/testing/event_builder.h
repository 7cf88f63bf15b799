// Builds binlog events byte by byte, as the documented formats lay them out,
// for decoder tests of either flavor (and the fuzz test's seeds).
#ifndef SIDECUT_MYSQL_TESTING_EVENT_BUILDER_H_
#define SIDECUT_MYSQL_TESTING_EVENT_BUILDER_H_

#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"

namespace sidecut {
namespace mysql {
namespace testing {

// Little-endian integer of `n` bytes.
std::string LE(uint64_t v, int n);
// Big-endian integer of `n` bytes.
std::string BE(uint64_t v, int n);
// MySQL packed (length-encoded) integer.
std::string Packed(uint64_t v);
// Packed length + bytes.
std::string PackedStr(absl::string_view s);

// A full event: 19-byte header + body (+ CRC32 when `crc`).
std::string Event(uint8_t type, absl::string_view body, bool crc,
                  uint32_t server_id = 1, uint32_t timestamp = 1700000000,
                  uint32_t log_pos = 0);

// FORMAT_DESCRIPTION_EVENT of a MySQL 8.0 server (rows v2, GTID_LOG_EVENT)
// or a MariaDB 10.11 server (rows v1), with or without CRC32.
std::string MysqlFormatDescription(bool crc);
std::string MariadbFormatDescription(bool crc);

}  // namespace testing
}  // namespace mysql
}  // namespace sidecut

#endif  // SIDECUT_MYSQL_TESTING_EVENT_BUILDER_H_
