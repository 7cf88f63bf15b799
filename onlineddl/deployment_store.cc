#include "onlineddl/deployment_store.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "mysql/quoting.h"
#include "util/status_macros.h"

namespace sidecut {
namespace onlineddl {
namespace {

using mysql::QuoteString;

constexpr char kCreate[] = R"sql(
CREATE TABLE IF NOT EXISTS _vt.sidecut_deployments (
  `mysql_schema` varchar(128) NOT NULL,
  `migration_context` varchar(255) NOT NULL,
  `status` varchar(32) NOT NULL,
  `members` text NOT NULL,
  `postpone_completion` tinyint unsigned NOT NULL DEFAULT '0',
  `reverted_context` varchar(255) NOT NULL DEFAULT '',
  `message` text NOT NULL,
  `spread_ms` bigint NOT NULL DEFAULT '-1',
  `related_tables` text NOT NULL DEFAULT '',
  `added_timestamp` timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP,
  `completed_timestamp` timestamp(6) NULL DEFAULT NULL,
  PRIMARY KEY (`mysql_schema`, `migration_context`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4
)sql";

// Older tables lack it.
constexpr char kAddRelated[] =
    "ALTER TABLE _vt.sidecut_deployments ADD COLUMN IF NOT EXISTS "
    "`related_tables` text NOT NULL DEFAULT '' AFTER `spread_ms`";

constexpr char kColumns[] =
    "migration_context, mysql_schema, status, members, postpone_completion, "
    "reverted_context, message, spread_ms, related_tables";

// Names as quoted identifiers joined by commas (a name may hold a comma).
std::string EncodeNames(const std::vector<std::string>& names) {
  std::vector<std::string> quoted;
  for (const std::string& n : names)
    quoted.push_back(mysql::QuoteIdentifier(n));
  return absl::StrJoin(quoted, ",");
}

absl::StatusOr<std::vector<std::string>> DecodeNames(absl::string_view text) {
  auto bad = [&]() {
    return absl::DataLossError(
        absl::StrCat("_vt.sidecut_deployments.related_tables is not a list "
                     "of quoted names: ",
                     text));
  };
  std::vector<std::string> out;
  size_t i = 0;
  while (i < text.size()) {
    if (!out.empty()) {
      if (text[i] != ',') return bad();
      ++i;
    }
    if (i >= text.size() || text[i] != '`') return bad();
    std::string name;
    for (++i;; ++i) {
      if (i >= text.size()) return bad();  // unclosed
      if (text[i] != '`') {
        name.push_back(text[i]);
      } else if (i + 1 < text.size() && text[i + 1] == '`') {
        name.push_back('`');
        ++i;
      } else {
        ++i;
        break;
      }
    }
    out.push_back(std::move(name));
  }
  return out;
}

absl::StatusOr<Deployment> FromRow(const mysql::Row& r) {
  Deployment d;
  d.context = std::string(r.Get(0));
  d.schema = std::string(r.Get(1));
  d.status = std::string(r.Get(2));
  for (absl::string_view u : absl::StrSplit(r.Get(3), ',', absl::SkipEmpty())) {
    d.members.emplace_back(u);
  }
  SC_ASSIGN_OR_RETURN(int64_t postpone, r.GetInt64(4));
  d.postpone_completion = postpone != 0;
  d.reverted_context = std::string(r.Get(5));
  d.message = std::string(r.Get(6));
  SC_ASSIGN_OR_RETURN(d.spread_ms, r.GetInt64(7));
  SC_ASSIGN_OR_RETURN(d.related, DecodeNames(r.Get(8)));
  return d;
}

}  // namespace

absl::Status EnsureDeployments(mysql::Connection& conn) {
  SC_RETURN_IF_ERROR(
      conn.Execute("CREATE DATABASE IF NOT EXISTS _vt CHARACTER SET utf8mb4")
          .status());
  SC_RETURN_IF_ERROR(conn.Execute(kCreate).status());
  return conn.Execute(kAddRelated).status();
}

absl::Status InsertDeployment(mysql::Connection& conn, const Deployment& d) {
  return conn
      .Execute(absl::StrCat("INSERT INTO _vt.sidecut_deployments (", kColumns,
                            ") VALUES (", QuoteString(d.context), ", ",
                            QuoteString(d.schema), ", ", QuoteString(d.status),
                            ", ", QuoteString(absl::StrJoin(d.members, ",")),
                            ", ", d.postpone_completion ? 1 : 0, ", ",
                            QuoteString(d.reverted_context), ", ",
                            QuoteString(d.message), ", ", d.spread_ms, ", ",
                            QuoteString(EncodeNames(d.related)), ")"))
      .status();
}

absl::StatusOr<std::vector<Deployment>> ListDeployments(
    mysql::Connection& conn, absl::string_view schema,
    absl::string_view status) {
  SC_ASSIGN_OR_RETURN(
      mysql::Result r,
      conn.Execute(absl::StrCat(
          "SELECT ", kColumns,
          " FROM _vt.sidecut_deployments WHERE mysql_schema = ",
          QuoteString(schema),
          status.empty() ? ""
                         : absl::StrCat(" AND status = ", QuoteString(status)),
          " ORDER BY added_timestamp")));
  std::vector<Deployment> out;
  for (const mysql::Row& row : r.rows) {
    SC_ASSIGN_OR_RETURN(Deployment d, FromRow(row));
    out.push_back(std::move(d));
  }
  return out;
}

absl::StatusOr<Deployment> ReadDeployment(mysql::Connection& conn,
                                          absl::string_view schema,
                                          absl::string_view context) {
  SC_ASSIGN_OR_RETURN(mysql::Result r,
                      conn.Execute(absl::StrCat(
                          "SELECT ", kColumns,
                          " FROM _vt.sidecut_deployments WHERE mysql_schema = ",
                          QuoteString(schema),
                          " AND migration_context = ", QuoteString(context))));
  if (r.rows.empty()) {
    return absl::NotFoundError(
        absl::StrCat("no deployment with context '", context, "'"));
  }
  return FromRow(r.rows[0]);
}

absl::Status UpdateDeployment(mysql::Connection& conn, const Deployment& d) {
  return conn
      .Execute(absl::StrCat(
          "UPDATE _vt.sidecut_deployments SET status = ", QuoteString(d.status),
          ", postpone_completion = ", d.postpone_completion ? 1 : 0,
          ", message = ", QuoteString(d.message), ", spread_ms = ", d.spread_ms,
          d.status == kDeployComplete ? ", completed_timestamp = NOW(6)" : "",
          " WHERE mysql_schema = ", QuoteString(d.schema),
          " AND migration_context = ", QuoteString(d.context)))
      .status();
}

}  // namespace onlineddl
}  // namespace sidecut
