// MariaDB's compressed events (log_bin_compress=ON): QUERY_COMPRESSED_EVENT
// and the compressed rows events, which the server writes for statements
// and row images of at least log_bin_compress_min_len bytes. Each is
// turned back into the plain event it stands for, as the server's own
// reader does (log_event.cc, query_event_uncompress and
// row_log_event_uncompress): the part after the fixed fields is a record
//   1 byte   0x80 | algorithm (bits 4-6, 0 = zlib) | bytes of the length
//   1-4      the uncompressed length, high byte first
//   ...      zlib's compress() output
#ifndef SIDECUT_MYSQL_COMPRESSED_EVENT_H_
#define SIDECUT_MYSQL_COMPRESSED_EVENT_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "mysql/binlog_event.h"

namespace sidecut {
namespace mysql {

// QUERY_COMPRESSED_EVENT or one of the six compressed rows events.
bool IsCompressedEvent(uint8_t type);

// The plain event `event` (a compressed one, whole, with its checksum if
// `fmt` has them) stands for: QUERY_EVENT, or the rows event of the same
// kind and version, with the same header but its type, its size and its
// checksum (recomputed). kDataLoss if the event is damaged, kUnimplemented
// for an algorithm other than zlib.
absl::StatusOr<std::string> UncompressEvent(absl::string_view event,
                                            const FormatDescription& fmt);

}  // namespace mysql
}  // namespace sidecut

#endif  // SIDECUT_MYSQL_COMPRESSED_EVENT_H_
