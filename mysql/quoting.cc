#include "mysql/quoting.h"

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"

namespace sidecut {
namespace mysql {

std::string QuoteIdentifier(absl::string_view name) {
  std::string out;
  out.reserve(name.size() + 2);
  out.push_back('`');
  for (char c : name) {
    if (c == '`') out.push_back('`');
    out.push_back(c);
  }
  out.push_back('`');
  return out;
}

std::string QuoteQualified(absl::string_view db, absl::string_view table) {
  return absl::StrCat(QuoteIdentifier(db), ".", QuoteIdentifier(table));
}

std::string QuoteString(absl::string_view value) {
  std::string out;
  out.reserve(value.size() + 2);
  out.push_back('\'');
  for (char c : value) {
    switch (c) {
      case '\0':
        out += "\\0";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\'':
        out += "\\'";
        break;
      case '"':
        out += "\\\"";
        break;
      case '\x1a':
        out += "\\Z";
        break;
      default:
        out.push_back(c);
    }
  }
  out.push_back('\'');
  return out;
}

std::string QuoteHex(absl::string_view value) {
  return absl::StrCat("X'", absl::BytesToHexString(value), "'");
}

}  // namespace mysql
}  // namespace sidecut
