// Declarative, gated deployments: the desired CREATE statements are diffed
// against the live schema (schemadiff), ordered by dependency, submitted as
// one migration_context; the long ALTERs copy and tail while everything
// else waits; once every ALTER is ready the changes apply in the valid
// order (immediate operations and cut-overs), so the whole deployment shows
// up within a short window.
#include <algorithm>
#include <iostream>
#include <set>
#include <variant>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "mysql/quoting.h"
#include "onlineddl/executor.h"
#include "onlineddl/live_schema.h"
#include "onlineddl/migration_uuid.h"
#include "onlineddl/swap_check.h"
#include "schemadiff/charsets.h"
#include "schemadiff/parser.h"
#include "schemadiff/printer.h"
#include "schemadiff/schema.h"
#include "schemadiff/schema_diff_order.h"
#include "schemadiff/schema_diff_plan.h"
#include "util/status_macros.h"

namespace sidecut {
namespace onlineddl {
namespace {

using schemadiff::Statement;

std::string EntityName(const Statement& s) {
  if (auto* t = std::get_if<schemadiff::CreateTable>(&s)) return t->name.name;
  if (auto* v = std::get_if<schemadiff::CreateView>(&s)) return v->name.name;
  return "";
}

// A table option giving its charset or collation (as written: DEFAULT
// CHARSET, CHARACTER SET, COLLATE, any case).
bool IsCharsetOption(const schemadiff::TableOption& o) {
  return absl::EqualsIgnoreCase(o.name, "charset") ||
         absl::EqualsIgnoreCase(o.name, "character set") ||
         absl::EqualsIgnoreCase(o.name, "collate");
}

bool NamesCharset(const schemadiff::TableSpec& spec) {
  return std::any_of(spec.options.begin(), spec.options.end(), IsCharsetOption);
}

// A view's SELECT compared loosely: keywords and column names ignore case,
// identifiers quoting, and for a view reading one table `t`.`c` AS `c` is
// just c (the server prints a view that way whatever was written). Names
// of the tables and databases it reads keep their case: on a server with
// lower_case_table_names = 0, `Orders` is another table than `orders`.
std::string LooseSelect(const schemadiff::CreateView& v) {
  const std::vector<schemadiff::Token>& toks = v.select.tokens.tokens;
  const bool single = v.select.tables.size() == 1;
  const std::string table = single ? v.select.tables[0].name : "";
  std::vector<std::string> names;
  for (const schemadiff::TableName& n : v.select.tables) {
    names.push_back(n.name);
    if (!n.qualifier.empty()) names.push_back(n.qualifier);
  }
  auto text = [&](const schemadiff::Token& t) {
    // Literals keep their kind: 'status' is no column `status`, '1' no 1,
    // X'41' no 41.
    switch (t.kind) {
      case schemadiff::TokenKind::kString:
        return absl::StrCat("'", absl::CEscape(t.text), "'");
      case schemadiff::TokenKind::kHexString:
        return absl::StrCat("x'", absl::AsciiStrToLower(t.text), "'");
      case schemadiff::TokenKind::kBitString:
        return absl::StrCat("b'", t.text, "'");
      default:
        break;
    }
    if (!t.IsIdentLike()) return t.text;
    for (const std::string& n : names) {
      if (absl::EqualsIgnoreCase(n, t.text)) return t.text;
    }
    return absl::AsciiStrToLower(t.text);
  };
  std::vector<std::string> out;
  for (size_t i = 0; i < toks.size(); ++i) {
    const schemadiff::Token& t = toks[i];
    if (single && t.IsIdentLike() && t.text == table && i + 2 < toks.size() &&
        toks[i + 1].IsOp(".") && toks[i + 2].IsIdentLike()) {
      ++i;  // the qualifier and its dot
      continue;
    }
    // The select item so far is a lone column (`c`, or `t`.`c`): the
    // alias naming it as itself says nothing (`a - c AS c` does).
    auto boundary = [&](size_t back) {
      if (out.size() < back + 1) return false;
      const std::string& s = out[out.size() - 1 - back];
      return s == "," || s == "select" || s == "distinct";
    };
    const bool lone_column =
        !out.empty() &&
        (boundary(1) ||
         (out.size() >= 4 && out[out.size() - 2] == "." && boundary(3)));
    // (A string's own name is its text: 'active' AS `active`, as the
    // server prints a string selected without an alias.)
    const bool names_itself =
        lone_column && i + 1 < toks.size() && toks[i + 1].IsIdentLike() &&
        (text(toks[i + 1]) == out.back() ||
         (i > 0 && toks[i - 1].kind == schemadiff::TokenKind::kString &&
          absl::EqualsIgnoreCase(toks[i + 1].text, toks[i - 1].text)));
    if (t.IsWord("as") && lone_column && names_itself) {
      ++i;  // `c` AS `c`
      continue;
    }
    out.push_back(text(t));
  }
  return absl::StrJoin(out, " ");
}

// Whether two views have the same definer (CURRENT_USER matches any: who
// that is depends on the session).
bool SameDefiner(const schemadiff::CreateView& a,
                 const schemadiff::CreateView& b) {
  if (!a.definer.has_value() || !b.definer.has_value()) {
    return a.definer.has_value() == b.definer.has_value();
  }
  if (absl::EqualsIgnoreCase(a.definer->user, "current_user") ||
      absl::EqualsIgnoreCase(b.definer->user, "current_user")) {
    return true;
  }
  return a.definer->user == b.definer->user &&
         absl::EqualsIgnoreCase(a.definer->host, b.definer->host);
}

// A member the gate cuts over (a shadow-table ALTER or its revert).
bool IsGatedCopy(const Migration& m) {
  return m.ddl_action == "alter" && !m.is_view && m.strategy == "vitess";
}

}  // namespace

absl::StatusOr<std::vector<std::string>> Executor::PlanDeclarative(
    absl::string_view sql, absl::string_view strategy,
    std::vector<std::string>* related) {
  SC_ASSIGN_OR_RETURN(DdlStrategySetting st,
                      DdlStrategySetting::Parse(strategy));
  if (!st.IsDeclarative()) {
    return absl::InvalidArgumentError(
        "planning a declarative deployment needs --declarative");
  }
  // What Submit checks first: DDL only, in this schema.
  SC_RETURN_IF_ERROR(ParseDdl(sql, options_.db).status());
  absl::MutexLock lock(&mu_);
  SC_ASSIGN_OR_RETURN(IdlePlan plan, PlanFromIdleSchema(sql, st));
  if (related != nullptr) *related = std::move(plan.related);
  return std::move(plan.ddl);
}

absl::StatusOr<std::vector<std::string>> Executor::DeclarativeDdl(
    absl::string_view sql, const DdlStrategySetting& st,
    std::set<std::string>* related) {
  SC_ASSIGN_OR_RETURN(std::vector<Statement> wanted,
                      schemadiff::ParseStatements(sql));
  // DROP TABLE / DROP VIEW name entities to remove (as in Vitess's
  // declarative mode); CREATE statements the desired entities.
  std::vector<std::string> dropped;
  std::vector<Statement> created;
  for (Statement& s : wanted) {
    if (const auto* d = std::get_if<schemadiff::DropTable>(&s)) {
      for (const auto& t : d->tables) dropped.push_back(t.name);
      continue;
    }
    if (const auto* d = std::get_if<schemadiff::DropView>(&s)) {
      for (const auto& v : d->views) dropped.push_back(v.name);
      continue;
    }
    const auto* t = std::get_if<schemadiff::CreateTable>(&s);
    if ((t == nullptr || t->like.has_value()) &&
        !std::holds_alternative<schemadiff::CreateView>(s)) {
      return absl::InvalidArgumentError(
          "--declarative takes CREATE TABLE and CREATE VIEW statements "
          "describing the desired tables and views (and DROP TABLE / DROP "
          "VIEW for those to remove)");
    }
    created.push_back(std::move(s));
  }
  SC_ASSIGN_OR_RETURN(std::string live_sql,
                      LoadLiveSchemaSql(*conn_, options_.db));
  // A desired table naming only its charset gets this server's default
  // collation, as the server would give it.
  schemadiff::ServerDialect dialect;
  SC_ASSIGN_OR_RETURN(dialect.collations, LoadDefaultCollations(*conn_));
  dialect.mariadb = true;  // the servers Sidecut runs beside
  schemadiff::ScopedServerDialect in_dialect(std::move(dialect));
  SC_ASSIGN_OR_RETURN(std::vector<Statement> live,
                      schemadiff::ParseStatements(live_sql));
  auto named = [](const std::string& name) {
    return [name](const Statement& s) { return EntityName(s) == name; };
  };
  // Desired: with --whole-schema exactly the given entities; otherwise the
  // live schema with the given entities replaced, added or dropped.
  std::vector<Statement> desired;
  if (!st.IsWholeSchema()) desired = live;
  for (const std::string& name : dropped) {
    auto it = std::find_if(desired.begin(), desired.end(), named(name));
    if (it == desired.end() &&
        std::find_if(live.begin(), live.end(), named(name)) == live.end()) {
      return absl::NotFoundError(
          absl::StrCat("deployment refused: cannot drop '", name,
                       "': no such table or view in ", options_.db));
    }
    if (it != desired.end()) desired.erase(it);
  }
  for (Statement& w : created) {
    const std::string name = EntityName(w);
    if (std::find(dropped.begin(), dropped.end(), name) != dropped.end()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "deployment refused: '", name, "' is both created and dropped"));
    }
    auto same = std::find_if(desired.begin(), desired.end(), named(name));
    auto* view = std::get_if<schemadiff::CreateView>(&w);
    auto current = std::find_if(live.begin(), live.end(), named(name));
    if (view != nullptr && current != live.end()) {
      // A view that names no definer / SQL SECURITY keeps the live ones
      // (the server filled them in when it was created).
      if (const auto* was = std::get_if<schemadiff::CreateView>(&*current)) {
        if (!view->definer.has_value()) view->definer = was->definer;
        if (view->security.empty()) view->security = was->security;
        // The same SELECT written differently: unchanged.
        if (view->columns == was->columns && SameDefiner(*view, *was) &&
            absl::EqualsIgnoreCase(
                view->security.empty() ? "definer" : view->security,
                was->security.empty() ? "definer" : was->security) &&
            view->check_option == was->check_option &&
            absl::EqualsIgnoreCase(
                view->algorithm.empty() ? "undefined" : view->algorithm,
                was->algorithm.empty() ? "undefined" : was->algorithm) &&
            LooseSelect(*view) == LooseSelect(*was)) {
          w = *current;
        }
      }
    }
    auto* table = std::get_if<schemadiff::CreateTable>(&w);
    if (table != nullptr && table->spec && current != live.end()) {
      // A table that names no charset/collation keeps the live ones, and
      // its columns are read against them: a column naming the charset it
      // has (utf8mb4 in a latin1 table) stays as it is.
      const auto* was = std::get_if<schemadiff::CreateTable>(&*current);
      if (was != nullptr && was->spec && !NamesCharset(*table->spec)) {
        for (const schemadiff::TableOption& o : was->spec->options) {
          if (IsCharsetOption(o)) table->spec->options.push_back(o);
        }
      }
    }
    if (same != desired.end()) {
      *same = std::move(w);
    } else {
      desired.push_back(std::move(w));
    }
  }
  SC_ASSIGN_OR_RETURN(schemadiff::Schema from,
                      schemadiff::Schema::FromStatements(std::move(live)));
  absl::StatusOr<schemadiff::Schema> to =
      schemadiff::Schema::FromStatements(std::move(desired));
  if (!to.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("deployment refused: the desired schema is invalid: ",
                     to.status().message()));
  }
  // A desired table that names no charset/collation keeps the live one
  // (the server's defaults applied when it was created).
  schemadiff::DiffHints hints;
  hints.charset_collate = schemadiff::TableCharsetCollateStrategy::kIgnoreEmpty;
  // One member per table: a table's changes go through one shadow (its
  // FULLTEXT keys too), and the gate cuts over each table once.
  hints.fulltext = schemadiff::FullTextKeyStrategy::kUnifyStatements;
  SC_ASSIGN_OR_RETURN(schemadiff::SchemaDiffPlan plan,
                      schemadiff::PlanSchemaDiff(from, *to, hints));
  absl::StatusOr<std::vector<int>> order = schemadiff::OrderDiffs(from, plan);
  if (!order.ok()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "deployment refused before anything ran: ", order.status().message()));
  }
  // The gate swaps adjacent ALTERs in one RENAME: brought together where
  // the order allows it.
  *order = schemadiff::GatherTableAlters(from, plan, *order);
  if (related != nullptr) *related = schemadiff::PlanNeighborhood(from, plan);
  // Any other chain of ALTERs of one table (a diff of several statements)
  // would leave the second queued behind the first, and the gate waiting
  // for both: refused.
  {
    absl::flat_hash_set<std::string> altered;
    for (const schemadiff::EntityDiff& diff : plan.diffs) {
      if (diff.kind != schemadiff::EntityDiffKind::kAlterTable) continue;
      if (!altered.insert(diff.entity).second) {
        return absl::FailedPreconditionError(absl::StrCat(
            "deployment refused before anything ran: table ", diff.entity,
            " would need two ALTER TABLE statements, which cannot cut over "
            "together"));
      }
      // Its copy would fail (StartVrepl), perhaps on a parent the
      // deployment creates later: refused now.
      const auto* alter = std::get_if<schemadiff::AlterTable>(&diff.statement);
      if (alter != nullptr && !st.IsAllowForeignKeys() &&
          std::any_of(
              alter->options.begin(), alter->options.end(),
              [](const schemadiff::AlterOption& o) {
                return o.constraint.has_value() &&
                       std::holds_alternative<schemadiff::ForeignKeyDefinition>(
                           o.constraint->details);
              })) {
        return absl::FailedPreconditionError(absl::StrCat(
            "deployment refused before anything ran: it adds a foreign key "
            "to table ",
            diff.entity,
            ", which online DDL cannot swap (a foreign key child); add it "
            "with the direct strategy, or accept that with "
            "--unsafe-allow-foreign-keys"));
      }
    }
  }
  // A DROP of a foreign key parent or child would be refused as it is
  // applied, after the changes ordered before it: refused now.
  if (!st.IsAllowForeignKeys()) {
    for (const schemadiff::EntityDiff& diff : plan.diffs) {
      if (diff.kind != schemadiff::EntityDiffKind::kDropTable) continue;
      const absl::Status allowed =
          CheckDropAllowed(*conn_, options_.db, diff.entity);
      if (!allowed.ok()) {
        return absl::Status(allowed.code(),
                            absl::StrCat("deployment refused before anything "
                                         "ran: ",
                                         allowed.message()));
      }
    }
  }
  std::vector<std::string> ddl;
  for (int i : *order) {
    ddl.push_back(schemadiff::Print(plan.diffs[i].statement,
                                    schemadiff::OutputMode::kString));
  }
  return ddl;
}

