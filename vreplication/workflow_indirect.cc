// Statement-logged changes that reach a source table without naming it.
//
// A session logging STATEMENT or MIXED writes its changes to the binlog as
// statements, whose rows the stream cannot replay. One naming a source
// table stops the workflow (workflow_play.cc). One naming only another
// table can still change a source table: through a trigger on that table,
// a view over the source, or a stored function it calls. This file finds
// those objects (the server's triggers, views and routines whose text
// names a source table, or such an object, transitively) and stops the
// workflow at a statement naming one of them.
//
// Names are matched by text: `s`.`n`, or `n` where the object's database
// (or the statement's session database) is s, in any case; a routine's only
// where it is called (`n(`, or CALL n). An object whose text cannot be read
// (another definer's routine without the privilege to see it) or parsed names
// everything. The objects are read as they are when first needed, not as
// they were when the binlog's statement ran (a trigger dropped since is
// missed, one created since may stop the workflow needlessly).

#include <iterator>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "mysql/quoting.h"
#include "schemadiff/lexer.h"
#include "util/status_macros.h"
#include "vreplication/filter.h"
#include "vreplication/workflow.h"

namespace sidecut {
namespace vreplication {
namespace {

// Statements that can change rows through a trigger, a view or a function
// (not SAVEPOINT, XA, ROLLBACK TO, ...).
bool MayChangeRows(const std::vector<schemadiff::Token>& toks) {
  if (toks.empty()) return true;
  for (const char* verb : {"insert", "update", "delete", "replace", "select",
                           "do", "load", "call", "with", "set"}) {
    if (toks[0].IsWord(verb)) return true;
  }
  return false;
}

// Whether `toks` (text whose unqualified names are in database
// `default_db`) name `object` (a routine: call it).
bool Names(const std::vector<schemadiff::Token>& toks,
           absl::string_view default_db, const IndirectName& object,
           bool routine) {
  for (size_t i = 0; i < toks.size(); ++i) {
    const schemadiff::Token& t = toks[i];
    if (!t.IsIdentLike() || !absl::EqualsIgnoreCase(t.text, object.second)) {
      continue;
    }
    const bool qualified =
        i >= 2 && toks[i - 1].IsOp(".") && toks[i - 2].IsIdentLike();
    // `n`.x: n is a database, or a table named elsewhere as well.
    const bool qualifies = i + 1 < toks.size() && toks[i + 1].IsOp(".");
    // A routine is named where it is called: `n(`, or CALL [db.]n.
    const size_t before = qualified ? i - 2 : i;
    if (routine && !(i + 1 < toks.size() && toks[i + 1].IsOp("(")) &&
        !(before >= 1 && toks[before - 1].IsWord("call"))) {
      continue;
    }
    if (qualified) {
      if (absl::EqualsIgnoreCase(toks[i - 2].text, object.first)) return true;
    } else if (!qualifies && absl::EqualsIgnoreCase(default_db, object.first)) {
      return true;
    }
  }
  return false;
}

}  // namespace

bool Workflow::MayRedefineObjects(absl::string_view statement) {
  absl::StatusOr<std::vector<schemadiff::Token>> toks =
      schemadiff::Tokenize(statement);
  if (!toks.ok() || toks->empty()) return true;
  if (toks->size() > 1 && (*toks)[0].IsWord("create") &&
      (*toks)[1].IsWord("temporary")) {
    return false;  // logged by MIXED sessions; creates none of them
  }
  for (const char* verb : {"create", "alter", "drop", "rename"}) {
    if ((*toks)[0].IsWord(verb)) return true;
  }
  return false;
}

absl::Status Workflow::LoadIndirectPaths() {
  struct Object {
    IndirectName name;
    bool routine = false;
    std::string kind;
    bool opaque = false;  // unreadable: names everything
    std::vector<schemadiff::Token> text;
  };
  std::vector<Object> objects;
  auto add = [&](absl::string_view schema, absl::string_view name, bool routine,
                 std::string kind, absl::string_view text) {
    Object o;
    o.name = {std::string(schema), std::string(name)};
    o.routine = routine;
    o.kind = std::move(kind);
    absl::StatusOr<std::vector<schemadiff::Token>> toks =
        schemadiff::Tokenize(text);
    o.opaque = text.empty() || !toks.ok();
    if (toks.ok()) o.text = *std::move(toks);
    objects.push_back(std::move(o));
  };
  // A session of its own: this one may be inside a copy chunk's
  // transaction, holding locks.
  SC_ASSIGN_OR_RETURN(std::unique_ptr<mysql::MysqlConnection> c, OpenSession());
  SC_ASSIGN_OR_RETURN(
      mysql::Result triggers,
      c->Execute("SELECT EVENT_OBJECT_SCHEMA, EVENT_OBJECT_TABLE, "
                 "TRIGGER_NAME, ACTION_STATEMENT "
                 "FROM information_schema.TRIGGERS"));
  for (const mysql::Row& r : triggers.rows) {
    add(r.Get(0), r.Get(1), false,
        absl::StrCat("trigger ", mysql::QuoteIdentifier(r.Get(2)), " on"),
        r.Get(3));
  }
  SC_ASSIGN_OR_RETURN(
      mysql::Result views,
      c->Execute("SELECT TABLE_SCHEMA, TABLE_NAME, VIEW_DEFINITION "
                 "FROM information_schema.VIEWS"));
  for (const mysql::Row& r : views.rows) {
    add(r.Get(0), r.Get(1), false, "view", r.Get(2));
  }
  SC_ASSIGN_OR_RETURN(
      mysql::Result routines,
      c->Execute("SELECT ROUTINE_SCHEMA, ROUTINE_NAME, ROUTINE_TYPE, "
                 "ROUTINE_DEFINITION FROM information_schema.ROUTINES"));
  for (const mysql::Row& r : routines.rows) {
    add(r.Get(0), r.Get(1), true, absl::AsciiStrToLower(r.Get(2)), r.Get(3));
  }
  // What reaches a source table: the sources, then whatever names one.
  std::map<IndirectName, IndirectPath> reach;
  for (const auto& [source, target] : target_of_source_) {
    reach[{row_.db_name, source}] = IndirectPath{false, ""};
  }
  bool grew = true;
  while (grew) {
    grew = false;
    for (const Object& o : objects) {
      if (reach.count(o.name) > 0) continue;
      for (const auto& [n, path] : reach) {
        if (!o.opaque && !Names(o.text, o.name.first, n, path.routine)) {
          continue;
        }
        reach[o.name] = IndirectPath{
            o.routine,
            absl::StrCat(
                o.kind, " ", mysql::QuoteQualified(o.name.first, o.name.second),
                o.opaque ? ", whose text cannot be read"
                         : absl::StrCat(", which names ",
                                        mysql::QuoteIdentifier(n.second)))};
        grew = true;
        break;
      }
    }
  }
  for (auto it = reach.begin(); it != reach.end();) {
    it = it->second.how.empty() ? reach.erase(it) : std::next(it);
  }
  indirect_paths_ = std::move(reach);
  return absl::OkStatus();
}

absl::Status Workflow::CheckIndirectStatement(absl::string_view statement,
                                              absl::string_view session_db) {
  absl::StatusOr<std::vector<schemadiff::Token>> toks =
      schemadiff::Tokenize(statement);
  const bool understood = toks.ok();
  if (understood && !MayChangeRows(*toks)) return absl::OkStatus();
  if (!indirect_paths_.has_value()) SC_RETURN_IF_ERROR(LoadIndirectPaths());
  for (const auto& [name, path] : *indirect_paths_) {
    if (understood && !Names(*toks, session_db, name, path.routine)) continue;
    return absl::FailedPreconditionError(absl::StrCat(
        "a change logged as a statement, not as rows (a session with "
        "binlog_format STATEMENT or MIXED), may change a source table of "
        "the workflow in ",
        mysql::QuoteIdentifier(row_.db_name), " through the ", path.how,
        understood ? "" : " (the statement could not be parsed)",
        ": it cannot be replayed exactly; every client must log rows (SET "
        "GLOBAL binlog_format = ROW, then reconnect them), then the "
        "migration retried: ",
        statement.substr(0, 200)));
  }
  return absl::OkStatus();
}

}  // namespace vreplication
}  // namespace sidecut
