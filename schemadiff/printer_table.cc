// Printing of CREATE TABLE parts: columns, indexes, constraints, options.
#include <string>
#include <variant>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "schemadiff/printer_internal.h"

namespace sidecut {
namespace schemadiff {
namespace internal {
namespace {

void PrintColumnType(SqlWriter& w, const ColumnType& type) {
  w.Raw(type.name);
  if (!type.values.empty()) {
    w.Raw("(");
    for (size_t i = 0; i < type.values.size(); ++i) {
      if (i > 0) w.Raw(", ");
      w.String(type.values[i]);
    }
    w.Raw(")");
  } else if (!type.length.empty()) {
    w.Raw("(").Raw(type.length).Raw(")");
  }
  // Part of the type: lower case in both output modes.
  if (type.is_unsigned) w.Raw(" unsigned");
  if (type.zerofill) w.Raw(" zerofill");
  if (!type.charset.empty()) w.Kw(" character set ").Raw(type.charset);
  if (type.binary) w.Kw(" binary");
  if (type.collate.kind != OptionValue::Kind::kNone) {
    w.Kw(" collate ").Value(type.collate);
  }
}

void PrintNullability(SqlWriter& w, const ColumnDefinition& c) {
  if (c.nullable.has_value()) w.Kw(*c.nullable ? " null" : " not null");
}

void PrintReference(SqlWriter& w, const ReferenceDefinition& ref) {
  w.Kw("references ").Table(ref.table).Raw(" ").IdentList(ref.columns);
  if (!ref.match.empty()) w.Kw(" match ").Kw(ref.match);
  if (!ref.on_delete.empty()) w.Kw(" on delete ").Kw(ref.on_delete);
  if (!ref.on_update.empty()) w.Kw(" on update ").Kw(ref.on_update);
}

void PrintColumnKeyOption(SqlWriter& w, ColumnKeyOption key) {
  switch (key) {
    case ColumnKeyOption::kPrimary:
      w.Kw(" primary key");
      break;
    case ColumnKeyOption::kUnique:
      w.Kw(" unique");
      break;
    case ColumnKeyOption::kUniqueKey:
      w.Kw(" unique key");
      break;
    case ColumnKeyOption::kKey:
      w.Kw(" key");
      break;
    case ColumnKeyOption::kNone:
      break;
  }
}

// Attributes printed after the generated-column clause.
void PrintColumnTail(SqlWriter& w, const ColumnDefinition& c) {
  if (c.auto_increment) w.Kw(" auto_increment");
  if (c.comment) w.Kw(" comment ").String(*c.comment);
  if (c.visible) w.Kw(*c.visible ? " visible" : " invisible");
  if (!c.column_format.empty()) {
    w.Kw(" column_format ").Kw(absl::AsciiStrToLower(c.column_format));
  }
  if (!c.storage.empty()) {
    w.Kw(" storage ").Kw(absl::AsciiStrToLower(c.storage));
  }
  if (!c.srid.empty()) w.Kw(" srid ").Raw(c.srid);
  if (c.engine_attribute) {
    w.Kw(" engine_attribute ").String(*c.engine_attribute);
  }
  if (c.secondary_engine_attribute) {
    w.Kw(" secondary_engine_attribute ").String(*c.secondary_engine_attribute);
  }
  PrintColumnKeyOption(w, c.key_option);
  if (c.reference) {
    w.Raw(" ");
    PrintReference(w, *c.reference);
  }
}

void PrintIndexPart(SqlWriter& w, const IndexPart& part) {
  if (part.expr) {
    w.Raw("(").Expression(*part.expr).Raw(")");
  } else {
    w.Ident(part.column);
    if (!part.length.empty()) w.Raw("(").Raw(part.length).Raw(")");
  }
  if (part.desc) w.Kw(" desc");
}

void PrintIndexOption(SqlWriter& w, const IndexOption& opt) {
  w.Raw(" ").Kw(opt.name);
  if (opt.name == "clustering") {
    w.Raw("=").Value(opt.value);
  } else if (opt.value.kind != OptionValue::Kind::kNone) {
    w.Raw(" ").Value(opt.value);
  }
}

// Options whose word values are keywords (upper-cased in canonical form).
bool IsKeywordValuedOption(absl::string_view name) {
  static constexpr absl::string_view kNames[] = {
      "row_format",        "insert_method",    "pack_keys",
      "stats_auto_recalc", "stats_persistent", "checksum",
      "delay_key_write",
  };
  for (absl::string_view n : kNames) {
    if (absl::EqualsIgnoreCase(name, n)) return true;
  }
  return false;
}

}  // namespace

void PrintDefault(SqlWriter& w, const DefaultValue& value) {
  if (value.parenthesized) {
    w.Raw("(").Expression(value.expr).Raw(")");
  } else {
    w.Expression(value.expr);
  }
}

void PrintColumn(SqlWriter& w, const ColumnDefinition& c) {
  w.Ident(c.name).Raw(" ");
  PrintColumnType(w, c.type);
  if (!c.generated) PrintNullability(w, c);
  if (c.default_value) {
    w.Kw(" default ");
    PrintDefault(w, *c.default_value);
  }
  if (c.on_update) {
    w.Kw(" on update ");
    PrintDefault(w, *c.on_update);
  }
  if (c.generated) {
    w.Kw(" as (").Expression(*c.generated).Raw(")");
    w.Kw(c.stored ? " stored" : " virtual");
    PrintNullability(w, c);
  }
  PrintColumnTail(w, c);
  if (c.check) {
    w.Kw(" check (").Expression(c.check->expr).Raw(")");
    if (c.check->enforced) {
      w.Kw(*c.check->enforced ? " enforced" : " not enforced");
    }
  }
}

void PrintIndex(SqlWriter& w, const IndexDefinition& index) {
  if (index.constraint_name) {
    w.Kw("constraint ").Ident(*index.constraint_name).Raw(" ");
  }
  switch (index.kind) {
    case IndexKind::kPrimary:
      w.Kw("primary key");
      break;
    case IndexKind::kUnique:
      w.Kw("unique key");
      break;
    case IndexKind::kKey:
      w.Kw("key");
      break;
    case IndexKind::kFulltext:
      w.Kw("fulltext key");
      break;
    case IndexKind::kSpatial:
      w.Kw("spatial key");
      break;
  }
  if (!index.name.empty()) w.Raw(" ").Ident(index.name);
  w.Raw(" (");
  for (size_t i = 0; i < index.parts.size(); ++i) {
    if (i > 0) w.Raw(", ");
    PrintIndexPart(w, index.parts[i]);
  }
  w.Raw(")");
  for (const IndexOption& opt : index.options) PrintIndexOption(w, opt);
}

void PrintConstraint(SqlWriter& w, const ConstraintDefinition& c) {
  if (c.name && !c.name->empty()) w.Kw("constraint ").Ident(*c.name).Raw(" ");
  if (const auto* fk = std::get_if<ForeignKeyDefinition>(&c.details)) {
    w.Kw("foreign key ");
    if (!fk->index_name.empty()) w.Ident(fk->index_name);
    w.IdentList(fk->columns).Raw(" ");
    PrintReference(w, fk->reference);
    return;
  }
  const auto& check = std::get<CheckDefinition>(c.details);
  w.Kw("check (").Expression(check.expr).Raw(")");
  if (check.enforced) w.Kw(*check.enforced ? " enforced" : " not enforced");
}

void PrintTableOption(SqlWriter& w, const TableOption& option) {
  w.Raw(w.canonical() ? absl::AsciiStrToUpper(option.name) : option.name);
  // MariaDB's engine-defined options take no value without '='.
  w.Raw(IsEngineDefinedOption(absl::AsciiStrToLower(option.name)) ? " = "
                                                                  : " ");
  if (!option.tables.empty()) {
    w.IdentList(option.tables);
    return;
  }
  bool keyword_value = option.value.kind == OptionValue::Kind::kRaw &&
                       IsKeywordValuedOption(option.name);
  if (keyword_value && w.canonical()) {
    w.Raw(absl::AsciiStrToUpper(option.value.text));
  } else {
    w.Value(option.value);
  }
  if (!option.storage.empty()) {
    w.Kw(" storage ").Kw(absl::AsciiStrToLower(option.storage));
  }
}

void PrintTableSpec(SqlWriter& w, const TableSpec& spec) {
  w.Raw(" (\n");
  bool first = true;
  auto sep = [&w, &first]() {
    w.Raw(first ? "\t" : ",\n\t");
    first = false;
  };
  for (const ColumnDefinition& c : spec.columns) {
    sep();
    PrintColumn(w, c);
  }
  for (const IndexDefinition& i : spec.indexes) {
    sep();
    PrintIndex(w, i);
  }
  for (const ConstraintDefinition& c : spec.constraints) {
    sep();
    PrintConstraint(w, c);
  }
  w.Raw("\n)");
  for (size_t i = 0; i < spec.options.size(); ++i) {
    w.Raw(i == 0 ? " " : ",\n  ");
    PrintTableOption(w, spec.options[i]);
  }
  if (spec.partition) {
    w.Raw("\n");
    PrintPartitionOption(w, *spec.partition);
  }
}

}  // namespace internal
}  // namespace schemadiff
}  // namespace sidecut
