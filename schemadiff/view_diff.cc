#include "schemadiff/view_diff.h"

#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "schemadiff/printer.h"

namespace sidecut {
namespace schemadiff {
namespace {

// True if the outermost SELECT has a FROM clause.
bool HasTopLevelFrom(const std::vector<Token>& tokens) {
  int depth = 0;
  for (const Token& t : tokens) {
    if (t.IsOp("(")) ++depth;
    if (t.IsOp(")")) --depth;
    if (depth == 0 && t.IsWord("from")) return true;
  }
  return false;
}

// Where the outermost SELECT's FROM goes: before its first top-level
// clause after the select list (WHERE, ORDER BY, LIMIT, a UNION, ...), or
// at the end.
size_t FromPosition(const std::vector<Token>& tokens) {
  int depth = 0;
  for (size_t i = 1; i < tokens.size(); ++i) {
    const Token& t = tokens[i];
    if (t.IsOp("(")) ++depth;
    if (t.IsOp(")")) --depth;
    if (depth != 0) continue;
    for (const char* clause :
         {"where", "group", "having", "window", "order", "limit", "union",
          "except", "intersect", "into", "for", "lock", "procedure"}) {
      if (t.IsWord(clause)) return i;
    }
  }
  return tokens.size();
}

Token Word(const char* text) {
  Token t;
  t.kind = TokenKind::kWord;
  t.text = text;
  return t;
}

}  // namespace

void NormalizeCreateView(CreateView* view) {
  if (absl::EqualsIgnoreCase(view->algorithm, "undefined")) {
    view->algorithm.clear();
  }
  std::vector<Token>& tokens = view->select.tokens.tokens;
  for (size_t i = 1; i < tokens.size(); ++i) {
    if (tokens[i - 1].IsWord("from") && tokens[i].IsWord("dual")) {
      tokens[i].text = "dual";
    }
  }
  for (TableName& t : view->select.tables) {
    if (absl::EqualsIgnoreCase(t.name, "dual")) t.name = "dual";
  }
  bool simple = !tokens.empty() && tokens[0].IsWord("select");
  if (simple && !HasTopLevelFrom(tokens)) {
    // (Appended after an ORDER BY or a LIMIT it made invalid SQL.)
    const size_t at = FromPosition(tokens);
    tokens.insert(tokens.begin() + at, {Word("from"), Word("dual")});
  }
}

std::optional<CreateView> DiffCreateViews(const CreateView& from,
                                          const CreateView& to) {
  CreateView a = from, b = to;
  NormalizeCreateView(&a);
  NormalizeCreateView(&b);
  for (CreateView* v : {&a, &b}) {
    v->name = from.name;
    v->is_alter = true;
    v->or_replace = false;
  }
  // ToString keeps the ALGORITHM value's case, which MySQL preserves.
  if (ToCanonicalString(a) == ToCanonicalString(b) &&
      ToString(a) == ToString(b)) {
    return std::nullopt;
  }
  return b;
}

std::vector<Statement> DiffViewEntities(const CreateView* from,
                                        const CreateView* to) {
  std::vector<Statement> out;
  if (from == nullptr && to != nullptr) {
    CreateView created = *to;
    NormalizeCreateView(&created);
    created.is_alter = false;
    out.push_back(std::move(created));
  } else if (from != nullptr && to == nullptr) {
    DropView drop;
    drop.views.push_back(from->name);
    out.push_back(std::move(drop));
  } else if (from != nullptr) {
    if (std::optional<CreateView> alter = DiffCreateViews(*from, *to)) {
      out.push_back(std::move(*alter));
    }
  }
  return out;
}

}  // namespace schemadiff
}  // namespace sidecut
