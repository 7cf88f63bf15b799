#include "vreplication/row_applier.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "google/protobuf/text_format.h"
#include "mysql/column_types.h"
#include "mysql/quoting.h"
#include "mysql/vitess_rows.h"
#include "proto/query.pb.h"
#include "util/status_macros.h"
#include "vreplication/key_range.h"
#include "vreplication/table_schema.h"

namespace sidecut {
namespace vreplication {

using mysql::QuoteIdentifier;

namespace {

// What orders a key column's values: numbers as numbers (INT widened to
// BIGINT keeps their order), text by its collation, other types by type.
std::string KeyOrderOf(const ColumnInfo& col) {
  for (const char* number :
       {"tinyint", "smallint", "mediumint", "int", "bigint", "decimal"}) {
    if (col.data_type == number) return "number";
  }
  if (!col.collation.empty()) {
    // utf8_* is what MariaDB before 10.6 named utf8mb3_*.
    std::string collation = col.collation;
    if (absl::StartsWith(collation, "utf8_")) {
      collation.insert(4, "mb3");  // after "utf8"
    }
    return absl::StrCat("collation ", collation);
  }
  return col.data_type;
}
constexpr char kCopyCharset[] = "utf8mb4";  // the copy session's charset
}  // namespace

bool IsIntegerType(absl::string_view t) {
  return t == "tinyint" || t == "smallint" || t == "mediumint" || t == "int" ||
         t == "bigint";
}

std::string RowApplier::NumericContextLiteral(const mysql::TableMap& map,
                                              const mysql::Row& row, int col,
                                              absl::string_view cast) const {
  const absl::optional<std::string>& v = row.value(col);
  if (!v.has_value()) return "";
  const mysql::ColumnDef& def = map.columns[col];
  switch (def.type) {
    case mysql::kTypeDate:
    case mysql::kTypeNewdate:
    case mysql::kTypeTime:
    case mysql::kTypeTime2:
    case mysql::kTypeDatetime:
    case mysql::kTypeDatetime2:
    case mysql::kTypeTimestamp:
    case mysql::kTypeTimestamp2:
      return TemporalNumber(*v, cast == "SIGNED" || cast == "UNSIGNED");
    case mysql::kTypeEnum:
      return MemberNumber(*v, def.enum_values, /*set=*/false);
    case mysql::kTypeSet:
      return MemberNumber(*v, def.enum_values, /*set=*/true);
    default:
      return "";
  }
}

std::string RowApplier::BinlogLiteral(const mysql::TableMap& map,
                                      const mysql::Row& row, int col) const {
  const mysql::ColumnDef& def = map.columns[col];
  const ColumnInfo& info = plan_->source.columns[col];
  LiteralType lt;
  if (info.data_type == "uuid" || info.data_type == "inet6" ||
      info.data_type == "inet4") {
    lt.kind = LiteralType::Kind::kQuoted;
  } else {
    auto it = collations_->find(def.collation);
    std::string charset = it != collations_->end() ? it->second.charset
                          : info.charset.empty()   ? kCopyCharset
                                                   : info.charset;
    lt = LiteralTypeFor(def.type, def.collation, charset);
  }
  return SqlLiteral(row.value(col), lt);
}

namespace {

// Whether `v` starts with a date a CAST accepts (a month and day of the
// calendar): one stored under ALLOW_INVALID_DATES, a zero part or a zero
// date CAST makes NULL, and is left a string.
bool CalendarDate(absl::string_view v) {
  int y = 0, m = 0, d = 0;
  if (v.size() < 10 || v[4] != '-' || v[7] != '-' ||
      !absl::SimpleAtoi(v.substr(0, 4), &y) ||
      !absl::SimpleAtoi(v.substr(5, 2), &m) ||
      !absl::SimpleAtoi(v.substr(8, 2), &d)) {
    return false;
  }
  static const int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (y < 1 || m < 1 || m > 12 || d < 1) return false;
  const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return d <= kDays[m - 1] + (m == 2 && leap ? 1 : 0);
}

}  // namespace

std::string RowApplier::ExprLiteral(const mysql::TableMap& map,
                                    const mysql::Row& row, int col) const {
  std::string lit = BinlogLiteral(map, row, col);
  const ColumnInfo& info = plan_->source.columns[col];
  if (row.value(col).has_value() && !lit.empty() && lit[0] == '\'' &&
      (info.data_type == "time" || CalendarDate(lit.substr(1)))) {
    // A date or time: typed as the column is (with its fractional
    // digits), or the expression would see a string (compared as text,
    // added as its leading number, shown without the column's digits).
    const std::vector<int> args = TypeArgs(info.column_type);
    const std::string digits =
        args.empty() ? "" : absl::StrCat("(", args[0], ")");
    if (info.data_type == "date")
      return absl::StrCat("CAST(", lit, " AS DATE)");
    if (info.data_type == "datetime" || info.data_type == "timestamp") {
      return absl::StrCat("CAST(", lit, " AS DATETIME", digits, ")");
    }
    if (info.data_type == "time") {
      return absl::StrCat("CAST(", lit, " AS TIME", digits, ")");
    }
  }
  if (!row.value(col).has_value() || info.collation.empty() ||
      info.charset.empty() || info.charset == "binary" ||
      !absl::StartsWith(lit, "_")) {
    return lit;  // not a string introduced by its character set
  }
  // CONVERT ... USING gives the character set's default collation with the
  // derivation a column has (IMPLICIT); another collation needs COLLATE
  // (EXPLICIT: mixed with a column of a third collation the server may
  // refuse the expression, where a bare literal would quietly compare
  // wrongly).
  auto cached = default_collation_.find(col);
  if (cached == default_collation_.end()) {
    bool is_default = false;
    for (const auto& [id, c] : *collations_) {
      if (c.name == info.collation) {
        is_default = c.is_default;
        break;
      }
    }
    cached = default_collation_.emplace(col, is_default).first;
  }
  if (cached->second) {
    return absl::StrCat("CONVERT(", lit, " USING ", info.charset, ")");
  }
  return absl::StrCat("CONVERT(", lit, " USING ", info.charset, ") COLLATE ",
                      info.collation);
}

std::string RowApplier::LastPkLiteral(const LastPk& pk, size_t i) const {
  const ColumnInfo& col = plan_->source.columns[plan_->source_key[i]];
  const bool bytes = !pk.utf8mb4 && KeyKeptAsBytes(col);
  return KeyLiteral(
      pk.values[i],
      LiteralTypeForColumn(col, bytes ? col.charset : kCopyCharset), col);
}

std::string RowApplier::KeyValueExpr(size_t i, const std::string& expr) const {
  return KeyBytesExpr(plan_->source.columns[plan_->source_key[i]], expr);
}

absl::optional<bool> RowApplier::KeyAtOrBelow(const mysql::Row& row,
                                              const LastPk& lastpk) const {
  // Lexicographic comparison of the key tuple, integers only.
  for (size_t i = 0; i < plan_->source_key.size(); ++i) {
    const ColumnInfo& col = plan_->source.columns[plan_->source_key[i]];
    if (!IsIntegerType(col.data_type)) return absl::nullopt;
    const absl::optional<std::string>& a = row.value(plan_->source_key[i]);
    const absl::optional<std::string>& b = lastpk.values[i];
    if (!a.has_value() || !b.has_value()) return absl::nullopt;
    bool is_unsigned = col.column_type.find("unsigned") != std::string::npos;
    int cmp = 0;
    if (is_unsigned) {
      uint64_t x, y;
      if (!absl::SimpleAtoi(*a, &x) || !absl::SimpleAtoi(*b, &y))
        return absl::nullopt;
      cmp = x < y ? -1 : x > y ? 1 : 0;
    } else {
      int64_t x, y;
      if (!absl::SimpleAtoi(*a, &x) || !absl::SimpleAtoi(*b, &y))
        return absl::nullopt;
      cmp = x < y ? -1 : x > y ? 1 : 0;
    }
    if (cmp != 0) return cmp < 0;
  }
  return true;  // equal
}

std::string RowApplier::KeyCondition(const mysql::TableMap& map,
                                     const mysql::Row& row,
                                     const LastPk& lastpk) const {
  std::vector<std::string> left, right;
  for (size_t i = 0; i < plan_->source_key.size(); ++i) {
    int c = plan_->source_key[i];
    const ColumnInfo& col = plan_->source.columns[c];
    auto it = collations_->find(map.columns[c].collation);
    std::string charset =
        it != collations_->end() ? it->second.charset : col.charset;
    left.push_back(
        KeyLiteral(row.value(c), LiteralTypeForColumn(col, charset), col));
    right.push_back(LastPkLiteral(lastpk, i));
  }
  return absl::StrCat("(", absl::StrJoin(left, ", "), ") <= (",
                      absl::StrJoin(right, ", "), ")");
}

std::string RowApplier::Condition(const mysql::TableMap& map,
                                  const mysql::Row& row,
                                  const LastPk* lastpk) const {
  std::vector<std::string> conds;
  if (plan_->where_expr.has_value()) {
    conds.push_back(absl::StrCat("(", plan_->where_expr->Render([&](int c) {
      return ExprLiteral(map, row, c);
    }),
                                 ")"));
  }
  if (lastpk != nullptr) conds.push_back(KeyCondition(map, row, *lastpk));
  return absl::StrJoin(conds, " AND ");
}

absl::Status RowApplier::Statements(const mysql::TableMap& map,
                                    const mysql::RowChange& change,
                                    const LastPk* lastpk,
                                    std::vector<std::string>* out) const {
  SC_RETURN_IF_ERROR(CheckColumnCount(map));
  const std::string target =
      mysql::QuoteQualified(plan_->db, plan_->target.table);
  auto values = [&](const mysql::Row& row) { return TargetValues(map, row); };
  auto key_match = [&](const mysql::Row& row) {
    std::vector<std::string> key = KeyLiterals(map, row), eq;
    for (size_t i = 0; i < key.size(); ++i) {
      eq.push_back(absl::StrCat(
          QuoteIdentifier(plan_->target_columns[plan_->target_key[i]]), " = ",
          key[i]));
    }
    return absl::StrJoin(eq, " AND ");
  };
  std::vector<std::string> cols;
  for (const std::string& c : plan_->target_columns)
    cols.push_back(QuoteIdentifier(c));
  const std::string col_list = absl::StrJoin(cols, ", ");
  // For each image: is its key <= lastpk? true/false when known locally,
  // nullopt when the server must decide (condition in the statement).
  auto in_range = [&](const mysql::Row& row) -> absl::optional<bool> {
    if (lastpk == nullptr) return true;
    return KeyAtOrBelow(row, *lastpk);
  };
  auto condition = [&](const mysql::Row& row, absl::optional<bool> in) {
    return Condition(map, row, in.has_value() ? nullptr : lastpk);
  };
  // Idempotent plans upsert: a row the target already has (the key is its
  // only unique index) takes the image's values, other columns kept.
  std::string upsert;
  if (plan_->idempotent) {
    std::vector<std::string> sets;
    for (const std::string& c : cols) {
      sets.push_back(absl::StrCat(c, " = VALUES(", c, ")"));
    }
    upsert =
        absl::StrCat(" ON DUPLICATE KEY UPDATE ", absl::StrJoin(sets, ", "));
  }
  auto insert = [&](const mysql::Row& row, absl::optional<bool> in) {
    std::string cond = condition(row, in);
    if (cond.empty()) {
      return absl::StrCat("INSERT INTO ", target, " (", col_list, ") VALUES (",
                          absl::StrJoin(values(row), ", "), ")", upsert);
    }
    return absl::StrCat("INSERT INTO ", target, " (", col_list, ") SELECT ",
                        absl::StrJoin(values(row), ", "), " FROM DUAL WHERE ",
                        cond, upsert);
  };
  auto remove = [&](const mysql::Row& row, absl::optional<bool> in) {
    std::string cond = condition(row, in);
    return absl::StrCat("DELETE FROM ", target, " WHERE ", key_match(row),
                        cond.empty() ? "" : " AND ", cond);
  };
  // The row of the before image's key set to the after image.
  auto update = [&](const mysql::RowChange& c, absl::string_view verb) {
    std::vector<std::string> v = values(*c.after), sets;
    for (size_t i = 0; i < v.size(); ++i) {
      sets.push_back(absl::StrCat(cols[i], " = ", v[i]));
    }
    return absl::StrCat(verb, target, " SET ", absl::StrJoin(sets, ", "),
                        " WHERE ", key_match(*c.before));
  };
  absl::optional<bool> before_in, after_in;
  if (change.before.has_value()) before_in = in_range(*change.before);
  if (change.after.has_value()) after_in = in_range(*change.after);
  bool before_skip =
      change.before.has_value() && before_in.has_value() && !*before_in;
  bool after_skip =
      change.after.has_value() && after_in.has_value() && !*after_in;
  if (change.before.has_value() && change.after.has_value()) {
    if (plan_->idempotent) {
      // The upsert of the after image. A key update first moves the old row
      // (carrying the columns the plan does not feed) unless the new key is
      // there already (a replayed change), then drops what is left of it.
      if (!before_skip &&
          KeyLiterals(map, *change.before) != KeyLiterals(map, *change.after)) {
        if (!after_skip && before_in == absl::optional<bool>(true) &&
            after_in == absl::optional<bool>(true)) {
          out->push_back(update(change, "UPDATE IGNORE "));
        }
        // Never the row of the new key: under the key's collation the old
        // key may match it ('abc' -> 'ABC'), and deleting it would fire
        // the foreign keys referencing it (a cascade, or a refusal).
        out->push_back(absl::StrCat(remove(*change.before, before_in),
                                    " AND NOT (", key_match(*change.after),
                                    ")"));
      }
      if (!after_skip) out->push_back(insert(*change.after, after_in));
    } else if ((before_in == absl::optional<bool>(true) &&
                after_in == absl::optional<bool>(true)) ||
               (!before_in.has_value() && lastpk != nullptr &&
                KeyLiterals(map, *change.before) ==
                    KeyLiterals(map, *change.after))) {
      // An UPDATE, as the source updated the row: a DELETE and an INSERT
      // would fire the foreign keys referencing it (a cascade, or a
      // refusal). Where the copy's range cannot be decided here (a key not
      // of integers, during the copy) and the key is kept, only a row
      // copied already is updated; the copy takes one not yet copied as it
      // is then.
      const std::string range =
          before_in.has_value()
              ? ""
              : absl::StrCat(" AND ",
                             KeyCondition(map, *change.before, *lastpk));
      if (!plan_->where_expr.has_value()) {
        out->push_back(absl::StrCat(update(change, "UPDATE "), range));
      } else {
        // Filtered: an UPDATE where both images match the filter, as the
        // source updated the row (a DELETE and an INSERT would fire the
        // foreign keys referencing it: a cascade, or a refusal); a DELETE
        // where it leaves it, an INSERT where it enters it. The filter's
        // values are the images' literals, so one applies at most.
        const std::string matched = absl::StrCat(
            "(", Condition(map, *change.before, nullptr), ") IS TRUE");
        const std::string matches = absl::StrCat(
            "(", Condition(map, *change.after, nullptr), ") IS TRUE");
        out->push_back(absl::StrCat(update(change, "UPDATE "), " AND ", matched,
                                    " AND ", matches, range));
        out->push_back(absl::StrCat("DELETE FROM ", target, " WHERE ",
                                    key_match(*change.before), " AND ", matched,
                                    " AND NOT ", matches, range));
        out->push_back(absl::StrCat(
            "INSERT INTO ", target, " (", col_list, ") SELECT ",
            absl::StrJoin(values(*change.after), ", "), " FROM DUAL WHERE ",
            matches, " AND NOT ", matched, range));
      }
    } else {
      if (!before_skip) out->push_back(remove(*change.before, before_in));
      if (!after_skip) out->push_back(insert(*change.after, after_in));
    }
  } else if (change.after.has_value()) {
    if (!after_skip) out->push_back(insert(*change.after, after_in));
  } else if (change.before.has_value()) {
    if (!before_skip) out->push_back(remove(*change.before, before_in));
  }
  return absl::OkStatus();
}

absl::Status RowApplier::CheckColumnCount(const mysql::TableMap& map) const {
  if (map.columns.size() == plan_->source.columns.size()) {
    return absl::OkStatus();
  }
  return absl::FailedPreconditionError(absl::StrCat(
      "binlog row of ", map.database, ".", map.table, " has ",
      map.columns.size(), " columns but the table has ",
      plan_->source.columns.size(), ": its schema changed under the stream"));
}

absl::Status RowApplier::CheckColumns(const mysql::TableMap& map) const {
  SC_RETURN_IF_ERROR(CheckColumnCount(map));
  // Values are taken by position: with the column names in the binlog
  // (binlog_row_metadata=FULL), a row written before the columns were
  // reordered (a logged name at another position of the table) is an
  // error, not values in the wrong columns. A renamed column keeps its
  // position: its values still apply.
  const auto& planned = plan_->source.columns;
  for (size_t i = 0; i < map.columns.size(); ++i) {
    const std::string& logged = map.columns[i].name;
    if (logged.empty() || absl::EqualsIgnoreCase(logged, planned[i].name)) {
      continue;
    }
    for (size_t j = 0; j < planned.size(); ++j) {
      if (j != i && absl::EqualsIgnoreCase(logged, planned[j].name)) {
        return absl::FailedPreconditionError(absl::StrCat(
            "binlog row of ", map.database, ".", map.table, " has column ",
            mysql::QuoteIdentifier(logged), " at position ", i + 1,
            " where the table now has it at ", j + 1,
            ": its schema changed under the stream"));
      }
    }
  }
  return absl::OkStatus();
}

std::vector<std::string> RowApplier::TargetValues(const mysql::TableMap& map,
                                                  const mysql::Row& row) const {
  std::vector<std::string> v;
  for (size_t i = 0; i < plan_->exprs.size(); ++i) {
    if (i < plan_->number_from.size() && plan_->number_from[i] >= 0) {
      std::string lit = NumericContextLiteral(map, row, plan_->number_from[i],
                                              plan_->number_cast[i]);
      if (!lit.empty()) {
        v.push_back(std::move(lit));
        continue;
      }
    }
    if (i < plan_->text_from.size() && plan_->text_from[i] >= 0) {
      // As the copy stores it (TextFormOf).
      v.push_back(absl::StrReplaceAll(
          plan_->text_form[i],
          {{"{v}", BinlogLiteral(map, row, plan_->text_from[i])}}));
      continue;
    }
    // A bare column is stored as it comes; in an expression it compares
    // in its collation.
    const bool bare = plan_->exprs[i].BareColumn() >= 0;
    v.push_back(plan_->exprs[i].Render([&](int c) {
      return bare ? BinlogLiteral(map, row, c) : ExprLiteral(map, row, c);
    }));
  }
  return v;
}

std::vector<std::string> RowApplier::KeyLiterals(const mysql::TableMap& map,
                                                 const mysql::Row& row) const {
  std::vector<std::string> k;
  for (size_t i = 0; i < plan_->source_key.size(); ++i) {
    const int c = plan_->source_key[i];
    const size_t t = i < plan_->target_key.size() ? plan_->target_key[i] : 0;
    if (t < plan_->number_from.size() && plan_->number_from[t] == c) {
      const std::string& as = plan_->number_cast[t];
      std::string lit = NumericContextLiteral(map, row, c, as);
      // Compared as the number stored from it (a DECIMAL(20,1) holds
      // ...05.6 from ...05.57).
      if (!lit.empty()) {
        k.push_back(absl::StrCat("CAST(", lit, " AS ", as, ")"));
        continue;
      }
    }
    if (t < plan_->text_from.size() && plan_->text_from[t] == c) {
      // Compared as what the copy stores from it (a UUID's bytes).
      k.push_back(absl::StrReplaceAll(plan_->text_form[t],
                                      {{"{v}", BinlogLiteral(map, row, c)}}));
      continue;
    }
    k.push_back(BinlogLiteral(map, row, c));
  }
  return k;
}

std::vector<std::string> RowApplier::QuotedSourceKey() const {
  std::vector<std::string> keys;
  for (int k : plan_->source_key) {
    keys.push_back(QuoteIdentifier(plan_->source.columns[k].name));
  }
  return keys;
}

std::vector<std::string> RowApplier::LastPkLiterals(const LastPk& pk) const {
  std::vector<std::string> lits;
  for (size_t i = 0; i < plan_->source_key.size(); ++i) {
    lits.push_back(LastPkLiteral(pk, i));
  }
  return lits;
}

std::string RowApplier::KeyAfter(const std::vector<std::string>& keys,
                                 const LastPk& lastpk) const {
  return KeyAfterCondition(keys, LastPkLiterals(lastpk));
}

std::string RowApplier::CopyFromClause(const LastPk* lastpk, const LastPk* to,
                                       bool ordered) const {
  std::vector<std::string> keys = QuotedSourceKey();
  std::vector<std::string> conds;
  if (lastpk != nullptr) conds.push_back(KeyAfter(keys, *lastpk));
  if (to != nullptr) {
    conds.push_back(KeyAtOrBeforeCondition(keys, LastPkLiterals(*to)));
  }
  if (!plan_->where.empty())
    conds.push_back(absl::StrCat("(", plan_->where, ")"));
  const std::string source =
      mysql::QuoteQualified(plan_->db, plan_->source.table);
  // Ordered by the key columns qualified: ORDER BY takes a bare name for
  // a select list's alias first (a derived table over this clause may
  // name its expressions like a key column).
  std::vector<std::string> order;
  for (const std::string& k : keys)
    order.push_back(absl::StrCat(source, ".", k));
  return absl::StrCat(
      " FROM ", source, conds.empty() ? "" : " WHERE ",
      absl::StrJoin(conds, " AND "),
      ordered ? absl::StrCat(" ORDER BY ", absl::StrJoin(order, ", ")) : "");
}

std::string RowApplier::CopyQuery(const LastPk* lastpk) const {
  std::vector<std::string> select = plan_->select_exprs;
  // A FLOAT reaches the client as text of 6 digits (1234567 as 1234570):
  // as a DOUBLE it is exact, and what INSERT ... SELECT would store.
  for (std::string& e : select) {
    for (const ColumnInfo& c : plan_->source.columns) {
      if (c.data_type == "float" && e == mysql::QuoteIdentifier(c.name)) {
        e = absl::StrCat("CAST(", e, " AS DOUBLE)");
        break;
      }
    }
  }
  std::vector<std::string> keys = QuotedSourceKey();
  for (size_t i = 0; i < keys.size(); ++i) {
    select.push_back(KeyValueExpr(i, keys[i]));
  }
  return absl::StrCat("SELECT ", absl::StrJoin(select, ", "),
                      CopyFromClause(lastpk));
}

std::string RowApplier::ServerCopyInsertHead() const {
  std::vector<std::string> cols;
  for (const std::string& c : plan_->target_columns)
    cols.push_back(QuoteIdentifier(c));
  return absl::StrCat(
      plan_->copy_unchecked ? "SET STATEMENT foreign_key_checks = 0 FOR " : "",
      "INSERT INTO ", mysql::QuoteQualified(plan_->db, plan_->target.table),
      " (", absl::StrJoin(cols, ", "), ") SELECT ",
      absl::StrJoin(plan_->select_exprs, ", "));
}

std::string RowApplier::ServerCopyInsert(const LastPk* lastpk, size_t limit,
                                         bool locking) const {
  return absl::StrCat(ServerCopyInsertHead(), CopyFromClause(lastpk), " LIMIT ",
                      limit, locking ? " LOCK IN SHARE MODE" : "");
}

std::string RowApplier::ServerCopyRangeInsert(const LastPk* from,
                                              const LastPk* to) const {
  return absl::StrCat(ServerCopyInsertHead(), CopyFromClause(from, to),
                      " LOCK IN SHARE MODE");
}

std::string RowApplier::ServerCopyKeyQuery(const LastPk* lastpk, size_t offset,
                                           bool locking) const {
  std::vector<std::string> keys = QuotedSourceKey();
  for (size_t i = 0; i < keys.size(); ++i) keys[i] = KeyValueExpr(i, keys[i]);
  return absl::StrCat("SELECT ", absl::StrJoin(keys, ", "),
                      CopyFromClause(lastpk), " LIMIT 1 OFFSET ", offset,
                      locking ? " LOCK IN SHARE MODE" : "");
}

std::string RowApplier::TargetKeyRange(const LastPk* from,
                                       const LastPk* to) const {
  std::vector<std::string> keys;
  for (int k : plan_->target_key) {
    keys.push_back(QuoteIdentifier(plan_->target_columns[k]));
  }
  std::vector<std::string> conds;
  if (from != nullptr) conds.push_back(KeyAfter(keys, *from));
  if (to != nullptr) {
    conds.push_back(KeyAtOrBeforeCondition(keys, LastPkLiterals(*to)));
  }
  return conds.empty() ? "TRUE" : absl::StrJoin(conds, " AND ");
}

std::string RowApplier::TargetLastKeyQuery(const LastPk* lastpk) const {
  std::vector<std::string> keys, desc, values;
  for (size_t i = 0; i < plan_->target_key.size(); ++i) {
    std::string k =
        QuoteIdentifier(plan_->target_columns[plan_->target_key[i]]);
    desc.push_back(absl::StrCat(k, " DESC"));
    values.push_back(KeyValueExpr(i, k));
    keys.push_back(std::move(k));
  }
  return absl::StrCat(
      "SELECT ", absl::StrJoin(values, ", "), " FROM ",
      mysql::QuoteQualified(plan_->db, plan_->target.table),
      lastpk == nullptr ? "" : absl::StrCat(" WHERE ", KeyAfter(keys, *lastpk)),
      " ORDER BY ", absl::StrJoin(desc, ", "), " LIMIT 1");
}

LastPk RowApplier::KeyOfKeyRow(const mysql::Row& row) const {
  LastPk pk;
  for (size_t i = 0; i < plan_->source_key.size(); ++i) {
    pk.values.push_back(row.value(i));
  }
  return pk;
}

std::string RowApplier::CopyInsert(const std::vector<mysql::Field>& fields,
                                   const std::vector<mysql::Row>& rows) const {
  std::vector<std::string> cols;
  for (const std::string& c : plan_->target_columns)
    cols.push_back(QuoteIdentifier(c));
  std::vector<LiteralType> types;
  for (size_t i = 0; i < plan_->target_columns.size(); ++i) {
    auto it = collations_->find(fields[i].charsetnr);
    types.push_back(LiteralTypeFor(
        static_cast<uint8_t>(fields[i].type), fields[i].charsetnr,
        it != collations_->end() ? it->second.charset : kCopyCharset));
  }
  std::string sql = absl::StrCat(
      "INSERT INTO ", mysql::QuoteQualified(plan_->db, plan_->target.table),
      " (", absl::StrJoin(cols, ", "), ") VALUES ");
  for (size_t r = 0; r < rows.size(); ++r) {
    if (r > 0) sql += ", ";
    sql += "(";
    for (size_t i = 0; i < types.size(); ++i) {
      if (i > 0) sql += ", ";
      std::string lit = SqlLiteral(rows[r].value(i), types[i]);
      if (i < plan_->text_from.size() && plan_->text_from[i] >= 0) {
        // As the server's copy stores it (TextFormOf).
        lit = absl::StrReplaceAll(plan_->text_form[i], {{"{v}", lit}});
      }
      sql += lit;
    }
    sql += ")";
  }
  return sql;
}

LastPk RowApplier::KeyOfCopiedRow(const mysql::Row& row) const {
  LastPk pk;
  size_t base = plan_->target_columns.size();
  for (size_t i = 0; i < plan_->source_key.size(); ++i) {
    pk.values.push_back(row.value(base + i));
  }
  return pk;
}

std::string RowApplier::EncodeLastPk(const LastPk& pk) const {
  query::QueryResult qr;
  for (size_t i = 0; i < plan_->source_key.size(); ++i) {
    const ColumnInfo& col = plan_->source.columns[plan_->source_key[i]];
    query::Field* f = qr.add_fields();
    f->set_name(col.name);
    // What orders it: a resumed copy whose key column changed type or
    // collation (a DDL the workflow ignored) would compare in another order.
    f->set_column_type(KeyOrderOf(col));
    // Bytes in the column's own set; a lastpk saved without this marker
    // holds them as read through utf8mb4.
    if (KeyKeptAsBytes(col) && !pk.utf8mb4)
      f->set_charset(mysql::kBinaryCollation);
  }
  *qr.add_rows() = mysql::ToVitessRow(mysql::Row(pk.values));
  std::string text;
  google::protobuf::TextFormat::Printer printer;
  printer.SetSingleLineMode(true);
  printer.PrintToString(qr, &text);
  return text;
}

absl::StatusOr<LastPk> RowApplier::DecodeLastPk(absl::string_view text) const {
  query::QueryResult qr;
  if (!google::protobuf::TextFormat::ParseFromString(std::string(text), &qr) ||
      qr.rows_size() != 1 ||
      static_cast<size_t>(qr.rows(0).lengths_size()) !=
          plan_->source_key.size()) {
    return absl::DataLossError(absl::StrCat("copy_state lastpk for ",
                                            plan_->target.table,
                                            " is unreadable: ", text));
  }
  // Saved while the copy went by another key (the table's keys changed, or
  // which of them can be iterated on): its values mean nothing in this one.
  std::vector<std::string> saved, now;
  for (const query::Field& f : qr.fields()) saved.push_back(f.name());
  for (int k : plan_->source_key) now.push_back(plan_->source.columns[k].name);
  bool same = saved.empty() || saved.size() == now.size();
  for (size_t i = 0; same && i < saved.size(); ++i) {
    same = absl::EqualsIgnoreCase(saved[i], now[i]);
  }
  if (!same) {
    return absl::FailedPreconditionError(absl::StrCat(
        "the copy of ", plan_->target.table, " stopped after key (",
        absl::StrJoin(saved, ", "), ") but now goes by (",
        absl::StrJoin(now, ", "),
        "): it cannot resume; copy the table again (a new workflow)"));
  }
  // Saved with the key columns' order (earlier lastpks lack it): rows
  // sorting below the saved key in a new order were never copied.
  for (int i = 0; i < qr.fields_size() && i < static_cast<int>(now.size());
       ++i) {
    const std::string& was = qr.fields(i).column_type();
    const std::string is =
        KeyOrderOf(plan_->source.columns[plan_->source_key[i]]);
    if (!was.empty() && was != is) {
      return absl::FailedPreconditionError(absl::StrCat(
          "the copy of ", plan_->target.table, " stopped after key column ",
          now[i], " ordered as ", was, ", now ", is,
          ": rows may sort on either side of where it stopped; copy the "
          "table again (a new workflow)"));
    }
  }
  LastPk pk;
  pk.values = mysql::FromVitessRow(qr.rows(0)).values();
  for (int i = 0; i < qr.fields_size() && i < qr.rows(0).lengths_size(); ++i) {
    const ColumnInfo& col = plan_->source.columns[plan_->source_key[i]];
    if (KeyKeptAsBytes(col) &&
        qr.fields(i).charset() != mysql::kBinaryCollation) {
      pk.utf8mb4 = true;
    }
  }
  return pk;
}

}  // namespace vreplication
}  // namespace sidecut