absl::StatusOr<Executor::IdlePlan> Executor::PlanFromIdleSchema(
    absl::string_view sql, const DdlStrategySetting& st) {
  IdlePlan plan;
  std::set<std::string> related;
  SC_ASSIGN_OR_RETURN(plan.ddl, DeclarativeDdl(sql, st, &related));
  if (plan.ddl.empty()) return plan;
  for (const std::string& text : plan.ddl) {
    SC_ASSIGN_OR_RETURN(std::vector<DdlStatement> parsed,
                        ParseDdl(text, options_.db));
    for (DdlStatement& ds : parsed) plan.statements.push_back(std::move(ds));
  }
  // The plan is the difference from the schema as it is now: a table or
  // view another migration is still changing, or one the plan depends on
  // (a table a new view reads, a view reading a changed table), would end
  // as neither meant (a change kept, undone by nothing, or a view left
  // reading a column dropped meanwhile).
  std::vector<std::string> tables;
  for (const DdlStatement& ds : plan.statements) {
    tables.push_back(mysql::QuoteString(ds.table));
  }
  for (const std::string& name : related) {
    tables.push_back(mysql::QuoteString(name));
    bool changed = false;
    for (const DdlStatement& ds : plan.statements) {
      changed |= absl::EqualsIgnoreCase(ds.table, name);
    }
    if (!changed) plan.related.push_back(name);
  }
  SC_ASSIGN_OR_RETURN(
      std::vector<Migration> busy,
      ListMine(absl::StrCat(
          "migration_status IN ('requested', 'queued', 'ready', 'running') "
          "AND mysql_table IN (",
          absl::StrJoin(tables, ", "), ")")));
  // Nor may it change what another deployment, still running, depends on.
  std::vector<std::string> changed;
  for (const DdlStatement& ds : plan.statements) changed.push_back(ds.table);
  if (absl::Status depended = CheckNoDeploymentDependsOn(changed);
      !depended.ok()) {
    return absl::Status(depended.code(),
                        absl::StrCat("deployment refused before anything ran: ",
                                     depended.message()));
  }
  if (!busy.empty()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "deployment refused before anything ran: migration ", busy[0].uuid,
        " (", busy[0].status, ") is still changing ",
        mysql::QuoteIdentifier(busy[0].table),
        ", which the plan changes or depends on, and the plan is the "
        "difference from the schema as it is now; submit it again once that "
        "one has ended"));
  }
  return plan;
}

