// Index, foreign key and CHECK constraint definitions.
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "schemadiff/parser_internal.h"
#include "util/status_macros.h"

namespace sidecut {
namespace schemadiff {
namespace internal {
namespace {

absl::StatusOr<std::vector<IndexPart>> ParseIndexParts(Parser* p) {
  SC_RETURN_IF_ERROR(p->ExpectOp("("));
  std::vector<IndexPart> parts;
  do {
    IndexPart part;
    if (p->AcceptOp("(")) {
      SC_ASSIGN_OR_RETURN(part.expr, p->ParseParenBody());
    } else {
      SC_ASSIGN_OR_RETURN(part.column, p->ParseIdent("key column name"));
      if (p->AcceptOp("(")) {
        SC_ASSIGN_OR_RETURN(part.length, p->ParseNumber("key prefix length"));
        SC_RETURN_IF_ERROR(p->ExpectOp(")"));
      }
    }
    if (p->AcceptWord("desc")) {
      part.desc = true;
    } else {
      p->AcceptWord("asc");
    }
    parts.push_back(std::move(part));
  } while (p->AcceptOp(","));
  SC_RETURN_IF_ERROR(p->ExpectOp(")"));
  return parts;
}

// Returns true if an index option was consumed into `options`.
absl::StatusOr<bool> ParseIndexOption(Parser* p,
                                      std::vector<IndexOption>* options) {
  IndexOption opt;
  if (p->AcceptWord("using")) {
    opt.name = "using";
  } else if (p->AcceptWord("comment")) {
    opt.name = "comment";
  } else if (p->AcceptWord("key_block_size")) {
    opt.name = "key_block_size";
  } else if (p->AcceptWords({"with", "parser"})) {
    opt.name = "with parser";
  } else if (p->AcceptWord("engine_attribute")) {
    opt.name = "engine_attribute";
  } else if (p->AcceptWord("secondary_engine_attribute")) {
    opt.name = "secondary_engine_attribute";
  } else if (p->AcceptWords({"not", "ignored"})) {
    return true;  // MariaDB's default
  } else if (p->Peek().IsWord("visible") || p->Peek().IsWord("invisible") ||
             p->Peek().IsWord("ignored") || p->Peek().IsWord("clustering")) {
    opt.name = absl::AsciiStrToLower(p->Next().text);
    if (opt.name == "clustering") {
      SC_RETURN_IF_ERROR(p->ExpectOp("="));
      SC_ASSIGN_OR_RETURN(opt.value, p->ParseOptionValue());
    }
    options->push_back(std::move(opt));
    return true;
  } else {
    return false;
  }
  p->AcceptOp("=");
  SC_ASSIGN_OR_RETURN(opt.value, p->ParseOptionValue());
  options->push_back(std::move(opt));
  return true;
}

bool AtIndexName(const Parser& p) {
  return !p.Peek().IsOp("(") && !p.Peek().IsWord("using");
}

absl::StatusOr<IndexDefinition> ParseIndexAfterKind(Parser* p, IndexKind kind) {
  IndexDefinition index;
  index.kind = kind;
  if (AtIndexName(*p)) {
    SC_ASSIGN_OR_RETURN(index.name, p->ParseIdent("index name"));
    if (kind == IndexKind::kPrimary) index.name.clear();
  }
  while (p->Peek().IsWord("using")) {
    SC_ASSIGN_OR_RETURN(bool unused, ParseIndexOption(p, &index.options));
    (void)unused;
  }
  SC_ASSIGN_OR_RETURN(index.parts, ParseIndexParts(p));
  while (true) {
    SC_ASSIGN_OR_RETURN(bool more, ParseIndexOption(p, &index.options));
    if (!more) break;
  }
  return index;
}

absl::StatusOr<ForeignKeyDefinition> ParseForeignKey(Parser* p) {
  ForeignKeyDefinition fk;
  if (AtIndexName(*p)) {
    SC_ASSIGN_OR_RETURN(fk.index_name, p->ParseIdent("foreign key name"));
  }
  SC_ASSIGN_OR_RETURN(fk.columns, p->ParseIdentList());
  SC_RETURN_IF_ERROR(p->ExpectWord("references"));
  SC_ASSIGN_OR_RETURN(fk.reference, p->ParseReference());
  return fk;
}

absl::StatusOr<std::string> ParseReferenceAction(Parser* p) {
  if (p->AcceptWord("restrict")) return std::string("restrict");
  if (p->AcceptWord("cascade")) return std::string("cascade");
  if (p->AcceptWords({"set", "null"})) return std::string("set null");
  if (p->AcceptWords({"set", "default"})) return std::string("set default");
  if (p->AcceptWords({"no", "action"})) return std::string("no action");
  return p->ErrorHere(
      "expected RESTRICT, CASCADE, SET NULL, SET DEFAULT or NO ACTION");
}

}  // namespace

absl::StatusOr<CheckDefinition> ParseCheckAfterKeyword(Parser* p) {
  CheckDefinition check;
  SC_RETURN_IF_ERROR(p->ExpectOp("("));
  SC_ASSIGN_OR_RETURN(check.expr, p->ParseParenBody());
  if (p->AcceptWords({"not", "enforced"})) {
    check.enforced = false;
  } else if (p->AcceptWord("enforced")) {
    check.enforced = true;
  }
  return check;
}

absl::StatusOr<ReferenceDefinition> Parser::ParseReference() {
  ReferenceDefinition ref;
  SC_ASSIGN_OR_RETURN(ref.table, ParseTableName());
  SC_ASSIGN_OR_RETURN(ref.columns, ParseIdentList());
  if (AcceptWord("match")) {
    if (!Peek().IsWord("full") && !Peek().IsWord("partial") &&
        !Peek().IsWord("simple")) {
      return ErrorHere("expected FULL, PARTIAL or SIMPLE");
    }
    ref.match = absl::AsciiStrToLower(Next().text);
  }
  while (true) {
    if (AcceptWords({"on", "delete"})) {
      SC_ASSIGN_OR_RETURN(ref.on_delete, ParseReferenceAction(this));
    } else if (AcceptWords({"on", "update"})) {
      SC_ASSIGN_OR_RETURN(ref.on_update, ParseReferenceAction(this));
    } else {
      return ref;
    }
  }
}

bool Parser::AtIndexOrConstraint() const {
  static constexpr absl::string_view kStarts[] = {
      "primary", "key",        "index",   "unique", "fulltext",
      "spatial", "constraint", "foreign", "check",
  };
  for (absl::string_view w : kStarts) {
    if (Peek().IsWord(w)) return true;
  }
  return false;
}

absl::Status Parser::ParseIndexOrConstraint(
    std::optional<IndexDefinition>* index,
    std::optional<ConstraintDefinition>* constraint) {
  std::optional<std::string> name;
  if (AcceptWord("constraint")) {
    name = "";
    if (!Peek().IsWord("primary") && !Peek().IsWord("unique") &&
        !Peek().IsWord("foreign") && !Peek().IsWord("check")) {
      SC_ASSIGN_OR_RETURN(*name, ParseIdent("constraint name"));
    }
  }
  if (AcceptWord("foreign")) {
    SC_RETURN_IF_ERROR(ExpectWord("key"));
    ConstraintDefinition c;
    c.name = std::move(name);
    SC_ASSIGN_OR_RETURN(ForeignKeyDefinition fk, ParseForeignKey(this));
    c.details = std::move(fk);
    *constraint = std::move(c);
    return absl::OkStatus();
  }
  if (AcceptWord("check")) {
    ConstraintDefinition c;
    c.name = std::move(name);
    SC_ASSIGN_OR_RETURN(CheckDefinition check, ParseCheckAfterKeyword(this));
    c.details = std::move(check);
    *constraint = std::move(c);
    return absl::OkStatus();
  }
  IndexKind kind;
  if (AcceptWords({"primary", "key"})) {
    kind = IndexKind::kPrimary;
  } else if (AcceptWord("unique")) {
    kind = IndexKind::kUnique;
    if (!AcceptWord("key")) AcceptWord("index");
  } else if (name.has_value()) {
    return ErrorHere("expected PRIMARY KEY, UNIQUE, FOREIGN KEY or CHECK");
  } else if (Peek().IsWord("fulltext") || Peek().IsWord("spatial")) {
    kind =
        Next().IsWord("fulltext") ? IndexKind::kFulltext : IndexKind::kSpatial;
    if (!AcceptWord("key")) AcceptWord("index");
  } else if (AcceptWord("key") || AcceptWord("index")) {
    kind = IndexKind::kKey;
  } else {
    return ErrorHere("expected an index definition");
  }
  SC_ASSIGN_OR_RETURN(IndexDefinition def, ParseIndexAfterKind(this, kind));
  if (kind == IndexKind::kUnique && name.has_value() && !name->empty()) {
    def.constraint_name = std::move(name);
  }
  *index = std::move(def);
  return absl::OkStatus();
}

}  // namespace internal
}  // namespace schemadiff
}  // namespace sidecut
