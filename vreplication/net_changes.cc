#include "vreplication/net_changes.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "mysql/quoting.h"

namespace sidecut {
namespace vreplication {
namespace {

// Rows per statement: keeps each statement a reasonable size.
constexpr size_t kChunk = 500;

bool IsInteger(const std::string& data_type) {
  return data_type == "tinyint" || data_type == "smallint" ||
         data_type == "mediumint" || data_type == "int" ||
         data_type == "bigint";
}

size_t Size(const std::vector<std::string>& v) {
  size_t n = 0;
  for (const std::string& s : v) n += s.size() + 2;
  return n;
}

}  // namespace

bool NetChanges::Eligible(const TablePlan& plan) {
  if (plan.where_expr.has_value() || !plan.where.empty()) return false;
  if (plan.source_key.empty()) return false;
  for (int c : plan.source_key) {
    if (!IsInteger(plan.source.columns[c].data_type)) return false;
  }
  return true;
}

NetChanges::Entry& NetChanges::At(const std::vector<std::string>& key,
                                  bool* created) {
  auto [it, inserted] = entries_.try_emplace(absl::StrJoin(key, ","));
  if (inserted) {
    it->second.key = key;
    bytes_ += it->first.size();
  }
  *created = inserted;
  return it->second;
}

absl::StatusOr<bool> NetChanges::Add(const mysql::TableMap& map,
                                     const mysql::RowChange& change) {
  if (map.columns.size() != plan_->source.columns.size()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "binlog row of ", map.database, ".", map.table, " has ",
        map.columns.size(), " columns but the table has ",
        plan_->source.columns.size(), ": its schema changed under the stream"));
  }
  bool created = false;
  if (change.before.has_value() && change.after.has_value()) {
    std::vector<std::string> key = applier_->KeyLiterals(map, *change.before);
    if (key != applier_->KeyLiterals(map, *change.after)) return false;
    Entry& e = At(key, &created);
    // An update of a row this batch deleted changes nothing (as UPDATE
    // ... WHERE matches nothing).
    if (!created && !e.row.has_value()) return true;
    std::vector<std::string> row = applier_->TargetValues(map, *change.after);
    bytes_ += Size(row);
    e.row = std::move(row);
    return true;
  }
  if (change.after.has_value()) {
    Entry& e = At(applier_->KeyLiterals(map, *change.after), &created);
    std::vector<std::string> row = applier_->TargetValues(map, *change.after);
    bytes_ += Size(row);
    e.row = std::move(row);
    e.fresh = true;
    return true;
  }
  if (change.before.has_value()) {
    Entry& e = At(applier_->KeyLiterals(map, *change.before), &created);
    e.row.reset();
    e.fresh = true;
  }
  return true;
}

void NetChanges::Render(std::vector<std::string>* out) const {
  if (entries_.empty()) return;
  const std::string target =
      mysql::QuoteQualified(plan_->db, plan_->target.table);
  std::vector<std::string> key_cols;
  for (int t : plan_->target_key) {
    key_cols.push_back(mysql::QuoteIdentifier(plan_->target_columns[t]));
  }
  std::vector<std::string> cols;
  for (const std::string& c : plan_->target_columns) {
    cols.push_back(mysql::QuoteIdentifier(c));
  }
  std::vector<const Entry*> fresh, updated;
  for (const auto& [k, e] : entries_) (e.fresh ? fresh : updated).push_back(&e);

  // Keys inserted or deleted: gone, then inserted anew if they have a row.
  for (size_t start = 0; start < fresh.size(); start += kChunk) {
    const size_t end = std::min(fresh.size(), start + kChunk);
    std::string del = absl::StrCat("DELETE FROM ", target, " WHERE ");
    for (size_t i = start; i < end; ++i) {
      if (key_cols.size() == 1) {
        absl::StrAppend(&del,
                        i == start ? absl::StrCat(key_cols[0], " IN (") : ", ",
                        fresh[i]->key[0]);
      } else {
        std::vector<std::string> eq;
        for (size_t k = 0; k < key_cols.size(); ++k) {
          eq.push_back(absl::StrCat(key_cols[k], " = ", fresh[i]->key[k]));
        }
        absl::StrAppend(&del, i > start ? " OR " : "", "(",
                        absl::StrJoin(eq, " AND "), ")");
      }
    }
    if (key_cols.size() == 1) del += ")";
    out->push_back(std::move(del));
  }
  std::string ins;
  size_t n = 0;
  for (const Entry* e : fresh) {
    if (!e->row.has_value()) continue;
    absl::StrAppend(&ins,
                    n == 0
                        ? absl::StrCat("INSERT INTO ", target, " (",
                                       absl::StrJoin(cols, ", "), ") VALUES (")
                        : ", (",
                    absl::StrJoin(*e->row, ", "), ")");
    if (++n == kChunk) {
      out->push_back(std::move(ins));
      ins.clear();
      n = 0;
    }
  }
  if (n > 0) out->push_back(std::move(ins));

  // Keys only updated: their final values, other columns kept.
  std::vector<std::string> sets, on;
  for (size_t i = 0; i < cols.size(); ++i) {
    sets.push_back(absl::StrCat("t.", cols[i], " = v._c", i));
  }
  for (size_t k = 0; k < plan_->target_key.size(); ++k) {
    on.push_back(
        absl::StrCat("t.", key_cols[k], " <=> v._c", plan_->target_key[k]));
  }
  for (size_t start = 0; start < updated.size(); start += kChunk) {
    const size_t end = std::min(updated.size(), start + kChunk);
    std::string rows;
    for (size_t i = start; i < end; ++i) {
      const std::vector<std::string>& v = *updated[i]->row;
      if (i == start) {
        std::vector<std::string> named;
        for (size_t c = 0; c < v.size(); ++c) {
          named.push_back(absl::StrCat(v[c], " AS _c", c));
        }
        absl::StrAppend(&rows, "SELECT ", absl::StrJoin(named, ", "));
      } else {
        absl::StrAppend(&rows, " UNION ALL SELECT ", absl::StrJoin(v, ", "));
      }
    }
    out->push_back(absl::StrCat("UPDATE ", target, " t JOIN (", rows, ") v ON ",
                                absl::StrJoin(on, " AND "), " SET ",
                                absl::StrJoin(sets, ", ")));
  }
}

void NetChanges::Clear() {
  entries_.clear();
  bytes_ = 0;
}

}  // namespace vreplication
}  // namespace sidecut