absl::StatusOr<std::vector<std::string>> Executor::SubmitDeclarative(
    absl::string_view sql, const DdlStrategySetting& st,
    absl::string_view migration_context) {
  SC_ASSIGN_OR_RETURN(IdlePlan plan, PlanFromIdleSchema(sql, st));
  if (plan.ddl.empty()) return std::vector<std::string>();
  const std::vector<DdlStatement>& statements = plan.statements;
  Deployment d;
  d.context = migration_context.empty()
                  ? absl::StrCat("deploy-", CreateMigrationUuid())
                  : std::string(migration_context);
  d.schema = options_.db;
  d.status = kDeployRunning;
  d.postpone_completion = st.IsPostponeCompletion();
  d.related = std::move(plan.related);
  if (ReadDeployment(*conn_, d.schema, d.context).ok()) {
    return absl::AlreadyExistsError(
        absl::StrCat("deployment '", d.context, "' exists already"));
  }
  // Members and deployment in one transaction: a crash or an error in
  // between must not leave gated members without their gate.
  auto insert_members = [&]() -> absl::Status {
    for (const DdlStatement& ds : statements) {
      Migration m;
      m.uuid = CreateMigrationUuid();
      m.keyspace = options_.keyspace;
      m.shard = options_.shard;
      m.schema = options_.db;
      m.table = ds.table;
      m.statement = ds.sql;
      m.strategy = "vitess";
      m.options = st.options;
      m.status = kStatusRequested;
      m.tablet = options_.tablet;
      m.migration_context = d.context;
      m.ddl_action = std::string(ActionName(ds.action));
      m.is_view = ds.is_view;
      m.allow_concurrent = true;  // tails run side by side
      const bool copy =
          ds.action == DdlStatement::Action::kAlter && !ds.is_view;
      m.postpone_completion = copy;  // the gate cuts over
      m.postpone_launch = !copy;     // the gate applies it
      m.cutover_threshold_seconds = absl::ToInt64Seconds(st.CutOverThreshold());
      m.retain_artifacts_seconds = st.RetainArtifactsSeconds();
      SC_RETURN_IF_ERROR(InsertMigration(*conn_, m));
      d.members.push_back(m.uuid);
    }
    return absl::OkStatus();
  };
  SC_RETURN_IF_ERROR(conn_->Execute("BEGIN").status());
  absl::Status inserted = insert_members();
  if (inserted.ok()) inserted = InsertDeployment(*conn_, d);
  if (inserted.ok()) inserted = conn_->Execute("COMMIT").status();
  if (!inserted.ok()) {
    conn_->Execute("ROLLBACK").IgnoreError();
    return inserted;
  }
  Wake();
  return d.members;
}

