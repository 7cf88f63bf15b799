// BinlogStreamer: whole transactions from a BinlogSource, in commit order,
// each with the GTID position reached after it; heartbeats when idle.
//
// Resumption: when the connection drops (kUnavailable), the streamer
// discards the partial transaction, reopens the source at the position after
// the last complete transaction and continues, so callers see every
// transaction exactly once. Transactions already covered by the position
// are skipped defensively.
//
// Memory: a transaction is buffered whole before it is returned.
//
// Not thread-safe.
#ifndef SIDECUT_MYSQL_BINLOG_STREAMER_H_
#define SIDECUT_MYSQL_BINLOG_STREAMER_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "mysql/binlog_decoder.h"
#include "mysql/binlog_source.h"
#include "mysql/gtid.h"
#include "util/clock.h"

namespace sidecut {
namespace mysql {

// A place in the server's binlog files.
struct BinlogCoordinates {
  std::string file;  // "" when unknown
  uint64_t offset = 0;
  // Whether this is at or after `other`: same file (offsets compare) or a
  // later one (the numeric extensions of the same base name compare). False
  // when either is unknown or the base names differ.
  bool AtLeast(const BinlogCoordinates& other) const;
};

struct Transaction {
  GtidEvent gtid;
  // Where the transaction's last event ends in the binlog (file unknown
  // when the stream did not say which file it reads).
  BinlogCoordinates end;
  // The position including this transaction.
  Position position;
  // Commit timestamp (seconds since the epoch, from the event headers).
  uint32_t timestamp = 0;
  // TABLE_MAP, ROWS and statement QUERY events (DDL, or statements inside
  // the transaction); GTID, BEGIN, COMMIT and XID are not included.
  std::vector<DecodedEvent> events;
  // True for a standalone statement (DDL) without BEGIN/COMMIT.
  bool standalone = false;
  // The first half of a two-phase XA transaction (XA START .. XA PREPARE):
  // its changes are not committed yet; a later transaction of its own, with
  // no events, holds its XA COMMIT or XA ROLLBACK.
  bool xa_prepared = false;
  // The XA transaction's id (XaIdText): of the prepared half, or of the
  // group ending one (its XA COMMIT or XA ROLLBACK); "" otherwise.
  std::string xa_id;
  // The group is the XA COMMIT of a transaction prepared before it.
  bool xa_commit = false;
  // Why the transaction cannot be followed exactly ("" if it can): a
  // MariaDB GTID logged out of order (see BinlogStreamer::Consume). Its
  // consumer fails if the transaction changes what it follows.
  std::string out_of_order;
};

struct StreamItem {
  enum class Kind { kTransaction, kHeartbeat };
  Kind kind = Kind::kHeartbeat;
  Transaction transaction;
  uint32_t heartbeat_timestamp = 0;
};

struct BinlogStreamerOptions {
  // How long to keep retrying to (re)connect before giving up with the last
  // error. Default 30 s.
  absl::Duration reconnect_timeout = absl::Seconds(30);
  // First pause between reconnect attempts; doubles up to 2 s. Default 50 ms.
  absl::Duration reconnect_backoff = absl::Milliseconds(50);
  // Polled while waiting to reconnect; returning true abandons the wait
  // with kCancelled. Default: never.
  std::function<bool()> cancelled;
};

class BinlogStreamer {
 public:
  // Streams the transactions after `start`. `factory` and `clock` must
  // outlive the streamer.
  BinlogStreamer(BinlogSourceFactory* factory, Position start, Clock* clock,
                 BinlogStreamerOptions options = BinlogStreamerOptions());

  // Returns the next transaction or heartbeat. Connection drops are retried
  // internally; errors returned are final for this stream (kFailedPrecondition
  // for purged GTIDs, kDataLoss for corrupt events, kDeadlineExceeded when
  // reconnecting kept failing).
  absl::StatusOr<StreamItem> Next();

  // The position after the last transaction returned.
  const Position& position() const { return position_; }
  // Where the last complete transaction read (returned or skipped) ends in
  // the binlog; file "" before the first.
  const BinlogCoordinates& last_end() const { return last_end_; }
  // See BinlogDecoder::SetSchemaResolver; kept across reconnects.
  void SetSchemaResolver(SchemaResolver resolver) {
    resolver_ = std::move(resolver);
    decoder_.SetSchemaResolver(resolver_);
  }

  // See BinlogDecoder::SetTableFilter; kept across reconnects.
  void SetTableFilter(TableFilter filter) {
    filter_ = std::move(filter);
    decoder_.SetTableFilter(filter_);
  }

  // How many times the connection was reopened after a drop.
  int reconnects() const { return reconnects_; }
  // Bytes of events read from the server so far (all tables).
  uint64_t bytes_read() const { return bytes_read_; }

 private:
  absl::Status EnsureOpen();
  // Handles one decoded event; sets *done when a transaction completes.
  absl::Status Consume(DecodedEvent ev, bool* done);
  Position Advance(const GtidEvent& g) const;

  BinlogSourceFactory* factory_;
  Clock* clock_;
  BinlogStreamerOptions options_;
  Position position_;
  std::unique_ptr<BinlogSource> source_;
  BinlogDecoder decoder_;
  SchemaResolver resolver_;
  TableFilter filter_;
  uint64_t bytes_read_ = 0;
  bool in_txn_ = false;
  bool skip_txn_ = false;
  bool saw_begin_ = false;
  Transaction txn_;
  // The transaction's savepoints, by name, with the number of its events
  // logged before each, in the order set.
  std::vector<std::pair<std::string, size_t>> savepoints_;
  std::string file_;  // the binlog file being read (from ROTATE events)
  uint32_t last_log_pos_ = 0;  // of the last event read in file_
  BinlogCoordinates last_end_;
  int reconnects_ = 0;
  bool opened_once_ = false;
};

}  // namespace mysql
}  // namespace sidecut

#endif  // SIDECUT_MYSQL_BINLOG_STREAMER_H_
