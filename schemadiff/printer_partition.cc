// Printing of PARTITION BY clauses and partition definitions.
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "schemadiff/printer_internal.h"

namespace sidecut {
namespace schemadiff {
namespace internal {
namespace {

void PrintMethod(SqlWriter& w, const PartitionMethod& m) {
  if (m.linear) w.Kw("linear ");
  w.Kw(m.type);
  if (m.type == "key") {
    if (!m.key_algorithm.empty()) w.Kw(" algorithm = ").Raw(m.key_algorithm);
    w.Raw(" ").IdentList(m.column_list);
  } else if (m.columns) {
    w.Kw(" columns ").IdentList(m.column_list);
  } else if (m.expr) {
    w.Raw(" (").Expression(*m.expr).Raw(")");
  }
}

void PrintDefinitionOptions(SqlWriter& w, const PartitionDefinitionOptions& o) {
  if (!o.engine.empty()) w.Raw(" ").Kw(o.engine_keyword).Raw(" ").Raw(o.engine);
  if (o.comment) w.Kw(" comment ").String(*o.comment);
  if (o.data_directory) w.Kw(" data directory ").String(*o.data_directory);
  if (o.index_directory) w.Kw(" index directory ").String(*o.index_directory);
  if (!o.max_rows.empty()) w.Kw(" max_rows ").Raw(o.max_rows);
  if (!o.min_rows.empty()) w.Kw(" min_rows ").Raw(o.min_rows);
  if (!o.tablespace.empty()) w.Kw(" tablespace ").Ident(o.tablespace);
}

void PrintValues(SqlWriter& w, const std::vector<Expr>& values) {
  w.Raw("(");
  for (size_t i = 0; i < values.size(); ++i) {
    if (i > 0) w.Raw(", ");
    w.Expression(values[i]);
  }
  w.Raw(")");
}

void PrintDefinition(SqlWriter& w, const PartitionDefinition& d) {
  w.Kw("partition ").Ident(d.name);
  if (d.values_kind == PartitionDefinition::Values::kLessThan) {
    w.Kw(" values less than ");
    if (d.maxvalue) {
      w.Kw("maxvalue");
    } else {
      PrintValues(w, d.values);
    }
  } else if (d.values_kind == PartitionDefinition::Values::kIn) {
    w.Kw(" values in ");
    PrintValues(w, d.values);
  }
  PrintDefinitionOptions(w, d.options);
  if (d.subpartitions.empty()) return;
  w.Raw(" (");
  for (size_t i = 0; i < d.subpartitions.size(); ++i) {
    if (i > 0) w.Raw(", ");
    w.Kw("subpartition ").Ident(d.subpartitions[i].name);
    PrintDefinitionOptions(w, d.subpartitions[i].options);
  }
  w.Raw(")");
}

}  // namespace

void PrintPartitionOption(SqlWriter& w, const PartitionOption& p) {
  w.Kw("partition by ");
  PrintMethod(w, p.method);
  if (!p.method.count.empty()) w.Kw(" partitions ").Raw(p.method.count);
  if (p.sub) {
    w.Kw(" subpartition by ");
    PrintMethod(w, *p.sub);
    if (!p.sub->count.empty()) w.Kw(" subpartitions ").Raw(p.sub->count);
  }
  for (size_t i = 0; i < p.definitions.size(); ++i) {
    w.Raw(i == 0 ? "\n(" : ",\n ");
    PrintDefinition(w, p.definitions[i]);
  }
  if (!p.definitions.empty()) w.Raw(")");
}

void PrintPartitionDefinitions(SqlWriter& w,
                               const std::vector<PartitionDefinition>& defs) {
  w.Raw("(");
  for (size_t i = 0; i < defs.size(); ++i) {
    if (i > 0) w.Raw(", ");
    PrintDefinition(w, defs[i]);
  }
  w.Raw(")");
}

}  // namespace internal
}  // namespace schemadiff
}  // namespace sidecut
