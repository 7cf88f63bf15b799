#include "cli/live_schema_source.h"

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "mysql/mysql_connection.h"
#include "mysql/quoting.h"
#include "onlineddl/live_schema.h"
#include "util/status_macros.h"

namespace sidecut {
namespace cli {

absl::StatusOr<MysqlUrl> ParseMysqlUrl(absl::string_view url) {
  const absl::string_view kScheme = "mysql://";
  auto bad = [&](absl::string_view why) {
    return absl::InvalidArgumentError(
        absl::StrCat("bad server source (", why,
                     "): expected mysql://user[:password]@host[:port]/db"));
  };
  if (!absl::StartsWith(url, kScheme)) return bad("no mysql:// scheme");
  absl::string_view rest = url.substr(kScheme.size());
  MysqlUrl u;
  const size_t at = rest.rfind('@');
  if (at != absl::string_view::npos) {
    absl::string_view userinfo = rest.substr(0, at);
    rest = rest.substr(at + 1);
    const size_t colon = userinfo.find(':');
    u.params.user = std::string(userinfo.substr(0, colon));
    if (colon != absl::string_view::npos) {
      u.params.password = std::string(userinfo.substr(colon + 1));
    }
  }
  const size_t slash = rest.find('/');
  if (slash == absl::string_view::npos || slash + 1 >= rest.size()) {
    return bad("no database");
  }
  u.db = std::string(rest.substr(slash + 1));
  absl::string_view hostport = rest.substr(0, slash);
  const size_t colon = hostport.rfind(':');
  u.params.host = std::string(hostport.substr(0, colon));
  if (colon != absl::string_view::npos) {
    int port = 0;
    if (!absl::SimpleAtoi(hostport.substr(colon + 1), &port) || port <= 0 ||
        port > 65535) {
      return bad("bad port");
    }
    u.params.port = port;
  }
  if (u.params.host.empty()) return bad("no host");
  if (u.params.user.empty()) u.params.user = "root";
  return u;
}

absl::StatusOr<std::string> LoadLiveSchema(const std::string& url) {
  SC_ASSIGN_OR_RETURN(MysqlUrl u, ParseMysqlUrl(url));
  SC_ASSIGN_OR_RETURN(std::unique_ptr<mysql::MysqlConnection> conn,
                      mysql::MysqlConnection::Connect(u.params));
  SC_ASSIGN_OR_RETURN(
      std::string exists,
      mysql::QueryValue(*conn, absl::StrCat("SELECT COUNT(*) FROM "
                                            "information_schema.SCHEMATA "
                                            "WHERE SCHEMA_NAME = ",
                                            mysql::QuoteString(u.db))));
  if (exists == "0") {
    return absl::NotFoundError(
        absl::StrCat("no database ", mysql::QuoteIdentifier(u.db)));
  }
  return onlineddl::LoadLiveSchemaSql(*conn, u.db);
}

}  // namespace cli
}  // namespace sidecut
