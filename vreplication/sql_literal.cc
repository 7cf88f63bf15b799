#include "vreplication/sql_literal.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "mysql/column_types.h"
#include "mysql/quoting.h"

namespace sidecut {
namespace vreplication {
namespace {

bool IsPlainNumber(absl::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c)) && c != '-' &&
        c != '+' && c != '.' && c != 'e' && c != 'E') {
      return false;
    }
  }
  return true;
}

}  // namespace

bool IsCharsetName(absl::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '_') {
      return false;
    }
  }
  return true;
}

std::string SqlLiteral(const absl::optional<std::string>& value,
                       const LiteralType& type) {
  if (!value.has_value()) return "NULL";
  switch (type.kind) {
    case LiteralType::Kind::kNumber:
      if (IsPlainNumber(*value)) return *value;
      return mysql::QuoteString(*value);
    case LiteralType::Kind::kFloat:
      // Typed FLOAT, so that a column of another type (an ALTER from FLOAT
      // to DOUBLE, DECIMAL or VARCHAR) gets what the copy's INSERT ...
      // SELECT stores from the FLOAT: 0.1 as a bare literal is the double
      // 0.1, where the copy stores 0.10000000149011612.
      if (IsPlainNumber(*value)) {
        return absl::StrCat("CAST(", *value, " AS FLOAT)");
      }
      return mysql::QuoteString(*value);
    case LiteralType::Kind::kDouble:
      // A double literal, so that a column of another type (an ALTER from
      // DOUBLE to INT, DECIMAL or VARCHAR) gets what the copy's INSERT ...
      // SELECT stores from the DOUBLE: a bare 2.5 is an exact decimal, which
      // an INT rounds half away from zero to 3, where the copy rounds the
      // double half to even, to 2.
      if (IsPlainNumber(*value)) {
        return value->find_first_of("eE") == std::string::npos
                   ? absl::StrCat(*value, "e0")
                   : *value;
      }
      return mysql::QuoteString(*value);
    case LiteralType::Kind::kBit: {
      // The number, as the copy stores a BIT into any column (digits into
      // a VARCHAR, where X'41' stored 'A' instead of '65'; an INT refused
      // X'41'), and as a BIT key compares with a number.
      if (value->empty() || value->size() > 8) {
        return mysql::QuoteHex(*value);
      }
      uint64_t n = 0;
      for (char c : *value) n = (n << 8) | static_cast<unsigned char>(c);
      return absl::StrCat(n);
    }
    case LiteralType::Kind::kQuoted:
      return mysql::QuoteString(*value);
    case LiteralType::Kind::kText:
      if (IsCharsetName(type.charset) && type.charset != "binary") {
        return absl::StrCat("_", type.charset, " ", mysql::QuoteHex(*value));
      }
      return mysql::QuoteHex(*value);
    case LiteralType::Kind::kBinary:
      return mysql::QuoteHex(*value);
  }
  return mysql::QuoteString(*value);
}

LiteralType LiteralTypeFor(uint8_t t, uint32_t collation_id,
                           absl::string_view charset) {
  using K = LiteralType::Kind;
  LiteralType lt;
  switch (t) {
    case mysql::kTypeTiny:
    case mysql::kTypeShort:
    case mysql::kTypeInt24:
    case mysql::kTypeLong:
    case mysql::kTypeLonglong:
    case mysql::kTypeDecimal:
    case mysql::kTypeNewdecimal:
    case mysql::kTypeYear:
      lt.kind = K::kNumber;
      return lt;
    case mysql::kTypeFloat:
      lt.kind = K::kFloat;
      return lt;
    case mysql::kTypeDouble:
      lt.kind = K::kDouble;
      return lt;
    case mysql::kTypeBit:
      lt.kind = K::kBit;
      return lt;
    case mysql::kTypeGeometry:
      lt.kind = K::kBinary;
      return lt;
    case mysql::kTypeVarchar:
    case mysql::kTypeVarString:
    case mysql::kTypeString:
    case mysql::kTypeEnum:
    case mysql::kTypeSet:
    case mysql::kTypeBlob:
    case mysql::kTypeTinyBlob:
    case mysql::kTypeMediumBlob:
    case mysql::kTypeLongBlob:
    case mysql::kTypeJson:
      if (collation_id == mysql::kBinaryCollation) {
        lt.kind = K::kBinary;
      } else {
        lt.kind = K::kText;
        lt.charset = std::string(
            t == mysql::kTypeJson && charset.empty() ? "utf8mb4" : charset);
      }
      return lt;
    default:
      lt.kind = K::kQuoted;
      return lt;
  }
}

std::string TemporalNumber(absl::string_view v, bool whole) {
  std::string out;
  if (absl::ConsumePrefix(&v, "-")) out = "-";
  bool fraction = false;
  for (char c : v) {
    if (c == '-' || c == ':' || c == ' ') {
      if (fraction) return "";
      continue;
    }
    if (c == '.') {
      if (fraction) return "";
      fraction = true;
      if (whole) break;
      out.push_back(c);
      continue;
    }
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c))) return "";
    out.push_back(c);
  }
  if (out.empty() || out == "-" || out.back() == '.') return "";
  return out;
}

std::string MemberNumber(absl::string_view v,
                         const std::vector<std::string>& members, bool set) {
  auto index = [&](absl::string_view m) -> int {
    int found = -1;
    for (size_t i = 0; i < members.size(); ++i) {
      if (members[i] != m) continue;
      if (found >= 0) return -1;  // two alike (a non-strict CREATE)
      found = static_cast<int>(i);
    }
    return found;
  };
  if (members.empty()) return "";
  if (!set) {
    const int i = index(v);
    if (i >= 0) return absl::StrCat(i + 1);
    return v.empty() && index("") < 0 ? "0" : "";
  }
  if (members.size() > 64) return "";
  uint64_t bits = 0;
  for (absl::string_view m : absl::StrSplit(v, ',', absl::SkipEmpty())) {
    const int i = index(m);
    if (i < 0) return "";
    bits |= uint64_t{1} << i;
  }
  return absl::StrCat(bits);
}

}  // namespace vreplication
}  // namespace sidecut
