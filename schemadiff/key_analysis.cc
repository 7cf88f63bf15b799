#include "schemadiff/key_analysis.h"

#include <algorithm>
#include <limits>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "schemadiff/column_normalize.h"
#include "schemadiff/table_lookup.h"
#include "schemadiff/table_normalize.h"

namespace sidecut {
namespace schemadiff {
namespace {

int PrefixLength(const IndexPart& p) {
  int n = 0;
  if (p.length.empty() || !absl::SimpleAtoi(p.length, &n)) {
    return std::numeric_limits<int>::max();
  }
  return n;
}

KeyFacts FactsOf(const CreateTable& table, const IndexDefinition& k) {
  KeyFacts f;
  f.unique = IsUniqueKey(k);
  for (const IndexPart& p : k.parts) {
    f.columns.push_back(p.column);
    if (!p.length.empty()) f.has_prefix = true;
    const ColumnDefinition* c = FindColumn(table, p.column);
    if (c == nullptr) continue;
    if (c->nullable.value_or(true) && !InPrimaryKey(*table.spec, c->name)) {
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
  if (!IsUniqueKey(a)) return false;
  if (!IsUniqueKey(b)) return true;
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
    if (IndexCoversColumns(k, columns)) {
      out.push_back(k.kind == IndexKind::kPrimary ? "PRIMARY" : k.name);
    }
  }
  return out;
}

std::vector<const IndexDefinition*> PrioritizedUniqueKeys(
    const CreateTable& table) {
  using Rank = std::tuple<bool, bool, bool, bool, size_t>;
  std::vector<std::pair<Rank, const IndexDefinition*>> ranked;
  if (table.spec) {
    for (const IndexDefinition& k : table.spec->indexes) {
      if (!IsUniqueKey(k)) continue;
      KeyFacts f = FactsOf(table, k);
      const ColumnDefinition* first =
          k.parts.empty() ? nullptr : FindColumn(table, k.parts[0].column);
      bool integer_first =
          first != nullptr &&
          IsIntegralType(absl::AsciiStrToLower(first->type.name));
      ranked.push_back({Rank(k.kind != IndexKind::kPrimary, f.has_nullable,
                             f.has_prefix, !integer_first, k.parts.size()),
                        &k});
    }
  }
  std::stable_sort(
      ranked.begin(), ranked.end(),
      [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<const IndexDefinition*> keys;
  for (const auto& [rank, k] : ranked) keys.push_back(k);
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
