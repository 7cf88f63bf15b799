#include "schemadiff/schemadiff_cli.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "schemadiff/instant_capability.h"
#include "schemadiff/printer.h"
#include "schemadiff/schema_diff_order.h"
#include "util/heap_tuning.h"

namespace sidecut {
namespace schemadiff {
namespace {

constexpr char kUsage[] =
    "usage: sidecut_schemadiff --from=A --to=B [--json] [--table-rename=M]\n"
    "                          [--fk-check=S]\n"
    "\n"
    "Prints the statements turning schema A into schema B, in an order in\n"
    "which each leaves a valid schema. A and B are each a .sql file or a\n"
    "directory of .sql files holding CREATE TABLE / CREATE VIEW statements,\n"
    "or a live server's schema: mysql://user[:password]@host[:port]/db.\n"
    "\n"
    "  --json  print {diffs, order, classes, dependencies} as JSON; each\n"
    "          ALTER TABLE diff says whether MariaDB 10.11 / MySQL 8.0 can\n"
    "          run it instantly\n"
    "  --table-rename=assume-different|heuristic\n"
    "          heuristic: a dropped and a created table of identical\n"
    "          definitions are one RENAME TABLE (default assume-different)\n"
    "  --fk-check=strict|create-table-first|ignore\n"
    "          how ordering treats foreign keys to tables not (yet) there\n"
    "          in an intermediate step (default strict; the final schema is\n"
    "          always checked strictly)\n";

absl::StatusOr<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read ", path));
  // One read of the whole file (a stringstream copies it in small steps).
  std::string text(static_cast<size_t>(in.tellg()), '\0');
  in.seekg(0);
  if (!in.read(text.data(), static_cast<std::streamsize>(text.size()))) {
    return absl::DataLossError(absl::StrCat("cannot read ", path));
  }
  return text;
}

absl::StatusOr<std::string> ReadSource(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::is_directory(path, ec)) return ReadFile(path);
  std::vector<std::string> files;
  for (const auto& e : std::filesystem::directory_iterator(path, ec)) {
    if (e.is_regular_file() && e.path().extension() == ".sql") {
      files.push_back(e.path().string());
    }
  }
  if (ec) return absl::NotFoundError(absl::StrCat("cannot list ", path));
  std::sort(files.begin(), files.end());
  std::string sql;
  for (const std::string& f : files) {
    absl::StatusOr<std::string> text = ReadFile(f);
    if (!text.ok()) return text.status();
    absl::StrAppend(&sql, *text, ";\n");
  }
  return sql;
}

std::string Quote(absl::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          out += absl::StrFormat("\\u%04x", c);
        } else {
          out += c;
        }
    }
  }
  return out + "\"";
}

absl::string_view KindName(EntityDiffKind kind) {
  switch (kind) {
    case EntityDiffKind::kDropView:
      return "drop_view";
    case EntityDiffKind::kDropTable:
      return "drop_table";
    case EntityDiffKind::kAlterTable:
      return "alter_table";
    case EntityDiffKind::kRenameTable:
      return "rename_table";
    case EntityDiffKind::kAlterView:
      return "alter_view";
    case EntityDiffKind::kCreateTable:
      return "create_table";
    case EntityDiffKind::kCreateView:
      return "create_view";
  }
  return "";
}

std::string IntList(const std::vector<int>& v) {
  return absl::StrCat("[", absl::StrJoin(v, ", "), "]");
}

int Diff(const std::string& from_path, const std::string& to_path, bool json,
         const DiffHints& hints, std::ostream& out, std::ostream& err,
         const LiveSqlSource& live) {
  absl::StatusOr<Schema> from = absl::UnknownError("not loaded");
  absl::StatusOr<Schema> to = absl::UnknownError("not loaded");
  if (!IsLiveSource(from_path) && !IsLiveSource(to_path)) {
    // Two files or directories: parsed and validated side by side.
    std::thread load_to([&] {
      AdviseHugePagesForThreadArena();
      to = LoadSchemaSource(to_path, live);
    });
    from = LoadSchemaSource(from_path, live);
    load_to.join();
  } else {
    from = LoadSchemaSource(from_path, live);
    if (from.ok()) to = LoadSchemaSource(to_path, live);
  }
  if (!from.ok()) to = from.status();
  absl::StatusOr<SchemaDiffPlan> plan =
      to.ok() ? PlanSchemaDiff(*from, *to, hints) : to.status();
  absl::StatusOr<std::vector<int>> order =
      plan.ok() ? OrderDiffs(*from, *plan) : plan.status();
  if (!order.ok()) {
    err << "sidecut_schemadiff: " << order.status().message() << "\n";
    return 1;
  }
  if (json) {
    out << SchemaDiffJson(*from, *plan, *order);
    return 0;
  }
  for (int i : *order) out << ToString(plan->diffs[i].statement) << ";\n";
  return 0;
}

}  // namespace

bool IsLiveSource(absl::string_view spec) {
  return absl::StartsWith(spec, "mysql://");
}