absl::Status Executor::GateDeployments() {
  SC_ASSIGN_OR_RETURN(std::vector<Deployment> ds,
                      ListDeployments(*conn_, options_.db, ""));
  for (Deployment& d : ds) {
    if (d.status != kDeployRunning && d.status != kDeployCompleting) continue;
    const std::string context = d.context;
    // One deployment's trouble (a member row gone, a refused step) holds
    // up neither the others nor the rest of the tick (cleanup, table GC):
    // logged, tried again next tick.
    if (absl::Status s = GateDeployment(std::move(d)); !s.ok()) {
      LogRepeatedError(absl::StrCat("deployment ", context, ": ", s.message()));
    }
  }
  return absl::OkStatus();
}

absl::Status Executor::GateDeployment(Deployment d) {
  std::vector<Migration> members;
  for (const std::string& u : d.members) {
    SC_ASSIGN_OR_RETURN(Migration m, ReadMigration(*conn_, u));
    members.push_back(std::move(m));
  }
  // Nothing applied yet (running, or completing with the first cut-over
  // still to succeed): a member that failed or was cancelled ends the
  // deployment with production untouched, the rest cancelled. A later
  // member's failure was found only once the gate reached it, the members
  // before it applied.
  const bool none_applied = std::none_of(
      members.begin(), members.end(),
      [](const Migration& m) { return m.status == kStatusComplete; });
  // (A member failed with its swap's outcome unknown may have applied.)
  const bool surely_none =
      none_applied &&
      std::none_of(members.begin(), members.end(), [](const Migration& m) {
        return m.stage == kSwapOutcomeUnknownStage;
      });
  if (d.status == kDeployRunning || none_applied) {
    for (const Migration& m : members) {
      if (m.status != kStatusFailed && m.status != kStatusCancelled) continue;
      for (const Migration& other : members) {
        if (!IsTerminalStatus(other.status)) {
          SC_RETURN_IF_ERROR(CancelLocked(
              other, absl::StrCat("cancelled with its deployment: member ",
                                  m.uuid, " (", m.table, ") ", m.status)));
        }
      }
      d.status = m.status == kStatusFailed ? kDeployFailed : kDeployCancelled;
      d.message =
          absl::StrCat("member ", m.uuid, " (", m.table, ") ", m.status, ": ",
                       m.message, surely_none ? "; nothing was applied" : "");
      return UpdateDeployment(*conn_, d);
    }
  }
  if (d.status == kDeployRunning) {
    if (d.postpone_completion) return absl::OkStatus();
    for (const Migration& m : members) {
      // One completed already (by a command naming it): waiting for it to
      // become ready would wait forever; the rest applies as planned.
      if (IsGatedCopy(m) && m.status != kStatusComplete &&
          !(m.status == kStatusRunning && m.ready_to_complete)) {
        return absl::OkStatus();  // still copying or catching up
      }
    }
    d.status = kDeployCompleting;
    SC_RETURN_IF_ERROR(UpdateDeployment(*conn_, d));
  }
  // Apply in order; a cut-over that must be retried resumes here next tick.
  // Adjacent ALTERs (nothing between them in the order) swap together in
  // one atomic RENAME.
  for (size_t i = 0; i < members.size(); ++i) {
    SC_ASSIGN_OR_RETURN(Migration m, ReadMigration(*conn_, members[i].uuid));
    if (m.status == kStatusComplete) continue;
    if (m.status == kStatusFailed || m.status == kStatusCancelled) {
      // The members after it never apply: cancelled, not left waiting.
      for (size_t j = i + 1; j < members.size(); ++j) {
        SC_ASSIGN_OR_RETURN(Migration later,
                            ReadMigration(*conn_, members[j].uuid));
        if (!IsTerminalStatus(later.status)) {
          SC_RETURN_IF_ERROR(CancelLocked(
              later, absl::StrCat("cancelled with its deployment: member ",
                                  m.uuid, " (", m.table, ") ", m.status,
                                  " while applying, before this one")));
        }
      }
      d.status = kDeployFailed;
      d.message = absl::StrCat("member ", m.uuid, " (", m.table, ") ", m.status,
                               " while applying: ", m.message,
                               "; the members before it are applied");
      return UpdateDeployment(*conn_, d);
    }
    std::vector<Migration> applied;
    if (IsGatedCopy(m)) {
      std::vector<Migration> group = {m};
      while (i + 1 < members.size()) {
        SC_ASSIGN_OR_RETURN(Migration next,
                            ReadMigration(*conn_, members[i + 1].uuid));
        if (!IsGatedCopy(next) || next.status != kStatusRunning) break;
        group.push_back(std::move(next));
        ++i;
      }
      for (const Migration& g : group) {
        if (BackingOff(g.uuid)) return absl::OkStatus();
        // Its last cut-over may have swapped (being checked or recorded by
        // MonitorVrepl): another would swap the tables back.
        SC_ASSIGN_OR_RETURN(bool swapped, SwappedUnrecorded(g));
        if (swapped || CutOverInterrupted(g)) return absl::OkStatus();
        // No longer ready since the gate opened (throttled; a revert's old
        // table written to, its check begun again): waited for, not
        // swapped unchecked.
        if (!g.ready_to_complete) return absl::OkStatus();
      }
      SC_RETURN_IF_ERROR(CutOverVrepl(group));
      applied = std::move(group);
    } else {
      // Its object was in use at the last attempt: retried after a pause.
      if (BackingOff(m.uuid)) return absl::OkStatus();
      gate_applying_ = true;
      const absl::Status started = StartMigration(m);
      gate_applying_ = false;
      SC_RETURN_IF_ERROR(started);
      applied.push_back(m);
    }
    for (const Migration& a : applied) {
      SC_ASSIGN_OR_RETURN(Migration after, ReadMigration(*conn_, a.uuid));
      if (after.status != kStatusComplete) return absl::OkStatus();
    }
  }
  SC_ASSIGN_OR_RETURN(
      std::string spread,
      mysql::QueryValue(
          *conn_, absl::StrCat(
                      "SELECT IFNULL(TIMESTAMPDIFF(MICROSECOND, "
                      "MIN(completed_timestamp), MAX(completed_timestamp)) "
                      "DIV 1000, -1) FROM _vt.schema_migrations WHERE "
                      "migration_uuid IN (",
                      absl::StrJoin(d.members, ", ",
                                    [](std::string* out, const std::string& u) {
                                      out->append(mysql::QuoteString(u));
                                    }),
                      ")")));
  if (!absl::SimpleAtoi(spread, &d.spread_ms)) d.spread_ms = -1;
  d.status = kDeployComplete;
  return UpdateDeployment(*conn_, d);
}

