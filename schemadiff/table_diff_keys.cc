// Key and constraint clauses of a table diff.
#include <algorithm>
#include <cstring>
#include <map>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "schemadiff/charsets.h"
#include "schemadiff/constraint_names.h"
#include "schemadiff/printer.h"
#include "schemadiff/table_diff_internal.h"

namespace sidecut {
namespace schemadiff {
namespace internal {
namespace {

using Kind = AlterOption::Kind;

std::string KeyName(const IndexDefinition& i) {
  return i.kind == IndexKind::kPrimary ? "primary"
                                       : absl::AsciiStrToLower(i.name);
}

std::string Canonical(const IndexDefinition& i) {
  return PrintIndexDefinition(i, OutputMode::kCanonical);
}

std::string CanonicalWithoutName(IndexDefinition i) {
  i.name.clear();
  return Canonical(i);
}

bool IsInvisibleOption(const IndexOption& o) { return o.name == "invisible"; }

// If the keys differ only by INVISIBLE, returns true and sets `invisible`
// to the new visibility.
bool OnlyVisibilityChanged(IndexDefinition a, IndexDefinition b,
                           bool* invisible) {
  auto strip = [](IndexDefinition* i) {
    bool had = false;
    std::vector<IndexOption> kept;
    for (IndexOption& o : i->options) {
      if (IsInvisibleOption(o)) {
        had = true;
      } else {
        kept.push_back(std::move(o));
      }
    }
    i->options = std::move(kept);
    return had;
  };
  strip(&a);
  *invisible = strip(&b);
  return Canonical(a) == Canonical(b);
}

AlterOption DropKey(const IndexDefinition& i) {
  AlterOption o;
  if (i.kind == IndexKind::kPrimary) {
    o.kind = Kind::kDropPrimaryKey;
  } else {
    o.kind = Kind::kDropIndex;
    o.name = i.name;
  }
  return o;
}

AlterOption AddKey(const IndexDefinition& i) {
  AlterOption o;
  o.kind = Kind::kAddIndex;
  o.index = i;
  return o;
}

// The name a constraint's was derived from (schemadiff/constraint_names.h),
// lower-cased; MariaDB's `CONSTRAINT_<n>` for an unnamed CHECK is "chk_<n>".
std::string OriginalConstraintName(const std::string& table,
                                   const std::string& name) {
  std::string lower = absl::AsciiStrToLower(name);
  const ServerDialect* dialect = CurrentServerDialect();
  if (dialect != nullptr && dialect->mariadb &&
      absl::StartsWith(lower, "constraint_") &&
      lower.size() > strlen("constraint_") &&
      std::all_of(lower.begin() + strlen("constraint_"), lower.end(),
                  [](char c) { return absl::ascii_isdigit(c); })) {
    return absl::StrCat("chk_", lower.substr(strlen("constraint_")));
  }
  return ConstraintBaseName(absl::AsciiStrToLower(table), lower);
}

std::string Details(const ConstraintDefinition& c) {
  ConstraintDefinition copy = c;
  copy.name.reset();
  return PrintConstraintDefinition(copy, OutputMode::kCanonical);
}

AlterOption DropConstraint(const ConstraintDefinition& c) {
  AlterOption o;
  o.kind = std::holds_alternative<ForeignKeyDefinition>(c.details)
               ? Kind::kDropForeignKey
               : Kind::kDropCheck;
  o.name = c.name.value_or("");
  return o;
}

bool SameCheckExpr(const CheckDefinition& a, const CheckDefinition& b) {
  auto print = [](const CheckDefinition& c) {
    ConstraintDefinition d;
    d.details = CheckDefinition{c.expr, std::nullopt};
    return PrintConstraintDefinition(d, OutputMode::kCanonical);
  };
  return print(a) == print(b);
}

AlterOption AddConstraint(const ConstraintDefinition& c) {
  AlterOption o;
  o.kind = Kind::kAddConstraint;
  o.constraint = c;
  return o;
}

}  // namespace

void DiffKeys(const TablePair& t, const DiffHints& hints,
              std::vector<AlterOption>* out,
              std::vector<AlterOption>* subsequent) {
  std::map<std::string, const IndexDefinition*> m1, m2;
  for (const IndexDefinition& i : t.from->indexes) m1[KeyName(i)] = &i;
  for (const IndexDefinition& i : t.to->indexes) m2[KeyName(i)] = &i;

  std::vector<const IndexDefinition*> dropped, added;
  for (const IndexDefinition& i : t.from->indexes) {
    if (m2.count(KeyName(i)) == 0) dropped.push_back(&i);
  }
  for (const IndexDefinition& i2 : t.to->indexes) {
    auto it = m1.find(KeyName(i2));
    if (it == m1.end()) {
      added.push_back(&i2);
      continue;
    }
    const IndexDefinition& i1 = *it->second;
    if (Canonical(i1) == Canonical(i2)) continue;
    bool invisible = false;
    if (OnlyVisibilityChanged(i1, i2, &invisible)) {
      AlterOption o;
      o.kind = Kind::kAlterIndexVisibility;
      o.name = i2.name;
      o.flag = !invisible;
      out->push_back(std::move(o));
      continue;
    }
    out->push_back(DropKey(i1));
    out->push_back(AddKey(i2));
  }
  // An added key of the same definition as a dropped one is a rename.
  std::vector<const IndexDefinition*> kept_added;
  for (const IndexDefinition* a : added) {
    auto same = [a](const IndexDefinition* d) {
      return d->kind != IndexKind::kPrimary && d->kind == a->kind &&
             CanonicalWithoutName(*d) == CanonicalWithoutName(*a);
    };
    auto it = std::find_if(dropped.begin(), dropped.end(), same);
    if (it == dropped.end()) {
      kept_added.push_back(a);
      continue;
    }
    AlterOption o;
    o.kind = Kind::kRenameIndex;
    o.name = (*it)->name;
    o.new_name = a->name;
    out->push_back(std::move(o));
    dropped.erase(it);
  }
  for (const IndexDefinition* d : dropped) out->push_back(DropKey(*d));
  added = std::move(kept_added);
  bool fulltext_added = false;
  for (const IndexDefinition* a : added) {
    bool separate = a->kind == IndexKind::kFulltext && fulltext_added &&
                    hints.fulltext == FullTextKeyStrategy::kDistinctStatements;
    if (a->kind == IndexKind::kFulltext) fulltext_added = true;
    (separate ? subsequent : out)->push_back(AddKey(*a));
  }
}

void DiffConstraints(const TablePair& t, const DiffHints& hints,
                     std::vector<AlterOption>* out) {
  auto key = [&t, &hints](const ConstraintDefinition& c) {
    switch (hints.constraint_names) {
      case ConstraintNamesStrategy::kIgnoreAll:
        return Details(c);
      case ConstraintNamesStrategy::kStrict:
        return c.name.value_or("");
      case ConstraintNamesStrategy::kIgnoreVitess:
        break;
    }
    return OriginalConstraintName(t.name, c.name.value_or(""));
  };
  const std::vector<ConstraintDefinition>& c1 = t.from->constraints;
  const std::vector<ConstraintDefinition>& c2 = t.to->constraints;
  std::vector<bool> matched1(c1.size(), false);
  std::vector<int> match_of2(c2.size(), -1);
  for (size_t j = 0; j < c2.size(); ++j) {
    for (size_t i = 0; i < c1.size(); ++i) {
      if (!matched1[i] && key(c1[i]) == key(c2[j])) {
        matched1[i] = true;
        match_of2[j] = static_cast<int>(i);
        break;
      }
    }
  }
  for (size_t i = 0; i < c1.size(); ++i) {
    if (!matched1[i]) out->push_back(DropConstraint(c1[i]));
  }
  for (size_t j = 0; j < c2.size(); ++j) {
    if (match_of2[j] < 0) {
      out->push_back(AddConstraint(c2[j]));
      continue;
    }
    const ConstraintDefinition& old = c1[match_of2[j]];
    if (Details(old) == Details(c2[j])) continue;
    const auto* k1 = std::get_if<CheckDefinition>(&old.details);
    const auto* k2 = std::get_if<CheckDefinition>(&c2[j].details);
    if (k1 != nullptr && k2 != nullptr && SameCheckExpr(*k1, *k2)) {
      AlterOption o;
      o.kind = Kind::kAlterCheckEnforced;
      o.name = c2[j].name.value_or("");
      o.flag = k2->enforced.value_or(true);
      out->push_back(std::move(o));
      continue;
    }
    out->push_back(DropConstraint(old));
    out->push_back(AddConstraint(c2[j]));
  }
}

}  // namespace internal
}  // namespace schemadiff
}  // namespace sidecut
