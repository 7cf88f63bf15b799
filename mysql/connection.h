// Connection: the seam over a MySQL-protocol session. Production code takes
// a Connection (or a ConnectionFactory) so unit tests can inject fakes and
// faults; the real implementation is MysqlConnection (Connector/C).
//
// A Connection is one server session: not thread-safe; use one per thread.
#ifndef SIDECUT_MYSQL_CONNECTION_H_
#define SIDECUT_MYSQL_CONNECTION_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "mysql/result.h"

namespace sidecut {
namespace mysql {

// Authentication plugins that never send the password itself.
inline constexpr char kNoCleartextAuth[] =
    "mysql_native_password,client_ed25519";

struct ConnectParams {
  std::string host = "127.0.0.1";
  int port = 3306;
  // A unix socket path or abstract name ("@name"); used instead of TCP when
  // set.
  std::string socket;
  std::string user = "root";
  std::string password;
  std::string database;
  // Defaults: 10 s to connect; reads and writes 0 = no limit (long copies
  // stream for minutes; use statement-level timeouts instead).
  absl::Duration connect_timeout = absl::Seconds(10);
  absl::Duration read_timeout = absl::ZeroDuration();
  absl::Duration write_timeout = absl::ZeroDuration();
  // Allow several ';'-separated statements in one Execute (one round trip).
  // Only for SQL built entirely with the quoting helpers. Default off.
  bool multi_statements = false;
  // Sessions are counted as Sidecut's own (see OwnSessionIds) while open.
  // False for a session standing in for an application's (tests, benches):
  // a forced cut-over may kill it like any client's.
  bool own_session = true;
  // If set, the only authentication plugins this client goes along with
  // (Connector/C's MARIADB_OPT_RESTRICTED_AUTH, comma-separated), for a
  // server found by the address it reports: kNoCleartextAuth refuses a
  // server asking for the password in clear (mysql_clear_password, PAM's
  // dialog) or encrypted with a key it sends (sha256_password).
  std::string restricted_auth;

  // "user@host:port" or "user@socket", for messages.
  std::string Describe() const;
};

class Connection {
 public:
  virtual ~Connection() = default;

  // Runs one statement and returns its whole result (buffered).
  virtual absl::StatusOr<Result> Execute(absl::string_view sql) = 0;

  // Runs one statement and streams its rows one at a time without buffering
  // the result: `on_fields` is called once, then `on_row` per row. A non-OK
  // status from a callback stops the stream and is returned.
  virtual absl::Status ExecuteStreaming(
      absl::string_view sql,
      const std::function<absl::Status(const std::vector<Field>&)>& on_fields,
      const std::function<absl::Status(const Row&)>& on_row) = 0;

  // The server's thread id for this session (for KILL).
  virtual uint64_t ConnectionId() = 0;

  // Closes the session. Idempotent; the destructor also closes.
  virtual void Close() = 0;
};

class ConnectionFactory {
 public:
  virtual ~ConnectionFactory() = default;
  virtual absl::StatusOr<std::unique_ptr<Connection>> Connect() = 0;

  // The server thread ids of this process's open sessions on the factory's
  // server (Sidecut's own streams, copies and cut-overs), which a forced
  // cut-over must not take for blockers. Empty when not tracked.
  virtual std::vector<uint64_t> OwnSessionIds() { return {}; }
};

// Convenience: runs `sql` and returns the first column of the first row;
// kNotFound when the result is empty; NULL yields "".
absl::StatusOr<std::string> QueryValue(Connection& conn, absl::string_view sql);

}  // namespace mysql
}  // namespace sidecut

#endif  // SIDECUT_MYSQL_CONNECTION_H_
