#include "onlineddl/swap_check.h"

#include <cctype>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "mysql/mysql_error.h"
#include "mysql/quoting.h"
#include "util/status_macros.h"

namespace sidecut {
namespace onlineddl {
namespace {

// SHOW CREATE TABLE of db.table, name-free; "" if there is no such table.
absl::StatusOr<std::string> NameFreeSchema(mysql::Connection& conn,
                                           absl::string_view db,
                                           absl::string_view table) {
  absl::StatusOr<mysql::Result> r = conn.Execute(
      absl::StrCat("SHOW CREATE TABLE ", mysql::QuoteQualified(db, table)));
  if (mysql::MysqlErrno(r.status()) == mysql::kErNoSuchTable) return "";
  SC_RETURN_IF_ERROR(r.status());
  if (r->rows.empty() || r->rows[0].size() < 2) return "";
  return NameFreeCreateTable(r->rows[0].Get(1), table);
}

}  // namespace

absl::Status EnsureSwapSchemaTable(mysql::Connection& conn) {
  return conn
      .Execute(
          "CREATE TABLE IF NOT EXISTS _vt.sidecut_swap_schemas ("
          "migration_uuid VARCHAR(64) NOT NULL PRIMARY KEY, "
          "table_schema MEDIUMTEXT NOT NULL, "
          "shadow_schema MEDIUMTEXT NOT NULL) ENGINE=InnoDB "
          "DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin")
      .status();
}

std::string NameFreeCreateTable(absl::string_view create_table,
                                absl::string_view table) {
  std::string out(create_table);
  const std::string head =
      absl::StrCat("CREATE TABLE ", mysql::QuoteIdentifier(table), " ");
  if (absl::StartsWith(out, head)) out.replace(0, head.size(), "CREATE TABLE ");
  // The table options follow the last column or key, on the line that
  // starts with ") ENGINE=" (partitioning comes after it).
  const size_t options = out.rfind("\n) ENGINE=");
  if (options == std::string::npos) return out;
  size_t end = out.find('\n', options + 1);
  if (end == std::string::npos) end = out.size();
  constexpr absl::string_view kCounter = " AUTO_INCREMENT=";
  const size_t at = out.find(std::string(kCounter), options);
  if (at == std::string::npos || at >= end) return out;
  size_t digits = at + kCounter.size();
  while (digits < end &&
         std::isdigit(static_cast<unsigned char>(out[digits]))) {
    ++digits;
  }
  out.erase(at, digits - at);
  return out;
}

absl::Status RecordSchemasBeforeSwap(mysql::Connection& conn,
                                     absl::string_view uuid,
                                     absl::string_view db,
                                     absl::string_view table,
                                     absl::string_view shadow) {
  SC_ASSIGN_OR_RETURN(std::string t, NameFreeSchema(conn, db, table));
  SC_ASSIGN_OR_RETURN(std::string s, NameFreeSchema(conn, db, shadow));
  return conn
      .Execute(absl::StrCat("REPLACE INTO _vt.sidecut_swap_schemas "
                            "(migration_uuid, table_schema, shadow_schema) "
                            "VALUES (",
                            mysql::QuoteString(uuid), ", ",
                            mysql::QuoteString(t), ", ", mysql::QuoteString(s),
                            ")"))
      .status();
}

absl::Status ForgetSchemasBeforeSwap(mysql::Connection& conn,
                                     absl::string_view uuid) {
  return conn
      .Execute(absl::StrCat(
          "DELETE FROM _vt.sidecut_swap_schemas WHERE migration_uuid = ",
          mysql::QuoteString(uuid)))
      .status();
}

absl::StatusOr<SwapFromSchemas> CheckSwapFromSchemas(mysql::Connection& conn,
                                                     absl::string_view uuid,
                                                     absl::string_view db,
                                                     absl::string_view table,
                                                     absl::string_view shadow) {
  SwapFromSchemas out;
  SC_ASSIGN_OR_RETURN(
      mysql::Result r,
      conn.Execute(absl::StrCat("SELECT table_schema, shadow_schema FROM "
                                "_vt.sidecut_swap_schemas WHERE "
                                "migration_uuid = ",
                                mysql::QuoteString(uuid))));
  if (r.rows.empty()) {
    out.why = "their schemas were not recorded before the cut-over";
    return out;
  }
  const std::string was_table(r.rows[0].Get(0));
  const std::string was_shadow(r.rows[0].Get(1));
  SC_ASSIGN_OR_RETURN(std::string now_table, NameFreeSchema(conn, db, table));
  SC_ASSIGN_OR_RETURN(std::string now_shadow, NameFreeSchema(conn, db, shadow));
  const std::string t = mysql::QuoteIdentifier(table);
  const std::string s = mysql::QuoteIdentifier(shadow);
  if (was_table.empty() || was_shadow.empty()) {
    out.why = "a table was missing when their schemas were recorded";
  } else if (was_table == was_shadow) {
    out.why =
        absl::StrCat(t, " and ", s, " had the same schema before the cut-over");
  } else if (now_table.empty() || now_shadow.empty()) {
    out.why = absl::StrCat(now_table.empty() ? t : s, " is missing");
  } else if (now_table == was_shadow && now_shadow == was_table) {
    out.outcome = SwapFromSchemas::kSwapped;
    out.why =
        absl::StrCat(t, " has the schema ", s, " had before the cut-over, and ",
                     s, " the one ", t, " had");
  } else if (now_table == was_table && now_shadow == was_shadow) {
    out.outcome = SwapFromSchemas::kNotSwapped;
    out.why = absl::StrCat(t, " and ", s,
                           " still have the schemas they had before the "
                           "cut-over");
  } else {
    out.why = absl::StrCat("the schema of ", t, " or ", s,
                           " changed since the cut-over began");
  }
  return out;
}

absl::StatusOr<std::vector<std::string>> TriggersOn(mysql::Connection& conn,
                                                    absl::string_view db,
                                                    absl::string_view table) {
  SC_ASSIGN_OR_RETURN(
      mysql::Result r,
      conn.Execute(absl::StrCat(
          "SELECT TRIGGER_NAME FROM information_schema.TRIGGERS WHERE "
          "EVENT_OBJECT_SCHEMA = ",
          mysql::QuoteString(db), " AND EVENT_OBJECT_TABLE = ",
          mysql::QuoteString(table), " ORDER BY TRIGGER_NAME")));
  std::vector<std::string> out;
  for (const mysql::Row& row : r.rows) out.emplace_back(row.Get(0));
  return out;
}

std::string TriggersRefusal(absl::string_view table,
                            const std::vector<std::string>& triggers,
                            bool revert) {
  std::string names;
  for (const std::string& t : triggers) {
    absl::StrAppend(&names, names.empty() ? "" : ", ",
                    mysql::QuoteIdentifier(t));
  }
  return absl::StrCat(
      mysql::QuoteIdentifier(table), " has triggers (", names, "): ",
      revert ? "a revert swaps the old table back"
             : "online DDL swaps in a new table",
      ", and RENAME keeps triggers with the table swapped out, so ",
      mysql::QuoteIdentifier(table),
      " would lose them (and the reverse stream's writes to the table "
      "swapped out would fire them); drop them, ",
      revert ? "revert" : "migrate", ", then create them again",
      revert ? "" : ", or use the mysql or direct strategy");
}

absl::Status CheckSwapKeepsTriggers(mysql::Connection& conn,
                                    absl::string_view db,
                                    absl::string_view table, bool revert) {
  SC_ASSIGN_OR_RETURN(std::vector<std::string> triggers,
                      TriggersOn(conn, db, table));
  if (triggers.empty()) return absl::OkStatus();
  return absl::FailedPreconditionError(absl::StrCat(
      "cut-over refused: ", TriggersRefusal(table, triggers, revert)));
}

absl::StatusOr<std::vector<std::string>> ForeignKeysOn(mysql::Connection& conn,
                                                       absl::string_view db,
                                                       absl::string_view table,
                                                       bool with_self) {
  // Within `db` (as the migration's own check when it starts): the server
  // then opens only that schema's tables to answer.
  SC_ASSIGN_OR_RETURN(
      mysql::Result r,
      conn.Execute(absl::StrCat(
          "SELECT TABLE_NAME, CONSTRAINT_NAME FROM information_schema."
          "REFERENTIAL_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = ",
          mysql::QuoteString(db),
          " AND (TABLE_NAME = ", mysql::QuoteString(table),
          " OR REFERENCED_TABLE_NAME = ", mysql::QuoteString(table), ")",
          with_self ? ""
                    : " AND NOT (TABLE_NAME = REFERENCED_TABLE_NAME AND "
                      "UNIQUE_CONSTRAINT_SCHEMA = CONSTRAINT_SCHEMA)",
          " ORDER BY TABLE_NAME, CONSTRAINT_NAME")));
  std::vector<std::string> out;
  for (const mysql::Row& row : r.rows) {
    out.push_back(absl::StrCat(mysql::QuoteIdentifier(row.Get(0)), ".",
                               mysql::QuoteIdentifier(row.Get(1))));
  }
  return out;
}

absl::Status CheckDropAllowed(mysql::Connection& conn, absl::string_view db,
                              absl::string_view table) {
  SC_ASSIGN_OR_RETURN(std::vector<std::string> fks,
                      ForeignKeysOn(conn, db, table, /*with_self=*/false));
  if (fks.empty()) return absl::OkStatus();
  return absl::FailedPreconditionError(absl::StrCat(
      "Foreign key found on ", mysql::QuoteIdentifier(table), " (",
      absl::StrJoin(fks, ", "),
      "): a DROP keeps the table as an artifact, where its foreign keys stay "
      "in force; drop them first, use strategy direct, or accept that with "
      "--unsafe-allow-foreign-keys"));
}

absl::Status CheckSwapKeepsForeignKeys(mysql::Connection& conn,
                                       absl::string_view db,
                                       absl::string_view table) {
  SC_ASSIGN_OR_RETURN(std::vector<std::string> fks,
                      ForeignKeysOn(conn, db, table));
  if (fks.empty()) return absl::OkStatus();
  return absl::FailedPreconditionError(absl::StrCat(
      "cut-over refused: ", mysql::QuoteIdentifier(table),
      " is now a foreign key parent or child (", absl::StrJoin(fks, ", "),
      "): the foreign key would follow the old table in the swap; drop it "
      "to let the migration complete, or cancel the migration"));
}

}  // namespace onlineddl
}  // namespace sidecut
