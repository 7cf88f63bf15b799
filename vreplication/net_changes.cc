#include "vreplication/net_changes.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "mysql/quoting.h"
#include "util/status_macros.h"

namespace sidecut {
namespace vreplication {
namespace {

// Rows per statement: keeps each statement a reasonable size (as does
// max_statement_bytes_, which keeps it within max_allowed_packet unless one
// row alone is not).
constexpr size_t kChunk = 500;
// Keys per DELETE: below eq_range_index_dive_limit (200).
constexpr size_t kDeleteChunk = 100;

size_t Size(const std::vector<std::string>& v) {
  size_t n = 0;
  for (const std::string& s : v) n += s.size() + 2;
  return n;
}

}  // namespace

bool NetChanges::Eligible(const TablePlan& plan) {
  if (plan.where_expr.has_value() || !plan.where.empty()) return false;
  if (plan.source_key.empty()) return false;
  // Netting reorders changes across keys (deletes, then inserts, then
  // updates): with another unique index a value moving between rows would
  // collide (row 1 gives up 'a' after row 2 takes it).
  if (!KeyIsOnlyUniqueIndex(plan)) return false;
  // Netted changes are applied after the rest, and reordered.
  if (plan.keep_order) return false;
  for (int c : plan.source_key) {
    if (!IsIntegerType(plan.source.columns[c].data_type)) return false;
  }
  return true;
}

NetChanges::NetChanges(const TablePlan* plan, const RowApplier* applier)
    : plan_(plan), applier_(applier) {
  // An upsert can only hit the row of the same key when that key is the
  // target's one unique index.
  upsert_ = KeyIsOnlyUniqueIndex(*plan);
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
  SC_RETURN_IF_ERROR(applier_->CheckColumnCount(map));
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
  for (size_t start = 0; start < fresh.size(); start += kDeleteChunk) {
    const size_t end = std::min(fresh.size(), start + kDeleteChunk);
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
  std::vector<const Entry*> inserted;
  for (const Entry* e : fresh) {
    if (e->row.has_value()) inserted.push_back(e);
  }
  RenderInsert(inserted, "", out);

  // Keys only updated: their final values, other columns kept. With the
  // key the target's only unique key, a multi-row upsert does exactly that
  // (the rows exist); otherwise one UPDATE per row.
  if (upsert_) {
    std::vector<std::string> sets;
    for (const std::string& c : cols) {
      sets.push_back(absl::StrCat(c, " = VALUES(", c, ")"));
    }
    RenderInsert(
        updated,
        absl::StrCat(" ON DUPLICATE KEY UPDATE ", absl::StrJoin(sets, ", ")),
        out);
    return;
  }
  for (const Entry* e : updated) {
    std::vector<std::string> assign, where;
    for (size_t i = 0; i < cols.size(); ++i) {
      assign.push_back(absl::StrCat(cols[i], " = ", (*e->row)[i]));
    }
    for (size_t k = 0; k < key_cols.size(); ++k) {
      where.push_back(absl::StrCat(key_cols[k], " = ", e->key[k]));
    }
    out->push_back(absl::StrCat("UPDATE ", target, " SET ",
                                absl::StrJoin(assign, ", "), " WHERE ",
                                absl::StrJoin(where, " AND ")));
  }
}

void NetChanges::RenderInsert(const std::vector<const Entry*>& rows,
                              const std::string& suffix,
                              std::vector<std::string>* out) const {
  std::vector<std::string> cols;
  for (const std::string& c : plan_->target_columns) {
    cols.push_back(mysql::QuoteIdentifier(c));
  }
  const std::string head = absl::StrCat(
      "INSERT INTO ", mysql::QuoteQualified(plan_->db, plan_->target.table),
      " (", absl::StrJoin(cols, ", "), ") VALUES ");
  size_t start = 0;
  while (start < rows.size()) {
    std::string sql = head;
    size_t i = start;
    for (; i < rows.size() && i - start < kChunk; ++i) {
      if (i > start && sql.size() + Size(*rows[i]->row) + suffix.size() >
                           max_statement_bytes_) {
        break;
      }
      absl::StrAppend(&sql, i > start ? ", (" : "(",
                      absl::StrJoin(*rows[i]->row, ", "), ")");
    }
    out->push_back(absl::StrCat(sql, suffix));
    start = i;
  }
}

void NetChanges::Clear() {
  entries_.clear();
  bytes_ = 0;
}

}  // namespace vreplication
}  // namespace sidecut
