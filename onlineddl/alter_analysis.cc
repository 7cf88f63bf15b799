#include "onlineddl/alter_analysis.h"

#include <algorithm>
#include <initializer_list>
#include <map>
#include <set>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "mysql/quoting.h"

namespace sidecut {
namespace onlineddl {
namespace {

using vreplication::ColumnInfo;
using vreplication::TableSchema;
using vreplication::UniqueKey;

std::string Lower(absl::string_view s) { return absl::AsciiStrToLower(s); }

// Float keys compare approximately: they cannot identify a row reliably.
bool UsableKeyColumn(const ColumnInfo& c) {
  return c.data_type != "float" && c.data_type != "double";
}

bool OneOf(const std::string& v, std::initializer_list<const char*> set) {
  for (const char* x : set) {
    if (v == x) return true;
  }
  return false;
}

// The numbers in "type(a,b)..." ({0, 0} if none).
std::pair<int64_t, int64_t> TypeArgs(const std::string& column_type) {
  std::pair<int64_t, int64_t> out{0, 0};
  size_t i = column_type.find('(');
  if (i == std::string::npos) return out;
  int64_t* n = &out.first;
  for (++i; i < column_type.size() && column_type[i] != ')'; ++i) {
    if (column_type[i] == ',') {
      n = &out.second;
    } else if (absl::ascii_isdigit(
                   static_cast<unsigned char>(column_type[i]))) {
      *n = *n * 10 + (column_type[i] - '0');
    }
  }
  return out;
}

// Whether string column `to` holds every value of `from` whole: lengths
// compared in one unit (characters for CHAR/VARCHAR, bytes for the TEXT
// and BLOB types; across the two, a character counted as up to 4 bytes).
bool StringFits(const ColumnInfo& from, const ColumnInfo& to) {
  auto capacity = [](const ColumnInfo& c, bool* in_chars) -> int64_t {
    const std::string& t = c.data_type;
    *in_chars = OneOf(t, {"char", "varchar"});
    if (*in_chars || OneOf(t, {"binary", "varbinary"})) {
      return TypeArgs(c.column_type).first;
    }
    if (OneOf(t, {"tinytext", "tinyblob"})) return 255;
    if (OneOf(t, {"text", "blob"})) return 65535;
    if (OneOf(t, {"mediumtext", "mediumblob"})) return 16777215;
    return 4294967295;
  };
  bool from_chars = false, to_chars = false;
  const int64_t a = capacity(from, &from_chars);
  const int64_t b = capacity(to, &to_chars);
  if (from_chars == to_chars) return b >= a;
  return from_chars ? b >= 4 * a : b >= a;
}

// Key columns as a rule holds them: comma-separated, as Vitess writes
// them; a name holding a comma, or starting with a backtick, quoted.
std::string KeyColumnList(const std::vector<std::string>& columns) {
  std::vector<std::string> out;
  for (const std::string& c : columns) {
    out.push_back(absl::StrContains(c, ',') || absl::StartsWith(c, "`")
                      ? mysql::QuoteIdentifier(c)
                      : c);
  }
  return absl::StrJoin(out, ",");
}

// Whether values of a column in collation `from` ("" for a binary string)
// that differ still differ in collation `to`: the same collation, or the
// same one of another Unicode charset (utf8mb3_general_ci,
// utf8mb4_general_ci), or a stricter one (binary; a _bin one from any PAD
// SPACE collation). Not the same name in another charset:
// latin1_general_ci tells 'a' from 'á', utf8mb4_general_ci does not.
bool KeepsValuesApart(const std::string& from, const std::string& to) {
  if (from == to || to.empty()) return true;
  auto family = [](const std::string& c) {
    const size_t u = c.find('_');
    return u == std::string::npos ? c : c.substr(u + 1);
  };
  auto unicode = [](const std::string& c) {
    return absl::StartsWith(c, "utf8") || absl::StartsWith(c, "utf16") ||
           absl::StartsWith(c, "utf32") || absl::StartsWith(c, "ucs2_");
  };
  if (!from.empty() && unicode(from) && unicode(to) &&
      family(from) == family(to)) {
    return true;
  }
  if (absl::EndsWith(to, "_nopad_bin")) return true;
  return absl::EndsWith(to, "_bin") && !absl::StrContains(from, "nopad") &&
         !from.empty();
}

// Whether a row found by a key column's source value is found again in the
// target: the server either stores the value unchanged or refuses it (the
// copy's strict sql_mode turns truncation into an error) for integers to
// integers, strings to strings, DECIMAL keeping its scale, DATE, DATETIME
// or TIMESTAMP to DATETIME or TIMESTAMP and TIME to TIME keeping their
// fractional digits. A DECIMAL losing scale or a
// DATETIME losing fractions is rounded silently: the lookup by the
// source's value would miss the row.
bool KeyTypeKept(const ColumnInfo& from, const ColumnInfo& to) {
  if (from.column_type == to.column_type) return true;
  const std::string& a = from.data_type;
  const std::string& b = to.data_type;
  static const std::initializer_list<const char*> kIntegers = {
      "tinyint", "smallint", "mediumint", "int", "bigint"};
  static const std::initializer_list<const char*> kStrings = {
      "char",     "varchar", "binary",     "varbinary",
      "tinytext", "text",    "mediumtext", "longtext",
      "tinyblob", "blob",    "mediumblob", "longblob"};
  if (OneOf(a, kIntegers) && OneOf(b, kIntegers)) return true;
  // BINARY(n) pads with zero bytes: a value stored there is no longer the
  // source's.
  if (OneOf(a, kStrings) && OneOf(b, kStrings)) {
    if (b == "binary") return false;
    // A shorter column drops a value's excess trailing spaces (with a note
    // only, even in strict mode): under a NO PAD collation the lookup by
    // the source's value would miss the row.
    const bool no_pad = absl::StrContains(from.collation, "nopad") ||
                        absl::StrContains(to.collation, "nopad");
    // So does a CHAR (it is read without them), whatever its length.
    if (no_pad && b == "char" && a != "char") return false;
    return !no_pad || StringFits(from, to);
  }
  if (a == "decimal" && b == "decimal") {
    return TypeArgs(to.column_type).second >= TypeArgs(from.column_type).second;
  }
  // DATETIME and TIMESTAMP convert into each other exactly (every session
  // of Sidecut's runs in UTC); a DATE becomes midnight.
  const bool from_moment = OneOf(a, {"date", "datetime", "timestamp"});
  const bool to_moment = OneOf(b, {"datetime", "timestamp"});
  if ((from_moment && to_moment) || (a == "time" && b == "time")) {
    return TypeArgs(to.column_type).first >= TypeArgs(from.column_type).first;
  }
  return false;
}

std::vector<std::string> KeyNames(const TableSchema& s, const UniqueKey& k) {
  std::vector<std::string> out;
  for (int i : k.columns) out.push_back(s.columns[i].name);
  return out;
}

}  // namespace

std::vector<std::pair<std::string, std::string>> ColumnRenames(
    const schemadiff::AlterTable& alter) {
  using Kind = schemadiff::AlterOption::Kind;
  std::vector<std::pair<std::string, std::string>> out;
  for (const schemadiff::AlterOption& opt : alter.options) {
    if (opt.kind == Kind::kChangeColumn && !opt.columns.empty() &&
        !absl::EqualsIgnoreCase(opt.name, opt.columns[0].name)) {
      out.emplace_back(opt.name, opt.columns[0].name);
    } else if (opt.kind == Kind::kRenameColumn &&
               !absl::EqualsIgnoreCase(opt.name, opt.new_name)) {
      out.emplace_back(opt.name, opt.new_name);
    }
  }
  return out;
}

std::vector<std::string> DroppedColumns(const schemadiff::AlterTable& alter) {
  std::vector<std::string> out;
  for (const schemadiff::AlterOption& opt : alter.options) {
    if (opt.kind == schemadiff::AlterOption::Kind::kDropColumn) {
      out.push_back(opt.name);
    }
  }
  return out;
}

absl::StatusOr<AlterAnalysis> AnalyzeAlter(
    const TableSchema& source, const TableSchema& shadow,
    const std::vector<std::pair<std::string, std::string>>& renames,
    const std::vector<std::string>& dropped) {
  AlterAnalysis a;
  std::map<std::string, std::string> renamed;  // lower old → new
  for (const auto& [from, to] : renames) renamed[Lower(from)] = to;
  std::set<std::string> gone;  // lower
  for (const std::string& d : dropped) gone.insert(Lower(d));
  // Source column index → target column index.
  std::map<int, int> to_target;
  std::map<int, int> to_source;
  for (size_t i = 0; i < source.columns.size(); ++i) {
    const ColumnInfo& c = source.columns[i];
    auto r = renamed.find(Lower(c.name));
    std::string target_name = r == renamed.end() ? c.name : r->second;
    int ti = r == renamed.end() && gone.count(Lower(c.name)) > 0
                 ? -1
                 : shadow.ColumnIndex(target_name);
    if (ti < 0) {
      a.dropped_columns.push_back(c.name);
      a.revertible_notes.push_back(absl::StrCat("column ", c.name, " dropped"));
      continue;
    }
    to_target[static_cast<int>(i)] = ti;
    to_source[ti] = static_cast<int>(i);
    const ColumnInfo& t = shadow.columns[ti];
    if (t.column_type != c.column_type || t.collation != c.collation) {
      a.changed_type_columns.push_back(c.name);
      a.revertible_notes.push_back(absl::StrCat(
          "column ", c.name, " changed from ", c.column_type, " to ",
          t.column_type, ": reverting may not fit every new value"));
    }
    if (!t.generated) a.shared_columns.emplace_back(c.name, t.name);
  }
  for (size_t ti = 0; ti < shadow.columns.size(); ++ti) {
    if (to_source.count(static_cast<int>(ti))) continue;
    a.added_columns.push_back(shadow.columns[ti].name);
  }
  // The iteration key: the first usable source key (PRIMARY first) whose
  // columns, mapped, form a usable unique key of the target.
  auto mapped = [&](const UniqueKey& k) {
    std::vector<int> out;
    for (int c : k.columns) {
      auto it = to_target.find(c);
      out.push_back(it == to_target.end() ? -1 : it->second);
    }
    return out;
  };
  auto usable = [](const TableSchema& t, const UniqueKey& k) {
    for (int c : k.columns) {
      if (!UsableKeyColumn(t.columns[c])) return false;
    }
    return true;
  };
  auto choose = [&](const UniqueKey& sk, const UniqueKey& tk) {
    a.source_key_name = sk.name;
    a.source_key_columns = KeyNames(source, sk);
    a.target_key_name = tk.name;
    a.target_key_columns = KeyNames(shadow, tk);
  };
  // Rows are found in the target by the source key's values.
  auto kept = [&](const UniqueKey& sk) {
    for (int c : sk.columns) {
      auto it = to_target.find(c);
      if (it == to_target.end() ||
          !KeyTypeKept(source.columns[c], shadow.columns[it->second])) {
        return false;
      }
    }
    return true;
  };
  // Best: the same key in both tables.
  for (const UniqueKey& sk : source.unique_keys) {
    if (!usable(source, sk) || !kept(sk)) continue;
    std::vector<int> want = mapped(sk);
    for (const UniqueKey& tk : shadow.unique_keys) {
      if (tk.columns == want && usable(shadow, tk)) {
        choose(sk, tk);
        break;
      }
    }
    if (!a.source_key_name.empty()) break;
  }
  // Else (the key changed): a source key whose columns all reach the
  // target, to iterate on and to find rows by, and a target key made only
  // of copied columns (so every target row is determined by source rows).
  // Unique in the source only, its values must compare in the target as
  // they do in the source: under a collation that makes more values equal
  // ('a' and 'A' under a _ci one, from _bin or a binary string), a
  // replayed DELETE of one row would delete the others with it.
  std::string collation_changed;
  auto compares_alike = [&](const UniqueKey& sk) {
    for (int c : sk.columns) {
      const ColumnInfo& to = shadow.columns[to_target.at(c)];
      if (!KeepsValuesApart(source.columns[c].collation, to.collation)) {
        collation_changed = absl::StrCat(
            "the ALTER replaces the key and changes how its column ",
            mysql::QuoteIdentifier(source.columns[c].name), " compares (",
            source.columns[c].collation.empty() ? "binary"
                                                : source.columns[c].collation,
            " to ", to.collation.empty() ? "binary" : to.collation,
            "): rows could not be told apart by it while the new key is "
            "built; change the collation and the key in two migrations");
        return false;
      }
    }
    return true;
  };
  if (a.source_key_name.empty()) {
    const UniqueKey* src = nullptr;
    for (const UniqueKey& sk : source.unique_keys) {
      std::vector<int> m = mapped(sk);
      if (usable(source, sk) && kept(sk) &&
          std::find(m.begin(), m.end(), -1) == m.end() && compares_alike(sk)) {
        src = &sk;
        break;
      }
    }
    const UniqueKey* dst = nullptr;
    for (const UniqueKey& tk : shadow.unique_keys) {
      bool covered = usable(shadow, tk);
      for (int c : tk.columns) covered &= to_source.count(c) > 0;
      if (covered) {
        dst = &tk;
        break;
      }
    }
    if (src != nullptr) collation_changed.clear();  // not the reason
    if (src != nullptr && dst != nullptr) choose(*src, *dst);
  }
  if (a.source_key_name.empty() && !collation_changed.empty()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "found no possible unique key on ",
        mysql::QuoteIdentifier(source.table), ": ", collation_changed));
  }
  if (a.source_key_name.empty()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "found no possible unique key on ",
        mysql::QuoteIdentifier(source.table),
        " shared by the original and the altered table: both need the same "
        "PRIMARY KEY or UNIQUE KEY on NOT NULL, non-floating-point columns "
        "without prefixes, whose values the ALTER keeps (a DECIMAL losing "
        "scale or a DATETIME losing fractional digits would round them), so "
        "rows can be copied in order and found again"));
  }
  for (const UniqueKey& tk : shadow.unique_keys) {
    bool found = false;
    for (const UniqueKey& sk : source.unique_keys) {
      found |= mapped(sk) == tk.columns;
    }
    if (!found) ++a.added_unique_keys;
  }
  for (const UniqueKey& sk : source.unique_keys) {
    bool found = false;
    for (const UniqueKey& tk : shadow.unique_keys) {
      found |= mapped(sk) == tk.columns;
    }
    if (!found) {
      ++a.removed_unique_keys;
      a.removed_unique_key_names.push_back(sk.name);
    }
  }
  std::vector<std::string> items;
  for (const auto& [from, to] : a.shared_columns) {
    items.push_back(from == to
                        ? mysql::QuoteIdentifier(from)
                        : absl::StrCat(mysql::QuoteIdentifier(from), " AS ",
                                       mysql::QuoteIdentifier(to)));
  }
  a.rule.set_match(shadow.table);
  a.rule.set_filter(absl::StrCat("select ", absl::StrJoin(items, ", "),
                                 " from ",
                                 mysql::QuoteIdentifier(source.table)));
  a.rule.set_source_unique_key_columns(KeyColumnList(a.source_key_columns));
  a.rule.set_target_unique_key_columns(KeyColumnList(a.target_key_columns));
  std::vector<std::string> key_targets;
  for (const std::string& c : a.source_key_columns) {
    auto r = renamed.find(Lower(c));
    key_targets.push_back(r == renamed.end() ? c : r->second);
  }
  a.rule.set_source_unique_key_target_columns(KeyColumnList(key_targets));
  return a;
}

}  // namespace onlineddl
}  // namespace sidecut
