#include "schemadiff/schema.h"

#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "schemadiff/parser.h"
#include "schemadiff/printer.h"
#include "schemadiff/schema_errors.h"
#include "schemadiff/schema_validation.h"
#include "schemadiff/table_normalize.h"
#include "schemadiff/view_columns.h"
#include "schemadiff/view_diff.h"
#include "util/status_macros.h"

namespace sidecut {
namespace schemadiff {

absl::StatusOr<Schema> Schema::FromStatements(
    std::vector<Statement> statements) {
  return Build(std::move(statements), /*allow_missing_parents=*/false);
}

absl::StatusOr<Schema> Schema::FromStatementsAllowingMissingParents(
    std::vector<Statement> statements) {
  return Build(std::move(statements), /*allow_missing_parents=*/true);
}

absl::StatusOr<Schema> Schema::Build(std::vector<Statement> statements,
                                     bool allow_missing_parents) {
  Schema s;
  for (Statement& stmt : statements) {
    if (auto* t = std::get_if<CreateTable>(&stmt)) {
      NormalizeCreateTable(t);
      s.tables_.push_back(std::move(*t));
    } else if (auto* v = std::get_if<CreateView>(&stmt)) {
      if (v->is_alter) {
        return SchemaError(
            SchemaErrorKind::kUnsupportedStatement,
            absl::StrCat("ALTER VIEW ", Quoted(v->name.name),
                         " in a schema definition: use CREATE VIEW"));
      }
      NormalizeCreateView(v);
      s.views_.push_back(std::move(*v));
    } else {
      return SchemaError(
          SchemaErrorKind::kUnsupportedStatement,
          absl::StrCat("unsupported statement: ", ToCanonicalString(stmt)));
    }
  }
  SC_RETURN_IF_ERROR(ValidateEntityNames(s.tables_, s.views_));
  SC_RETURN_IF_ERROR(
      ValidateTables(s.tables_, s.views_, allow_missing_parents));
  SC_RETURN_IF_ERROR(OrderViews(s.tables_, &s.views_));
  OrderTables(&s.tables_);
  s.table_index_.reserve(s.tables_.size());
  for (size_t i = 0; i < s.tables_.size(); ++i) {
    s.table_index_.emplace(s.tables_[i].name.name, i);
  }
  s.view_index_.reserve(s.views_.size());
  for (size_t i = 0; i < s.views_.size(); ++i) {
    s.view_index_.emplace(s.views_[i].name.name, i);
  }
  SC_RETURN_IF_ERROR(s.ResolveColumns());
  return s;
}

absl::Status Schema::ResolveColumns() {
  for (const CreateTable& t : tables_) {
    std::vector<std::string>& cols = columns_[t.name.name];
    if (!t.spec) continue;
    for (const ColumnDefinition& c : t.spec->columns) cols.push_back(c.name);
  }
  ColumnsLookup lookup = [this](const std::string& name) {
    auto it = columns_.find(name);
    return it == columns_.end() ? nullptr : &it->second;
  };
  for (const CreateView& v : views_) {
    bool complete = true;
    SC_ASSIGN_OR_RETURN(columns_[v.name.name],
                        AnalyzeViewColumns(v, lookup, &complete));
    // Unknown columns: views reading it are not checked against them.
    if (!complete) columns_.erase(v.name.name);
  }
  return absl::OkStatus();
}

std::vector<std::string> Schema::ColumnNames(absl::string_view name) const {
  auto it = columns_.find(std::string(name));
  return it == columns_.end() ? std::vector<std::string>() : it->second;
}

absl::StatusOr<Schema> Schema::FromSql(absl::string_view sql) {
  SC_ASSIGN_OR_RETURN(std::vector<Statement> statements, ParseStatements(sql));
  return FromStatements(std::move(statements));
}

const CreateTable* Schema::FindTable(absl::string_view name) const {
  auto it = table_index_.find(name);
  return it == table_index_.end() ? nullptr : &tables_[it->second];
}

const CreateView* Schema::FindView(absl::string_view name) const {
  auto it = view_index_.find(name);
  return it == view_index_.end() ? nullptr : &views_[it->second];
}

std::vector<std::string> Schema::TableNames() const {
  std::vector<std::string> names;
  for (const CreateTable& t : tables_) names.push_back(t.name.name);
  return names;
}

std::vector<std::string> Schema::ViewNames() const {
  std::vector<std::string> names;
  for (const CreateView& v : views_) names.push_back(v.name.name);
  return names;
}

std::vector<std::string> Schema::EntityNames() const {
  std::vector<std::string> names = TableNames();
  for (std::string& v : ViewNames()) names.push_back(std::move(v));
  return names;
}

std::string Schema::ToSql() const {
  std::string out;
  for (const CreateTable& t : tables_) {
    absl::StrAppend(&out, ToCanonicalString(t), ";\n");
  }
  for (const CreateView& v : views_) {
    absl::StrAppend(&out, ToCanonicalString(v), ";\n");
  }
  return out;
}

}  // namespace schemadiff
}  // namespace sidecut
