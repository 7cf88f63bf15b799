// Schema cases of the schemadiff conformance runner: construction and
// validation (TestInvalidSchema, TestNewSchemaFromQueries*, ...), entity
// ordering and ToSQL, and the dependency name lists.
#include "schemadiff/schema.h"

#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "schemadiff/parser.h"
#include "schemadiff/printer.h"
#include "schemadiff/schema_diff.h"
#include "schemadiff/schemadiff_conformance_internal.h"

namespace sidecut {
namespace schemadiff {
namespace internal {
namespace {

// `from` as statements: one SQL string of ';'-separated statements, or a
// list of statements.
absl::StatusOr<std::vector<Statement>> FromStatements(const JsonValue& c) {
  const JsonValue* from = c.Find("from");
  std::vector<std::string> sqls;
  if (from != nullptr && from->is_string()) sqls.push_back(from->text);
  if (from != nullptr && from->type == JsonValue::Type::kArray) {
    for (const JsonValue& s : from->array) sqls.push_back(s.text);
  }
  std::vector<Statement> out;
  for (const std::string& sql : sqls) {
    absl::StatusOr<std::vector<Statement>> stmts = ParseStatements(sql);
    if (!stmts.ok()) return stmts.status();
    for (Statement& s : *stmts) out.push_back(std::move(s));
  }
  return out;
}

std::optional<std::vector<std::string>> StringList(const JsonValue* obj,
                                                   absl::string_view key) {
  if (obj == nullptr) return std::nullopt;
  const JsonValue* v = obj->Find(key);
  if (v == nullptr || v->type != JsonValue::Type::kArray) return std::nullopt;
  std::vector<std::string> out;
  for (const JsonValue& s : v->array) out.push_back(s.text);
  return out;
}

SchemadiffVerdict CompareList(absl::string_view what,
                              const std::vector<std::string>& got,
                              const std::vector<std::string>& want) {
  if (got == want) return Pass();
  return Fail(absl::StrCat(what, ": got [", absl::StrJoin(got, ", "),
                           "] want [", absl::StrJoin(want, ", "), "]"));
}

}  // namespace

SchemadiffVerdict RunSchemaCase(const JsonValue& c) {
  absl::StatusOr<std::vector<Statement>> stmts = FromStatements(c);
  if (!stmts.ok()) return CheckError(c, stmts.status());
  absl::StatusOr<Schema> schema = Schema::FromStatements(std::move(*stmts));
  if (!schema.ok()) return CheckError(c, schema.status());
  if (std::optional<std::string> err = StringMember(c, "expected_error")) {
    return Fail(absl::StrCat("schema accepted, want error \"", *err, "\""));
  }
  const JsonValue* expect = c.Find("expect");
  struct Names {
    const char* key;
    std::vector<std::string> got;
  };
  const Names names[] = {{"EntityNames", schema->EntityNames()},
                         {"TableNames", schema->TableNames()},
                         {"ViewNames", schema->ViewNames()}};
  for (const Names& n : names) {
    std::optional<std::vector<std::string>> want = StringList(expect, n.key);
    if (!want) continue;
    SchemadiffVerdict v = CompareList(n.key, n.got, *want);
    if (v.outcome != SchemadiffVerdict::Outcome::kPass) return v;
  }
  const JsonValue* vars =
      expect == nullptr ? nullptr : expect->Find("expect_vars");
  const JsonValue* want_cols =
      vars == nullptr ? nullptr : vars->Find("expectedColNames");
  if (want_cols != nullptr) {
    for (const auto& [entity, cols] : want_cols->object) {
      std::vector<std::string> want;
      for (const JsonValue& c : cols.array) want.push_back(c.text);
      SchemadiffVerdict v = CompareList(absl::StrCat("columns of ", entity),
                                        schema->ColumnNames(entity), want);
      if (v.outcome != SchemadiffVerdict::Outcome::kPass) return v;
    }
  }
  if (expect != nullptr) {
    if (std::optional<std::string> sql = StringMember(*expect, "ToSQL")) {
      if (schema->ToSql() != *sql) {
        return Fail(
            absl::StrCat("ToSQL: got ", schema->ToSql(), " want ", *sql));
      }
    }
  }
  return Pass();
}

SchemadiffVerdict RunSchemaDiffCase(const JsonValue& c) {
  std::vector<Schema> schemas;
  for (absl::string_view key : {"from", "to"}) {
    absl::StatusOr<Schema> s =
        Schema::FromSql(StringMember(c, key).value_or(""));
    if (!s.ok()) return CheckError(c, s.status());
    schemas.push_back(std::move(*s));
  }
  absl::StatusOr<std::vector<Statement>> diff = DiffSchemas(
      schemas[0], schemas[1], DiffHintsFromJson(c.Find("hints_resolved")));
  if (!diff.ok()) return CheckError(c, diff.status());
  std::vector<std::string> printed, canonical;
  for (const Statement& s : *diff) {
    printed.push_back(ToString(s));
    canonical.push_back(ToCanonicalString(s));
  }
  return CheckStatements(c, printed, canonical);
}

// A statement is a valid entity diff when it creates, alters, renames or
// drops a table or a view.
SchemadiffVerdict RunEntityDiffByStatementCase(const JsonValue& c) {
  const JsonValue* fields = c.Find("fields");
  if (fields == nullptr) return Fail("case has no fields");
  std::optional<std::string> query = StringMember(*fields, "query");
  const JsonValue* valid = fields->Find("valid");
  if (!query || valid == nullptr) return Fail("case needs query and valid");
  bool got = ParseStatement(*query).ok();
  if (got == valid->boolean) return Pass();
  return Fail(absl::StrCat(*query, ": got valid=", got));
}

SchemadiffVerdict RunDependencyNamesCase(const JsonValue& c) {
  absl::StatusOr<std::vector<Statement>> stmts = FromStatements(c);
  if (!stmts.ok()) return CheckError(c, stmts.status());
  if (stmts->size() != 1) return Fail("want exactly one statement");
  std::vector<std::string> got;
  if (const auto* view = std::get_if<CreateView>(&(*stmts)[0])) {
    for (const TableName& t : view->select.tables) {
      got.push_back(absl::EqualsIgnoreCase(t.name, "dual") ? "dual" : t.name);
    }
  } else if (const auto* table = std::get_if<CreateTable>(&(*stmts)[0])) {
    if (table->spec) {
      for (const ConstraintDefinition& k : table->spec->constraints) {
        if (const auto* fk = std::get_if<ForeignKeyDefinition>(&k.details)) {
          got.push_back(fk->reference.table.name);
        }
      }
    }
  }
  std::optional<std::vector<std::string>> want =
      StringList(c.Find("expect"), "tables");
  if (!want) return Fail("case has no expect.tables");
  return CompareList("tables", got, *want);
}

}  // namespace internal
}  // namespace schemadiff
}  // namespace sidecut
