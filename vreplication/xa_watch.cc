#include "vreplication/xa_watch.h"

#include <algorithm>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "mysql/quoting.h"
#include "util/status_macros.h"

namespace sidecut {
namespace vreplication {
namespace {

// Why: every transaction prepared after the copy's first position is read
// by the stream, so the XA COMMIT of one it never saw prepared was
// prepared before it and escaped the copy's check: what it changed is
// unknown, and the workflow fails rather than go on without it. The
// stream reads a stretch of the binlog again after a chunk rolls back, a
// DDL aborts a catch-up or a run is retried from the saved position
// (seconds behind at most): the ids of transactions that ended are kept a
// while for that, the last kXaEndedKept of them.
constexpr size_t kXaEndedKept = 100000;

}  // namespace

const char kXaWatchTable[] = R"sql(
CREATE TABLE IF NOT EXISTS _vt.sidecut_xa_watch (
  vrepl_id INT NOT NULL,
  prepared MEDIUMBLOB NOT NULL,
  PRIMARY KEY (vrepl_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4
)sql";

std::string ForgetXaWatchSql(int64_t id) {
  return absl::StrCat("DELETE FROM _vt.sidecut_xa_watch WHERE vrepl_id = ", id);
}

void XaWatch::Start() {
  active_ = true;
  prepared_.clear();
}

absl::Status XaWatch::See(const mysql::Transaction& txn) {
  if (!active_ || txn.xa_id.empty()) return absl::OkStatus();
  if (txn.xa_prepared) {
    prepared_.insert(txn.xa_id);
    return absl::OkStatus();
  }
  if (prepared_.erase(txn.xa_id) > 0) {
    if (ended_.insert(txn.xa_id).second) ended_order_.push_back(txn.xa_id);
    if (ended_order_.size() > kXaEndedKept) {
      ended_.erase(ended_order_.front());
      ended_order_.pop_front();
    }
    return absl::OkStatus();
  }
  if (!txn.xa_commit || ended_.contains(txn.xa_id)) {
    return absl::OkStatus();  // a rollback, or read again
  }
  return absl::FailedPreconditionError(absl::StrCat(
      "a two-phase XA transaction committed (XA COMMIT ",
      txn.xa_id.substr(0, 200),
      ") that the stream never saw prepared since the copy's first position: "
      "it was prepared before that position (and not listed by XA RECOVER "
      "when the copy asked), so the copy may lack its changes; start the "
      "workflow again (the migration retried) once no XA transaction is "
      "pending"));
}

std::string XaWatch::Text() const {
  std::vector<std::string> ids(prepared_.begin(), prepared_.end());
  std::sort(ids.begin(), ids.end());
  return absl::StrJoin(ids, "\n");
}

std::string XaWatch::SaveSql(int64_t id) const {
  if (!active_) return saved_active_ ? ForgetXaWatchSql(id) : "";
  std::string text = Text();
  if (saved_active_ && text == saved_text_) return "";
  return absl::StrCat(
      "REPLACE INTO _vt.sidecut_xa_watch (vrepl_id, prepared) VALUES (", id,
      ", ", mysql::QuoteString(text), ")");
}

void XaWatch::Saved() {
  saved_active_ = active_;
  saved_text_ = active_ ? Text() : "";
}

void XaWatch::Rewind() {
  active_ = saved_active_;
  SetPrepared(saved_text_);
}

absl::Status XaWatch::Load(mysql::Connection& conn, int64_t id) {
  SC_ASSIGN_OR_RETURN(
      mysql::Result r,
      conn.Execute(absl::StrCat(
          "SELECT prepared FROM _vt.sidecut_xa_watch WHERE vrepl_id = ", id)));
  saved_active_ = !r.rows.empty();
  saved_text_ = saved_active_ ? std::string(r.rows[0].Get(0)) : "";
  Rewind();
  return absl::OkStatus();
}

void XaWatch::SetPrepared(const std::string& text) {
  prepared_.clear();
  for (absl::string_view id : absl::StrSplit(text, '\n', absl::SkipEmpty())) {
    prepared_.insert(std::string(id));
  }
}

}  // namespace vreplication
}  // namespace sidecut
