#include "mysql/mysql_connection.h"

#include <mariadb/mysql.h>

#include <algorithm>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "mysql/mysql_error.h"
#include "util/status_macros.h"

namespace sidecut {
namespace mysql {
namespace {

// Run at every connect: the session's sql_mode without NO_BACKSLASH_ESCAPES
// (QuoteString escapes with backslashes) and PAD_CHAR_TO_FULL_LENGTH (a CHAR
// read with its padding is copied so into a VARCHAR, where the binlog's
// value, caught up, has none).
constexpr char kSessionInit[] =
    "SET SESSION sql_mode = TRIM(BOTH ',' FROM REPLACE(REPLACE(CONCAT(',', "
    "@@SESSION.sql_mode, ','), ',NO_BACKSLASH_ESCAPES,', ','), "
    "',PAD_CHAR_TO_FULL_LENGTH,', ','))";

// Live sessions made by factories, by server ("socket|host:port"): thread
// ids are per server, and one process may talk to several.
struct OwnSessions {
  absl::Mutex mu;
  absl::flat_hash_map<std::string, absl::flat_hash_set<uint64_t>> ids
      ABSL_GUARDED_BY(mu);
};

OwnSessions& Own() {
  static OwnSessions* own = new OwnSessions;
  return *own;
}

std::string ServerKey(const ConnectParams& p) {
  return absl::StrCat(p.socket, "|", p.host, ":", p.port);
}

void Track(const ConnectParams& p, uint64_t id) {
  OwnSessions& own = Own();
  absl::MutexLock lock(&own.mu);
  own.ids[ServerKey(p)].insert(id);
}

void Untrack(const ConnectParams& p, uint64_t id) {
  OwnSessions& own = Own();
  absl::MutexLock lock(&own.mu);
  auto it = own.ids.find(ServerKey(p));
  if (it == own.ids.end()) return;
  it->second.erase(id);
  if (it->second.empty()) own.ids.erase(it);
}

unsigned int Seconds(absl::Duration d) {
  return static_cast<unsigned int>(
      std::max<int64_t>(0, absl::ToInt64Seconds(d)));
}

std::string Truncated(absl::string_view sql) {
  constexpr size_t kMax = 200;
  if (sql.size() <= kMax) return std::string(sql);
  return absl::StrCat(sql.substr(0, kMax), "...");
}

std::vector<Field> ReadFields(MYSQL_RES* res) {
  std::vector<Field> fields;
  unsigned int n = mysql_num_fields(res);
  MYSQL_FIELD* f = mysql_fetch_fields(res);
  fields.reserve(n);
  for (unsigned int i = 0; i < n; ++i) {
    Field out;
    out.name.assign(f[i].name, f[i].name_length);
    out.org_name.assign(f[i].org_name, f[i].org_name_length);
    out.table.assign(f[i].table, f[i].table_length);
    out.org_table.assign(f[i].org_table, f[i].org_table_length);
    out.database.assign(f[i].db, f[i].db_length);
    out.type = f[i].type;
    out.length = static_cast<uint32_t>(f[i].length);
    out.flags = f[i].flags;
    out.charsetnr = f[i].charsetnr;
    out.decimals = f[i].decimals;
    fields.push_back(std::move(out));
  }
  return fields;
}

Row ReadRow(MYSQL_RES* res, MYSQL_ROW row) {
  unsigned int n = mysql_num_fields(res);
  unsigned long* lengths = mysql_fetch_lengths(res);
  std::vector<absl::optional<std::string>> values(n);
  for (unsigned int i = 0; i < n; ++i) {
    if (row[i] != nullptr) values[i].emplace(row[i], lengths[i]);
  }
  return Row(std::move(values));
}

}  // namespace

absl::StatusOr<std::unique_ptr<MysqlConnection>> MysqlConnection::Connect(
    const ConnectParams& params) {
  MYSQL* m = mysql_init(nullptr);
  if (m == nullptr) return absl::ResourceExhaustedError("mysql_init failed");
  unsigned int ct = std::max(1u, Seconds(params.connect_timeout));
  mysql_optionsv(m, MYSQL_OPT_CONNECT_TIMEOUT, &ct);
  if (unsigned int rt = Seconds(params.read_timeout); rt > 0) {
    mysql_optionsv(m, MYSQL_OPT_READ_TIMEOUT, &rt);
  }
  if (unsigned int wt = Seconds(params.write_timeout); wt > 0) {
    mysql_optionsv(m, MYSQL_OPT_WRITE_TIMEOUT, &wt);
  }
  mysql_optionsv(m, MYSQL_SET_CHARSET_NAME, "utf8mb4");
  if (!params.restricted_auth.empty()) {
    mysql_optionsv(m, MARIADB_OPT_RESTRICTED_AUTH,
                   params.restricted_auth.c_str());
  }
  // QuoteString escapes with backslashes: a server whose global sql_mode
  // has NO_BACKSLASH_ESCAPES must not hand it to our sessions.
  mysql_optionsv(m, MYSQL_INIT_COMMAND, kSessionInit);
  unsigned int protocol =
      params.socket.empty() ? MYSQL_PROTOCOL_TCP : MYSQL_PROTOCOL_SOCKET;
  mysql_optionsv(m, MYSQL_OPT_PROTOCOL, &protocol);
  const char* db = params.database.empty() ? nullptr : params.database.c_str();
  const char* sock = params.socket.empty() ? nullptr : params.socket.c_str();
  if (mysql_real_connect(m, params.host.c_str(), params.user.c_str(),
                         params.password.c_str(), db, params.port, sock,
                         CLIENT_MULTI_RESULTS |
                             (params.multi_statements ? CLIENT_MULTI_STATEMENTS
                                                      : 0)) == nullptr) {
    absl::Status s =
        MysqlError(mysql_errno(m), mysql_sqlstate(m), mysql_error(m),
                   absl::StrCat("connect to ", params.Describe()));
    mysql_close(m);
    return s;
  }
  std::unique_ptr<MysqlConnection> c(new MysqlConnection(m, params));
  if (params.own_session) {
    c->tracked_id_ = mysql_thread_id(m);
    Track(params, c->tracked_id_);
  }
  return c;
}

MysqlConnection::~MysqlConnection() { Close(); }

void MysqlConnection::Close() {
  if (tracked_id_ != 0) Untrack(params_, tracked_id_);
  tracked_id_ = 0;
  if (mysql_ != nullptr) mysql_close(mysql_);
  mysql_ = nullptr;
}

absl::Status MysqlConnection::LastError(absl::string_view sql) {
  const unsigned int err = mysql_errno(mysql_);
  if ((err == 2006 || err == 2013) && tracked_id_ != 0) {
    // The session is gone (a restarted server reuses its thread id for
    // someone else's session): no longer ours to spare.
    Untrack(params_, tracked_id_);
    tracked_id_ = 0;
  }
  return MysqlError(mysql_errno(mysql_), mysql_sqlstate(mysql_),
                    mysql_error(mysql_),
                    absl::StrCat("on ", params_.Describe(), " executing '",
                                 Truncated(sql), "'"));
}

absl::Status MysqlConnection::Query(absl::string_view sql) {
  if (mysql_ == nullptr) {
    return absl::FailedPreconditionError("connection is closed");
  }
  if (mysql_real_query(mysql_, sql.data(), sql.size()) != 0) {
    return LastError(sql);
  }
  return absl::OkStatus();
}

absl::StatusOr<Result> MysqlConnection::Execute(absl::string_view sql) {
  SC_RETURN_IF_ERROR(Query(sql));
  Result result;
  MYSQL_RES* res = mysql_store_result(mysql_);
  if (res == nullptr) {
    if (mysql_field_count(mysql_) != 0) return LastError(sql);
    result.affected_rows = mysql_affected_rows(mysql_);
    result.insert_id = mysql_insert_id(mysql_);
  } else {
    result.fields = ReadFields(res);
    result.rows.reserve(mysql_num_rows(res));
    while (MYSQL_ROW row = mysql_fetch_row(res)) {
      result.rows.push_back(ReadRow(res, row));
    }
    mysql_free_result(res);
  }
  // Drain any further results (CALL, multi-statement), keep the first.
  while (mysql_more_results(mysql_)) {
    if (mysql_next_result(mysql_) > 0) return LastError(sql);
    if (MYSQL_RES* extra = mysql_store_result(mysql_)) {
      mysql_free_result(extra);
    }
  }
  return result;
}

absl::Status MysqlConnection::ExecuteStreaming(
    absl::string_view sql,
    const std::function<absl::Status(const std::vector<Field>&)>& on_fields,
    const std::function<absl::Status(const Row&)>& on_row) {
  SC_RETURN_IF_ERROR(Query(sql));
  MYSQL_RES* res = mysql_use_result(mysql_);
  if (res == nullptr) {
    if (mysql_field_count(mysql_) != 0) return LastError(sql);
    return on_fields({});
  }
  absl::Status status = on_fields(ReadFields(res));
  while (status.ok()) {
    MYSQL_ROW row = mysql_fetch_row(res);
    if (row == nullptr) {
      if (mysql_errno(mysql_) != 0) status = LastError(sql);
      break;
    }
    status = on_row(ReadRow(res, row));
  }
  // Reads off (and discards) any rows left when a callback stopped early.
  mysql_free_result(res);
  return status;
}

uint64_t MysqlConnection::ConnectionId() {
  return mysql_ == nullptr ? 0 : mysql_thread_id(mysql_);
}

absl::StatusOr<std::unique_ptr<Connection>> MysqlConnectionFactory::Connect() {
  SC_ASSIGN_OR_RETURN(std::unique_ptr<MysqlConnection> c,
                      MysqlConnection::Connect(params_));
  return std::unique_ptr<Connection>(std::move(c));
}

std::vector<uint64_t> MysqlConnectionFactory::OwnSessionIds() {
  OwnSessions& own = Own();
  absl::MutexLock lock(&own.mu);
  auto it = own.ids.find(ServerKey(params_));
  if (it == own.ids.end()) return {};
  return std::vector<uint64_t>(it->second.begin(), it->second.end());
}

}  // namespace mysql
}  // namespace sidecut
