// Column clauses of a table diff: DROP, MODIFY (definition or position),
// RENAME (heuristic) and ADD COLUMN.
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "schemadiff/charsets.h"
#include "schemadiff/printer.h"
#include "schemadiff/table_diff_internal.h"
#include "schemadiff/table_lookup.h"
#include "util/status_macros.h"

namespace sidecut {
namespace schemadiff {
namespace internal {
namespace {

using Kind = AlterOption::Kind;

std::string Lower(absl::string_view s) { return absl::AsciiStrToLower(s); }

// The column as compared: canonical text with the effective charset and
// collation spelled out for textual types; with `in_primary_key` (the
// column is in the primary key on both sides) it is NOT NULL whether or
// not it says so, as the server makes it.
std::string ComparableColumn(const ColumnDefinition& c,
                             const TableCharsetDefaults& table,
                             bool in_primary_key = false) {
  ColumnDefinition copy = c;
  if (in_primary_key) copy.nullable = false;
  if (IsTextualType(copy.type.name)) {
    std::string charset = copy.type.charset;
    std::string collate = copy.type.collate.text;
    if (charset.empty()) {
      charset = collate.empty() ? table.charset : CharsetOfCollation(collate);
    }
    if (collate.empty()) {
      collate = charset == table.charset ? table.collation
                                         : DefaultCollation(charset);
    }
    copy.type.charset = charset;
    copy.type.collate.kind = OptionValue::Kind::kRaw;
    copy.type.collate.text = collate;
  }
  return PrintColumnDefinition(copy, OutputMode::kCanonical);
}

// Longest common subsequence of two name lists; on ties the backtrack
// prefers dropping from `a`, so earlier columns of `b` stay in place.
std::map<std::string, bool> LongestCommonSubsequence(
    const std::vector<std::string>& a, const std::vector<std::string>& b) {
  std::vector<std::vector<int>> t(a.size() + 1,
                                  std::vector<int>(b.size() + 1, 0));
  for (size_t i = 1; i <= a.size(); ++i) {
    for (size_t j = 1; j <= b.size(); ++j) {
      t[i][j] = a[i - 1] == b[j - 1] ? t[i - 1][j - 1] + 1
                                     : std::max(t[i - 1][j], t[i][j - 1]);
    }
  }
  std::map<std::string, bool> in_lcs;
  size_t i = a.size(), j = b.size();
  while (i > 0 && j > 0) {
    if (a[i - 1] == b[j - 1]) {
      in_lcs[a[i - 1]] = true;
      --i;
      --j;
    } else if (t[i][j - 1] > t[i - 1][j]) {
      --j;
    } else {
      --i;
    }
  }
  return in_lcs;
}

absl::Status CheckEnumReorder(const TablePair& t, const ColumnDefinition& c1,
                              const ColumnDefinition& c2) {
  for (size_t i = 0; i < c1.type.values.size(); ++i) {
    for (size_t j = 0; j < c2.type.values.size(); ++j) {
      if (c1.type.values[i] == c2.type.values[j] && i != j) {
        return absl::InvalidArgumentError(
            absl::StrCat("ordinal of '", c1.type.values[i],
                         "' changed in enum or set column `", t.name, "`.`",
                         c2.name, "`, from ", i, " to ", j));
      }
    }
  }
  return absl::OkStatus();
}

absl::Status CheckDeterministicDefault(const TablePair& t,
                                       const ColumnDefinition& c) {
  if (!c.default_value) return absl::OkStatus();
  const std::vector<Token>& tokens = c.default_value->expr.tokens;
  for (size_t i = 0; i + 1 < tokens.size(); ++i) {
    if (tokens[i].kind != TokenKind::kWord || !tokens[i + 1].IsOp("(")) {
      continue;
    }
    for (absl::string_view f :
         {"uuid", "uuid_short", "rand", "random_bytes", "sysdate"}) {
      if (tokens[i].IsWord(f)) {
        return absl::InvalidArgumentError(absl::StrCat(
            "column `", t.name, "`.`", c.name,
            "` default value uses non-deterministic function: ", f));
      }
    }
  }
  return absl::OkStatus();
}

AlterOption ColumnClause(Kind kind, const ColumnDefinition& c) {
  AlterOption o;
  o.kind = kind;
  o.columns.push_back(c);
  return o;
}

void SetPosition(const std::vector<const ColumnDefinition*>& order,
                 size_t index, AlterOption* o) {
  if (index == 0) {
    o->position = "first";
  } else {
    o->position = "after";
    o->after = order[index - 1]->name;
  }
}

// Name of the column before/after `name` in `cols`, "" at the ends.
std::pair<std::string, std::string> Neighbours(
    const std::vector<ColumnDefinition>& cols, const std::string& lower) {
  for (size_t i = 0; i < cols.size(); ++i) {
    if (Lower(cols[i].name) != lower) continue;
    return {i > 0 ? Lower(cols[i - 1].name) : "",
            i + 1 < cols.size() ? Lower(cols[i + 1].name) : ""};
  }
  return {"", ""};
}

std::string DefinitionWithoutName(ColumnDefinition c,
                                  const TableCharsetDefaults& table) {
  c.name.clear();
  return ComparableColumn(c, table);
}

// Pairs dropped and added columns that differ only by name and sit between
// the same neighbours into RENAME COLUMN clauses.
void FindRenames(const TablePair& t, std::vector<AlterOption>* drops,
                 std::vector<AlterOption>* adds,
                 std::vector<AlterOption>* renames,
                 const std::map<std::string, const ColumnDefinition*>& m1) {
  bool found = true;
  while (found) {
    found = false;
    for (size_t d = 0; d < drops->size() && !found; ++d) {
      const ColumnDefinition& c1 = *m1.at(Lower((*drops)[d].name));
      for (size_t a = 0; a < adds->size() && !found; ++a) {
        const ColumnDefinition& c2 = (*adds)[a].columns[0];
        if (DefinitionWithoutName(c1, t.from_defaults) !=
                DefinitionWithoutName(c2, t.to_defaults) ||
            Neighbours(t.from->columns, Lower(c1.name)) !=
                Neighbours(t.to->columns, Lower(c2.name))) {
          continue;
        }
        AlterOption o;
        o.kind = Kind::kRenameColumn;
        o.name = c1.name;
        o.new_name = c2.name;
        renames->push_back(std::move(o));
        drops->erase(drops->begin() + d);
        adds->erase(adds->begin() + a);
        found = true;
      }
    }
  }
}

}  // namespace

absl::Status DiffColumns(const TablePair& t, const DiffHints& hints,
                         std::vector<AlterOption>* out) {
  std::map<std::string, const ColumnDefinition*> m1, m2;
  for (const ColumnDefinition& c : t.from->columns) m1[Lower(c.name)] = &c;
  for (const ColumnDefinition& c : t.to->columns) m2[Lower(c.name)] = &c;

  std::vector<AlterOption> drops, modifies, adds, renames;
  std::vector<std::string> shared1, shared2;
  std::vector<const ColumnDefinition*> shared2_cols;
  for (const ColumnDefinition& c : t.from->columns) {
    if (m2.count(Lower(c.name)) > 0) {
      shared1.push_back(Lower(c.name));
    } else {
      AlterOption o;
      o.kind = Kind::kDropColumn;
      o.name = c.name;
      drops.push_back(std::move(o));
    }
  }
  for (const ColumnDefinition& c : t.to->columns) {
    if (m1.count(Lower(c.name)) > 0) {
      shared2.push_back(Lower(c.name));
      shared2_cols.push_back(&c);
    }
  }
  std::map<std::string, bool> in_place =
      LongestCommonSubsequence(shared1, shared2);
  for (size_t i = 0; i < shared2_cols.size(); ++i) {
    const ColumnDefinition& c2 = *shared2_cols[i];
    const ColumnDefinition& c1 = *m1[shared2[i]];
    if (hints.enum_reorder == EnumReorderStrategy::kReject) {
      SC_RETURN_IF_ERROR(CheckEnumReorder(t, c1, c2));
    }
    const bool pk =
        InPrimaryKey(*t.from, c1.name) && InPrimaryKey(*t.to, c2.name);
    bool changed = ComparableColumn(c1, t.from_defaults, pk) !=
                   ComparableColumn(c2, t.to_defaults, pk);
    bool moved = in_place.count(shared2[i]) == 0;
    if (!changed && !moved) continue;
    AlterOption o = ColumnClause(Kind::kModifyColumn, c2);
    if (moved) SetPosition(shared2_cols, i, &o);
    modifies.push_back(std::move(o));
  }
  size_t expect_append = shared2.size();
  for (size_t i = 0; i < t.to->columns.size(); ++i) {
    const ColumnDefinition& c = t.to->columns[i];
    if (m1.count(Lower(c.name)) > 0) continue;
    SC_RETURN_IF_ERROR(CheckDeterministicDefault(t, c));
    AlterOption o = ColumnClause(Kind::kAddColumns, c);
    if (i < expect_append) {
      std::vector<const ColumnDefinition*> all;
      for (const ColumnDefinition& x : t.to->columns) all.push_back(&x);
      SetPosition(all, i, &o);
    }
    ++expect_append;
    adds.push_back(std::move(o));
  }
  if (hints.column_rename == ColumnRenameStrategy::kHeuristicStatement) {
    FindRenames(t, &drops, &adds, &renames, m1);
  }
  for (auto* list : {&drops, &modifies, &renames, &adds}) {
    for (AlterOption& o : *list) out->push_back(std::move(o));
  }
  return absl::OkStatus();
}

}  // namespace internal
}  // namespace schemadiff
}  // namespace sidecut
