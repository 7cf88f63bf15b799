#include "onlineddl/live_schema.h"

#include "absl/strings/str_cat.h"
#include "mysql/quoting.h"
#include "onlineddl/artifact_name.h"
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
                                " ORDER BY TABLE_TYPE = 'VIEW', TABLE_NAME")));
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

}  // namespace onlineddl
}  // namespace sidecut