absl::StatusOr<Deployment> Executor::GetDeployment(absl::string_view context) {
  return Read<Deployment>([&](mysql::Connection& conn) {
    return ReadDeployment(conn, options_.db, context);
  });
}

absl::Status Executor::CompleteDeployment(absl::string_view context,
                                          absl::Time deadline) {
  absl::MutexLock lock(&mu_);
  SC_RETURN_IF_ERROR(CheckMayAct(deadline));
  SC_ASSIGN_OR_RETURN(Deployment d,
                      ReadDeployment(*conn_, options_.db, context));
  if (d.status != kDeployRunning) {
    return absl::FailedPreconditionError(absl::StrCat(
        "deployment '", context, "' is ", d.status, "; nothing to complete"));
  }
  d.postpone_completion = false;
  SC_RETURN_IF_ERROR(UpdateDeployment(*conn_, d));
  Wake();
  return absl::OkStatus();
}

absl::Status Executor::CancelDeployment(absl::string_view context,
                                        absl::Time deadline) {
  absl::MutexLock lock(&mu_);
  SC_RETURN_IF_ERROR(CheckMayAct(deadline));
  SC_ASSIGN_OR_RETURN(Deployment d,
                      ReadDeployment(*conn_, options_.db, context));
  if (d.status != kDeployRunning && d.status != kDeployCompleting) {
    return absl::FailedPreconditionError(
        absl::StrCat("deployment '", context, "' is ", d.status));
  }
  // While completing, until the last moment: not while a member is being
  // applied or swapped (its outcome is for the gate to record), and what
  // was applied stays (the deployment then failed, revertible).
  int applied = 0;
  std::vector<Migration> ms;
  for (const std::string& u : d.members) {
    SC_ASSIGN_OR_RETURN(Migration m, ReadMigration(*conn_, u));
    if (m.status == kStatusComplete) ++applied;
    if (IsTerminalStatus(m.status)) continue;
    if (d.status == kDeployCompleting) {
      SC_ASSIGN_OR_RETURN(bool swapped, SwappedUnrecorded(m));
      if (swapped || CutOverInterrupted(m) || prepared_.count(m.uuid) > 0 ||
          absl::StartsWith(m.stage, kApplying)) {
        return absl::FailedPreconditionError(absl::StrCat(
            "deployment '", context, "' is applying member ", m.uuid,
            " right now; revert the deployment once it has ended"));
      }
    }
    ms.push_back(std::move(m));
  }
  for (const Migration& m : ms) SC_RETURN_IF_ERROR(CancelLocked(m));
  d.status = applied == 0 ? kDeployCancelled : kDeployFailed;
  d.message = applied == 0
                  ? "cancelled by request"
                  : absl::StrCat("cancelled by request after ", applied, " of ",
                                 d.members.size(),
                                 " changes were applied: REVERT DEPLOYMENT "
                                 "undoes them");
  return UpdateDeployment(*conn_, d);
}

