#include "vreplication/table_plan.h"

#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "mysql/quoting.h"
#include "util/status_macros.h"

namespace sidecut {
namespace vreplication {
namespace {

bool OneOf(absl::string_view v, std::initializer_list<absl::string_view> set) {
  for (absl::string_view s : set) {
    if (v == s) return true;
  }
  return false;
}

// The names in a comma-separated list of key columns; one holding a
// comma comes quoted in backticks (`a,b`, a backtick doubled inside).
std::vector<std::string> KeyColumnNames(absl::string_view columns) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i <= columns.size()) {
    std::string name;
    if (i < columns.size() && columns[i] == '`') {
      for (++i; i < columns.size(); ++i) {
        if (columns[i] != '`') {
          name.push_back(columns[i]);
        } else if (i + 1 < columns.size() && columns[i + 1] == '`') {
          name.push_back('`');
          ++i;
        } else {
          ++i;  // the closing backtick
          break;
        }
      }
      // (Up to the next comma: anything else there is part of no name.)
      const size_t comma = columns.find(',', i);
      i = comma == absl::string_view::npos ? columns.size() : comma;
    } else {
      const size_t comma = columns.find(',', i);
      const size_t end =
          comma == absl::string_view::npos ? columns.size() : comma;
      name = std::string(columns.substr(i, end - i));
      i = end;
    }
    out.push_back(std::move(name));
    ++i;  // past the comma (or the end)
  }
  return out;
}

// Replaces the source's iteration key with the columns named in
// `columns` (KeyColumnNames), which must form one of its usable unique keys.
absl::Status OverrideKey(absl::string_view columns, TableSchema* s) {
  std::vector<int> want;
  for (const std::string& name : KeyColumnNames(columns)) {
    int idx = s->ColumnIndex(name);
    if (idx < 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("unique key column '", name, "' does not exist in ",
                       mysql::QuoteQualified(s->db, s->table)));
    }
    want.push_back(idx);
  }
  for (const UniqueKey& k : s->unique_keys) {
    if (k.columns == want) {
      s->key_name = k.name;
      s->key_columns = k.columns;
      return absl::OkStatus();
    }
  }
  return absl::FailedPreconditionError(absl::StrCat(
      "columns (", columns, ") of ", mysql::QuoteQualified(s->db, s->table),
      " are not a unique key the copy can iterate on (NOT NULL columns "
      "without prefixes, of types whose order it can resume in)"));
}

// The CAST type giving what a column of number type `col` stores from a
// value, as assigning it does; "" for other types, BIT and YEAR.
std::string NumberCastType(const ColumnInfo& col) {
  const std::string& t = col.data_type;
  if (OneOf(t, {"tinyint", "smallint", "mediumint", "int", "bigint"})) {
    return absl::StrContains(col.column_type, "unsigned") ? "UNSIGNED"
                                                          : "SIGNED";
  }
  if (t == "double" || t == "float") return absl::AsciiStrToUpper(t);
  if (t != "decimal") return "";
  absl::string_view ct = col.column_type;
  if (!absl::ConsumePrefix(&ct, "decimal(")) return "";
  const size_t end = ct.find(')');
  if (end == absl::string_view::npos) return "";
  const absl::string_view ps = ct.substr(0, end);
  for (char ch : ps) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(ch)) && ch != ',') {
      return "";
    }
  }
  return absl::StrCat("DECIMAL(", ps, ")");
}

bool IsTextOrBlob(const std::string& data_type) {
  return OneOf(data_type, {"tinytext", "text", "mediumtext", "longtext",
                           "tinyblob", "blob", "mediumblob", "longblob"});
}

