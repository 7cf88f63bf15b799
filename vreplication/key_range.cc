#include "vreplication/key_range.h"

#include "absl/strings/str_cat.h"

namespace sidecut {
namespace vreplication {
namespace {

// Lexicographic comparison: `strict` (">" or "<") on every column but the
// last, `last` on the last one.
std::string Lexicographic(const std::vector<std::string>& keys,
                          const std::vector<std::string>& lits,
                          const char* strict, const char* last) {
  const size_t n = keys.size();
  if (n == 0) return "TRUE";
  std::string expr = absl::StrCat(keys[n - 1], " ", last, " ", lits[n - 1]);
  for (size_t i = n - 1; i-- > 0;) {
    expr = absl::StrCat(keys[i], " ", strict, " ", lits[i], " OR (", keys[i],
                        " = ", lits[i], " AND (", expr, "))");
  }
  if (n == 1) return absl::StrCat("(", expr, ")");
  // The first column's own bound: the range the optimizer takes.
  return absl::StrCat("(", keys[0], " ", strict, "= ", lits[0], " AND (", expr,
                      "))");
}

}  // namespace

std::string KeyAfterCondition(const std::vector<std::string>& keys,
                              const std::vector<std::string>& lits) {
  return Lexicographic(keys, lits, ">", ">");
}

std::string KeyAtOrBeforeCondition(const std::vector<std::string>& keys,
                                   const std::vector<std::string>& lits) {
  return Lexicographic(keys, lits, "<", "<=");
}

}  // namespace vreplication
}  // namespace sidecut
