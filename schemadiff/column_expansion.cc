#include "schemadiff/column_expansion.h"

#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"

namespace sidecut {
namespace schemadiff {
namespace {

// Storage bytes of an integer type, 0 for other types.
int IntegerBytes(absl::string_view t) {
  if (t == "tinyint") return 1;
  if (t == "smallint") return 2;
  if (t == "mediumint") return 3;
  if (t == "int") return 4;
  if (t == "bigint") return 8;
  return 0;
}

// The facts of a column type the rules compare.
struct TypeFacts {
  std::string name;  // lower case, aliases resolved
  int length = 0;    // length / precision / fsp; 0 if none written
  int scale = 0;     // DECIMAL scale
  bool is_unsigned = false;
  bool nullable = true;
};

TypeFacts FactsOf(const ColumnDefinition& c) {
  TypeFacts f;
  f.name = absl::AsciiStrToLower(c.type.name);
  if (f.name == "integer") f.name = "int";
  if (f.name == "dec" || f.name == "numeric" || f.name == "fixed") {
    f.name = "decimal";
  }
  if (f.name == "real") f.name = "double";
  if (f.name == "bool" || f.name == "boolean") f.name = "tinyint";
  std::vector<std::string> parts = absl::StrSplit(c.type.length, ',');
  if (!parts.empty()) (void)absl::SimpleAtoi(parts[0], &f.length);
  if (parts.size() > 1) (void)absl::SimpleAtoi(parts[1], &f.scale);
  if (IntegerBytes(f.name) > 0) f.length = 0;  // a display width only
  f.is_unsigned = c.type.is_unsigned;
  f.nullable = c.nullable.value_or(true);
  return f;
}

// The largest value an integer type holds (as a double, for comparison).
double IntegerMax(int bytes, bool is_unsigned) {
  double values = 1;
  for (int i = 0; i < bytes * 8; ++i) values *= 2;
  return is_unsigned ? values - 1 : values / 2 - 1;
}

int FloatRank(absl::string_view t) {
  if (t == "float") return 1;
  if (t == "double") return 2;
  return 0;
}

// Size class of a BLOB/TEXT type, 0 for other types.
int BlobRank(absl::string_view t) {
  if (t == "tinytext" || t == "tinyblob") return 1;
  if (t == "text" || t == "blob") return 2;
  if (t == "mediumtext" || t == "mediumblob") return 3;
  if (t == "longtext" || t == "longblob") return 4;
  return 0;
}

bool IsTextual(absl::string_view t) {
  return t == "char" || t == "varchar" || t == "binary" || t == "varbinary" ||
         BlobRank(t) > 0;
}

bool IsEnumOrSet(absl::string_view t) { return t == "enum" || t == "set"; }

// Temporal types that hold every value of `source`.
bool ExpandsTemporal(absl::string_view source, absl::string_view target) {
  if (source == "time" || source == "date") {
    return target == "datetime" || target == "timestamp";
  }
  return source == "timestamp" && target == "datetime";
}

ColumnExpansion Yes(std::string reason) { return {true, std::move(reason)}; }

}  // namespace

ColumnExpansion ColumnChangeExpandsDataRange(const ColumnDefinition& source,
                                             const ColumnDefinition& target) {
  const TypeFacts s = FactsOf(source), t = FactsOf(target);
  if (!s.nullable && t.nullable) {
    return Yes("target is NULL-able, source is not");
  }
  if (t.length > s.length) return Yes("increased length");
  if (s.name == "decimal" && t.name == "decimal" &&
      (t.length - t.scale > s.length - s.scale || t.scale > s.scale)) {
    return Yes("increased decimal range");
  }
  if (IsEnumOrSet(s.name)) {
    if (t.name != s.name) return Yes("target is not the source's enum/set");
    const std::vector<std::string>& a = source.type.values;
    const std::vector<std::string>& b = target.type.values;
    bool prefix = b.size() <= a.size();
    for (size_t i = 0; prefix && i < b.size(); ++i) prefix = a[i] == b[i];
    if (!prefix) {
      return Yes("target enum/set expands or reorders source enum/set");
    }
    return {};
  }
  if (IsTextual(t.name) && !IsTextual(s.name)) {
    return Yes("target is textual, source is not");
  }
  const int sb = IntegerBytes(s.name), tb = IntegerBytes(t.name);
  const bool numeric = sb > 0 || FloatRank(s.name) > 0 || s.name == "decimal";
  if (numeric && s.is_unsigned && !t.is_unsigned) {
    return Yes("source is unsigned, target is signed");
  }
  if (sb > 0 && tb > 0) {
    if (tb > sb) return Yes("increased integer range");
    if (!s.is_unsigned && t.is_unsigned &&
        IntegerMax(tb, true) > IntegerMax(sb, false)) {
      return Yes("target unsigned value exceeds source unsigned value");
    }
    return {};
  }
  if (FloatRank(t.name) > 0) {
    if (FloatRank(s.name) == 0) {
      return Yes("target is floating point, source is not");
    }
    if (FloatRank(t.name) > FloatRank(s.name)) {
      return Yes("increased floating point range");
    }
    return {};
  }
  if (t.name == "decimal" && s.name != "decimal") {
    return Yes("target is decimal, source is not");
  }
  if (BlobRank(s.name) > 0 && BlobRank(t.name) > BlobRank(s.name)) {
    return Yes("increased blob range");
  }
  if (ExpandsTemporal(s.name, t.name)) {
    return Yes("target is expanded data type of source");
  }
  return {};
}

}  // namespace schemadiff
}  // namespace sidecut