// kFailedPrecondition, saying what to do, for a column whose values the
// binlog carries in a form Sidecut does not decode: MariaDB's COMPRESSED
// columns, and the fractional TIME, DATETIME and TIMESTAMP of MariaDB 5.3
// (a table made with mysql56_temporal_format=OFF, or from before 10.1).
absl::Status RequireDecodableColumns(const TableSchema& s) {
  for (const ColumnInfo& c : s.columns) {
    // MariaDB marks one "/*M!100301 COMPRESSED*/" (an ENUM's members may
    // say "compressed").
    const bool compressed =
        c.data_type != "enum" && c.data_type != "set" &&
        absl::StrContains(absl::AsciiStrToLower(c.column_type),
                          " compressed*/");
    const bool old_fraction = absl::StrContains(c.column_type, "mariadb-5.3") &&
                              absl::StrContains(c.column_type, "(") &&
                              !absl::StrContains(c.column_type, "(0)");
    if (!compressed && !old_fraction) continue;
    return absl::FailedPreconditionError(absl::StrCat(
        "column ", mysql::QuoteIdentifier(c.name), " of ",
        mysql::QuoteQualified(s.db, s.table), " is ", c.column_type,
        compressed ? ": the binlog carries a COMPRESSED column's values "
                     "compressed, which Sidecut does not decode"
                   : ": the binlog carries the fractional temporal values "
                     "of MariaDB 5.3's format in a form Sidecut does not "
                     "decode",
        "; change that column with a plain ALTER TABLE (or the mysql "
        "strategy) first",
        compressed ? ""
                   : " (any ALTER TABLE ... ALGORITHM=COPY rewrites it "
                     "in the current format)"));
  }
  return absl::OkStatus();
}

}  // namespace

std::string BinaryFormOf(const ColumnInfo& source, const ColumnInfo& target) {
  if (!OneOf(target.data_type, {"binary", "varbinary", "tinyblob", "blob",
                                "mediumblob", "longblob"})) {
    return "";
  }
  // Its value comes as its text ('::1', '123e4567-...'); a literal, even
  // CAST to the type, would store that text (measured on 10.11).
  std::string form;
  if (source.data_type == "inet6" || source.data_type == "inet4") {
    form = "INET6_ATON({v})";  // 16 bytes, 4 for an INET4
  } else if (source.data_type == "uuid") {
    form = "UNHEX(REPLACE({v}, '-', ''))";  // its in-memory order
  } else {
    return "";
  }
  // A BINARY(n) pads what it stores with zero bytes, and compares them: a
  // key compared unpadded matched nothing (an INET4 into BINARY(16)).
  const std::vector<int> args = TypeArgs(target.column_type);
  if (target.data_type == "binary" && !args.empty()) {
    form = absl::StrCat("CAST(", form, " AS BINARY(", args[0], "))");
  }
  return form;
}

std::string TextFormOf(const ColumnInfo& source) {
  const std::string& t = source.data_type;
  const bool zerofill = absl::StrContains(source.column_type, "zerofill");
  const std::vector<int> args = TypeArgs(source.column_type);
  if (t == "year") {
    // A YEAR(2) (tables from before MariaDB 10.2) shows two digits.
    return !args.empty() && args[0] == 2 ? "RIGHT(LPAD({v}, 4, '0'), 2)"
                                         : "LPAD({v}, 4, '0')";
  }
  if (t == "bit") {
    // Its bytes, big-endian, as many as its width takes.
    const int bytes = ((args.empty() ? 1 : args[0]) + 7) / 8;
    return absl::StrCat("UNHEX(LPAD(HEX({v}), ", 2 * bytes, ", '0'))");
  }
  std::string text;
  int width = 0;  // a ZEROFILL column's, padded to
  if (t == "float" || t == "double") {
    const std::string value =
        t == "float" ? "CAST({v} AS FLOAT)" : std::string("{v}");
    if (args.size() == 2) {
      // Fixed, with D decimals (FORMAT rounds a DOUBLE as the column
      // does, but groups the thousands).
      text = absl::StrCat("REPLACE(FORMAT(", value, ", ", args[1],
                          ", 'en_US'), ',', '')");
      width = args[0];
    } else {
      text = absl::StrCat("CONCAT(", value, ")");
      width = t == "float" ? 12 : 22;
    }
    if (!zerofill) return t == "float" || args.size() == 2 ? text : "";
  } else if (OneOf(t, {"tinyint", "smallint", "mediumint", "int", "bigint",
                       "decimal"})) {
    if (!zerofill || args.empty()) return "";
    text = "{v}";
    width = t == "decimal" && args.size() == 2 && args[1] > 0 ? args[0] + 1
                                                              : args[0];
  } else {
    return "";
  }
  return absl::StrCat("LPAD(", text, ", GREATEST(", width, ", CHAR_LENGTH(",
                      text, ")), '0')");
}

