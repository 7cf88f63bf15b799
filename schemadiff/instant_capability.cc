#include "schemadiff/instant_capability.h"

#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "schemadiff/charsets.h"
#include "schemadiff/printer.h"
#include "schemadiff/table_lookup.h"

namespace sidecut {
namespace schemadiff {
namespace {

using Kind = AlterOption::Kind;

std::string Lower(absl::string_view s) { return absl::AsciiStrToLower(s); }

bool HasOption(const CreateTable& t, absl::string_view name,
               absl::string_view value) {
  if (!t.spec) return false;
  for (const TableOption& o : t.spec->options) {
    if (absl::EqualsIgnoreCase(o.name, name) &&
        absl::EqualsIgnoreCase(o.value.text, value)) {
      return true;
    }
  }
  return false;
}

bool HasFulltext(const CreateTable& t) {
  if (!t.spec) return false;
  for (const IndexDefinition& i : t.spec->indexes) {
    if (i.kind == IndexKind::kFulltext) return true;
  }
  return false;
}

bool Indexed(const CreateTable& t, absl::string_view column) {
  if (!t.spec) return false;
  for (const IndexDefinition& i : t.spec->indexes) {
    for (const IndexPart& p : i.parts) {
      if (absl::EqualsIgnoreCase(p.column, column)) return true;
    }
  }
  return false;
}

bool Temporal(const ColumnType& type) {
  std::string n = Lower(type.name);
  return n == "date" || n == "datetime" || n == "timestamp" || n == "time" ||
         n == "year";
}

bool AddColumnInstant(const ColumnDefinition& c) {
  if (c.generated && c.stored) return false;
  if (c.default_value && c.default_value->parenthesized) return false;
  bool not_null = c.nullable.has_value() && !*c.nullable;
  return !(not_null && !c.default_value && !c.generated && Temporal(c.type));
}

ColumnDefinition Typed(const ColumnType& type) {
  ColumnDefinition c;
  c.name = "c";
  c.type = type;
  return c;
}

// The column as canonical text, after `edit`.
template <typename Edit>
std::string Text(ColumnDefinition c, Edit edit) {
  edit(&c);
  CreateTable t;
  t.spec.emplace();
  t.spec->columns.push_back(std::move(c));
  return ToCanonicalString(Statement(std::move(t)));
}

int MaxBytes(const ColumnType& type, absl::string_view table_charset) {
  int length = 0;
  if (!absl::SimpleAtoi(type.length, &length)) return 0;
  std::string cs = type.charset.empty() ? std::string(table_charset)
                                        : NormalizeCharsetName(type.charset);
  return length * MaxBytesPerChar(cs.empty() ? DefaultCharset() : cs);
}

// ENUM/SET members appended; SET within the same 8-member storage step,
// ENUM within 255 members.
bool MembersAppended(const ColumnType& from, const ColumnType& to) {
  if (to.values.size() < from.values.size()) return false;
  for (size_t i = 0; i < from.values.size(); ++i) {
    if (from.values[i] != to.values[i]) return false;
  }
  if (Lower(from.name) == "set") {
    return (from.values.size() + 7) / 8 == (to.values.size() + 7) / 8;
  }
  return (from.values.size() <= 255) == (to.values.size() <= 255);
}

bool TypeChangeInstant(const ColumnType& from, const ColumnType& to,
                       ServerFlavor flavor, absl::string_view charset) {
  std::string name = Lower(from.name);
  if (name != Lower(to.name)) return false;
  if ((name == "enum" || name == "set") && MembersAppended(from, to)) {
    ColumnType same = to;
    same.values = from.values;
    return Text(Typed(same), [](ColumnDefinition*) {}) ==
           Text(Typed(from), [](ColumnDefinition*) {});
  }
  if (flavor == ServerFlavor::kMariaDB1011 && name == "varchar") {
    int a = MaxBytes(from, charset), b = MaxBytes(to, charset);
    ColumnType same = to;
    same.length = from.length;
    return a > 0 && b >= a && (a <= 255) == (b <= 255) &&
           Text(Typed(same), [](ColumnDefinition*) {}) ==
               Text(Typed(from), [](ColumnDefinition*) {});
  }
  return false;
}

bool ModifyInstant(const CreateTable& t, const AlterOption& o,
                   ServerFlavor flavor) {
  if (o.columns.empty()) return false;
  const ColumnDefinition& to = o.columns[0];
  const ColumnDefinition* from =
      FindColumn(t, o.kind == Kind::kChangeColumn ? o.name : to.name);
  if (from == nullptr) return false;
  bool mariadb = flavor == ServerFlavor::kMariaDB1011;
  if (!o.position.empty() && !mariadb) return false;
  auto keep = [&](ColumnDefinition* c) {
    c->name = from->name;
    c->default_value = from->default_value;
    c->visible = from->visible;
    bool to_null = !c->nullable.has_value() || *c->nullable;
    bool from_null = !from->nullable.has_value() || *from->nullable;
    if (mariadb && to_null && !from_null) c->nullable = from->nullable;
  };
  auto same = [](ColumnDefinition*) {};
  if (Text(to, keep) == Text(*from, same)) return true;
  const std::string charset;  // the table default: not tracked here
  ColumnDefinition typed = to;
  keep(&typed);
  typed.type = from->type;
  return Text(typed, same) == Text(*from, same) &&
         TypeChangeInstant(from->type, to.type, flavor, charset);
}

bool OptionInstant(const CreateTable& t, const AlterOption& o,
                   ServerFlavor flavor) {
  bool column_change =
      o.kind == Kind::kAddColumns || o.kind == Kind::kDropColumn ||
      o.kind == Kind::kModifyColumn || o.kind == Kind::kChangeColumn;
  if (column_change && HasOption(t, "row_format", "compressed")) return false;
  switch (o.kind) {
    case Kind::kAddColumns:
      if (HasFulltext(t)) return false;
      for (const ColumnDefinition& c : o.columns) {
        if (!AddColumnInstant(c)) return false;
      }
      return true;
    case Kind::kDropColumn:
      return !HasFulltext(t) && !Indexed(t, o.name);
    case Kind::kModifyColumn:
    case Kind::kChangeColumn:
      return ModifyInstant(t, o, flavor);
    case Kind::kAlterColumnDefault:
    case Kind::kAlterColumnDropDefault:
    case Kind::kAlterColumnVisibility:
    case Kind::kRenameColumn:
    case Kind::kLock:
      return true;
    case Kind::kAlgorithm:
      return absl::EqualsIgnoreCase(o.value, "instant") ||
             absl::EqualsIgnoreCase(o.value, "default");
    default:
      return false;
  }
}

}  // namespace

bool CapableOfInstantDdl(const CreateTable& table, const AlterTable& alter,
                         ServerFlavor flavor) {
  if (alter.partition_spec) return false;
  for (const AlterOption& o : alter.options) {
    if (!OptionInstant(table, o, flavor)) return false;
  }
  return true;
}

}  // namespace schemadiff
}  // namespace sidecut
