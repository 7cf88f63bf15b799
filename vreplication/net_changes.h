// NetChanges: the net effect of a batch of row changes on one target table,
// for a batch applied in one transaction. Per key the last image wins, or
// the row is gone. A key the batch inserted or deleted becomes a fresh row
// (as the row-by-row apply leaves it: columns the plan does not feed get
// their defaults); a key the batch only updated keeps those columns. So a
// batch applies as at most three statements per table instead of one per
// row event:
//   DELETE FROM t WHERE k IN (<keys inserted or deleted>);
//   INSERT INTO t (...) VALUES <their final rows>;
//   INSERT INTO t (...) VALUES <final rows of keys only updated>
//     ON DUPLICATE KEY UPDATE c = VALUES(c), ...;
// (the upsert only when the key is the target's one unique key, so it can
// only meet the row of the same key; otherwise one UPDATE per such row),
// and a replayed batch has the same effect (no duplicate-key retry).
//
// Only for plans where this is exact: every key column an integer (its
// literal is canonical: equal keys are equal strings), no WHERE filter
// (every image maps to a target row), and the key the target's only unique
// index (the statements reorder changes across keys: with another unique
// index, a value moving from one row to another could meet itself). An
// update that changes a key is not netted (Add returns false): the caller
// renders what is netted so far, in order, then applies that change row by
// row.
//
// Thread-compatible.
#ifndef SIDECUT_VREPLICATION_NET_CHANGES_H_
#define SIDECUT_VREPLICATION_NET_CHANGES_H_

#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/optional.h"
#include "mysql/row_event.h"
#include "vreplication/row_applier.h"
#include "vreplication/table_plan.h"

namespace sidecut {
namespace vreplication {

class NetChanges {
 public:
  static bool Eligible(const TablePlan& plan);

  // `applier` renders values; both must outlive this.
  NetChanges(const TablePlan* plan, const RowApplier* applier);

  // Adds `change`; false (nothing added) for an update that changes the
  // key, which must be applied row by row after Render.
  absl::StatusOr<bool> Add(const mysql::TableMap& map,
                           const mysql::RowChange& change);

  size_t rows() const { return entries_.size(); }
  size_t bytes() const { return bytes_; }
  bool empty() const { return entries_.empty(); }
  // Appends the statements (DELETEs, INSERTs, UPDATEs, in chunks) to
  // `out`.
  void Render(std::vector<std::string>* out) const;
  void Clear();
  // The size a multi-row INSERT stops growing at (one row may exceed it).
  void set_max_statement_bytes(size_t n) { max_statement_bytes_ = n; }

 private:
  struct Entry {
    std::vector<std::string> key;                  // key literals
    absl::optional<std::vector<std::string>> row;  // final values, or gone
    bool fresh = false;  // inserted or deleted in this batch
  };
  Entry& At(const std::vector<std::string>& key, bool* created);
  // Multi-row INSERTs of `rows` (each with a row), in chunks, each ending
  // with `suffix`.
  void RenderInsert(const std::vector<const Entry*>& rows,
                    const std::string& suffix,
                    std::vector<std::string>* out) const;

  const TablePlan* plan_;
  const RowApplier* applier_;
  std::map<std::string, Entry> entries_;  // by joined key literals
  size_t bytes_ = 0;
  size_t max_statement_bytes_ = size_t{1} << 20;
  // Keys only updated apply as one multi-row upsert (else row by row).
  bool upsert_ = false;
};

}  // namespace vreplication
}  // namespace sidecut

#endif  // SIDECUT_VREPLICATION_NET_CHANGES_H_
