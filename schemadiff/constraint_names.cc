#include "schemadiff/constraint_names.h"

#include <cstdint>

#include "absl/numeric/int128.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace sidecut {
namespace schemadiff {
namespace {

constexpr size_t kSuffix = 25;   // base-36 characters
constexpr size_t kMaxName = 64;  // MySQL's identifier limit
constexpr size_t kMaxBase = kMaxName - kSuffix - 1;

// FNV-1a, 64 bits, from `basis`.
uint64_t Fnv1a(absl::string_view s, uint64_t basis) {
  uint64_t h = basis;
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

// The first `n` characters (UTF-8) of `s`.
absl::string_view FirstChars(absl::string_view s, size_t n) {
  size_t chars = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    if ((static_cast<unsigned char>(s[i]) & 0xC0) == 0x80) continue;
    if (chars++ == n) return s.substr(0, i);
  }
  return s;
}

bool IsSuffixChar(char c) {
  return absl::ascii_isdigit(c) || absl::ascii_islower(c);
}

}  // namespace

std::string ConstraintBaseName(absl::string_view table,
                               absl::string_view name) {
  const std::string prefix = absl::StrCat(table, "_");
  if (absl::StartsWithIgnoreCase(name, prefix)) {
    absl::string_view rest = name.substr(prefix.size());
    if (absl::StartsWithIgnoreCase(rest, "chk_") ||
        absl::StartsWithIgnoreCase(rest, "ibfk_")) {
      return std::string(rest);
    }
  }
  if (name.size() > kSuffix + 1 && name[name.size() - kSuffix - 1] == '_') {
    bool suffix = true;
    for (size_t i = name.size() - kSuffix; i < name.size(); ++i) {
      suffix = suffix && IsSuffixChar(name[i]);
    }
    if (suffix) return std::string(name.substr(0, name.size() - kSuffix - 1));
  }
  return std::string(name);
}

std::string NewConstraintName(absl::string_view table, absl::string_view name,
                              absl::string_view uuid) {
  // Hashed as cut, so that a name made here maps to itself.
  const std::string base(FirstChars(ConstraintBaseName(table, name), kMaxBase));
  const std::string key = absl::StrCat(uuid, "\n", table, "\n", base);
  absl::uint128 h = absl::MakeUint128(Fnv1a(key, 14695981039346656037ull),
                                      Fnv1a(key, 0x9e3779b97f4a7c15ull));
  std::string suffix(kSuffix, '0');
  for (size_t i = kSuffix; i-- > 0;) {
    const int digit = static_cast<int>(absl::Uint128Low64(h % 36));
    suffix[i] = static_cast<char>(digit < 10 ? '0' + digit : 'a' + digit - 10);
    h /= 36;
  }
  return absl::StrCat(base, "_", suffix);
}

bool IsNewConstraintName(absl::string_view table, absl::string_view name,
                         absl::string_view uuid) {
  return NewConstraintName(table, name, uuid) == name;
}

}  // namespace schemadiff
}  // namespace sidecut
