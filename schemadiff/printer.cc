#include "schemadiff/printer.h"

#include <string>
#include <type_traits>
#include <variant>

#include "absl/strings/ascii.h"
#include "schemadiff/printer_internal.h"
#include "schemadiff/sql_writer.h"

namespace sidecut {
namespace schemadiff {
namespace {

using internal::PrintAlterTable;
using internal::PrintTableSpec;

void PrintTableList(SqlWriter& w, const std::vector<TableName>& tables) {
  for (size_t i = 0; i < tables.size(); ++i) {
    if (i > 0) w.Raw(", ");
    w.Table(tables[i]);
  }
}

void PrintCreateTable(SqlWriter& w, const CreateTable& ct) {
  w.Kw("create ");
  if (ct.temporary) w.Kw("temporary ");
  w.Kw("table ");
  if (ct.if_not_exists) w.Kw("if not exists ");
  w.Table(ct.name);
  if (ct.like) {
    w.Kw(" like ").Table(*ct.like);
  } else if (ct.spec) {
    PrintTableSpec(w, *ct.spec);
  }
}

void PrintDropTable(SqlWriter& w, const DropTable& drop) {
  w.Kw("drop ");
  if (drop.temporary) w.Kw("temporary ");
  w.Kw("table ");
  if (drop.if_exists) w.Kw("if exists ");
  PrintTableList(w, drop.tables);
}

void PrintRenameTable(SqlWriter& w, const RenameTable& rename) {
  w.Kw("rename table ");
  for (size_t i = 0; i < rename.pairs.size(); ++i) {
    if (i > 0) w.Raw(", ");
    w.Table(rename.pairs[i].first).Kw(" to ").Table(rename.pairs[i].second);
  }
}

void PrintDefinerPart(SqlWriter& w, const std::string& text, bool is_string) {
  if (is_string) {
    w.String(text);
  } else {
    w.Raw(FormatIdent(text));
  }
}

void PrintCreateView(SqlWriter& w, const CreateView& view) {
  w.Kw(view.is_alter ? "alter " : "create ");
  if (view.or_replace) w.Kw("or replace ");
  if (!view.algorithm.empty()) {
    w.Kw("algorithm = ");
    w.Raw(w.canonical() ? absl::AsciiStrToUpper(view.algorithm)
                        : view.algorithm);
    w.Raw(" ");
  }
  if (view.definer) {
    w.Kw("definer = ");
    PrintDefinerPart(w, view.definer->user, view.definer->user_is_string);
    if (view.definer->has_host) {
      w.Raw("@");
      PrintDefinerPart(w, view.definer->host, view.definer->host_is_string);
    }
    w.Raw(" ");
  }
  if (!view.security.empty()) w.Kw("sql security ").Kw(view.security).Raw(" ");
  w.Kw("view ").Table(view.name);
  if (!view.columns.empty()) w.IdentList(view.columns);
  w.Kw(" as ").Expression(view.select.tokens);
  if (!view.check_option.empty()) {
    w.Kw(" with ").Kw(view.check_option).Kw(" check option");
  }
}

void PrintDropView(SqlWriter& w, const DropView& drop) {
  w.Kw("drop view ");
  if (drop.if_exists) w.Kw("if exists ");
  PrintTableList(w, drop.views);
}

}  // namespace

std::string Print(const Statement& stmt, OutputMode mode) {
  SqlWriter w(mode);
  std::visit(
      [&w](const auto& s) {
        using T = std::decay_t<decltype(s)>;
        if constexpr (std::is_same_v<T, CreateTable>) {
          PrintCreateTable(w, s);
        } else if constexpr (std::is_same_v<T, AlterTable>) {
          PrintAlterTable(w, s);
        } else if constexpr (std::is_same_v<T, DropTable>) {
          PrintDropTable(w, s);
        } else if constexpr (std::is_same_v<T, RenameTable>) {
          PrintRenameTable(w, s);
        } else if constexpr (std::is_same_v<T, CreateView>) {
          PrintCreateView(w, s);
        } else {
          PrintDropView(w, s);
        }
      },
      stmt);
  return w.Release();
}

std::string PrintCreateTable(const CreateTable& table, OutputMode mode) {
  SqlWriter w(mode);
  PrintCreateTable(w, table);
  return w.Release();
}

std::string PrintColumnDefinition(const ColumnDefinition& column,
                                  OutputMode mode) {
  SqlWriter w(mode);
  internal::PrintColumn(w, column);
  return w.Release();
}

std::string PrintIndexDefinition(const IndexDefinition& index,
                                 OutputMode mode) {
  SqlWriter w(mode);
  internal::PrintIndex(w, index);
  return w.Release();
}

std::string PrintConstraintDefinition(const ConstraintDefinition& constraint,
                                      OutputMode mode) {
  SqlWriter w(mode);
  internal::PrintConstraint(w, constraint);
  return w.Release();
}

std::string PrintTableOptionDefinition(const TableOption& option,
                                       OutputMode mode) {
  SqlWriter w(mode);
  internal::PrintTableOption(w, option);
  return w.Release();
}

std::string PrintPartitionOptionDefinition(const PartitionOption& partition,
                                           OutputMode mode) {
  SqlWriter w(mode);
  internal::PrintPartitionOption(w, partition);
  return w.Release();
}

std::string PrintPartitionDefinition(const PartitionDefinition& definition,
                                     OutputMode mode) {
  SqlWriter w(mode);
  internal::PrintPartitionDefinitions(w, {definition});
  return w.Release();
}

}  // namespace schemadiff
}  // namespace sidecut