namespace {

// A source as errors name it: a live source without its password.
std::string SourceName(const std::string& spec) {
  if (!IsLiveSource(spec)) return spec;
  const size_t at = spec.find('@');
  const size_t colon = spec.find(':', 8);
  if (at == std::string::npos || colon == std::string::npos || colon > at) {
    return spec;
  }
  return absl::StrCat(spec.substr(0, colon), spec.substr(at));
}

}  // namespace

absl::StatusOr<Schema> LoadSchemaSource(const std::string& path,
                                        const LiveSqlSource& live) {
  absl::StatusOr<std::string> sql;
  if (IsLiveSource(path)) {
    if (!live) {
      return absl::UnimplementedError(
          absl::StrCat(path,
                       ": live-server sources need a MySQL connection; use the "
                       "sidecut_schemadiff binary or `sidecut schemadiff`"));
    }
    sql = live(path);
  } else {
    sql = ReadSource(path);
  }
  if (!sql.ok() && IsLiveSource(path)) {
    return absl::Status(
        sql.status().code(),
        absl::StrCat(SourceName(path), ": ", sql.status().message()));
  }
  if (!sql.ok()) return sql.status();
  absl::StatusOr<Schema> schema = Schema::FromSql(*sql);
  if (!schema.ok()) {
    return absl::Status(
        schema.status().code(),
        absl::StrCat(SourceName(path), ": ", schema.status().message()));
  }
  return schema;
}

std::string SchemaDiffJson(const Schema& from, const SchemaDiffPlan& plan,
                           const std::vector<int>& order) {
  std::string s = "{\"diffs\": [";
  for (size_t i = 0; i < plan.diffs.size(); ++i) {
    const EntityDiff& d = plan.diffs[i];
    absl::StrAppend(&s, i ? ",\n  " : "\n  ", "{\"entity\": ", Quote(d.entity),
                    ", \"kind\": ", Quote(KindName(d.kind)),
                    ", \"statement\": ", Quote(ToString(d.statement)));
    const auto* alter = std::get_if<AlterTable>(&d.statement);
    const CreateTable* table = from.FindTable(d.entity);
    if (alter != nullptr && table != nullptr) {
      auto flag = [](bool b) { return b ? "true" : "false"; };
      absl::StrAppend(
          &s, ", \"instant\": {\"mariadb\": ",
          flag(CapableOfInstantDdl(*table, *alter, ServerFlavor::kMariaDB1011)),
          ", \"mysql80\": ",
          flag(CapableOfInstantDdl(*table, *alter, ServerFlavor::kMySQL80)),
          "}");
    }
    absl::StrAppend(&s, "}");
  }
  absl::StrAppend(&s, "],\n \"order\": ", IntList(order), ",\n \"classes\": [");
  for (size_t i = 0; i < plan.classes.size(); ++i) {
    absl::StrAppend(&s, i ? ", " : "", IntList(plan.classes[i]));
  }
  absl::StrAppend(&s, "],\n \"dependencies\": [");
  for (size_t i = 0; i < plan.dependencies.size(); ++i) {
    const DiffDependency& d = plan.dependencies[i];
    absl::StrAppend(&s, i ? ",\n  " : "\n  ", "{\"diff\": ", d.diff,
                    ", \"on\": ", d.on,
                    ", \"kind\": ", Quote(DiffDependencyKindName(d.kind)), "}");
  }
  absl::StrAppend(&s, "]}\n");
  return s;
}

int RunSchemadiffCli(const std::vector<std::string>& args, std::ostream& out,
                     std::ostream& err, const LiveSqlSource& live) {
  std::string from, to;
  bool json = false;
  DiffHints hints;
  for (const std::string& a : args) {
    if (a == "--help" || a == "-h") {
      out << kUsage;
      return 0;
    } else if (absl::StartsWith(a, "--from=")) {
      from = a.substr(7);
    } else if (absl::StartsWith(a, "--to=")) {
      to = a.substr(5);
    } else if (a == "--json") {
      json = true;
    } else if (a == "--table-rename=heuristic") {
      hints.table_rename = TableRenameStrategy::kHeuristicStatement;
    } else if (a == "--table-rename=assume-different") {
      hints.table_rename = TableRenameStrategy::kAssumeDifferent;
    } else if (a == "--fk-check=strict") {
      hints.foreign_key_check = ForeignKeyCheckStrategy::kStrict;
    } else if (a == "--fk-check=create-table-first") {
      hints.foreign_key_check = ForeignKeyCheckStrategy::kCreateTableFirst;
    } else if (a == "--fk-check=ignore") {
      hints.foreign_key_check = ForeignKeyCheckStrategy::kIgnore;
    } else {
      err << "sidecut_schemadiff: unknown argument " << a << "\n" << kUsage;
      return 2;
    }
  }
  if (from.empty() || to.empty()) {
    err << "sidecut_schemadiff: --from and --to are required\n" << kUsage;
    return 2;
  }
  return Diff(from, to, json, hints, out, err, live);
}

}  // namespace schemadiff
}  // namespace sidecut
