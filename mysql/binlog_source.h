// BinlogSource: the seam for reading a server's binlog as a replica would.
// Delivers raw events (header + body + checksum) in order. Real
// implementation: MariadbBinlogSource; tests use fakes to inject drops.
//
// Not thread-safe: one reader.
#ifndef SIDECUT_MYSQL_BINLOG_SOURCE_H_
#define SIDECUT_MYSQL_BINLOG_SOURCE_H_

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "mysql/gtid.h"

namespace sidecut {
namespace mysql {

class BinlogSource {
 public:
  virtual ~BinlogSource() = default;

  // (Re)connects and asks for every transaction after `start`. Errors:
  // kUnavailable (cannot reach the server; retry), kFailedPrecondition (the
  // server no longer has the requested GTIDs: binlogs purged), others.
  // Some servers report purged GTIDs only at the first Next().
  virtual absl::Status Open(const Position& start) = 0;

  // Returns the next raw event; blocks until one arrives (heartbeats arrive
  // at the configured period when the server is idle). kUnavailable when the
  // connection drops (reopen from the last complete transaction).
  virtual absl::StatusOr<std::string> Next() = 0;

  // Disconnects. Idempotent.
  virtual void Close() = 0;
};

class BinlogSourceFactory {
 public:
  virtual ~BinlogSourceFactory() = default;
  virtual std::unique_ptr<BinlogSource> Create() = 0;
};

}  // namespace mysql
}  // namespace sidecut

#endif  // SIDECUT_MYSQL_BINLOG_SOURCE_H_
