#include "schemadiff/table_normalize.h"

#include <set>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "schemadiff/charsets.h"
#include "schemadiff/column_normalize.h"
#include "schemadiff/parser.h"

namespace sidecut {
namespace schemadiff {

namespace {

// Lower-cased names in use, for generating free ones.
class NameSet {
 public:
  bool Contains(absl::string_view name) const {
    return names_.count(absl::AsciiStrToLower(name)) > 0;
  }
  void Add(absl::string_view name) {
    names_.insert(absl::AsciiStrToLower(name));
  }
  // Returns `base` if free, else `base_2`, `base_3`, ...; and takes it.
  std::string TakeFree(absl::string_view base) {
    std::string name(base);
    for (int n = 2; Contains(name); ++n) name = absl::StrCat(base, "_", n);
    Add(name);
    return name;
  }

 private:
  std::set<std::string> names_;
};

void NormalizeTableOptions(std::vector<TableOption>* options) {
  static const std::pair<absl::string_view, absl::string_view> kEngines[] = {
      {"INNODB", "InnoDB"},
      {"MYISAM", "MyISAM"},
      {"MEMORY", "MEMORY"},
      {"CSV", "CSV"},
      {"ARCHIVE", "ARCHIVE"},
      {"BLACKHOLE", "BLACKHOLE"},
      {"MRG_MYISAM", "MRG_MyISAM"},
      {"FEDERATED", "FEDERATED"},
      {"ARIA", "Aria"},
      {"ROCKSDB", "ROCKSDB"},
      {"NDB", "ndbcluster"},
      {"NDBCLUSTER", "ndbcluster"},
  };
  for (TableOption& o : *options) {
    o.name = absl::AsciiStrToLower(o.name);
    if (o.name == "character set") o.name = "charset";
    if (o.name == "charset") {
      o.value.text = NormalizeCharsetName(o.value.text);
    } else if (o.name == "collate") {
      o.value.text = NormalizeCollationName(o.value.text);
    } else if (o.name == "engine") {
      std::string upper = absl::AsciiStrToUpper(o.value.text);
      o.value.text = upper;
      for (const auto& [key, casing] : kEngines) {
        if (upper == key) o.value.text = std::string(casing);
      }
    } else if (o.name == "row_format") {
      o.value.text = absl::AsciiStrToUpper(o.value.text);
    } else if (IsEngineDefinedOption(o.name) &&
               o.value.kind == OptionValue::Kind::kString) {
      // MariaDB prints these quoted (`page_compressed`='1'): a number or
      // YES/NO as written unquoted.
      int64_t n = 0;
      if (absl::SimpleAtoi(o.value.text, &n)) {
        o.value.kind = OptionValue::Kind::kNumber;
      } else if (absl::EqualsIgnoreCase(o.value.text, "yes") ||
                 absl::EqualsIgnoreCase(o.value.text, "no")) {
        o.value.kind = OptionValue::Kind::kRaw;
        o.value.text = absl::AsciiStrToUpper(o.value.text);
      }
    } else if (IsEngineDefinedOption(o.name) &&
               o.value.kind == OptionValue::Kind::kRaw) {
      o.value.text = absl::AsciiStrToUpper(o.value.text);
    }
  }
}

// Column PRIMARY KEY / UNIQUE attributes become table-level keys, placed
// first (primary key, then unique keys in column order).
void HoistColumnKeys(TableSpec* spec) {
  std::vector<IndexDefinition> hoisted;
  for (ColumnDefinition& c : spec->columns) {
    if (c.key_option == ColumnKeyOption::kNone) continue;
    IndexDefinition index;
    index.kind = (c.key_option == ColumnKeyOption::kPrimary ||
                  c.key_option == ColumnKeyOption::kKey)
                     ? IndexKind::kPrimary
                     : IndexKind::kUnique;
    IndexPart part;
    part.column = c.name;
    index.parts.push_back(std::move(part));
    if (index.kind == IndexKind::kPrimary) {
      hoisted.insert(hoisted.begin(), std::move(index));
    } else {
      hoisted.push_back(std::move(index));
    }
    c.key_option = ColumnKeyOption::kNone;
  }
  spec->indexes.insert(spec->indexes.begin(),
                       std::make_move_iterator(hoisted.begin()),
                       std::make_move_iterator(hoisted.end()));
}

void NormalizeIndexOptions(IndexDefinition* index) {
  std::vector<IndexOption> kept;
  for (IndexOption& o : index->options) {
    if (o.name == "using" && absl::EqualsIgnoreCase(o.value.text, "btree")) {
      continue;
    }
    if (o.name == "visible") continue;
    if (o.name == "with parser") {
      o.value.kind = OptionValue::Kind::kRaw;
      o.value.text = absl::AsciiStrToLower(o.value.text);
    }
    kept.push_back(std::move(o));
  }
  index->options = std::move(kept);
}

void NameIndexes(TableSpec* spec) {
  NameSet names;
  for (IndexDefinition& i : spec->indexes) {
    if (i.name.empty() && i.constraint_name && !i.constraint_name->empty()) {
      i.name = *i.constraint_name;
    }
    i.constraint_name.reset();
    if (i.kind == IndexKind::kPrimary) i.name.clear();
    if (!i.name.empty()) names.Add(i.name);
  }
  for (IndexDefinition& i : spec->indexes) {
    NormalizeIndexOptions(&i);
    for (IndexPart& p : i.parts) {
      if (p.expr) StripArgumentParens(&*p.expr);
    }
    if (i.kind == IndexKind::kPrimary || !i.name.empty()) continue;
    std::string base = "functional_index";
    if (!i.parts.empty() && !i.parts[0].expr) base = i.parts[0].column;
    i.name = names.TakeFree(base);
  }
}

// Unnamed column-level CHECKs stay on their column, as MariaDB keeps and
// prints them.
void KeepColumnChecksOnColumns(TableSpec* spec) {
  std::vector<ConstraintDefinition> kept;
  for (ConstraintDefinition& c : spec->constraints) {
    auto* check = std::get_if<CheckDefinition>(&c.details);
    ColumnDefinition* owner = nullptr;
    for (ColumnDefinition& col : spec->columns) {
      if (!c.column.empty() && col.name == c.column && !col.check) {
        owner = &col;
      }
    }
    if (check == nullptr || owner == nullptr || (c.name && !c.name->empty())) {
      kept.push_back(std::move(c));
      continue;
    }
    owner->check = std::move(*check);
  }
  spec->constraints = std::move(kept);
  for (ColumnDefinition& col : spec->columns) {
    if (!col.check) continue;
    StripOuterParens(&col.check->expr);
    StripArgumentParens(&col.check->expr);
    if (col.check->enforced.value_or(false)) col.check->enforced.reset();
  }
}

void NameConstraints(const std::string& table, TableSpec* spec) {
  NameSet names;
  for (const ConstraintDefinition& c : spec->constraints) {
    if (c.name && !c.name->empty()) names.Add(*c.name);
  }
  int counters[2] = {0, 0};
  for (ConstraintDefinition& c : spec->constraints) {
    bool fk = std::holds_alternative<ForeignKeyDefinition>(c.details);
    if (auto* check = std::get_if<CheckDefinition>(&c.details)) {
      StripOuterParens(&check->expr);
      StripArgumentParens(&check->expr);
      if (check->enforced.has_value() && *check->enforced) {
        check->enforced.reset();
      }
    }
    if (c.name && !c.name->empty()) continue;
    std::string name;
    do {
      name = absl::StrCat(table, fk ? "_ibfk_" : "_chk_", ++counters[fk]);
    } while (names.Contains(name));
    names.Add(name);
    c.name = name;
  }
}

// Adds a key for each foreign key that no index covers, named after the
// FOREIGN KEY index name, the constraint name given, or the first column.
void AddForeignKeyIndexes(TableSpec* spec,
                          const std::vector<bool>& explicitly_named) {
  NameSet names;
  for (const IndexDefinition& i : spec->indexes) names.Add(i.name);
  for (size_t n = 0; n < spec->constraints.size(); ++n) {
    ConstraintDefinition& c = spec->constraints[n];
    auto* fk = std::get_if<ForeignKeyDefinition>(&c.details);
    if (fk == nullptr || fk->columns.empty()) continue;
    bool covered = false;
    for (const IndexDefinition& i : spec->indexes) {
      if (IndexCoversColumns(i, fk->columns)) covered = true;
    }
    std::string base = !fk->index_name.empty() ? fk->index_name
                       : explicitly_named[n]   ? *c.name
                                               : fk->columns[0];
    fk->index_name.clear();
    if (covered) continue;
    IndexDefinition index;
    index.name = names.TakeFree(base);
    for (const std::string& col : fk->columns) {
      IndexPart part;
      part.column = col;
      index.parts.push_back(std::move(part));
    }
    spec->indexes.push_back(std::move(index));
  }
}

}  // namespace

TableCharsetDefaults CharsetDefaultsOf(
    const std::vector<TableOption>& options) {
  TableCharsetDefaults d;
  for (const TableOption& o : options) {
    if (o.name == "charset") d.charset = o.value.text;
    if (o.name == "collate") d.collation = o.value.text;
  }
  if (d.charset.empty()) {
    d.charset = d.collation.empty() ? std::string(DefaultCharset())
                                    : CharsetOfCollation(d.collation);
  }
  if (d.collation.empty()) d.collation = DefaultCollation(d.charset);
  return d;
}

bool IndexCoversColumns(const IndexDefinition& index,
                        const std::vector<std::string>& columns) {
  if (index.parts.size() < columns.size()) return false;
  if (index.kind == IndexKind::kFulltext || index.kind == IndexKind::kSpatial) {
    return false;
  }
  for (size_t i = 0; i < columns.size(); ++i) {
    const IndexPart& p = index.parts[i];
    if (p.expr || !absl::EqualsIgnoreCase(p.column, columns[i])) return false;
  }
  return true;
}

// MariaDB's JSON is LONGTEXT in utf8mb4_bin with CHECK (json_valid(col))
// (unless the column has a CHECK of its own), as the server prints it.
void ResolveMariadbJson(TableSpec* spec) {
  for (ColumnDefinition& c : spec->columns) {
    if (!absl::EqualsIgnoreCase(c.type.name, "json")) continue;
    c.type.name = "longtext";
    c.type.charset = "utf8mb4";
    c.type.collate = OptionValue{OptionValue::Kind::kRaw, "utf8mb4_bin"};
    bool checked = c.check.has_value();
    for (const ConstraintDefinition& k : spec->constraints) {
      checked |= k.column == c.name &&
                 std::holds_alternative<CheckDefinition>(k.details);
    }
    if (checked) continue;
    const std::string quoted =
        absl::StrCat("`", absl::StrReplaceAll(c.name, {{"`", "``"}}), "`");
    absl::StatusOr<Statement> parsed = ParseStatement(
        absl::StrCat("create table x (", quoted, " longtext check (json_valid(",
                     quoted, ")))"));
    if (!parsed.ok()) continue;
    auto* created = std::get_if<CreateTable>(&*parsed);
    if (created == nullptr || !created->spec ||
        created->spec->constraints.size() != 1) {
      continue;
    }
    spec->constraints.push_back(std::move(created->spec->constraints[0]));
  }
}

void NormalizeCreateTable(CreateTable* table) {
  if (!table->spec) return;
  TableSpec& spec = *table->spec;
  if (CurrentServerDialect() != nullptr && CurrentServerDialect()->mariadb) {
    ResolveMariadbJson(&spec);
  }
  NormalizeTableOptions(&spec.options);
  TableCharsetDefaults defaults = CharsetDefaultsOf(spec.options);
  for (ColumnDefinition& c : spec.columns) NormalizeColumn(defaults, &c);
  HoistColumnKeys(&spec);
  NameIndexes(&spec);
  KeepColumnChecksOnColumns(&spec);  // moves some constraints out
  std::vector<bool> explicitly_named;
  for (const ConstraintDefinition& c : spec.constraints) {
    explicitly_named.push_back(c.name && !c.name->empty());
  }
  NameConstraints(table->name.name, &spec);
  AddForeignKeyIndexes(&spec, explicitly_named);
  if (CurrentServerDialect() != nullptr && CurrentServerDialect()->mariadb) {
    // InnoDB keeps neither RESTRICT (its default) nor SET DEFAULT (which it
    // does not do) nor a MATCH clause: MariaDB prints none of them.
    for (ConstraintDefinition& c : spec.constraints) {
      auto* fk = std::get_if<ForeignKeyDefinition>(&c.details);
      if (fk == nullptr) continue;
      ReferenceDefinition& ref = fk->reference;
      for (std::string* action : {&ref.on_delete, &ref.on_update}) {
        if (*action == "restrict" || *action == "set default") action->clear();
      }
      ref.match.clear();
    }
  }
  if (spec.partition) {
    // MariaDB prints each partition's engine; one equal to the table's
    // (InnoDB when the table names none) says nothing more.
    const bool mariadb =
        CurrentServerDialect() != nullptr && CurrentServerDialect()->mariadb;
    std::string table_engine = "InnoDB";
    for (const TableOption& o : spec.options) {
      if (absl::EqualsIgnoreCase(o.name, "engine")) {
        table_engine = o.value.text;
      }
    }
    for (PartitionDefinition& d : spec.partition->definitions) {
      if (d.options.engine.empty()) continue;
      std::vector<TableOption> engine(1);
      engine[0].name = "engine";
      engine[0].value.text = d.options.engine;
      NormalizeTableOptions(&engine);
      d.options.engine = engine[0].value.text;
      if (mariadb && absl::EqualsIgnoreCase(d.options.engine, table_engine)) {
        d.options.engine.clear();
        d.options.engine_keyword.clear();
      }
    }
  }
}

}  // namespace schemadiff
}  // namespace sidecut
