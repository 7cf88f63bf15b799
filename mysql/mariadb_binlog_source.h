// MariadbBinlogSource: a BinlogSource for MariaDB over Connector/C's
// replication API (COM_BINLOG_DUMP with a GTID start state). Only raw event
// bytes are taken from Connector/C; decoding is Sidecut's (its own ROTATE
// and row decoding are wrong; see notes/mariadb.md).
//
// Not thread-safe.
#ifndef SIDECUT_MYSQL_MARIADB_BINLOG_SOURCE_H_
#define SIDECUT_MYSQL_MARIADB_BINLOG_SOURCE_H_

#include <cstdint>
#include <memory>

#include "absl/time/time.h"
#include "mysql/binlog_source.h"
#include "mysql/connection.h"
#include "mysql/mysql_connection.h"

typedef struct st_mariadb_rpl MARIADB_RPL;

namespace sidecut {
namespace mysql {

struct MariadbBinlogSourceOptions {
  ConnectParams connect;
  // The server id this reader registers with; must differ from every real
  // replica's and the source's own. Default: chosen at random in
  // [1000000000, 2000000000).
  uint32_t replica_server_id = 0;
  // The server sends a heartbeat when idle this long. Default 1 s.
  absl::Duration heartbeat_period = absl::Seconds(1);
};

class MariadbBinlogSource final : public BinlogSource {
 public:
  explicit MariadbBinlogSource(MariadbBinlogSourceOptions options);
  ~MariadbBinlogSource() override;

  absl::Status Open(const Position& start) override;
  absl::StatusOr<std::string> Next() override;
  void Close() override;

  uint32_t replica_server_id() const { return options_.replica_server_id; }

 private:
  absl::Status Error(absl::string_view what);

  MariadbBinlogSourceOptions options_;
  std::unique_ptr<MysqlConnection> conn_;
  MARIADB_RPL* rpl_ = nullptr;
  std::string start_;  // for messages
};

class MariadbBinlogSourceFactory final : public BinlogSourceFactory {
 public:
  explicit MariadbBinlogSourceFactory(MariadbBinlogSourceOptions options)
      : options_(std::move(options)) {}
  std::unique_ptr<BinlogSource> Create() override {
    return std::make_unique<MariadbBinlogSource>(options_);
  }

 private:
  MariadbBinlogSourceOptions options_;
};

}  // namespace mysql
}  // namespace sidecut

#endif  // SIDECUT_MYSQL_MARIADB_BINLOG_SOURCE_H_
