// VStreamer: change-data-capture events for VStream clients. Turns the
// binlog (through BinlogStreamer) into Vitess VEvents for the tables a
// filter selects: BEGIN, FIELD (once per table, and again after DDL), ROW,
// GTID, COMMIT; DDL; HEARTBEAT when idle.
//
// Filter rules: a table name or "/regex/"; the rule's filter must be empty
// or "select * from <table>" (column projections are VReplication's job).
//
// Not thread-safe.
#ifndef SIDECUT_VREPLICATION_VSTREAMER_H_
#define SIDECUT_VREPLICATION_VSTREAMER_H_

#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "mysql/binlog_streamer.h"
#include "mysql/connection.h"
#include "proto/binlogdata.pb.h"
#include "util/clock.h"

namespace re2 {
class RE2;
}  // namespace re2

namespace sidecut {
namespace vreplication {

class VStreamer {
 public:
  // Streams db's tables selected by `filter` from `start` (a Vitess
  // position, or "current" for the server's current position).
  static absl::StatusOr<std::unique_ptr<VStreamer>> Create(
      const mysql::ConnectParams& params, std::string db,
      const binlogdata::Filter& filter, absl::string_view start, Clock* clock);

  ~VStreamer();

  // The events of the next transaction, or one HEARTBEAT.
  absl::StatusOr<std::vector<binlogdata::VEvent>> Next();

 private:
  VStreamer();
  bool Matches(const std::string& table) const;

  std::string db_;
  std::vector<std::string> exact_;
  std::vector<std::unique_ptr<re2::RE2>> patterns_;
  std::unique_ptr<mysql::BinlogSourceFactory> factory_;
  std::unique_ptr<mysql::BinlogStreamer> streamer_;
  std::set<std::string> fields_sent_;
};

}  // namespace vreplication
}  // namespace sidecut

#endif  // SIDECUT_VREPLICATION_VSTREAMER_H_
