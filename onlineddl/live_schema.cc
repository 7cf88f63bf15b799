#include "onlineddl/live_schema.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "mysql/mysql_error.h"
#include "mysql/quoting.h"
#include "onlineddl/artifact_name.h"
#include "schemadiff/charsets.h"
#include "util/status_macros.h"

namespace sidecut {
namespace onlineddl {

absl::StatusOr<std::string> LoadLiveSchemaSql(mysql::Connection& conn,
                                              absl::string_view db) {
  SC_ASSIGN_OR_RETURN(
      mysql::Result tables,
      conn.Execute(absl::StrCat("SELECT TABLE_NAME, TABLE_TYPE FROM "
                                "information_schema.TABLES WHERE "
                                "TABLE_SCHEMA = ",
                                mysql::QuoteString(db),
                                " AND TABLE_TYPE <> 'SEQUENCE' ORDER BY "
                                "TABLE_TYPE = 'VIEW', TABLE_NAME")));
  std::string sql;
  for (const mysql::Row& row : tables.rows) {
    std::string name(row.Get(0));
    if (IsInternalTableName(name)) continue;
    const bool view = row.Get(1) == "VIEW";
    SC_ASSIGN_OR_RETURN(mysql::Result r,
                        conn.Execute(absl::StrCat(
                            view ? "SHOW CREATE VIEW " : "SHOW CREATE TABLE ",
                            mysql::QuoteQualified(db, name))));
    if (r.rows.empty() || r.rows[0].size() < 2) continue;
    absl::StrAppend(&sql, r.rows[0].Get(1), ";\n");
  }
  return sql;
}

absl::StatusOr<absl::flat_hash_map<std::string, std::string>>
LoadDefaultCollations(mysql::Connection& conn) {
  SC_ASSIGN_OR_RETURN(
      mysql::Result r,
      conn.Execute("SELECT CHARACTER_SET_NAME, DEFAULT_COLLATE_NAME FROM "
                   "information_schema.CHARACTER_SETS"));
  absl::flat_hash_map<std::string, std::string> defaults;
  for (const mysql::Row& row : r.rows) {
    defaults[schemadiff::NormalizeCharsetName(row.Get(0))] =
        schemadiff::NormalizeCollationName(row.Get(1));
  }
  absl::StatusOr<mysql::Result> mapped =
      conn.Execute("SELECT @@character_set_collations");
  if (!mapped.ok()) {
    if (mysql::MysqlErrno(mapped.status()) == 1193) return defaults;
    return mapped.status();
  }
  if (mapped->rows.empty()) return defaults;
  // "utf8mb4=uca1400_ai_ci,..." (the collation may leave out its charset)
  for (absl::string_view pair :
       absl::StrSplit(mapped->rows[0].Get(0), ',', absl::SkipWhitespace())) {
    std::pair<absl::string_view, absl::string_view> kv =
        absl::StrSplit(pair, absl::MaxSplits('=', 1));
    const std::string charset =
        schemadiff::NormalizeCharsetName(absl::StripAsciiWhitespace(kv.first));
    std::string collation = schemadiff::NormalizeCollationName(
        absl::StripAsciiWhitespace(kv.second));
    if (charset.empty() || collation.empty()) continue;
    if (!absl::StartsWith(collation, absl::StrCat(charset, "_"))) {
      collation = absl::StrCat(charset, "_", collation);
    }
    defaults[charset] = collation;
  }
  return defaults;
}

}  // namespace onlineddl
}  // namespace sidecut
