#include "mysql/mariadb_binlog_source.h"

// mysql.h must come first: mariadb_rpl.h uses its types.
// clang-format off
#include <mariadb/mysql.h>
#include <mariadb/mariadb_rpl.h>
// clang-format on

#include "absl/random/random.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "mysql/mysql_error.h"
#include "mysql/quoting.h"
#include "util/status_macros.h"

namespace sidecut {
namespace mysql {

MariadbBinlogSource::MariadbBinlogSource(MariadbBinlogSourceOptions options)
    : options_(std::move(options)) {
  if (options_.replica_server_id == 0) {
    absl::BitGen gen;
    options_.replica_server_id =
        absl::Uniform<uint32_t>(gen, 1000000000u, 2000000000u);
  }
}

MariadbBinlogSource::~MariadbBinlogSource() { Close(); }

void MariadbBinlogSource::Close() {
  if (rpl_ != nullptr) mariadb_rpl_close(rpl_);
  rpl_ = nullptr;
  conn_.reset();
}

absl::Status MariadbBinlogSource::Error(absl::string_view what) {
  MYSQL* m = conn_ != nullptr ? conn_->handle() : nullptr;
  int errnum = m != nullptr ? static_cast<int>(mysql_errno(m)) : 0;
  std::string msg = m != nullptr ? mysql_error(m) : "";
  if (errnum == 0 && rpl_ != nullptr) {
    errnum = static_cast<int>(mariadb_rpl_errno(rpl_));
    msg = mariadb_rpl_error(rpl_);
  }
  if (errnum == 0) errnum = kCrServerLost;
  std::string context =
      absl::StrCat(what, " from ", options_.connect.Describe(),
                   " at GTID position '", start_, "'");
  if (errnum == kErMasterFatalReadingBinlog) {
    // 1236 is any error of the binlog dump: say what the server's words
    // mean where they are known (measured on MariaDB 10.11).
    std::string meaning =
        "the server cannot send its binlog from this position";
    if (absl::StrContains(msg, "Could not find GTID state")) {
      // Also a domain the server never logged.
      meaning =
          "the server no longer has the binlogs for this position "
          "(purged?); the workflow must copy again";
    } else if (absl::StrContains(msg, "higher sequence numbers")) {
      meaning =
          "the server's binlog does not hold this position though it holds "
          "later ones of its domain (the position is another server's, or "
          "this server diverged from it); the workflow must copy again";
    } else if (absl::StrContains(msg, "which is not in the master's binlog")) {
      meaning =
          "the server's binlog never held this position (it is ahead of the "
          "server: a position from another server, or a server restored "
          "from a backup?); the workflow must copy again";
    }
    return absl::FailedPreconditionError(absl::StrCat(
        context, ": ", meaning, ". Server said: ", msg, " (errno 1236)"));
  }
  return MysqlError(errnum, m != nullptr ? mysql_sqlstate(m) : "", msg,
                    context);
}

absl::Status MariadbBinlogSource::Open(const Position& start) {
  Close();
  if (start.flavor() == Flavor::kMysql56) {
    return absl::InvalidArgumentError(
        "MariadbBinlogSource cannot stream from a MySQL56 position");
  }
  start_ = start.GtidText();
  SC_ASSIGN_OR_RETURN(conn_, MysqlConnection::Connect(options_.connect));
  int64_t period_ns = absl::ToInt64Nanoseconds(options_.heartbeat_period);
  for (const std::string& sql : {
           std::string("SET @mariadb_slave_capability=4"),
           absl::StrCat("SET @slave_connect_state=", QuoteString(start_)),
           std::string("SET @slave_gtid_strict_mode=1"),
           std::string("SET @master_binlog_checksum=@@global.binlog_checksum"),
           absl::StrCat("SET @master_heartbeat_period=", period_ns),
       }) {
    SC_RETURN_IF_ERROR(conn_->Execute(sql).status());
  }
  rpl_ = mariadb_rpl_init_ex(conn_->handle(), MARIADB_RPL_VERSION);
  if (rpl_ == nullptr)
    return absl::ResourceExhaustedError("mariadb_rpl_init failed");
  unsigned long start_pos = 4;
  uint32_t server_id = options_.replica_server_id;
  if (mariadb_rpl_optionsv(rpl_, MARIADB_RPL_FILENAME, "", 0) != 0 ||
      mariadb_rpl_optionsv(rpl_, MARIADB_RPL_START, start_pos) != 0 ||
      mariadb_rpl_optionsv(rpl_, MARIADB_RPL_SERVER_ID, server_id) != 0 ||
      mariadb_rpl_optionsv(rpl_, MARIADB_RPL_FLAGS, 0) != 0) {
    return Error("configuring binlog dump");
  }
  if (mariadb_rpl_open(rpl_) != 0) return Error("starting binlog dump");
  return absl::OkStatus();
}

absl::StatusOr<std::string> MariadbBinlogSource::Next() {
  if (rpl_ == nullptr)
    return absl::FailedPreconditionError("binlog source not open");
  // The dump's packets are read as they come: mariadb_rpl_fetch parses
  // each event it passes on, and fails ("Malformed packet") on some it
  // cannot parse (a LOAD DATA logged as a statement), which then stopped
  // every stream there for good. The events are decoded here anyway.
  MYSQL* m = conn_->handle();
  const unsigned long len = mysql_net_read_packet(m);
  if (len == packet_error) return Error("reading binlog");
  const unsigned char* data = m->net.read_pos;
  if (len >= 1 && len < 9 && data[0] == 0xfe) {
    return absl::UnavailableError(absl::StrCat(
        "reading binlog from ", options_.connect.Describe(),
        " at GTID position '", start_, "': the server ended the binlog dump"));
  }
  // Each event follows the protocol's OK byte.
  if (len < 1 || data[0] != 0) {
    return absl::DataLossError(absl::StrCat(
        "reading binlog from ", options_.connect.Describe(),
        ": a packet of the binlog dump is not an event (first byte ",
        len < 1 ? -1 : static_cast<int>(data[0]), ", ", len, " bytes)"));
  }
  return std::string(reinterpret_cast<const char*>(data) + 1, len - 1);
}

}  // namespace mysql
}  // namespace sidecut