LiteralType LiteralTypeForColumn(const ColumnInfo& col,
                                 absl::string_view value_charset) {
  using K = LiteralType::Kind;
  const std::string& t = col.data_type;
  LiteralType lt;
  if (OneOf(t, {"tinyint", "smallint", "mediumint", "int", "bigint", "decimal",
                "float", "year"})) {
    lt.kind = K::kNumber;
  } else if (t == "double") {
    lt.kind = K::kDouble;
  } else if (t == "bit") {
    lt.kind = K::kBit;
  } else if (OneOf(t, {"binary", "varbinary", "tinyblob", "blob", "mediumblob",
                       "longblob", "geometry", "point", "linestring", "polygon",
                       "multipoint", "multilinestring", "multipolygon",
                       "geometrycollection"}) ||
             col.charset == "binary") {
    lt.kind = K::kBinary;
  } else if (OneOf(t, {"char", "varchar", "tinytext", "text", "mediumtext",
                       "longtext", "enum", "set", "json"})) {
    lt.kind = K::kText;
    lt.charset = std::string(value_charset);
  } else {
    lt.kind = K::kQuoted;
  }
  return lt;
}

std::string KeyLiteral(const absl::optional<std::string>& value,
                       const LiteralType& type, const ColumnInfo& col) {
  std::string lit = SqlLiteral(value, type);
  if (!value.has_value()) return lit;
  const std::string& t = col.data_type;
  if (t == "date") return absl::StrCat("CAST(", lit, " AS DATE)");
  if (t == "datetime" || t == "timestamp") {
    return absl::StrCat("CAST(", lit, " AS DATETIME(6))");
  }
  if (t == "time") return absl::StrCat("CAST(", lit, " AS TIME(6))");
  // Ordered as the type orders them (a UUID's segments swapped, INET4 by
  // number), not as their text: the copy iterates in that order.
  if (t == "uuid") return absl::StrCat("CAST(", lit, " AS UUID)");
  if (t == "inet6") return absl::StrCat("CAST(", lit, " AS INET6)");
  if (t == "inet4") return absl::StrCat("CAST(", lit, " AS INET4)");
  if (type.kind == LiteralType::Kind::kText && !col.collation.empty() &&
      col.charset != "binary") {
    return absl::StrCat("CONVERT(", lit, " USING ", col.charset, ") COLLATE ",
                        col.collation);
  }
  return lit;
}

bool KeyKeptAsBytes(const ColumnInfo& col) {
  return LiteralTypeForColumn(col, "").kind == LiteralType::Kind::kText &&
         !col.charset.empty() && col.charset != "binary" &&
         IsCharsetName(col.charset);
}

std::string KeyBytesExpr(const ColumnInfo& col, const std::string& expr) {
  if (!KeyKeptAsBytes(col)) return expr;
  return absl::StrCat("CAST(CONVERT(", expr, " USING ", col.charset,
                      ") AS BINARY)");
}

bool KeyIsOnlyUniqueIndex(const TablePlan& plan) {
  if (plan.target.unique_index_count != 1 ||
      plan.target.unique_keys.size() != 1) {
    return false;
  }
  std::set<std::string> key, only;
  for (int t : plan.target_key) key.insert(plan.target_columns[t]);
  for (int c : plan.target.unique_keys[0].columns) {
    only.insert(plan.target.columns[c].name);
  }
  return only == key;
}

bool TargetIndexInKeyOrder(const TablePlan& plan) {
  if (!KeyIsOnlyUniqueIndex(plan)) return false;
  const std::vector<int>& index = plan.target.unique_keys[0].columns;
  if (index.size() != plan.target_key.size()) return false;
  for (size_t i = 0; i < index.size(); ++i) {
    if (!absl::EqualsIgnoreCase(plan.target.columns[index[i]].name,
                                plan.target_columns[plan.target_key[i]])) {
      return false;
    }
  }
  return true;
}

