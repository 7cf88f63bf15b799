// XaWatch: the two-phase XA transactions a workflow's stream saw prepared
// since the copy's first position, from which it has read every
// transaction. The copy's checks (prepared_xa.h) leave two narrow races: a
// prepare logged before that position but not yet listed by XA RECOVER,
// and one ended between a snapshot and the question. The copy may lack
// such a transaction's rows, and its XA COMMIT is logged without them; the
// watch fails the workflow at the XA COMMIT of one it never saw prepared.
//
// The watch is recorded in _vt.sidecut_xa_watch in the transaction that
// saves the position it stands at (SaveSql, then Saved), so a restarted
// process resumes watching from there (Load): without it a copy resumed
// after a restart went unwatched, and with an empty watch the XA COMMIT
// of a transaction prepared before the restart would fail it wrongly.
#ifndef SIDECUT_VREPLICATION_XA_WATCH_H_
#define SIDECUT_VREPLICATION_XA_WATCH_H_

#include <cstdint>
#include <deque>
#include <string>

#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "mysql/binlog_streamer.h"
#include "mysql/connection.h"

namespace sidecut {
namespace vreplication {

// The table recording each workflow's watch: a row exists while it is on.
extern const char kXaWatchTable[];

// DELETE of workflow `id`'s recorded watch (a new workflow's id may be an
// old one's if _vt.vreplication was recreated).
std::string ForgetXaWatchSql(int64_t id);

class XaWatch {
 public:
  // Starts watching, with nothing prepared: at the copy's first position.
  void Start();
  bool active() const { return active_; }

  // Takes the transaction the stream read next: fails on the XA COMMIT of
  // one never seen prepared while watching.
  absl::Status See(const mysql::Transaction& txn);

  // The statement recording the watch for workflow `id`, to run in the
  // transaction saving the position the stream stands at; "" when the
  // table already holds it.
  std::string SaveSql(int64_t id) const;
  // That transaction committed.
  void Saved();
  // The stream goes back to the last position saved: the watch as it was
  // recorded with it (the ids of those that ended since are still known).
  void Rewind();
  // Takes workflow `id`'s recorded watch (off if none is recorded).
  absl::Status Load(mysql::Connection& conn, int64_t id);

  // The prepared ids as recorded (sorted, one a line).
  std::string Text() const;

 private:
  void SetPrepared(const std::string& text);

  bool active_ = false;
  absl::flat_hash_set<std::string> prepared_;  // ids, until they end
  // Ids of those that ended, met again when the stream reads a stretch
  // again; the most recent ones (ended_order_: the oldest first).
  absl::flat_hash_set<std::string> ended_;
  std::deque<std::string> ended_order_;
  // As recorded with the last position saved.
  bool saved_active_ = false;
  std::string saved_text_;
};

}  // namespace vreplication
}  // namespace sidecut

#endif  // SIDECUT_VREPLICATION_XA_WATCH_H_
