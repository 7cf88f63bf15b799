#include "schemadiff/key_analysis.h"

#include <algorithm>
#include <limits>
#include <string>
#include <tuple>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"

namespace sidecut {
namespace schemadiff {
namespace {

bool IsUnique(const IndexDefinition& k) {
  return k.kind == IndexKind::kPrimary || k.kind == IndexKind::kUnique;
}

int PrefixLength(const IndexPart& p) {
  int n = 0;
  if (p.length.empty() || !absl::SimpleAtoi(p.length, &n)) {
    return std::numeric_limits<int>::max();
  }
  return n;
}

const ColumnDefinition* FindColumn(const CreateTable& t,
                                   const std::string& name) {
  for (const ColumnDefinition& c : t.spec->columns) {
    if (absl::EqualsIgnoreCase(c.name, name)) return &c;
  }
  return nullptr;
}

bool InPrimaryKey(const CreateTable& t, const std::string& column) {
  for (const IndexDefinition& k : t.spec->indexes) {
    if (k.kind != IndexKind::kPrimary) continue;
    for (const IndexPart& p : k.parts) {
      if (absl::EqualsIgnoreCase(p.column, column)) return true;
    }
  }
  for (const ColumnDefinition& c : t.spec->columns) {
    if (c.key_option == ColumnKeyOption::kPrimary &&
        absl::EqualsIgnoreCase(c.name, column)) {
      return true;
    }
  }
  return false;
}

bool IsIntegerType(const std::string& type) {
  std::string t = absl::AsciiStrToLower(type);
  return t == "tinyint" || t == "smallint" || t == "mediumint" || t == "int" ||
         t == "integer" || t == "bigint";
}

KeyFacts FactsOf(const CreateTable& table, const IndexDefinition& k) {
  KeyFacts f;
  f.unique = IsUnique(k);
  for (const IndexPart& p : k.parts) {
    f.columns.push_back(p.column);
    if (!p.length.empty()) f.has_prefix = true;
    const ColumnDefinition* c = FindColumn(table, p.column);
    if (c == nullptr) continue;
    if (c->nullable.value_or(true) && !InPrimaryKey(table, c->name)) {
      f.has_nullable = true;
    }
    std::string type = absl::AsciiStrToLower(c->type.name);
    if (type == "float" || type == "double" || type == "real") {
      f.has_float = true;
    }
  }
  return f;
}

std::string LowerName(const IndexDefinition& k) {
  return k.kind == IndexKind::kPrimary ? "primary"
                                       : absl::AsciiStrToLower(k.name);
}

}  // namespace

std::map<std::string, KeyFacts> KeyFactsByName(const CreateTable& table) {
  std::map<std::string, KeyFacts> out;
  if (!table.spec) return out;
  for (const IndexDefinition& k : table.spec->indexes) {
    out[LowerName(k)] = FactsOf(table, k);
  }
  return out;
}

bool KeyAtLeastConstrainedAs(
    const IndexDefinition& a, const IndexDefinition& b,
    const std::map<std::string, std::string>& renames) {
  if (!IsUnique(a)) return false;
  if (!IsUnique(b)) return true;
  for (const IndexPart& pa : a.parts) {
    if (pa.column.empty()) return false;  // a functional part
    std::string name = absl::AsciiStrToLower(pa.column);
    for (const auto& [from, to] : renames) {
      if (absl::EqualsIgnoreCase(from, pa.column)) {
        name = absl::AsciiStrToLower(to);
      }
    }
    bool found = false;
    for (const IndexPart& pb : b.parts) {
      if (absl::AsciiStrToLower(pb.column) == name &&
          PrefixLength(pa) <= PrefixLength(pb)) {
        found = true;
      }
    }
    if (!found) return false;
  }
  return true;
}

std::vector<std::string> IndexesCoveringColumns(
    const CreateTable& table, const std::vector<std::string>& columns) {
  std::vector<std::string> out;
  if (!table.spec || columns.empty()) return out;
  for (const IndexDefinition& k : table.spec->indexes) {
    if (k.parts.size() < columns.size()) continue;
    bool covers = true;
    for (size_t i = 0; i < columns.size(); ++i) {
      covers &= absl::EqualsIgnoreCase(k.parts[i].column, columns[i]);
    }
    if (covers) {
      out.push_back(k.kind == IndexKind::kPrimary ? "PRIMARY" : k.name);
    }
  }
  return out;
}

std::vector<const IndexDefinition*> PrioritizedUniqueKeys(
    const CreateTable& table) {
  std::vector<const IndexDefinition*> keys;
  if (!table.spec) return keys;
  for (const IndexDefinition& k : table.spec->indexes) {
    if (IsUnique(k)) keys.push_back(&k);
  }
  auto rank = [&table](const IndexDefinition* k) {
    KeyFacts f = FactsOf(table, *k);
    const ColumnDefinition* first =
        k->parts.empty() ? nullptr : FindColumn(table, k->parts[0].column);
    bool integer_first = first != nullptr && IsIntegerType(first->type.name);
    return std::make_tuple(k->kind != IndexKind::kPrimary, f.has_nullable,
                           f.has_prefix, !integer_first, k->parts.size());
  };
  std::stable_sort(keys.begin(), keys.end(),
                   [&rank](const IndexDefinition* a, const IndexDefinition* b) {
                     return rank(a) < rank(b);
                   });
  return keys;
}

std::vector<const IndexDefinition*> IterationKeysByColumns(
    const CreateTable& table, const std::vector<const IndexDefinition*>& keys,
    const std::vector<std::string>& columns) {
  std::vector<const IndexDefinition*> out;
  for (const IndexDefinition* k : keys) {
    KeyFacts f = FactsOf(table, *k);
    if (!f.unique || f.has_nullable || f.has_float || f.has_prefix) continue;
    bool covered = true;
    for (const std::string& c : f.columns) {
      covered &= std::any_of(
          columns.begin(), columns.end(),
          [&c](const std::string& x) { return absl::EqualsIgnoreCase(x, c); });
    }
    if (covered) out.push_back(k);
  }
  return out;
}

}  // namespace schemadiff
}  // namespace sidecut
