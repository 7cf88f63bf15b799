#include "schemadiff/expr_columns.h"

#include "schemadiff/keywords.h"

namespace sidecut {
namespace schemadiff {

std::vector<std::string> ReferencedColumns(const Expr& expr) {
  std::vector<std::string> out;
  const std::vector<Token>& t = expr.tokens;
  for (size_t i = 0; i < t.size(); ++i) {
    if (!t[i].IsIdentLike()) continue;
    bool call = i + 1 < t.size() && t[i + 1].IsOp("(");
    bool qualifier = i + 1 < t.size() && t[i + 1].IsOp(".");
    if (call || qualifier) continue;
    if (t[i].kind == TokenKind::kWord &&
        (IsExpressionKeyword(t[i].text) || IsTypeName(t[i].text) ||
         IsKeyword(t[i].text))) {
      continue;
    }
    out.push_back(t[i].text);
  }
  return out;
}

}  // namespace schemadiff
}  // namespace sidecut