absl::StatusOr<std::string> Executor::RevertDeployment(
    absl::string_view context, absl::Time deadline) {
  absl::MutexLock lock(&mu_);
  SC_RETURN_IF_ERROR(CheckMayAct(deadline));
  SC_ASSIGN_OR_RETURN(Deployment d,
                      ReadDeployment(*conn_, options_.db, context));
  // A deployment that failed while applying has its members up to the
  // failed one applied: those are reverted (the rest never applied).
  const bool failed = d.status == kDeployFailed;
  if (d.status != kDeployComplete && !failed) {
    return absl::FailedPreconditionError(absl::StrCat(
        "deployment '", context, "' is ", d.status,
        "; only a complete deployment, or what a failed one applied, can be "
        "reverted"));
  }
  Deployment r;
  r.context = absl::StrCat("revert-", CreateMigrationUuid());
  r.schema = d.schema;
  r.status = kDeployRunning;
  r.reverted_context = d.context;
  // Every member must be revertible before any revert is submitted; the
  // reverts and their deployment are saved in one transaction, so none is
  // left without its gate (a crash or an error in between).
  SC_RETURN_IF_ERROR(conn_->Execute("BEGIN").status());
  absl::Status saved;
  for (auto it = d.members.rbegin(); it != d.members.rend() && saved.ok();
       ++it) {
    if (failed) {
      absl::StatusOr<Migration> m = ReadMigration(*conn_, *it);
      saved = m.status();
      if (!saved.ok()) break;
      if (m->status != kStatusComplete) continue;  // never applied
    }
    absl::StatusOr<std::string> u = RevertLocked(*it, r.context, true);
    if (u.ok()) r.members.push_back(*u);
    saved = u.status();
  }
  if (saved.ok() && r.members.empty()) {
    saved = absl::FailedPreconditionError(
        absl::StrCat("deployment '", context,
                     "' failed before applying anything: nothing to revert"));
  }
  if (saved.ok()) saved = InsertDeployment(*conn_, r);
  if (saved.ok()) saved = conn_->Execute("COMMIT").status();
  if (!saved.ok()) {
    conn_->Execute("ROLLBACK").IgnoreError();
    return saved;
  }
  Wake();
  return r.context;
}