bool ReplayIsIdempotent(const TablePlan& plan) {
  if (plan.where_expr.has_value() || !plan.where.empty()) return false;
  if (plan.source_key.empty() || !KeyIsOnlyUniqueIndex(plan)) return false;
  for (size_t i = 0; i < plan.source_key.size(); ++i) {
    const ColumnInfo& from = plan.source.columns[plan.source_key[i]];
    int t = plan.target.ColumnIndex(plan.target_columns[plan.target_key[i]]);
    if (t < 0) return false;
    const ColumnInfo& to = plan.target.columns[t];
    if (!absl::EqualsIgnoreCase(from.column_type, to.column_type) ||
        from.collation != to.collation) {
      return false;
    }
  }
  return true;
}

bool ConvertsIntoDates(const TablePlan& plan) {
  auto is_date = [](const ColumnInfo& c) {
    return OneOf(c.data_type, {"date", "datetime", "timestamp"});
  };
  for (size_t i = 0; i < plan.target_columns.size(); ++i) {
    const int t = plan.target.ColumnIndex(plan.target_columns[i]);
    if (t < 0 || !is_date(plan.target.columns[t])) continue;
    const int bare = plan.exprs[i].BareColumn();
    if (bare < 0 || !is_date(plan.source.columns[bare])) return true;
  }
  return false;
}

namespace {

// The copy relies on InnoDB: row and gap locks held to the commit (the
// locked chunk), consistent snapshots, and a target that rolls back a failed
// chunk with its position. Another engine could lose or duplicate rows.
// Nor may the `source` table be system-versioned (its history is not
// copied).
absl::Status RequireInnodb(mysql::Connection& conn, absl::string_view db,
                           absl::string_view table, bool source) {
  SC_ASSIGN_OR_RETURN(mysql::Result r,
                      conn.Execute(absl::StrCat(
                          "SELECT IFNULL(ENGINE, ''), TABLE_TYPE FROM "
                          "information_schema.TABLES WHERE TABLE_SCHEMA = ",
                          mysql::QuoteString(db),
                          " AND TABLE_NAME = ", mysql::QuoteString(table))));
  if (r.rows.empty()) return absl::OkStatus();  // reported by its loader
  // A copy reads a system-versioned table's current rows only: its history
  // would be lost (MariaDB's own ALTER refuses such a table by default).
  if (source && absl::EqualsIgnoreCase(r.rows[0].Get(1), "SYSTEM VERSIONED")) {
    return absl::FailedPreconditionError(absl::StrCat(
        "table ", mysql::QuoteQualified(db, table),
        " is system-versioned: a copy would keep only its current rows and "
        "lose its history; change it with a plain ALTER TABLE (the mysql "
        "strategy), with system_versioning_alter_history=KEEP"));
  }
  if (absl::EqualsIgnoreCase(r.rows[0].Get(0), "InnoDB")) {
    return absl::OkStatus();
  }
  return absl::FailedPreconditionError(absl::StrCat(
      "table ", mysql::QuoteQualified(db, table), " uses the ",
      r.rows[0].Get(0).empty() ? "(unknown)" : r.rows[0].Get(0),
      " engine: rows are copied and kept in sync only between InnoDB tables "
      "(the copy relies on InnoDB's row locks, snapshots and rollback); "
      "change its engine with a plain ALTER TABLE first"));
}

}  // namespace

