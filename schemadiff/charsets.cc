#include "schemadiff/charsets.h"

#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace sidecut {
namespace schemadiff {
namespace {

struct CharsetInfo {
  absl::string_view name;
  absl::string_view default_collation;
  int max_bytes;
};

constexpr CharsetInfo kCharsets[] = {
    {"utf8mb4", "utf8mb4_0900_ai_ci", 4},
    {"utf8mb3", "utf8mb3_general_ci", 3},
    {"latin1", "latin1_swedish_ci", 1},
    {"ascii", "ascii_general_ci", 1},
    {"binary", "binary", 1},
    {"ucs2", "ucs2_general_ci", 2},
    {"utf16", "utf16_general_ci", 4},
    {"utf16le", "utf16le_general_ci", 4},
    {"utf32", "utf32_general_ci", 4},
    {"latin2", "latin2_general_ci", 1},
    {"latin5", "latin5_turkish_ci", 1},
    {"latin7", "latin7_general_ci", 1},
    {"cp1250", "cp1250_general_ci", 1},
    {"cp1251", "cp1251_general_ci", 1},
    {"cp1256", "cp1256_general_ci", 1},
    {"cp1257", "cp1257_general_ci", 1},
    {"cp850", "cp850_general_ci", 1},
    {"cp852", "cp852_general_ci", 1},
    {"cp866", "cp866_general_ci", 1},
    {"dec8", "dec8_swedish_ci", 1},
    {"greek", "greek_general_ci", 1},
    {"hebrew", "hebrew_general_ci", 1},
    {"koi8r", "koi8r_general_ci", 1},
    {"koi8u", "koi8u_general_ci", 1},
    {"swe7", "swe7_swedish_ci", 1},
    {"armscii8", "armscii8_general_ci", 1},
    {"geostd8", "geostd8_general_ci", 1},
    {"keybcs2", "keybcs2_general_ci", 1},
    {"macce", "macce_general_ci", 1},
    {"macroman", "macroman_general_ci", 1},
    {"hp8", "hp8_english_ci", 1},
    {"tis620", "tis620_thai_ci", 1},
    {"big5", "big5_chinese_ci", 2},
    {"gbk", "gbk_chinese_ci", 2},
    {"gb2312", "gb2312_chinese_ci", 2},
    {"gb18030", "gb18030_chinese_ci", 4},
    {"sjis", "sjis_japanese_ci", 2},
    {"cp932", "cp932_japanese_ci", 2},
    {"ujis", "ujis_japanese_ci", 3},
    {"eucjpms", "eucjpms_japanese_ci", 3},
    {"euckr", "euckr_korean_ci", 2},
};

const CharsetInfo* Find(absl::string_view charset) {
  for (const CharsetInfo& c : kCharsets) {
    if (c.name == charset) return &c;
  }
  return nullptr;
}

thread_local const ServerDialect* server_dialect = nullptr;

}  // namespace

const ServerDialect* CurrentServerDialect() { return server_dialect; }

ScopedServerDialect::ScopedServerDialect(ServerDialect dialect)
    : dialect_(std::move(dialect)), previous_(server_dialect) {
  server_dialect = &dialect_;
}

ScopedServerDialect::~ScopedServerDialect() { server_dialect = previous_; }

absl::string_view DefaultCharset() { return "utf8mb4"; }

std::string NormalizeCharsetName(absl::string_view name) {
  std::string lower = absl::AsciiStrToLower(name);
  if (lower == "utf8") return "utf8mb3";
  return lower;
}

std::string NormalizeCollationName(absl::string_view name) {
  std::string lower = absl::AsciiStrToLower(name);
  if (absl::StartsWith(lower, "utf8_")) {
    return absl::StrCat("utf8mb3_", lower.substr(5));
  }
  return lower;
}

std::string DefaultCollation(absl::string_view charset) {
  if (server_dialect != nullptr) {
    auto it = server_dialect->collations.find(charset);
    if (it != server_dialect->collations.end()) return it->second;
  }
  const CharsetInfo* info = Find(charset);
  return info == nullptr ? "" : std::string(info->default_collation);
}

std::string CharsetOfCollation(absl::string_view collation) {
  size_t underscore = collation.find('_');
  return std::string(collation.substr(0, underscore));
}

bool IsKnownCollation(absl::string_view collation) {
  if (collation == "binary") return true;
  if (Find(CharsetOfCollation(collation)) == nullptr) return false;
  return absl::EndsWith(collation, "_ci") || absl::EndsWith(collation, "_cs") ||
         absl::EndsWith(collation, "_bin");
}

int MaxBytesPerChar(absl::string_view charset) {
  const CharsetInfo* info = Find(charset);
  return info == nullptr ? 1 : info->max_bytes;
}

}  // namespace schemadiff
}  // namespace sidecut
