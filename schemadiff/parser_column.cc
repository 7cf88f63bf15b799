// Column definitions: data types and column attributes.
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "schemadiff/keywords.h"
#include "schemadiff/parser_internal.h"
#include "util/status_macros.h"

namespace sidecut {
namespace schemadiff {
namespace internal {
namespace {

bool IsEnumOrSet(absl::string_view type) {
  return absl::EqualsIgnoreCase(type, "enum") ||
         absl::EqualsIgnoreCase(type, "set");
}

}  // namespace

absl::StatusOr<ColumnDefinition> Parser::ParseColumnDefinition() {
  ColumnDefinition col;
  SC_ASSIGN_OR_RETURN(col.name, ParseIdent("column name"));
  SC_ASSIGN_OR_RETURN(col.type, ParseColumnType());
  return col;
}

absl::StatusOr<ColumnType> Parser::ParseColumnType() {
  ColumnType type;
  if (Peek().kind != TokenKind::kWord || !IsTypeName(Peek().text)) {
    return ErrorHere("expected a column data type");
  }
  type.name = Next().text;
  if (absl::EqualsIgnoreCase(type.name, "double")) AcceptWord("precision");
  if (absl::EqualsIgnoreCase(type.name, "character")) type.name = "char";
  if (absl::EqualsIgnoreCase(type.name, "long") &&
      (Peek().IsWord("varchar") || Peek().IsWord("varbinary"))) {
    type.name = absl::StrCat(type.name, " ", Next().text);
  }
  if (!AcceptOp("(")) return type;
  if (IsEnumOrSet(type.name)) {
    do {
      SC_ASSIGN_OR_RETURN(std::string v, ParseString("ENUM/SET value"));
      type.values.push_back(std::move(v));
    } while (AcceptOp(","));
  } else {
    SC_ASSIGN_OR_RETURN(type.length, ParseNumber("type length"));
    if (AcceptOp(",")) {
      SC_ASSIGN_OR_RETURN(std::string scale, ParseNumber("type scale"));
      absl::StrAppend(&type.length, ",", scale);
    }
  }
  SC_RETURN_IF_ERROR(ExpectOp(")"));
  return type;
}

namespace {

// Attributes that modify the data type: UNSIGNED, CHARACTER SET, ...
// Returns true if one was consumed.
absl::StatusOr<bool> ParseTypeAttribute(Parser* p, ColumnType* type) {
  if (p->AcceptWord("unsigned")) {
    type->is_unsigned = true;
  } else if (p->AcceptWord("signed")) {
    type->is_unsigned = false;
  } else if (p->AcceptWord("zerofill")) {
    type->zerofill = true;
  } else if (p->AcceptWord("binary")) {
    type->binary = true;
  } else if (p->AcceptWord("ascii")) {
    type->charset = "latin1";
  } else if (p->AcceptWord("unicode")) {
    type->charset = "ucs2";
  } else if (p->AcceptWord("byte")) {
    type->name = "binary";
  } else if (p->AcceptWords({"character", "set"}) || p->AcceptWord("charset")) {
    SC_ASSIGN_OR_RETURN(OptionValue v, p->ParseOptionValue());
    type->charset = v.text;
  } else if (p->AcceptWord("collate")) {
    SC_ASSIGN_OR_RETURN(type->collate, p->ParseOptionValue());
  } else {
    return false;
  }
  return true;
}

absl::StatusOr<std::string> ParseAttributeString(Parser* p,
                                                 absl::string_view what) {
  p->AcceptOp("=");
  return p->ParseString(what);
}

// NULL, DEFAULT, ON UPDATE, AUTO_INCREMENT, COMMENT, AS (expr), ...
absl::StatusOr<bool> ParseValueAttribute(Parser* p, ColumnDefinition* col) {
  if (p->AcceptWords({"not", "null"})) {
    col->nullable = false;
  } else if (p->AcceptWord("null")) {
    col->nullable = true;
  } else if (p->AcceptWord("default")) {
    SC_ASSIGN_OR_RETURN(col->default_value, p->ParseDefaultValue());
  } else if (p->AcceptWords({"on", "update"})) {
    SC_ASSIGN_OR_RETURN(col->on_update, p->ParseDefaultValue());
  } else if (p->AcceptWord("auto_increment")) {
    col->auto_increment = true;
  } else if (p->AcceptWord("comment")) {
    SC_ASSIGN_OR_RETURN(col->comment, p->ParseString("column comment"));
  } else if (p->AcceptWords({"generated", "always", "as"}) ||
             p->AcceptWord("as")) {
    SC_RETURN_IF_ERROR(p->ExpectOp("("));
    SC_ASSIGN_OR_RETURN(col->generated, p->ParseParenBody());
    col->stored = p->AcceptWord("stored") || p->AcceptWord("persistent");
    if (!col->stored) p->AcceptWord("virtual");
  } else if (p->AcceptWord("visible")) {
    col->visible = true;
  } else if (p->AcceptWord("invisible")) {
    col->visible = false;
  } else {
    return false;
  }
  return true;
}

// SRID, COLUMN_FORMAT, STORAGE, ENGINE_ATTRIBUTE, ...
absl::StatusOr<bool> ParseStorageAttribute(Parser* p, ColumnDefinition* col) {
  if (p->AcceptWord("srid")) {
    SC_ASSIGN_OR_RETURN(col->srid, p->ParseNumber("SRID"));
  } else if (p->AcceptWord("column_format")) {
    SC_ASSIGN_OR_RETURN(OptionValue v, p->ParseOptionValue());
    col->column_format = v.text;
  } else if (p->AcceptWord("storage")) {
    SC_ASSIGN_OR_RETURN(OptionValue v, p->ParseOptionValue());
    col->storage = v.text;
  } else if (p->AcceptWord("engine_attribute")) {
    SC_ASSIGN_OR_RETURN(col->engine_attribute,
                        ParseAttributeString(p, "ENGINE_ATTRIBUTE"));
  } else if (p->AcceptWord("secondary_engine_attribute")) {
    SC_ASSIGN_OR_RETURN(col->secondary_engine_attribute,
                        ParseAttributeString(p, "SECONDARY_ENGINE_ATTRIBUTE"));
  } else {
    return false;
  }
  return true;
}

// PRIMARY KEY, UNIQUE [KEY], KEY, [CONSTRAINT [name]] CHECK, REFERENCES.
// A column CHECK is appended to `checks` (it becomes a table constraint).
absl::StatusOr<bool> ParseKeyAttribute(
    Parser* p, ColumnDefinition* col,
    std::vector<ConstraintDefinition>* checks) {
  if (p->AcceptWords({"primary", "key"})) {
    col->key_option = ColumnKeyOption::kPrimary;
  } else if (p->AcceptWords({"unique", "key"})) {
    col->key_option = ColumnKeyOption::kUniqueKey;
  } else if (p->AcceptWord("unique")) {
    col->key_option = ColumnKeyOption::kUnique;
  } else if (p->AcceptWord("key")) {
    col->key_option = ColumnKeyOption::kKey;
  } else if (p->AcceptWord("references")) {
    SC_ASSIGN_OR_RETURN(col->reference, p->ParseReference());
  } else if (p->Peek().IsWord("check") ||
             (p->Peek().IsWord("constraint") &&
              (p->Peek(1).IsWord("check") || p->Peek(2).IsWord("check")))) {
    ConstraintDefinition c;
    if (p->AcceptWord("constraint") && !p->Peek().IsWord("check")) {
      SC_ASSIGN_OR_RETURN(c.name, p->ParseIdent("constraint name"));
    }
    SC_RETURN_IF_ERROR(p->ExpectWord("check"));
    SC_ASSIGN_OR_RETURN(CheckDefinition check, ParseCheckAfterKeyword(p));
    c.details = std::move(check);
    c.column = col->name;
    checks->push_back(std::move(c));
  } else {
    return false;
  }
  return true;
}

}  // namespace

absl::Status Parser::ParseColumnAttributes(
    ColumnDefinition* col, std::vector<ConstraintDefinition>* checks) {
  while (true) {
    SC_ASSIGN_OR_RETURN(bool found, ParseTypeAttribute(this, &col->type));
    if (found) continue;
    SC_ASSIGN_OR_RETURN(found, ParseValueAttribute(this, col));
    if (found) continue;
    SC_ASSIGN_OR_RETURN(found, ParseStorageAttribute(this, col));
    if (found) continue;
    SC_ASSIGN_OR_RETURN(found, ParseKeyAttribute(this, col, checks));
    if (!found) return absl::OkStatus();
  }
}

}  // namespace internal
}  // namespace schemadiff
}  // namespace sidecut