absl::StatusOr<TablePlan> BuildTablePlan(mysql::Connection& conn,
                                         absl::string_view db,
                                         const binlogdata::Rule& rule) {
  if (absl::StartsWith(rule.match(), "/")) {
    return absl::UnimplementedError(
        absl::StrCat("rule '", rule.match(),
                     "': regular-expression rules are not supported; "
                     "name each table"));
  }
  SC_ASSIGN_OR_RETURN(FilterSpec spec,
                      ParseFilter(rule.match(), rule.filter()));
  TablePlan plan;
  plan.db = std::string(db);
  SC_ASSIGN_OR_RETURN(plan.source,
                      LoadTableSchema(conn, db, spec.source_table));
  if (!rule.source_unique_key_columns().empty()) {
    SC_RETURN_IF_ERROR(
        OverrideKey(rule.source_unique_key_columns(), &plan.source));
  }
  SC_RETURN_IF_ERROR(RequireKey(plan.source));
  SC_ASSIGN_OR_RETURN(plan.target, LoadTableSchema(conn, db, rule.match()));
  SC_RETURN_IF_ERROR(RequireInnodb(conn, db, spec.source_table, true));
  SC_RETURN_IF_ERROR(RequireDecodableColumns(plan.source));
  SC_RETURN_IF_ERROR(RequireInnodb(conn, db, rule.match(), false));
  std::vector<std::string> source_names;
  for (const ColumnInfo& c : plan.source.columns)
    source_names.push_back(c.name);
  auto add = [&](const std::string& target,
                 const std::string& expr) -> absl::Status {
    int ti = plan.target.ColumnIndex(target);
    if (ti < 0) {
      return absl::InvalidArgumentError(absl::StrCat(
          "rule for ", rule.match(), ": target column '", target,
          "' does not exist in ", mysql::QuoteQualified(db, rule.match())));
    }
    if (plan.target.columns[ti].generated) return absl::OkStatus();
    SC_ASSIGN_OR_RETURN(ExprTemplate t,
                        ExprTemplate::Parse(expr, source_names));
    const std::string cast = NumberCastType(plan.target.columns[ti]);
    plan.number_from.push_back(cast.empty() ? -1 : t.BareColumn());
    plan.number_cast.push_back(plan.number_from.back() < 0 ? "" : cast);
    const int bare = t.BareColumn();
    std::string form = bare < 0 ? std::string()
                                : BinaryFormOf(plan.source.columns[bare],
                                               plan.target.columns[ti]);
    if (form.empty() && bare >= 0 &&
        IsTextOrBlob(plan.target.columns[ti].data_type)) {
      form = TextFormOf(plan.source.columns[bare]);
    }
    plan.text_from.push_back(form.empty() ? -1 : bare);
    plan.text_form.push_back(form);
    plan.target_columns.push_back(plan.target.columns[ti].name);
    plan.select_exprs.push_back(expr);
    plan.exprs.push_back(std::move(t));
    return absl::OkStatus();
  };
  for (const SelectItem& item : spec.items) {
    if (item.star) {
      for (const ColumnInfo& c : plan.source.columns) {
        if (plan.target.ColumnIndex(c.name) < 0) continue;  // dropped column
        SC_RETURN_IF_ERROR(add(c.name, mysql::QuoteIdentifier(c.name)));
      }
      continue;
    }
    if (!item.column.empty() && plan.source.ColumnIndex(item.column) < 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("rule for ", rule.match(), ": column '", item.column,
                       "' does not exist in ",
                       mysql::QuoteQualified(db, spec.source_table)));
    }
    SC_RETURN_IF_ERROR(add(
        item.alias,
        item.column.empty() ? item.expr : mysql::QuoteIdentifier(item.column)));
  }
  if (!spec.where.empty()) {
    plan.where = spec.where;
    SC_ASSIGN_OR_RETURN(ExprTemplate w,
                        ExprTemplate::Parse(spec.where, source_names));
    plan.where_expr = std::move(w);
  }
  // The source key must reach the target through plain column references.
  for (int sk : plan.source.key_columns) {
    const std::string& name = plan.source.columns[sk].name;
    int found = -1;
    for (size_t i = 0; i < plan.exprs.size(); ++i) {
      std::vector<int> cols = plan.exprs[i].Columns();
      if (cols.size() == 1 && cols[0] == sk &&
          plan.select_exprs[i] == mysql::QuoteIdentifier(name)) {
        found = static_cast<int>(i);
        break;
      }
    }
    if (found < 0) {
      return absl::InvalidArgumentError(absl::StrCat(
          "rule for ", rule.match(), ": the filter must copy key column '",
          name, "' of ", mysql::QuoteQualified(db, spec.source_table),
          " unchanged (key ", plan.source.key_name, ")"));
    }
    plan.source_key.push_back(sk);
    plan.target_key.push_back(found);
  }
  return plan;
}

}  // namespace vreplication
}  // namespace sidecut
