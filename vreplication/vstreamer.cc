#include "vreplication/vstreamer.h"

#include <algorithm>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "mysql/mariadb_binlog_source.h"
#include "mysql/mysql_connection.h"
#include "mysql/quoting.h"
#include "mysql/vitess_rows.h"
#include "re2/re2.h"
#include "util/status_macros.h"
#include "vreplication/filter.h"

namespace sidecut {
namespace vreplication {

VStreamer::VStreamer() = default;
VStreamer::~VStreamer() = default;

absl::StatusOr<std::unique_ptr<VStreamer>> VStreamer::Create(
    const mysql::ConnectParams& params, std::string db,
    const binlogdata::Filter& filter, absl::string_view start, Clock* clock) {
  std::unique_ptr<VStreamer> v(new VStreamer());
  v->db_ = std::move(db);
  for (const binlogdata::Rule& rule : filter.rules()) {
    const std::string& m = rule.match();
    if (m.size() > 1 && m.front() == '/') {
      std::string p = m.substr(1);
      if (!p.empty() && p.back() == '/') p.pop_back();
      auto re = std::make_unique<re2::RE2>(p, re2::RE2::Quiet);
      if (!re->ok()) {
        return absl::InvalidArgumentError(
            absl::StrCat("VStream rule '", m,
                         "': invalid regular expression: ", re->error()));
      }
      v->patterns_.push_back(std::move(re));
      continue;
    }
    SC_ASSIGN_OR_RETURN(FilterSpec spec, ParseFilter(m, rule.filter()));
    if (spec.items.size() != 1 || !spec.items[0].star || !spec.where.empty() ||
        spec.source_table != m) {
      return absl::UnimplementedError(absl::StrCat("VStream rule for ", m,
                                                   ": only \"select * from ", m,
                                                   "\" filters are supported"));
    }
    v->exact_.push_back(m);
  }
  mysql::Position pos;
  if (start == "current") {
    SC_ASSIGN_OR_RETURN(auto conn, mysql::MysqlConnection::Connect(params));
    SC_ASSIGN_OR_RETURN(std::string gtid,
                        mysql::QueryValue(*conn, "SELECT @@gtid_binlog_pos"));
    SC_ASSIGN_OR_RETURN(mysql::MariadbGtidPos p,
                        mysql::MariadbGtidPos::Parse(gtid));
    pos = mysql::Position(std::move(p));
  } else {
    SC_ASSIGN_OR_RETURN(pos, mysql::Position::Parse(start));
  }
  mysql::MariadbBinlogSourceOptions so;
  so.connect = params;
  so.heartbeat_period = absl::Milliseconds(500);
  v->factory_ = std::make_unique<mysql::MariadbBinlogSourceFactory>(so);
  v->streamer_ =
      std::make_unique<mysql::BinlogStreamer>(v->factory_.get(), pos, clock);
  return v;
}

bool VStreamer::Matches(const std::string& table) const {
  for (const std::string& e : exact_) {
    if (e == table) return true;
  }
  for (const auto& p : patterns_) {
    if (re2::RE2::PartialMatch(table, *p)) return true;
  }
  return false;
}

absl::StatusOr<std::vector<binlogdata::VEvent>> VStreamer::Next() {
  std::vector<binlogdata::VEvent> out;
  while (out.empty()) {
    SC_ASSIGN_OR_RETURN(mysql::StreamItem item, streamer_->Next());
    if (item.kind == mysql::StreamItem::Kind::kHeartbeat) {
      binlogdata::VEvent hb;
      hb.set_type(binlogdata::HEARTBEAT);
      hb.set_timestamp(item.heartbeat_timestamp);
      out.push_back(std::move(hb));
      return out;
    }
    const mysql::Transaction& txn = item.transaction;
    std::vector<binlogdata::VEvent> body;
    bool ddl = false;
    for (const mysql::DecodedEvent& ev : txn.events) {
      if (ev.kind == mysql::DecodedEvent::Kind::kQuery && txn.standalone &&
          StatementTouchesDatabase(ev.query.query, ev.query.database, db_)) {
        if (!txn.out_of_order.empty()) {
          return absl::FailedPreconditionError(txn.out_of_order);
        }
        binlogdata::VEvent d;
        d.set_type(binlogdata::DDL);
        d.set_statement(ev.query.query);
        body.push_back(std::move(d));
        fields_sent_.clear();  // columns may have changed
        ddl = true;
        continue;
      }
      if (ev.kind != mysql::DecodedEvent::Kind::kRows ||
          ev.table->database != db_ || !Matches(ev.table->table)) {
        continue;
      }
      if (!txn.out_of_order.empty()) {
        return absl::FailedPreconditionError(txn.out_of_order);
      }
      if (txn.xa_prepared) {
        // Not committed yet; its XA COMMIT or ROLLBACK comes later without
        // the rows: sent as committed they may never have existed.
        return absl::FailedPreconditionError(absl::StrCat(
            "a two-phase XA transaction (XA PREPARE) changed ",
            mysql::QuoteQualified(db_, ev.table->table),
            ": it cannot be streamed as committed; end XA transactions on "
            "streamed tables with XA COMMIT .. ONE PHASE"));
      }
      // A session logging partial images (binlog_row_image MINIMAL or
      // NOBLOB): the missing columns would reach the consumer as NULLs.
      for (const std::vector<bool>* present :
           {&ev.rows.columns_before, &ev.rows.columns_after}) {
        if (std::find(present->begin(), present->end(), false) !=
            present->end()) {
          return absl::FailedPreconditionError(absl::StrCat(
              "a change to ", mysql::QuoteQualified(db_, ev.table->table),
              " in the binlog lacks columns (a session with "
              "binlog_row_image other than FULL): it cannot be streamed "
              "exactly; every client must log full rows (SET GLOBAL "
              "binlog_row_image = FULL, then reconnect them)"));
        }
      }
      if (!fields_sent_.count(ev.table->table)) {
        binlogdata::VEvent f;
        f.set_type(binlogdata::FIELD);
        f.mutable_field_event()->set_table_name(ev.table->table);
        for (query::Field& field : mysql::VitessFields(*ev.table)) {
          *f.mutable_field_event()->add_fields() = std::move(field);
        }
        body.push_back(std::move(f));
        fields_sent_.insert(ev.table->table);
      }
      binlogdata::VEvent r;
      r.set_type(binlogdata::ROW);
      r.mutable_row_event()->set_table_name(ev.table->table);
      for (const mysql::RowChange& rc : ev.rows.rows) {
        binlogdata::RowChange* c = r.mutable_row_event()->add_row_changes();
        if (rc.before.has_value())
          *c->mutable_before() = mysql::ToVitessRow(*rc.before);
        if (rc.after.has_value())
          *c->mutable_after() = mysql::ToVitessRow(*rc.after);
      }
      body.push_back(std::move(r));
    }
    if (body.empty()) continue;  // nothing selected in this transaction
    binlogdata::VEvent gtid;
    gtid.set_type(binlogdata::GTID);
    gtid.set_gtid(txn.position.ToString());
    if (ddl) {
      out.push_back(std::move(gtid));
      for (auto& e : body) out.push_back(std::move(e));
    } else {
      binlogdata::VEvent begin, commit;
      begin.set_type(binlogdata::BEGIN);
      commit.set_type(binlogdata::COMMIT);
      out.push_back(std::move(begin));
      for (auto& e : body) out.push_back(std::move(e));
      out.push_back(std::move(gtid));
      out.push_back(std::move(commit));
    }
    for (auto& e : out) e.set_timestamp(txn.timestamp);
  }
  return out;
}

}  // namespace vreplication
}  // namespace sidecut