absl::StatusOr<mysql::Result> Executor::DeploymentCommand(
    absl::string_view verb, absl::string_view context, absl::Time deadline) {
  mysql::Result r;
  std::string shown(context);
  const std::string v = absl::AsciiStrToLower(verb);
  if (v == "complete") {
    SC_RETURN_IF_ERROR(CompleteDeployment(context, deadline));
  } else if (v == "cancel") {
    SC_RETURN_IF_ERROR(CancelDeployment(context, deadline));
  } else if (v == "revert") {
    SC_ASSIGN_OR_RETURN(shown, RevertDeployment(context, deadline));
  } else if (v != "show") {
    return absl::InvalidArgumentError(absl::StrCat("unknown verb ", verb));
  }
  SC_ASSIGN_OR_RETURN(Deployment d, GetDeployment(shown));
  for (const char* f : {"kind", "id", "table", "action", "status", "progress",
                        "stage", "message"}) {
    r.fields.push_back(mysql::Field{});
    r.fields.back().name = f;
  }
  r.rows.push_back(
      mysql::Row({std::string("deployment"), d.context, std::string(""),
                  std::string(""), d.status,
                  d.spread_ms >= 0 ? absl::StrCat("spread ", d.spread_ms, " ms")
                                   : std::string(""),
                  d.postpone_completion ? std::string("postponed completion")
                                        : std::string(""),
                  d.message}));
  for (const std::string& u : d.members) {
    SC_ASSIGN_OR_RETURN(Migration m, Get(u));
    r.rows.push_back(mysql::Row(
        {std::string("member"), m.uuid, m.table, m.ddl_action, m.status,
         absl::StrCat(static_cast<int>(m.progress)), m.stage, m.message}));
  }
  return r;
}

}  // namespace onlineddl
}  // namespace sidecut
