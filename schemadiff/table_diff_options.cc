// Table option and partitioning clauses of a table diff.
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "schemadiff/charsets.h"
#include "schemadiff/printer.h"
#include "schemadiff/table_diff_internal.h"

namespace sidecut {
namespace schemadiff {
namespace internal {
namespace {

// The value that resets a dropped option, or nullopt when a dropped option
// is left alone (AUTO_INCREMENT, ENGINE, COLLATE, MyISAM-only options).
std::optional<OptionValue> ResetValue(const std::string& name) {
  auto value = [](OptionValue::Kind kind, std::string text) {
    return std::optional<OptionValue>(OptionValue{kind, std::move(text)});
  };
  using K = OptionValue::Kind;
  if (name == "checksum" || name == "delay_key_write" ||
      name == "key_block_size" || name == "max_rows" || name == "min_rows") {
    return value(K::kNumber, "0");
  }
  if (name == "comment" || name == "compression" || name == "connection" ||
      name == "data directory" || name == "index directory") {
    return value(K::kString, "");
  }
  if (name == "encryption") return value(K::kString, "N");
  if (IsEngineDefinedOption(name)) return value(K::kRaw, "DEFAULT");
  if (name == "pack_keys" || name == "row_format" ||
      name == "stats_auto_recalc" || name == "stats_persistent" ||
      name == "stats_sample_pages") {
    return value(K::kRaw, "DEFAULT");
  }
  if (name == "charset") {
    return value(K::kRaw, std::string(DefaultCharset()));
  }
  return std::nullopt;
}

bool IgnoredCharsetOption(const std::string& name, bool in_from, bool in_to,
                          const DiffHints& hints) {
  if (name != "charset" && name != "collate") return false;
  switch (hints.charset_collate) {
    case TableCharsetCollateStrategy::kStrict:
      return false;
    case TableCharsetCollateStrategy::kIgnoreEmpty:
      return !in_from || !in_to;
    case TableCharsetCollateStrategy::kIgnoreAlways:
      return true;
  }
  return false;
}

bool ApplyAutoIncrement(const TableOption* from, const TableOption& to,
                        const DiffHints& hints) {
  switch (hints.auto_increment) {
    case AutoIncrementStrategy::kIgnore:
      return false;
    case AutoIncrementStrategy::kApplyAlways:
      return true;
    case AutoIncrementStrategy::kApplyHigher: {
      if (from == nullptr) return true;
      uint64_t a = 0, b = 0;
      return absl::SimpleAtoi(from->value.text, &a) &&
             absl::SimpleAtoi(to.value.text, &b) && b > a;
    }
  }
  return false;
}

std::string CanonicalDefinitions(const PartitionDefinition& d) {
  return PrintPartitionDefinition(d, OutputMode::kCanonical);
}

// A RANGE rotation: same method, at least one partition kept (same name
// and definition), the others of `from` dropped, the others of `to` (new,
// or redefined) appended after the kept ones. Fills the DROP/ADD specs.
bool RangeRotation(const PartitionOption& p1, const PartitionOption& p2,
                   std::vector<PartitionSpec>* specs) {
  if (p1.method.type != "range" || p2.method.type != "range") return false;
  PartitionOption m1 = p1, m2 = p2;
  m1.definitions.clear();
  m2.definitions.clear();
  if (PrintPartitionOptionDefinition(m1, OutputMode::kCanonical) !=
      PrintPartitionOptionDefinition(m2, OutputMode::kCanonical)) {
    return false;
  }
  std::map<std::string, const PartitionDefinition*> by_name1;
  for (const PartitionDefinition& d : p1.definitions) by_name1[d.name] = &d;
  std::set<std::string> kept;
  bool adding = false;
  PartitionSpec drop;
  drop.action = "drop";
  std::vector<PartitionSpec> adds;
  for (const PartitionDefinition& d : p2.definitions) {
    auto it = by_name1.find(d.name);
    if (it != by_name1.end() &&
        CanonicalDefinitions(*it->second) == CanonicalDefinitions(d)) {
      if (adding) return false;  // kept partitions must come first
      kept.insert(d.name);
      continue;
    }
    adding = true;
    PartitionSpec add;
    add.action = "add";
    add.definitions.push_back(d);
    adds.push_back(std::move(add));
  }
  if (kept.empty()) return false;
  for (const PartitionDefinition& d : p1.definitions) {
    if (kept.count(d.name) == 0) drop.names.push_back(d.name);
  }
  if (!drop.names.empty()) specs->push_back(std::move(drop));
  for (PartitionSpec& a : adds) specs->push_back(std::move(a));
  return true;
}

}  // namespace

absl::Status DiffTableOptions(const TablePair& t, const DiffHints& hints,
                              std::vector<AlterOption>* out) {
  std::map<std::string, const TableOption*> m1, m2;
  for (const TableOption& o : t.from->options) m1[o.name] = &o;
  for (const TableOption& o : t.to->options) m2[o.name] = &o;
  std::vector<TableOption> changes;
  for (const TableOption& o : t.from->options) {
    if (m2.count(o.name) > 0) continue;
    if (o.name == "collate" && m2.count("charset") > 0 &&
        t.to_defaults.collation != t.from_defaults.collation) {
      // `to` names a charset without a collation: that charset's default,
      // which the column diff gives its columns. Said, or a column's
      // MODIFY keeps the old default and the diff never goes away.
      TableOption r;
      r.name = o.name;
      r.value = OptionValue{OptionValue::Kind::kRaw, t.to_defaults.collation};
      changes.push_back(std::move(r));
      continue;
    }
    if (IgnoredCharsetOption(o.name, true, false, hints)) continue;
    std::optional<OptionValue> reset = ResetValue(o.name);
    if (!reset) continue;
    TableOption r;
    r.name = o.name;
    r.value = *reset;
    changes.push_back(std::move(r));
  }
  // Changed options, then added ones, each in `to` order (as Vitess).
  for (bool added : {false, true}) {
    for (const TableOption& o : t.to->options) {
      auto it = m1.find(o.name);
      const TableOption* old = it == m1.end() ? nullptr : it->second;
      if ((old == nullptr) != added ||
          IgnoredCharsetOption(o.name, old != nullptr, true, hints)) {
        continue;
      }
      if (old != nullptr &&
          PrintTableOptionDefinition(*old, OutputMode::kCanonical) ==
              PrintTableOptionDefinition(o, OutputMode::kCanonical)) {
        continue;
      }
      if (o.name == "auto_increment" && !ApplyAutoIncrement(old, o, hints)) {
        continue;
      }
      changes.push_back(o);
    }
  }
  if (changes.empty()) return absl::OkStatus();
  AlterOption clause;
  clause.kind = AlterOption::Kind::kTableOptions;
  clause.options = std::move(changes);
  out->push_back(std::move(clause));
  return absl::OkStatus();
}

void DiffPartitions(const TablePair& t, const DiffHints& hints,
                    AlterTable* alter, std::vector<PartitionSpec>* statements) {
  const std::optional<PartitionOption>& p1 = t.from->partition;
  const std::optional<PartitionOption>& p2 = t.to->partition;
  if (!p1 && !p2) return;
  if (!p2) {
    PartitionSpec remove;
    remove.action = "remove";
    alter->partition_spec = std::move(remove);
    return;
  }
  if (p1 && PrintPartitionOptionDefinition(*p1, OutputMode::kCanonical) ==
                PrintPartitionOptionDefinition(*p2, OutputMode::kCanonical)) {
    return;
  }
  std::vector<PartitionSpec> rotation;
  if (p1 && RangeRotation(*p1, *p2, &rotation)) {
    if (hints.range_rotation == RangeRotationStrategy::kIgnore) return;
    if (hints.range_rotation == RangeRotationStrategy::kDistinctStatements) {
      *statements = std::move(rotation);
      return;
    }
  }
  PartitionSpec by;
  by.partition_by = *p2;
  alter->partition_spec = std::move(by);
}

}  // namespace internal
}  // namespace schemadiff
}  // namespace sidecut
