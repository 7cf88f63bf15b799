#include "schemadiff/sql_writer.h"

#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "schemadiff/charsets.h"
#include "schemadiff/keywords.h"

namespace sidecut {
namespace schemadiff {
namespace {

bool IsIdentLetter(unsigned char c) {
  return absl::ascii_isalpha(c) || c == '_' || c == '$' || c >= 0x80;
}

// Expression keywords that are written like functions: CHAR(65), IF(a,b,c).
bool IsFunctionLikeKeyword(absl::string_view w) {
  static constexpr absl::string_view kWords[] = {
      "char",      "if",          "left",     "right",   "date", "time",
      "timestamp", "year",        "month",    "day",     "hour", "minute",
      "second",    "microsecond", "week",     "quarter", "mod",  "insert",
      "replace",   "repeat",      "database", "schema",  "user", "values",
      "json",      "nchar",       "interval", "row",     "over",
  };
  for (absl::string_view k : kWords) {
    if (absl::EqualsIgnoreCase(w, k)) return true;
  }
  return false;
}

bool IsStandardTimeFunction(absl::string_view w) {
  static constexpr absl::string_view kNames[] = {
      "current_timestamp", "current_date",  "current_time", "localtime",
      "localtimestamp",    "utc_timestamp", "utc_date",     "utc_time",
  };
  for (absl::string_view n : kNames) {
    if (absl::EqualsIgnoreCase(w, n)) return true;
  }
  return false;
}

bool IsIntervalUnit(absl::string_view w) {
  static constexpr absl::string_view kUnits[] = {
      "microsecond",
      "second",
      "minute",
      "hour",
      "day",
      "week",
      "month",
      "quarter",
      "year",
      "second_microsecond",
      "minute_microsecond",
      "minute_second",
      "hour_microsecond",
      "hour_second",
      "hour_minute",
      "day_microsecond",
      "day_second",
      "day_minute",
      "day_hour",
      "year_month",
  };
  for (absl::string_view u : kUnits) {
    if (absl::EqualsIgnoreCase(w, u)) return true;
  }
  return false;
}

// True if `prev` can be the amount of INTERVAL <amount> <unit>.
bool IsIntervalOperand(const Token& prev) {
  return prev.kind == TokenKind::kNumber || prev.kind == TokenKind::kString ||
         prev.IsOp(")") || prev.kind == TokenKind::kBindVar;
}

bool IsFunctionName(const Token& t, const Token* next) {
  if (next == nullptr || !next->IsOp("(")) return false;
  if (t.kind == TokenKind::kQuotedIdent) return false;
  return t.kind == TokenKind::kWord &&
         (!IsExpressionKeyword(t.text) || IsFunctionLikeKeyword(t.text));
}

bool IsUnaryOperator(const Token& t) {
  return t.IsOp("-") || t.IsOp("+") || t.IsOp("~") || t.IsOp("!");
}

// True if an operator after `prev` is a prefix (unary) operator.
bool IsPrefixPosition(const Token& prev) {
  if (prev.kind == TokenKind::kOperator) return !prev.IsOp(")");
  return prev.kind == TokenKind::kWord && IsExpressionKeyword(prev.text) &&
         !prev.IsWord("null") && !prev.IsWord("true") &&
         !prev.IsWord("false") && !prev.IsWord("end");
}

bool NeedsSpace(const Token& prev, const Token& t, const Token* prev_prev) {
  if (prev.IsOp("(") || prev.IsOp(".") || prev.IsOp("@")) return false;
  if (t.IsOp(")") || t.IsOp(",") || t.IsOp(".") || t.IsOp("@")) return false;
  if (t.IsOp("(")) return !prev.IsOp("(") && !IsFunctionName(prev, &t);
  if (IsUnaryOperator(prev) &&
      (prev_prev == nullptr || IsPrefixPosition(*prev_prev))) {
    return false;
  }
  return true;
}

}  // namespace

std::string FormatIdent(absl::string_view name, bool always_quote) {
  bool plain = !always_quote && !name.empty() && !IsKeyword(name) &&
               !IsMariadbReserved(name) &&
               !absl::ascii_isdigit(static_cast<unsigned char>(name[0]));
  for (size_t i = 0; plain && i < name.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(name[i]);
    plain = IsIdentLetter(c) || absl::ascii_isdigit(c);
  }
  if (plain) return std::string(name);
  std::string out = "`";
  for (char c : name) {
    if (c == '`') out.push_back('`');
    out.push_back(c);
  }
  out.push_back('`');
  return out;
}

std::string EncodeString(absl::string_view value) {
  std::string out = "'";
  for (char c : value) {
    switch (c) {
      case '\0':
        out += "\\0";
        break;
      case '\'':
        out += "\\'";
        break;
      case '"':
        out += "\\\"";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\x1a':
        out += "\\Z";
        break;
      case '\\':
        out += "\\\\";
        break;
      default:
        out.push_back(c);
    }
  }
  out.push_back('\'');
  return out;
}

SqlWriter& SqlWriter::Raw(absl::string_view text) {
  absl::StrAppend(&out_, text);
  return *this;
}

SqlWriter& SqlWriter::Kw(absl::string_view keyword) {
  return Raw(canonical() ? absl::AsciiStrToUpper(keyword)
                         : std::string(keyword));
}

SqlWriter& SqlWriter::Ident(absl::string_view name) {
  return Raw(FormatIdent(name, canonical()));
}

SqlWriter& SqlWriter::Table(const TableName& name) {
  if (!name.qualifier.empty()) Ident(name.qualifier).Raw(".");
  return Ident(name.name);
}

SqlWriter& SqlWriter::String(absl::string_view value) {
  return Raw(EncodeString(value));
}

SqlWriter& SqlWriter::Value(const OptionValue& value) {
  if (value.kind == OptionValue::Kind::kString) return String(value.text);
  return Raw(value.text);
}

SqlWriter& SqlWriter::IdentList(const std::vector<std::string>& names) {
  Raw("(");
  for (size_t i = 0; i < names.size(); ++i) {
    if (i > 0) Raw(", ");
    Ident(names[i]);
  }
  return Raw(")");
}

SqlWriter& SqlWriter::Expression(const Expr& expr) {
  const auto& toks = expr.tokens;
  for (size_t i = 0; i < toks.size(); ++i) {
    const schemadiff::Token* next =
        i + 1 < toks.size() ? &toks[i + 1] : nullptr;
    if (i > 0 &&
        NeedsSpace(toks[i - 1], toks[i], i > 1 ? &toks[i - 2] : nullptr)) {
      Raw(" ");
    }
    Token(i > 0 ? toks[i - 1] : toks[i], toks[i], next, i == 0);
  }
  return *this;
}

void SqlWriter::Token(const schemadiff::Token& prev, const schemadiff::Token& t,
                      const schemadiff::Token* next, bool first) {
  switch (t.kind) {
    case TokenKind::kString:
      String(t.text);
      return;
    case TokenKind::kHexString:
      Raw(absl::StrCat("X'", t.text, "'"));
      return;
    case TokenKind::kBitString:
      Raw(absl::StrCat("0b", t.text));
      return;
    case TokenKind::kQuotedIdent:
      Ident(t.text);
      return;
    case TokenKind::kWord:
      break;
    default:
      Raw(t.text);
      return;
  }
  bool after_as = !first && (prev.IsWord("as") || prev.IsWord("returning"));
  if (IsFunctionName(t, next)) {
    // Function names keep their case, or are lower-cased for functions with
    // dedicated grammar; in canonical form only CURRENT_TIMESTAMP and its
    // SQL-standard siblings are upper-cased (as Vitess does).
    if (canonical() && IsStandardTimeFunction(t.text)) {
      Raw(absl::AsciiStrToUpper(t.text));
    } else if (canonical() && CurrentServerDialect() != nullptr &&
               CurrentServerDialect()->mariadb) {
      Raw(absl::AsciiStrToLower(t.text));  // as MariaDB prints them
    } else {
      Raw(IsLowercasedFunction(t.text) ? absl::AsciiStrToLower(t.text)
                                       : t.text);
    }
  } else if (IsIntervalUnit(t.text) && !first && IsIntervalOperand(prev)) {
    Raw(absl::AsciiStrToLower(t.text));
  } else if (after_as && (IsTypeName(t.text) || t.IsWord("signed") ||
                          t.IsWord("unsigned"))) {
    Raw(t.text);
  } else if (absl::StartsWith(t.text, "_") && next != nullptr &&
             next->kind == TokenKind::kString) {
    Raw(t.text);  // charset introducer
  } else if (IsExpressionKeyword(t.text)) {
    Kw(absl::AsciiStrToLower(t.text));
  } else {
    Ident(t.text);
  }
}

}  // namespace schemadiff
}  // namespace sidecut
