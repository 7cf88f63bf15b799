#include "vreplication/copy_verify.h"

#include <algorithm>
#include <set>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "mysql/quoting.h"
#include "util/status_macros.h"
#include "vreplication/row_applier.h"

namespace sidecut {
namespace vreplication {
namespace {

using mysql::QuoteIdentifier;

constexpr size_t kMaxExamples = 5;

const ColumnInfo* FindColumn(const TableSchema& t, absl::string_view name) {
  for (const ColumnInfo& c : t.columns) {
    if (c.name == name) return &c;
  }
  return nullptr;
}

bool IsText(absl::string_view t) {
  return t == "varchar" || t == "tinytext" || t == "text" ||
         t == "mediumtext" || t == "longtext";
}

bool IsBinaryString(absl::string_view t) {
  return t == "varbinary" || t == "tinyblob" || t == "blob" ||
         t == "mediumblob" || t == "longblob";
}

std::string SourceAlias(size_t i) { return absl::StrCat("`c", i, "`"); }

// Whether some unique key of the target lies within the key's columns.
bool KeyIsUniqueInTarget(const TablePlan& plan) {
  std::set<std::string> key;
  for (int k : plan.target_key) key.insert(plan.target_columns[k]);
  for (const UniqueKey& u : plan.target.unique_keys) {
    bool within = !u.columns.empty();
    for (int c : u.columns) {
      within = within && key.count(plan.target.columns[c].name) > 0;
    }
    if (within) return true;
  }
  return false;
}

absl::StatusOr<int64_t> Count(mysql::Connection& conn, const std::string& sql) {
  SC_ASSIGN_OR_RETURN(std::string value, mysql::QueryValue(conn, sql));
  int64_t n = 0;
  if (!absl::SimpleAtoi(value, &n)) {
    return absl::InternalError(absl::StrCat("verify: not a count: ", sql));
  }
  return n;
}

std::string Example(const mysql::Row& row) {
  std::vector<std::string> values;
  for (size_t i = 0; i < row.size(); ++i) {
    values.push_back(row.IsNull(i) ? "NULL" : mysql::QuoteString(row.Get(i)));
  }
  return absl::StrCat("(", absl::StrJoin(values, ", "), ")");
}

}  // namespace

bool KeyRangesMatch(const TablePlan& plan) {
  for (size_t i = 0; i < plan.target_key.size(); ++i) {
    const ColumnInfo& source = plan.source.columns[plan.source_key[i]];
    const ColumnInfo* target =
        FindColumn(plan.target, plan.target_columns[plan.target_key[i]]);
    if (target == nullptr || source.column_type != target->column_type ||
        source.charset != target->charset ||
        source.collation != target->collation) {
      return false;
    }
  }
  return true;
}

std::string ColumnDiffers(const TablePlan& plan, size_t i) {
  const ColumnInfo* source = nullptr;
  for (const ColumnInfo& c : plan.source.columns) {
    if (QuoteIdentifier(c.name) == plan.select_exprs[i]) source = &c;
  }
  const ColumnInfo* target = FindColumn(plan.target, plan.target_columns[i]);
  if (source == nullptr || target == nullptr) return "";
  const std::string d = absl::StrCat("d.", QuoteIdentifier(target->name));
  const std::string s = absl::StrCat("s.", SourceAlias(i));
  const std::string plain = absl::StrCat("NOT (", d, " <=> ", s, ")");
  // Characters byte for byte (a collation may call 'a' and 'A' equal).
  const std::string bytes =
      absl::StrCat("NOT (CAST(", d, " AS BINARY) <=> CAST(", s, " AS BINARY))");
  const bool same_charset = source->charset == target->charset;
  if (source->column_type == target->column_type && same_charset &&
      source->collation == target->collation) {
    return source->charset.empty() ? plain : bytes;
  }
  if (IsIntegerType(source->data_type) && IsIntegerType(target->data_type)) {
    return plain;
  }
  if (!source->charset.empty() && same_charset && IsText(source->data_type) &&
      IsText(target->data_type)) {
    return bytes;
  }
  if (IsBinaryString(source->data_type) && IsBinaryString(target->data_type)) {
    return plain;
  }
  return "";
}

std::string CopyVerifyResult::Summary() const {
  std::string out =
      absl::StrCat(source_rows, " rows, ", compared.size(), " of ",
                   compared.size() + skipped.size(), " columns compared");
  if (!skipped.empty()) {
    std::vector<std::string> names;
    for (const std::string& c : skipped) names.push_back(QuoteIdentifier(c));
    absl::StrAppend(&out, " (not ", absl::StrJoin(names, ", "),
                    ": filled by an expression or stored as another type)");
  }
  if (ok()) return out;
  std::vector<std::string> wrong;
  if (missing > 0) wrong.push_back(absl::StrCat(missing, " missing"));
  if (differing > 0) wrong.push_back(absl::StrCat(differing, " differing"));
  if (extra() != 0) wrong.push_back(absl::StrCat(extra(), " extra"));
  absl::StrAppend(&out, ": ", absl::StrJoin(wrong, ", "),
                  examples.empty() ? "" : " (keys ",
                  absl::StrJoin(examples, ", "), examples.empty() ? "" : ")");
  return out;
}

absl::StatusOr<CopyVerifyResult> VerifyCopy(
    mysql::Connection& conn, const TablePlan& plan,
    const CollationMap* collations, size_t chunk_rows,
    const std::function<absl::Status(int64_t)>& on_chunk) {
  if (!KeyIsUniqueInTarget(plan)) {
    return absl::FailedPreconditionError(absl::StrCat(
        "cannot verify the copy into ",
        mysql::QuoteQualified(plan.db, plan.target.table),
        ": no unique key of it lies within the columns it is copied by"));
  }
  CopyVerifyResult result;
  std::vector<std::string> select, differs;
  for (size_t i = 0; i < plan.target_columns.size(); ++i) {
    select.push_back(
        absl::StrCat(plan.select_exprs[i], " AS ", SourceAlias(i)));
    std::string cond = ColumnDiffers(plan, i);
    (cond.empty() ? result.skipped : result.compared)
        .push_back(plan.target_columns[i]);
    if (!cond.empty()) differs.push_back(std::move(cond));
  }
  std::vector<std::string> join, key_out;
  for (int k : plan.target_key) {
    join.push_back(absl::StrCat("d.", QuoteIdentifier(plan.target_columns[k]),
                                " = s.", SourceAlias(k)));
    key_out.push_back(absl::StrCat("s.", SourceAlias(k)));
  }
  const std::string first_key = absl::StrCat(
      "d.", QuoteIdentifier(plan.target_columns[plan.target_key[0]]));
  const std::string differ =
      differs.empty() ? "FALSE" : absl::StrJoin(differs, " OR ");
  RowApplier applier(&plan, collations);
  auto from_join = [&](const LastPk* from, const LastPk* to) {
    return absl::StrCat(" FROM (SELECT ", absl::StrJoin(select, ", "),
                        applier.CopyFromClause(from, to), ") AS s LEFT JOIN ",
                        mysql::QuoteQualified(plan.db, plan.target.table),
                        " AS d ON ", absl::StrJoin(join, " AND "));
  };
  const bool ranges = KeyRangesMatch(plan);
  const std::string target = mysql::QuoteQualified(plan.db, plan.target.table);
  chunk_rows = std::max<size_t>(chunk_rows, 1);
  absl::optional<LastPk> from;
  while (true) {
    const LastPk* after = from.has_value() ? &*from : nullptr;
    SC_ASSIGN_OR_RETURN(
        mysql::Result end,
        conn.Execute(applier.ServerCopyKeyQuery(after, chunk_rows - 1,
                                                /*locking=*/false)));
    absl::optional<LastPk> to;
    if (!end.rows.empty()) to = applier.KeyOfKeyRow(end.rows[0]);
    const LastPk* upto = to.has_value() ? &*to : nullptr;
    SC_ASSIGN_OR_RETURN(
        mysql::Result counts,
        conn.Execute(absl::StrCat(
            "SELECT COUNT(*), COUNT(", first_key, "), IFNULL(SUM(", first_key,
            " IS NOT NULL AND (", differ, ")), 0)", from_join(after, upto))));
    if (counts.rows.size() != 1) {
      return absl::InternalError("verify: no counts returned");
    }
    SC_ASSIGN_OR_RETURN(int64_t rows, counts.rows[0].GetInt64(0));
    SC_ASSIGN_OR_RETURN(int64_t matched, counts.rows[0].GetInt64(1));
    SC_ASSIGN_OR_RETURN(int64_t differing, counts.rows[0].GetInt64(2));
    result.source_rows += rows;
    result.missing += rows - matched;
    result.differing += differing;
    if ((rows != matched || differing > 0) &&
        result.examples.size() < kMaxExamples) {
      SC_ASSIGN_OR_RETURN(
          mysql::Result keys,
          conn.Execute(absl::StrCat(
              "SELECT ", absl::StrJoin(key_out, ", "), from_join(after, upto),
              " WHERE ", first_key, " IS NULL OR (", differ, ") LIMIT ",
              kMaxExamples - result.examples.size())));
      for (const mysql::Row& r : keys.rows) {
        result.examples.push_back(Example(r));
      }
    }
    if (ranges) {
      // The target rows of the chunk's key range (the first and last
      // chunks are open-ended: every target row is in one range).
      SC_ASSIGN_OR_RETURN(
          int64_t n,
          Count(conn, absl::StrCat("SELECT COUNT(*) FROM ", target, " WHERE ",
                                   applier.TargetKeyRange(after, upto))));
      result.target_rows += n;
    }
    if (on_chunk) SC_RETURN_IF_ERROR(on_chunk(result.source_rows));
    if (!to.has_value()) break;
    from = std::move(to);
  }
  if (!ranges) {
    SC_ASSIGN_OR_RETURN(
        result.target_rows,
        Count(conn, absl::StrCat("SELECT COUNT(*) FROM ", target)));
  }
  return result;
}

}  // namespace vreplication
}  // namespace sidecut
