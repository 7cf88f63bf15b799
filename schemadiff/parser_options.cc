// Table options and partitioning clauses.
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/types/span.h"
#include "schemadiff/parser_internal.h"
#include "util/status_macros.h"

namespace sidecut {
namespace schemadiff {
namespace internal {
namespace {

// Options whose value is a number, a word or a string, printed as given.
constexpr absl::string_view kSimpleOptions[] = {
    "auto_increment",
    "avg_row_length",
    "checksum",
    "delay_key_write",
    "key_block_size",
    "max_rows",
    "min_rows",
    "pack_keys",
    "stats_sample_pages",
    "autoextend_size",
    "stats_auto_recalc",
    "stats_persistent",
    "comment",
    "compression",
    "connection",
    "encryption",
    "password",
    "engine_attribute",
    "secondary_engine_attribute",
    "insert_method",
    "row_format",
    "page_checksum",
    "transactional",
    "page_compressed",
    "page_compression_level",
    "encrypted",
    "encryption_key_id",
    "ietf_quotes",
    "sequence",
};

// Options whose value is a name (a string value is printed unquoted).
constexpr absl::string_view kNameOptions[] = {"engine", "collate", "charset"};

bool IsOneOf(const Token& t, absl::Span<const absl::string_view> words) {
  for (absl::string_view w : words) {
    if (t.IsWord(w)) return true;
  }
  return false;
}

bool IsPlainName(absl::string_view text) {
  if (text.empty()) return false;
  for (char c : text) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '_') {
      return false;
    }
  }
  return true;
}

}  // namespace

bool Parser::AtTableOption() const {
  const Token& t = Peek();
  if (IsOneOf(t, kSimpleOptions) || IsOneOf(t, kNameOptions)) return true;
  // An engine-defined option, as MariaDB prints it: `page_compressed`='1'.
  // (Only those schemadiff knows: it prints and resets them with '='.)
  if (t.kind == TokenKind::kQuotedIdent && Peek(1).IsOp("=") &&
      IsEngineDefinedOption(absl::AsciiStrToLower(t.text))) {
    return true;
  }
  if (t.IsWord("default")) {
    return Peek(1).IsWord("charset") || Peek(1).IsWord("character") ||
           Peek(1).IsWord("collate");
  }
  if (t.IsWord("character")) return Peek(1).IsWord("set");
  if (t.IsWord("data") || t.IsWord("index")) {
    return Peek(1).IsWord("directory");
  }
  return t.IsWord("tablespace") || t.IsWord("union");
}

absl::StatusOr<std::vector<TableOption>> Parser::ParseTableOptions(
    bool allow_commas) {
  std::vector<TableOption> options;
  while (true) {
    if (allow_commas && !options.empty() && Peek().IsOp(",")) {
      size_t comma = pos();
      Next();
      if (!AtTableOption()) {
        set_pos(comma);
        break;
      }
    } else if (!AtTableOption()) {
      break;
    }
    TableOption opt;
    AcceptWord("default");
    const Token& first = Next();
    opt.name = first.text;
    if (first.IsWord("character")) {
      SC_RETURN_IF_ERROR(ExpectWord("set"));
      opt.name = absl::ascii_isupper(first.text[0]) ? "CHARSET" : "charset";
    } else if (first.IsWord("data") || first.IsWord("index")) {
      opt.name = absl::StrCat(first.text, " ", Next().text);
    }
    AcceptOp("=");
    if (first.IsWord("union")) {
      SC_ASSIGN_OR_RETURN(opt.tables, ParseIdentList());
    } else {
      SC_ASSIGN_OR_RETURN(opt.value, ParseOptionValue());
    }
    if ((IsOneOf(first, kNameOptions) || first.IsWord("character") ||
         first.IsWord("tablespace")) &&
        IsPlainName(opt.value.text)) {
      opt.value.kind = OptionValue::Kind::kRaw;  // 'utf8mb4' prints utf8mb4
    }
    if (first.IsWord("tablespace") && AcceptWord("storage")) {
      SC_ASSIGN_OR_RETURN(OptionValue storage, ParseOptionValue());
      opt.storage = storage.text;
    }
    options.push_back(std::move(opt));
  }
  return options;
}

namespace {

absl::Status ParsePartitionMethodBody(Parser* p, PartitionMethod* m) {
  m->linear = p->AcceptWord("linear");
  if (p->AcceptWord("key")) {
    m->type = "key";
    if (p->AcceptWord("algorithm")) {
      SC_RETURN_IF_ERROR(p->ExpectOp("="));
      SC_ASSIGN_OR_RETURN(m->key_algorithm, p->ParseNumber("key algorithm"));
    }
    SC_ASSIGN_OR_RETURN(m->column_list, p->ParseIdentList());
    return absl::OkStatus();
  }
  if (p->Peek().IsWord("hash") || p->Peek().IsWord("range") ||
      p->Peek().IsWord("list")) {
    m->type = absl::AsciiStrToLower(p->Next().text);
  } else {
    return p->ErrorHere("expected HASH, KEY, RANGE or LIST");
  }
  if (m->type != "hash" && p->AcceptWord("columns")) {
    m->columns = true;
    SC_ASSIGN_OR_RETURN(m->column_list, p->ParseIdentList());
    return absl::OkStatus();
  }
  SC_RETURN_IF_ERROR(p->ExpectOp("("));
  SC_ASSIGN_OR_RETURN(m->expr, p->ParseParenBody());
  return absl::OkStatus();
}

absl::Status ParseDefinitionOptions(Parser* p, PartitionDefinitionOptions* o) {
  while (true) {
    if (p->Peek().IsWord("storage") || p->Peek().IsWord("engine")) {
      o->engine_keyword =
          p->AcceptWord("storage") ? "storage engine" : "engine";
      if (o->engine_keyword == "storage engine") {
        SC_RETURN_IF_ERROR(p->ExpectWord("engine"));
      } else {
        p->Next();
      }
      p->AcceptOp("=");
      SC_ASSIGN_OR_RETURN(OptionValue v, p->ParseOptionValue());
      o->engine = v.text;
      continue;
    }
    std::string* number = nullptr;
    std::optional<std::string>* str = nullptr;
    if (p->AcceptWord("comment")) {
      str = &o->comment;
    } else if (p->AcceptWords({"data", "directory"})) {
      str = &o->data_directory;
    } else if (p->AcceptWords({"index", "directory"})) {
      str = &o->index_directory;
    } else if (p->AcceptWord("max_rows")) {
      number = &o->max_rows;
    } else if (p->AcceptWord("min_rows")) {
      number = &o->min_rows;
    } else if (p->AcceptWord("tablespace")) {
      number = &o->tablespace;
    } else {
      return absl::OkStatus();
    }
    p->AcceptOp("=");
    SC_ASSIGN_OR_RETURN(OptionValue v, p->ParseOptionValue());
    if (str != nullptr) {
      *str = v.text;
    } else {
      *number = v.text;
    }
  }
}

absl::StatusOr<SubPartitionDefinition> ParseSubPartition(Parser* p) {
  SubPartitionDefinition sub;
  SC_RETURN_IF_ERROR(p->ExpectWord("subpartition"));
  SC_ASSIGN_OR_RETURN(sub.name, p->ParseIdent("subpartition name"));
  SC_RETURN_IF_ERROR(ParseDefinitionOptions(p, &sub.options));
  return sub;
}

}  // namespace

absl::StatusOr<PartitionDefinition> Parser::ParsePartitionDefinition() {
  PartitionDefinition def;
  SC_RETURN_IF_ERROR(ExpectWord("partition"));
  SC_ASSIGN_OR_RETURN(def.name, ParseIdent("partition name"));
  if (AcceptWords({"values", "less", "than"})) {
    def.values_kind = PartitionDefinition::Values::kLessThan;
    if (AcceptWord("maxvalue")) {
      def.maxvalue = true;
    } else {
      SC_ASSIGN_OR_RETURN(def.values, ParseParenExprList());
      if (def.values.size() == 1 && def.values[0].tokens.size() == 1 &&
          def.values[0].tokens[0].IsWord("maxvalue")) {
        def.maxvalue = true;
        def.values.clear();
      }
    }
  } else if (AcceptWords({"values", "in"})) {
    def.values_kind = PartitionDefinition::Values::kIn;
    SC_ASSIGN_OR_RETURN(def.values, ParseParenExprList());
  }
  SC_RETURN_IF_ERROR(ParseDefinitionOptions(this, &def.options));
  if (AcceptOp("(")) {
    do {
      SC_ASSIGN_OR_RETURN(SubPartitionDefinition sub, ParseSubPartition(this));
      def.subpartitions.push_back(std::move(sub));
    } while (AcceptOp(","));
    SC_RETURN_IF_ERROR(ExpectOp(")"));
  }
  return def;
}

absl::StatusOr<std::vector<PartitionDefinition>>
Parser::ParsePartitionDefinitions() {
  SC_RETURN_IF_ERROR(ExpectOp("("));
  std::vector<PartitionDefinition> defs;
  do {
    SC_ASSIGN_OR_RETURN(PartitionDefinition d, ParsePartitionDefinition());
    defs.push_back(std::move(d));
  } while (AcceptOp(","));
  SC_RETURN_IF_ERROR(ExpectOp(")"));
  return defs;
}

absl::StatusOr<PartitionOption> Parser::ParsePartitionBy() {
  PartitionOption po;
  SC_RETURN_IF_ERROR(ExpectWords({"partition", "by"}));
  SC_RETURN_IF_ERROR(ParsePartitionMethodBody(this, &po.method));
  if (AcceptWord("partitions")) {
    SC_ASSIGN_OR_RETURN(po.method.count, ParseNumber("partition count"));
  }
  if (AcceptWords({"subpartition", "by"})) {
    po.sub.emplace();
    SC_RETURN_IF_ERROR(ParsePartitionMethodBody(this, &*po.sub));
    if (AcceptWord("subpartitions")) {
      SC_ASSIGN_OR_RETURN(po.sub->count, ParseNumber("subpartition count"));
    }
  }
  if (Peek().IsOp("(")) {
    SC_ASSIGN_OR_RETURN(po.definitions, ParsePartitionDefinitions());
  }
  return po;
}

}  // namespace internal
}  // namespace schemadiff
}  // namespace sidecut
