#include "schemadiff/lexer.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "util/status_matchers.h"

namespace sidecut {
namespace schemadiff {
namespace {

using ::testing::HasSubstr;

// Renders tokens as "kind:text" for compact comparisons.
std::string KindName(TokenKind k) {
  switch (k) {
    case TokenKind::kEnd:
      return "end";
    case TokenKind::kWord:
      return "word";
    case TokenKind::kQuotedIdent:
      return "qid";
    case TokenKind::kString:
      return "str";
    case TokenKind::kNumber:
      return "num";
    case TokenKind::kHexString:
      return "hexstr";
    case TokenKind::kBitString:
      return "bitstr";
    case TokenKind::kHexNumber:
      return "hexnum";
    case TokenKind::kBitNumber:
      return "bitnum";
    case TokenKind::kBindVar:
      return "bind";
    case TokenKind::kOperator:
      return "op";
  }
  return "?";
}

std::vector<std::string> Render(const std::vector<Token>& tokens) {
  std::vector<std::string> out;
  for (const Token& t : tokens) {
    if (t.kind == TokenKind::kEnd) break;
    out.push_back(KindName(t.kind) + ":" + t.text);
  }
  return out;
}

struct LexCase {
  std::string name;
  std::string sql;
  std::vector<std::string> want;
};

TEST(LexerTest, Tokens) {
  const std::vector<LexCase> cases = {
      {"keywords keep case",
       "CREATE table T",
       {"word:CREATE", "word:table", "word:T"}},
      {"backticks with doubled backtick", "`a``b` `by`", {"qid:a`b", "qid:by"}},
      {"unicode identifier",
       "\xc3\xa9t\xc3\xa9 `\xe2\x82\xac`",
       {"word:\xc3\xa9t\xc3\xa9", "qid:\xe2\x82\xac"}},
      {"identifier starting with digits", "3t2", {"word:3t2"}},
      {"single and double quoted strings",
       "'it''s' \"a\\\"b\" 'x\\ny'",
       {"str:it's", "str:a\"b", "str:x\ny"}},
      {"charset introducer", "_utf8mb4'$.x'", {"word:_utf8mb4", "str:$.x"}},
      {"numbers",
       "1 -2.5 .5 1e10 3.0E-2",
       {"num:1", "op:-", "num:2.5", "num:.5", "num:1e10", "num:3.0E-2"}},
      {"hex and bit literals",
       "X'4d' b'01' 0x1F 0b10",
       {"hexstr:4d", "bitstr:01", "hexnum:0x1F", "bitnum:0b10"}},
      {"comments are skipped",
       "a -- c1\nb # c2\nc /* c3 */ d",
       {"word:a", "word:b", "word:c", "word:d"}},
      {"double dash without space is an operator",
       "a--b",
       {"word:a", "op:-", "op:-", "word:b"}},
      {"versioned comment is content",
       "a /*!50633 COLUMN_FORMAT x */ b",
       {"word:a", "word:COLUMN_FORMAT", "word:x", "word:b"}},
      {"mariadb versioned comment", "/*M!100316 c */", {"word:c"}},
      {"operators",
       "a<>b!=c<=>d->>'$' e:=1",
       {"word:a", "op:<>", "word:b", "op:!=", "word:c", "op:<=>", "word:d",
        "op:->>", "str:$", "word:e", "op::=", "num:1"}},
      {"bind variables", "? :name", {"bind:?", "bind::name"}},
  };
  for (const LexCase& c : cases) {
    SCOPED_TRACE(c.name);
    ASSERT_OK_AND_ASSIGN(std::vector<Token> tokens, Tokenize(c.sql));
    EXPECT_EQ(Render(tokens), c.want);
    EXPECT_EQ(tokens.back().kind, TokenKind::kEnd);
  }
}

TEST(LexerTest, TokensRecordOffsets) {
  ASSERT_OK_AND_ASSIGN(std::vector<Token> tokens, Tokenize("ab  `c`"));
  ASSERT_EQ(tokens.size(), 3u);
  EXPECT_EQ(tokens[0].offset, 0u);
  EXPECT_EQ(tokens[0].end, 2u);
  EXPECT_EQ(tokens[1].offset, 4u);
  EXPECT_EQ(tokens[1].end, 7u);
}

struct ErrorCase {
  std::string name;
  std::string sql;
  std::string want;  // substring of the error message
};

TEST(LexerTest, Errors) {
  const std::vector<ErrorCase> cases = {
      {"unterminated string", "select 'abc",
       "line 1, column 8 (offset 7) near ''abc': unterminated string"},
      {"unterminated identifier", "a\n  `b",
       "line 2, column 3 (offset 4) near '`b': unterminated quoted"},
      {"unterminated comment", "a /* b", "offset 2) near '/* b'"},
      {"unterminated versioned comment", "a /*!5 b",
       "unterminated /*! comment"},
      {"bad hex literal", "x'4g'", "bad hex literal"},
      {"unexpected character", "a \\ b",
       "line 1, column 3 (offset 2) near '\\ b': unexpected character"},
  };
  for (const ErrorCase& c : cases) {
    SCOPED_TRACE(c.name);
    EXPECT_THAT(Tokenize(c.sql), StatusIs(absl::StatusCode::kInvalidArgument,
                                          HasSubstr(c.want)));
  }
}

TEST(LexerTest, PositionOf) {
  SourcePosition p = PositionOf("ab\ncd\nef", 7);
  EXPECT_EQ(p.line, 3);
  EXPECT_EQ(p.column, 2);
}

}  // namespace
}  // namespace schemadiff
}  // namespace sidecut
