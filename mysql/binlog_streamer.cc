#include "mysql/binlog_streamer.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "util/status_macros.h"

namespace sidecut {
namespace mysql {

BinlogStreamer::BinlogStreamer(BinlogSourceFactory* factory, Position start,
                               Clock* clock, BinlogStreamerOptions options)
    : factory_(factory),
      clock_(clock),
      options_(options),
      position_(std::move(start)) {}

absl::Status BinlogStreamer::EnsureOpen() {
  if (source_ != nullptr) return absl::OkStatus();
  const absl::Time deadline = clock_->Now() + options_.reconnect_timeout;
  absl::Duration backoff = options_.reconnect_backoff;
  while (true) {
    std::unique_ptr<BinlogSource> s = factory_->Create();
    absl::Status st = s->Open(position_);
    if (st.ok()) {
      source_ = std::move(s);
      decoder_ = BinlogDecoder();
      decoder_.SetSchemaResolver(resolver_);
      decoder_.SetTableFilter(filter_);
      if (opened_once_) ++reconnects_;
      opened_once_ = true;
      return absl::OkStatus();
    }
    if (st.code() != absl::StatusCode::kUnavailable) return st;
    if (options_.cancelled && options_.cancelled()) {
      return absl::CancelledError(
          absl::StrCat("stopped while reconnecting: ", st.message()));
    }
    if (clock_->Now() >= deadline) {
      return absl::DeadlineExceededError(
          absl::StrCat("could not reconnect to the binlog source for ",
                       absl::FormatDuration(options_.reconnect_timeout), ": ",
                       st.message()));
    }
    clock_->SleepFor(backoff);
    backoff = std::min(backoff * 2, absl::Seconds(2));
  }
}

namespace {

// "mariadb-bin.000012" -> ("mariadb-bin", 12); false without a numeric
// extension.
bool SplitBinlogName(absl::string_view name, absl::string_view* base,
                     uint64_t* number) {
  size_t dot = name.rfind('.');
  if (dot == absl::string_view::npos) return false;
  *base = name.substr(0, dot);
  return absl::SimpleAtoi(name.substr(dot + 1), number);
}

// The file name without its directory (the server reports some names with
// one, the stream's ROTATE events without).
absl::string_view BaseName(absl::string_view path) {
  size_t slash = path.rfind('/');
  return slash == absl::string_view::npos ? path : path.substr(slash + 1);
}

// A savepoint's name as the server logs it after SAVEPOINT or ROLLBACK TO
// (quoted with backquotes, or double quotes under ANSI_QUOTES, a quote
// inside doubled; or bare), folded as the server compares names.
std::string SavepointName(absl::string_view text) {
  text = absl::StripAsciiWhitespace(text);
  if (text.empty() || (text[0] != '`' && text[0] != '"')) {
    return std::string(text);
  }
  const char quote = text[0];
  std::string name;
  for (size_t i = 1; i < text.size(); ++i) {
    if (text[i] != quote) {
      name.push_back(text[i]);
    } else if (i + 1 < text.size() && text[i + 1] == quote) {
      name.push_back(quote);
      ++i;
    } else {
      break;
    }
  }
  // The server compares the names without letter case (measured: trailing
  // spaces count). ASCII letters here; other letters as they are written.
  return absl::AsciiStrToLower(name);
}

}  // namespace

bool BinlogCoordinates::AtLeast(const BinlogCoordinates& other) const {
  if (file.empty() || other.file.empty()) return false;
  absl::string_view name = BaseName(file), other_name = BaseName(other.file);
  if (name == other_name) return offset >= other.offset;
  absl::string_view base, other_base;
  uint64_t n = 0, other_n = 0;
  if (!SplitBinlogName(name, &base, &n) ||
      !SplitBinlogName(other_name, &other_base, &other_n) ||
      base != other_base) {
    return false;
  }
  return n > other_n;
}

Position BinlogStreamer::Advance(const GtidEvent& g) const {
  if (g.flavor == Flavor::kMariadb) {
    MariadbGtidPos p = position_.flavor() == Flavor::kMariadb
                           ? position_.mariadb()
                           : MariadbGtidPos();
    p.Update(g.mariadb);
    return Position(std::move(p));
  }
  MysqlGtidSet s = position_.flavor() == Flavor::kMysql56 ? position_.mysql()
                                                          : MysqlGtidSet();
  s.Add(g.mysql_uuid, g.mysql_gno);
  return Position(std::move(s));
}

absl::Status BinlogStreamer::Consume(DecodedEvent ev, bool* done) {
  using Kind = DecodedEvent::Kind;
  *done = false;
  switch (ev.kind) {
    case Kind::kGtid: {
      in_txn_ = true;
      // MariaDB writes no BEGIN: a GTID event without the standalone flag
      // starts a transaction, which XID or COMMIT ends (queries inside it,
      // such as SAVEPOINT, do not). MySQL logs BEGIN after its GTID event.
      saw_begin_ = ev.gtid.flavor == Flavor::kMariadb && !ev.gtid.standalone;
      txn_ = Transaction();
      savepoints_.clear();
      txn_.gtid = ev.gtid;
      txn_.standalone = ev.gtid.standalone;
      txn_.timestamp = ev.header.timestamp;
      txn_.position = Advance(ev.gtid);
      if (ev.gtid.flavor == Flavor::kMariadb &&
          position_.flavor() == Flavor::kMariadb &&
          position_.mariadb().ContainsGtid(ev.gtid.mariadb)) {
        // The server sends what follows the connect position (it skips, per
        // domain, what the position covers). A sequence number at or below
        // the position's in its domain is a transaction logged out of order
        // (gtid_strict_mode OFF: another server's, or a session's
        // gtid_seq_no): new, yet no position can record it. Skipping it
        // lost its rows; its consumer stops if it changes what it follows.
        // The position's own GTID sent again is skipped.
        const auto& gtids = position_.mariadb().gtids();
        auto last = gtids.find(ev.gtid.mariadb.domain);
        if (last != gtids.end() && last->second == ev.gtid.mariadb) {
          skip_txn_ = true;
          return absl::OkStatus();
        }
        skip_txn_ = false;
        txn_.position = position_;  // no position records it
        txn_.out_of_order = absl::StrCat(
            "transaction ", ev.gtid.mariadb.ToString(),
            " is logged out of order, after ", position_.mariadb().ToString(),
            " (gtid_strict_mode is OFF on the server or on the one it came "
            "from), and changes a followed table: no binlog position can "
            "record it, so a restarted stream could not tell whether it was "
            "applied; copy again from a later position (for online DDL: "
            "submit the migration again), and keep gtid_strict_mode ON on "
            "every server of the domain");
        return absl::OkStatus();
      }
      // Already applied (only possible if a server resends): skip it.
      skip_txn_ =
          position_.flavor() == Flavor::kMysql56 &&
          ev.gtid.flavor == Flavor::kMysql56 &&
          position_.mysql().ContainsGtid(ev.gtid.mysql_uuid, ev.gtid.mysql_gno);
      return absl::OkStatus();
    }
    case Kind::kQuery: {
      if (!in_txn_) return absl::OkStatus();
      const std::string& q = ev.query.query;
      if (absl::EqualsIgnoreCase(q, "BEGIN")) {
        saw_begin_ = true;
        return absl::OkStatus();
      }
      if (absl::EqualsIgnoreCase(q, "COMMIT")) {
        *done = true;
        return absl::OkStatus();
      }
      // Two-phase XA: XA START opens the transaction (MySQL logs no BEGIN
      // before it), an XA_PREPARE event ends it; XA COMMIT or ROLLBACK
      // follows in a group of its own. One phase, MySQL ends the group with
      // an XA_PREPARE event marked one-phase (decoded as an XID); MariaDB
      // logs it as a plain transaction.
      // The id follows the verb as the server logs it (X'..',X'..',N).
      auto xa_id = [&q](size_t verb) {
        return NormalizeXaIdText(
            absl::string_view(q).substr(std::min(verb, q.size())));
      };
      if (absl::StartsWithIgnoreCase(q, "XA START") ||
          absl::StartsWithIgnoreCase(q, "XA BEGIN")) {
        saw_begin_ = true;
        return absl::OkStatus();
      }
      if (absl::StartsWithIgnoreCase(q, "XA END")) return absl::OkStatus();
      if (absl::StartsWithIgnoreCase(q, "XA COMMIT")) {
        txn_.xa_id = xa_id(9);
        txn_.xa_commit = true;
        *done = true;
        return absl::OkStatus();
      }
      if (absl::StartsWithIgnoreCase(q, "XA ROLLBACK")) {
        txn_.xa_id = xa_id(11);
        txn_.events.clear();
        *done = true;
        return absl::OkStatus();
      }
      if (absl::EqualsIgnoreCase(q, "ROLLBACK")) {
        // Nothing to apply, but a position all the same: an empty
        // transaction (a reader waiting to reach it must not wait for the
        // next one).
        txn_.events.clear();
        *done = true;
        return absl::OkStatus();
      }
      // A rollback to a savepoint usually removes the rows logged after
      // it from the transaction, but not once the transaction has changed
      // a non-transactional table (MyISAM, Aria): they are logged, then
      // ROLLBACK TO, which a replica runs to undo them. Those rows go.
      if (saw_begin_ && absl::StartsWithIgnoreCase(q, "SAVEPOINT ")) {
        std::string name = SavepointName(absl::string_view(q).substr(10));
        savepoints_.erase(
            std::remove_if(savepoints_.begin(), savepoints_.end(),
                           [&](const auto& s) { return s.first == name; }),
            savepoints_.end());
        savepoints_.emplace_back(std::move(name), txn_.events.size());
        return absl::OkStatus();
      }
      if (saw_begin_ && absl::StartsWithIgnoreCase(q, "ROLLBACK TO ")) {
        absl::string_view rest = absl::string_view(q).substr(12);
        absl::ConsumePrefix(&rest, "SAVEPOINT ");
        absl::ConsumePrefix(&rest, "savepoint ");
        const std::string name = SavepointName(rest);
        auto it = std::find_if(savepoints_.rbegin(), savepoints_.rend(),
                               [&](const auto& s) { return s.first == name; });
        if (it == savepoints_.rend()) {
          return absl::DataLossError(absl::StrCat(
              "a transaction ending at ", txn_.position.GtidText(),
              " rolls back to savepoint ", name,
              ", which it did not set: which of its rows stand is unknown"));
        }
        txn_.events.resize(it->second);
        savepoints_.erase(it.base(), savepoints_.end());  // set after it
        return absl::OkStatus();
      }
      // A statement without BEGIN (DDL) is a transaction of its own.
      if (!saw_begin_) txn_.standalone = true;
      txn_.events.push_back(std::move(ev));
      *done = txn_.standalone;
      return absl::OkStatus();
    }
    case Kind::kXid:
      if (in_txn_) *done = true;
      return absl::OkStatus();
    case Kind::kXaPrepare:
      if (in_txn_) {
        txn_.xa_prepared = true;
        txn_.xa_id = std::move(ev.xa_id);
        *done = true;
      }
      return absl::OkStatus();
    case Kind::kTableMap:
    case Kind::kRows:
      if (in_txn_) txn_.events.push_back(std::move(ev));
      return absl::OkStatus();
    default:
      return absl::OkStatus();
  }
}

absl::StatusOr<StreamItem> BinlogStreamer::Next() {
  while (true) {
    SC_RETURN_IF_ERROR(EnsureOpen());
    absl::StatusOr<std::string> raw = source_->Next();
    if (!raw.ok()) {
      if (raw.status().code() != absl::StatusCode::kUnavailable) {
        return raw.status();
      }
      // Dropped: forget the partial transaction, resume after the last
      // complete one.
      source_.reset();
      in_txn_ = false;
      continue;
    }
    bytes_read_ += raw->size();
    SC_ASSIGN_OR_RETURN(DecodedEvent ev, decoder_.Decode(*raw));
    if (ev.kind == DecodedEvent::Kind::kHeartbeat && !in_txn_) {
      StreamItem item;
      item.kind = StreamItem::Kind::kHeartbeat;
      item.heartbeat_timestamp = ev.header.timestamp;
      return item;
    }
    const uint32_t log_pos = ev.header.log_pos;
    if (ev.kind == DecodedEvent::Kind::kRotate) {
      // A real ROTATE's own end position is in the file it ends: the next
      // file's positions start over.
      file_ = ev.rotate.next_file;
      last_log_pos_ = 0;
    } else {
      // 32-bit positions wrap in a file past 4 GiB: from there on in that
      // file, where a transaction ends is not known.
      if (log_pos != 0 && log_pos < last_log_pos_) file_.clear();
      if (log_pos != 0) last_log_pos_ = log_pos;
    }
    bool done = false;
    SC_RETURN_IF_ERROR(Consume(std::move(ev), &done));
    if (!done) continue;
    in_txn_ = false;
    txn_.end = BinlogCoordinates{file_, log_pos};
    last_end_ = txn_.end;
    bool skip = skip_txn_;
    position_ = txn_.position.AtLeast(position_) ? txn_.position : position_;
    if (skip) continue;
    StreamItem item;
    item.kind = StreamItem::Kind::kTransaction;
    item.transaction = std::move(txn_);
    return item;
  }
}

}  // namespace mysql
}  // namespace sidecut
