// MysqlConnection: Connection over MariaDB Connector/C (libmariadb).
//
// Sessions are set to utf8mb4, autocommit on. Errors carry the server's
// error number (MysqlErrno) and the statement that failed (truncated).
//
// Not thread-safe: one thread at a time.
#ifndef SIDECUT_MYSQL_MYSQL_CONNECTION_H_
#define SIDECUT_MYSQL_MYSQL_CONNECTION_H_

#include <memory>
#include <vector>

#include "mysql/connection.h"

typedef struct st_mysql MYSQL;

namespace sidecut {
namespace mysql {

class MysqlConnection final : public Connection {
 public:
  // Connects; kUnavailable when the server cannot be reached (retryable),
  // kPermissionDenied for bad credentials. With `params.own_session` the
  // session counts among the factories' OwnSessionIds until closed.
  static absl::StatusOr<std::unique_ptr<MysqlConnection>> Connect(
      const ConnectParams& params);

  ~MysqlConnection() override;

  absl::StatusOr<Result> Execute(absl::string_view sql) override;
  absl::Status ExecuteStreaming(
      absl::string_view sql,
      const std::function<absl::Status(const std::vector<Field>&)>& on_fields,
      const std::function<absl::Status(const Row&)>& on_row) override;
  uint64_t ConnectionId() override;
  void Close() override;

  // The underlying handle, for the binlog reader. Owned by this object.
  MYSQL* handle() { return mysql_; }
  const ConnectParams& params() const { return params_; }

 private:
  MysqlConnection(MYSQL* m, const ConnectParams& p) : mysql_(m), params_(p) {}
  absl::Status LastError(absl::string_view sql);
  absl::Status Query(absl::string_view sql);

  MYSQL* mysql_;
  ConnectParams params_;
  uint64_t tracked_id_ = 0;  // counted as an own session while nonzero
};

class MysqlConnectionFactory final : public ConnectionFactory {
 public:
  explicit MysqlConnectionFactory(ConnectParams params)
      : params_(std::move(params)) {}
  absl::StatusOr<std::unique_ptr<Connection>> Connect() override;
  std::vector<uint64_t> OwnSessionIds() override;
  const ConnectParams& params() const { return params_; }

 private:
  ConnectParams params_;
};

}  // namespace mysql
}  // namespace sidecut

#endif  // SIDECUT_MYSQL_MYSQL_CONNECTION_H_
