#include "schemadiff/column_normalize.h"

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "schemadiff/charsets.h"

namespace sidecut {
namespace schemadiff {
namespace {

bool IsOneOf(absl::string_view s, std::initializer_list<absl::string_view> l) {
  for (absl::string_view x : l) {
    if (s == x) return true;
  }
  return false;
}

// Resolves type-name aliases; `type->name` is lower case on entry.
void ResolveTypeAlias(ColumnType* type) {
  std::string& n = type->name;
  if (n == "integer" || n == "int4") {
    n = "int";
  } else if (n == "int1") {
    n = "tinyint";
  } else if (n == "int2") {
    n = "smallint";
  } else if (n == "int3" || n == "middleint") {
    n = "mediumint";
  } else if (n == "int8") {
    n = "bigint";
  } else if (n == "bool" || n == "boolean") {
    n = "tinyint";
    type->length = "1";
  } else if (n == "real" || n == "float8") {
    n = "double";
  } else if (n == "float4") {
    n = "float";
  } else if (n == "dec" || n == "numeric" || n == "fixed") {
    n = "decimal";
  } else if (n == "float" && !type->length.empty() &&
             type->length.find(',') == std::string::npos) {
    // FLOAT(p): p <= 24 is a FLOAT, p > 24 a DOUBLE; no length kept.
    int precision = 0;
    if (absl::SimpleAtoi(type->length, &precision)) {
      n = precision > 24 ? "double" : "float";
      type->length.clear();
    }
  }
}

// text(n) / blob(n): the smallest type holding n characters (bytes).
void ResolveSizedLob(absl::string_view charset, ColumnType* type) {
  bool is_text = type->name == "text";
  if ((!is_text && type->name != "blob") || type->length.empty()) return;
  int64_t n = 0;
  if (!absl::SimpleAtoi(type->length, &n)) return;
  int64_t bytes = is_text ? n * MaxBytesPerChar(charset) : n;
  absl::string_view prefix = bytes <= 255        ? "tiny"
                             : bytes <= 65535    ? ""
                             : bytes <= 16777215 ? "medium"
                                                 : "long";
  type->name = std::string(prefix) + (is_text ? "text" : "blob");
  type->length.clear();
}

bool IsNullDefault(const ColumnDefinition& c) {
  return c.default_value && !c.default_value->parenthesized &&
         c.default_value->expr.tokens.size() == 1 &&
         c.default_value->expr.tokens[0].IsWord("null");
}

void NormalizeBoolDefault(ColumnDefinition* c) {
  if (!c->default_value || c->default_value->expr.tokens.size() != 1) return;
  Token& t = c->default_value->expr.tokens[0];
  if (t.IsWord("true") || t.IsWord("false")) {
    t.text = t.IsWord("true") ? "1" : "0";
    t.kind = TokenKind::kString;
  }
}

// NOW(), LOCALTIME() and LOCALTIMESTAMP() are CURRENT_TIMESTAMP(), which
// MariaDB prints for each (Vitess keeps them as written).
void NormalizeNowSynonyms(std::optional<DefaultValue>* v) {
  if (!v->has_value() || (*v)->expr.tokens.size() < 3) return;
  Token& t = (*v)->expr.tokens[0];
  if ((t.IsWord("now") || t.IsWord("localtime") ||
       t.IsWord("localtimestamp")) &&
      (*v)->expr.tokens[1].IsOp("(")) {
    t.text = "current_timestamp";
  }
}

// MariaDB prints a number column's default as a number, a DECIMAL's with
// its scale: '0' and 0 of an INT are DEFAULT 0, 0 of a DECIMAL(10,2) is
// DEFAULT 0.00.
void NormalizeNumberDefault(const ColumnType& type, ColumnDefinition* c) {
  const bool decimal = type.name == "decimal" || type.name == "numeric";
  if (!IsIntegralType(type.name) && !decimal && type.name != "float" &&
      type.name != "double") {
    return;
  }
  if (!c->default_value || c->default_value->parenthesized) return;
  std::vector<Token>& tokens = c->default_value->expr.tokens;
  const bool negative = tokens.size() == 2 && tokens[0].IsOp("-");
  if (tokens.size() != 1 && !negative) return;
  Token& t = tokens.back();
  std::string text = t.text;
  if (t.kind == TokenKind::kString && !negative) {
    text = std::string(absl::StripAsciiWhitespace(text));
    if (absl::StartsWith(text, "-")) {
      return;  // '-5': left as written
    }
  } else if (t.kind != TokenKind::kNumber) {
    return;
  }
  if (text.empty() || !std::all_of(text.begin(), text.end(), [](char ch) {
        return absl::ascii_isdigit(static_cast<unsigned char>(ch)) || ch == '.';
      })) {
    return;
  }
  if (decimal) {
    const size_t comma = type.length.find(',');
    int scale = 0;
    if (comma != std::string::npos &&
        !absl::SimpleAtoi(type.length.substr(comma + 1), &scale)) {
      return;
    }
    std::string whole = text, frac;
    const size_t dot = text.find('.');
    if (dot != std::string::npos) {
      whole = text.substr(0, dot);
      frac = text.substr(dot + 1);
    }
    if (frac.size() > static_cast<size_t>(scale)) return;  // server rounds
    if (whole.empty()) whole = "0";
    frac.resize(static_cast<size_t>(scale), '0');
    text = scale > 0 ? absl::StrCat(whole, ".", frac) : whole;
  }
  t.kind = TokenKind::kNumber;
  t.text = text;
}

// Vitess's column charset/collation rules, relative to the table defaults.
void NormalizeCharset(const TableCharsetDefaults& table, ColumnType* type) {
  std::string charset = NormalizeCharsetName(type->charset);
  std::string collate = type->collate.kind == OptionValue::Kind::kNone
                            ? ""
                            : NormalizeCollationName(type->collate.text);
  auto store = [type, &charset, &collate]() {
    type->charset = charset;
    type->collate = OptionValue{};
    if (!collate.empty()) {
      type->collate.kind = OptionValue::Kind::kRaw;
      type->collate.text = collate;
    }
  };
  if (!charset.empty() && charset != table.charset) {
    store();
    return;
  }
  if (charset == table.charset && collate == table.collation) {
    charset.clear();
    collate.clear();
  }
  if (charset.empty() && collate.empty()) {
    store();
    return;
  }
  if (!charset.empty()) {
    charset.clear();
    if (collate.empty()) collate = DefaultCollation(table.charset);
  }
  if (collate == table.collation) collate.clear();
  store();
}

}  // namespace

bool IsIntegralType(absl::string_view t) {
  return IsOneOf(t, {"tinyint", "smallint", "mediumint", "int", "bigint"});
}

void StripOuterParens(Expr* expr) {
  std::vector<Token>& t = expr->tokens;
  while (t.size() >= 2 && t.front().IsOp("(") && t.back().IsOp(")")) {
    int depth = 0;
    bool wraps = true;
    for (size_t i = 0; i < t.size(); ++i) {
      if (t[i].IsOp("(")) ++depth;
      if (t[i].IsOp(")")) --depth;
      if (depth == 0 && i + 1 < t.size()) {
        wraps = false;
        break;
      }
    }
    if (!wraps) return;
    t.erase(t.begin());
    t.pop_back();
  }
}

void StripArgumentParens(Expr* expr) {
  std::vector<Token>& t = expr->tokens;
  bool changed = true;
  while (changed) {
    changed = false;
    for (size_t i = 1; i < t.size() && !changed; ++i) {
      if (!t[i].IsOp("(") || !(t[i - 1].IsOp("(") || t[i - 1].IsOp(","))) {
        continue;
      }
      // The enclosing '(' must open a function call's arguments.
      int depth = 0;
      size_t open = i - 1;
      if (t[open].IsOp(",")) {
        for (size_t k = open; k-- > 0;) {
          if (t[k].IsOp(")")) ++depth;
          if (t[k].IsOp("(")) {
            if (depth == 0) {
              open = k;
              break;
            }
            --depth;
          }
        }
      }
      if (!t[open].IsOp("(") || open == 0 ||
          t[open - 1].kind != TokenKind::kWord) {
        continue;
      }
      depth = 0;
      size_t close = i;
      for (; close < t.size(); ++close) {
        if (t[close].IsOp("(")) ++depth;
        if (t[close].IsOp(")") && --depth == 0) break;
      }
      if (close + 1 >= t.size() ||
          !(t[close + 1].IsOp(",") || t[close + 1].IsOp(")")) ||
          close == i + 1) {
        continue;
      }
      t.erase(t.begin() + close);
      t.erase(t.begin() + i);
      changed = true;
    }
  }
}

bool IsTextualType(absl::string_view t) {
  return IsOneOf(t, {"char", "varchar", "tinytext", "text", "mediumtext",
                     "longtext", "enum", "set", "long varchar", "long",
                     "national char", "nchar", "nvarchar"});
}

void NormalizeColumn(const TableCharsetDefaults& table, ColumnDefinition* c) {
  ColumnType& type = c->type;
  type.name = absl::AsciiStrToLower(type.name);
  ResolveTypeAlias(&type);
  // Integer display widths mean nothing, except with ZEROFILL on MariaDB
  // (which pads to them; MySQL 8.0 and Vitess drop them even then). There
  // ZEROFILL implies UNSIGNED, and no width means the type's full one, as
  // the server reports it: int(10) unsigned zerofill.
  const bool padded = type.zerofill && CurrentServerDialect() != nullptr &&
                      CurrentServerDialect()->mariadb &&
                      IsIntegralType(type.name);
  if (padded) {
    type.is_unsigned = true;
    if (type.length.empty()) {
      type.length = type.name == "tinyint"     ? "3"
                    : type.name == "smallint"  ? "5"
                    : type.name == "mediumint" ? "8"
                    : type.name == "bigint"    ? "20"
                                               : "10";
    }
  }
  if (IsIntegralType(type.name) && !padded &&
      !(type.name == "tinyint" && type.length == "1")) {
    type.length.clear();
  }
  // A COLLATE alone names the charset too (text(100) collate utf8mb4_bin
  // in a latin1 table holds 400 bytes: a text, not a tinytext).
  std::string effective_charset =
      !type.charset.empty() ? NormalizeCharsetName(type.charset)
      : IsKnownCollation(type.collate.text)
          ? NormalizeCharsetName(CharsetOfCollation(type.collate.text))
          : table.charset;
  if (effective_charset.empty()) effective_charset = table.charset;
  ResolveSizedLob(effective_charset, &type);

  if (type.name == "timestamp") {
    if (!c->nullable.has_value() || *c->nullable) c->nullable = true;
  } else if (c->nullable.has_value() && *c->nullable) {
    c->nullable.reset();
  }
  if ((!c->nullable.has_value() || *c->nullable) && IsNullDefault(*c)) {
    c->default_value.reset();
  }
  if (type.name == "tinyint" && type.length == "1") NormalizeBoolDefault(c);
  if (CurrentServerDialect() != nullptr && CurrentServerDialect()->mariadb) {
    // Sizes as the server prints them: DECIMAL is DECIMAL(10,0) and
    // DECIMAL(p) DECIMAL(p,0); CHAR, BINARY and BIT are (1); a temporal
    // type's (0) is no fraction, not printed. (Each was a MODIFY of the
    // column, a copy of the table, on every deployment.)
    if (type.name == "decimal") {
      if (type.length.empty()) {
        type.length = "10,0";
      } else if (type.length.find(',') == std::string::npos) {
        absl::StrAppend(&type.length, ",0");
      }
    } else if (IsOneOf(type.name, {"char", "binary", "bit"}) &&
               type.length.empty()) {
      type.length = "1";
    } else if (IsOneOf(type.name, {"datetime", "time", "timestamp"}) &&
               type.length == "0") {
      type.length.clear();
    }
    NormalizeNowSynonyms(&c->default_value);
    NormalizeNowSynonyms(&c->on_update);
    NormalizeNumberDefault(type, c);
    if (type.name == "year" && type.length == "4") type.length.clear();
  }
  if (c->default_value && c->default_value->parenthesized) {
    StripOuterParens(&c->default_value->expr);
  }
  if (c->visible.has_value() && *c->visible) c->visible.reset();
  c->reference.reset();  // MySQL ignores inline REFERENCES

  if (IsTextualType(type.name)) {
    NormalizeCharset(table, &type);
  } else {
    type.charset = NormalizeCharsetName(type.charset);
  }
}

}  // namespace schemadiff
}  // namespace sidecut
