#include "schemadiff/lexer.h"

#include <algorithm>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace sidecut {
namespace schemadiff {
namespace {

bool IsIdentStart(unsigned char c) {
  return absl::ascii_isalpha(c) || c == '_' || c == '$' || c >= 0x80;
}
bool IsIdentChar(unsigned char c) {
  return IsIdentStart(c) || absl::ascii_isdigit(c);
}

// Multi-character operators, longest first.
constexpr absl::string_view kOperators[] = {
    "<=>", "->>", "<>", "!=", "<=", ">=", "<<", ">>", "&&", "||", ":=", "->",
};

}  // namespace

class Lexer {
 public:
  explicit Lexer(absl::string_view sql) : sql_(sql) {}

  // Appends the tokens through the next ';' operator (or to the end of the
  // input); false when no token was left.
  absl::StatusOr<bool> AppendStatement(std::vector<Token>* tokens) {
    bool any = false;
    while (true) {
      absl::Status s = SkipSpaceAndComments();
      if (!s.ok()) return s;
      if (pos_ >= sql_.size()) break;
      Token t;
      t.offset = pos_;
      s = Next(&t);
      if (!s.ok()) return s;
      t.end = pos_;
      bool semicolon = t.kind == TokenKind::kOperator && t.text == ";";
      tokens->push_back(std::move(t));
      any = true;
      if (semicolon) return true;
    }
    if (in_versioned_) {
      return Error(versioned_start_, "unterminated /*! comment");
    }
    return any;
  }

  // The versioned comments read so far (/*!50700 ...).
  const std::vector<VersionedComment>& versions() const { return versions_; }

  void AppendEnd(std::vector<Token>* tokens) const {
    Token end;
    end.offset = end.end = sql_.size();
    tokens->push_back(std::move(end));
  }

 private:
  std::vector<VersionedComment> versions_;
  char Peek(size_t ahead = 0) const {
    return pos_ + ahead < sql_.size() ? sql_[pos_ + ahead] : '\0';
  }

  absl::Status Error(size_t offset, absl::string_view what) const {
    Token t;
    t.offset = offset;
    t.end = std::min(sql_.size(), offset + 20);
    return SyntaxErrorAt(sql_, t, what);
  }

  absl::Status SkipSpaceAndComments() {
    while (pos_ < sql_.size()) {
      char c = Peek();
      if (absl::ascii_isspace(static_cast<unsigned char>(c))) {
        ++pos_;
      } else if (c == '#' ||
                 (c == '-' && Peek(1) == '-' &&
                  (Peek(2) == '\0' ||
                   absl::ascii_isspace(static_cast<unsigned char>(Peek(2))) ||
                   absl::ascii_iscntrl(static_cast<unsigned char>(Peek(2)))))) {
        while (pos_ < sql_.size() && Peek() != '\n') ++pos_;
      } else if (c == '/' && Peek(1) == '*') {
        absl::Status s = SkipBlockComment();
        if (!s.ok()) return s;
      } else if (c == '*' && Peek(1) == '/' && in_versioned_) {
        in_versioned_ = false;
        pos_ += 2;
      } else {
        break;
      }
    }
    return absl::OkStatus();
  }

  absl::Status SkipBlockComment() {
    size_t start = pos_;
    bool versioned = Peek(2) == '!' || (Peek(2) == 'M' && Peek(3) == '!');
    if (versioned && !in_versioned_) {
      VersionedComment c;
      c.mariadb_only = Peek(2) == 'M';
      pos_ += Peek(2) == '!' ? 3 : 4;
      const size_t digits = pos_;
      while (absl::ascii_isdigit(static_cast<unsigned char>(Peek()))) ++pos_;
      if (pos_ > digits &&
          absl::SimpleAtoi(sql_.substr(digits, pos_ - digits), &c.version)) {
        versions_.push_back(c);
      }
      in_versioned_ = true;
      versioned_start_ = start;
      return absl::OkStatus();
    }
    size_t close = sql_.find("*/", pos_ + 2);
    if (close == absl::string_view::npos) {
      return Error(start, "unterminated /* comment");
    }
    pos_ = close + 2;
    return absl::OkStatus();
  }

  absl::Status Next(Token* t) {
    unsigned char c = static_cast<unsigned char>(Peek());
    if (c == '`') return LexQuotedIdent(t);
    if (c == '\'' || c == '"') return LexString(t);
    if ((c == 'x' || c == 'X' || c == 'b' || c == 'B') && Peek(1) == '\'') {
      return LexHexOrBitString(t);
    }
    if (absl::ascii_isdigit(c) ||
        (c == '.' &&
         absl::ascii_isdigit(static_cast<unsigned char>(Peek(1))))) {
      return LexNumberOrWord(t);
    }
    if (IsIdentStart(c)) {
      size_t start = pos_;
      while (pos_ < sql_.size() &&
             IsIdentChar(static_cast<unsigned char>(Peek()))) {
        ++pos_;
      }
      t->kind = TokenKind::kWord;
      t->text = std::string(sql_.substr(start, pos_ - start));
      return absl::OkStatus();
    }
    if (c == '?' ||
        (c == ':' && IsIdentStart(static_cast<unsigned char>(Peek(1))))) {
      size_t start = pos_++;
      while (c == ':' && pos_ < sql_.size() &&
             IsIdentChar(static_cast<unsigned char>(Peek()))) {
        ++pos_;
      }
      t->kind = TokenKind::kBindVar;
      t->text = std::string(sql_.substr(start, pos_ - start));
      return absl::OkStatus();
    }
    return LexOperator(t);
  }

  absl::Status LexQuotedIdent(Token* t) {
    size_t start = pos_++;
    std::string text;
    while (true) {
      if (pos_ >= sql_.size()) {
        return Error(start, "unterminated quoted identifier");
      }
      char c = sql_[pos_++];
      if (c == '`') {
        if (Peek() != '`') break;
        ++pos_;
      }
      text.push_back(c);
    }
    t->kind = TokenKind::kQuotedIdent;
    t->text = std::move(text);
    return absl::OkStatus();
  }

  static char Unescape(char c) {
    switch (c) {
      case '0':
        return '\0';
      case 'b':
        return '\b';
      case 'n':
        return '\n';
      case 'r':
        return '\r';
      case 't':
        return '\t';
      case 'Z':
        return '\x1a';
      default:
        return c;
    }
  }

  absl::Status LexString(Token* t) {
    size_t start = pos_;
    char quote = sql_[pos_++];
    std::string text;
    while (true) {
      if (pos_ >= sql_.size()) return Error(start, "unterminated string");
      char c = sql_[pos_++];
      if (c == quote) {
        if (Peek() != quote) break;
        ++pos_;
      } else if (c == '\\' && pos_ < sql_.size()) {
        char e = sql_[pos_++];
        // MySQL keeps the backslash for \% and \_ (LIKE patterns).
        if (e == '%' || e == '_') text.push_back('\\');
        c = Unescape(e);
      }
      text.push_back(c);
    }
    t->kind = TokenKind::kString;
    t->text = std::move(text);
    return absl::OkStatus();
  }

  absl::Status LexHexOrBitString(Token* t) {
    size_t start = pos_;
    bool hex = Peek() == 'x' || Peek() == 'X';
    pos_ += 2;
    size_t close = sql_.find('\'', pos_);
    if (close == absl::string_view::npos) {
      return Error(start, "unterminated literal");
    }
    absl::string_view digits = sql_.substr(pos_, close - pos_);
    for (char d : digits) {
      bool ok = hex ? absl::ascii_isxdigit(static_cast<unsigned char>(d))
                    : (d == '0' || d == '1');
      if (!ok) return Error(start, hex ? "bad hex literal" : "bad bit literal");
    }
    pos_ = close + 1;
    t->kind = hex ? TokenKind::kHexString : TokenKind::kBitString;
    t->text = std::string(digits);
    return absl::OkStatus();
  }

  absl::Status LexNumberOrWord(Token* t) {
    size_t start = pos_;
    if (Peek() == '0' && (Peek(1) == 'x' || Peek(1) == 'b')) {
      bool hex = Peek(1) == 'x';
      size_t p = pos_ + 2;
      while (p < sql_.size() &&
             (hex ? absl::ascii_isxdigit(static_cast<unsigned char>(sql_[p]))
                  : (sql_[p] == '0' || sql_[p] == '1'))) {
        ++p;
      }
      if (p > pos_ + 2 && (p == sql_.size() ||
                           !IsIdentChar(static_cast<unsigned char>(sql_[p])))) {
        pos_ = p;
        t->kind = hex ? TokenKind::kHexNumber : TokenKind::kBitNumber;
        t->text = std::string(sql_.substr(start, pos_ - start));
        return absl::OkStatus();
      }
    }
    while (absl::ascii_isdigit(static_cast<unsigned char>(Peek()))) ++pos_;
    bool is_number = true;
    if (Peek() == '.') {
      ++pos_;
      while (absl::ascii_isdigit(static_cast<unsigned char>(Peek()))) ++pos_;
    } else if (IsIdentStart(static_cast<unsigned char>(Peek())) &&
               !IsExponent()) {
      is_number = false;  // 3t2: an identifier that starts with digits
    }
    if (is_number && IsExponent()) {
      pos_ += (Peek(1) == '+' || Peek(1) == '-') ? 2 : 1;
      while (absl::ascii_isdigit(static_cast<unsigned char>(Peek()))) ++pos_;
    }
    if (!is_number) {
      while (pos_ < sql_.size() &&
             IsIdentChar(static_cast<unsigned char>(Peek()))) {
        ++pos_;
      }
    }
    t->kind = is_number ? TokenKind::kNumber : TokenKind::kWord;
    t->text = std::string(sql_.substr(start, pos_ - start));
    return absl::OkStatus();
  }

  // True at an exponent marker followed by digits: e5, E+5, e-5.
  bool IsExponent() const {
    if (Peek() != 'e' && Peek() != 'E') return false;
    size_t k = (Peek(1) == '+' || Peek(1) == '-') ? 2 : 1;
    if (!absl::ascii_isdigit(static_cast<unsigned char>(Peek(k)))) return false;
    size_t p = pos_ + k;
    while (p < sql_.size() &&
           absl::ascii_isdigit(static_cast<unsigned char>(sql_[p]))) {
      ++p;
    }
    return p == sql_.size() ||
           !IsIdentChar(static_cast<unsigned char>(sql_[p]));
  }

  absl::Status LexOperator(Token* t) {
    t->kind = TokenKind::kOperator;
    for (absl::string_view op : kOperators) {
      if (absl::StartsWith(sql_.substr(pos_), op)) {
        t->text = std::string(op);
        pos_ += op.size();
        return absl::OkStatus();
      }
    }
    char c = Peek();
    if (absl::string_view("()[]{},;.=<>+-*/%&|^~!@:").find(c) ==
        absl::string_view::npos) {
      return Error(pos_, "unexpected character");
    }
    t->text = std::string(1, c);
    ++pos_;
    return absl::OkStatus();
  }

  absl::string_view sql_;
  size_t pos_ = 0;
  bool in_versioned_ = false;
  size_t versioned_start_ = 0;
};

bool Token::IsWord(absl::string_view keyword) const {
  return kind == TokenKind::kWord && absl::EqualsIgnoreCase(text, keyword);
}

bool Token::IsOp(absl::string_view op) const {
  return kind == TokenKind::kOperator && text == op;
}

SourcePosition PositionOf(absl::string_view sql, size_t offset) {
  SourcePosition p;
  for (size_t i = 0; i < offset && i < sql.size(); ++i) {
    if (sql[i] == '\n') {
      ++p.line;
      p.column = 1;
    } else {
      ++p.column;
    }
  }
  return p;
}

std::string DescribePosition(absl::string_view sql, size_t offset) {
  SourcePosition p = PositionOf(sql, offset);
  return absl::StrCat("line ", p.line, ", column ", p.column, " (offset ",
                      offset, ")");
}

absl::Status SyntaxErrorAt(absl::string_view sql, const Token& token,
                           absl::string_view what) {
  std::string near =
      token.offset >= sql.size()
          ? "end of input"
          : absl::StrCat(
                "'",
                sql.substr(token.offset, std::max(token.end, token.offset + 1) -
                                             token.offset),
                "'");
  return absl::InvalidArgumentError(
      absl::StrCat("syntax error at ", DescribePosition(sql, token.offset),
                   " near ", near, ": ", what));
}

absl::StatusOr<std::vector<Token>> Tokenize(absl::string_view sql) {
  Lexer lexer(sql);
  std::vector<Token> tokens;
  // DDL averages a token per 4-5 bytes; reserving up front spares the
  // copies of a growing vector.
  tokens.reserve(sql.size() / 3 + 1);
  while (true) {
    absl::StatusOr<bool> more = lexer.AppendStatement(&tokens);
    if (!more.ok()) return more.status();
    if (!*more) break;
  }
  lexer.AppendEnd(&tokens);
  return tokens;
}

bool MariaDBIgnores(const VersionedComment& c, int64_t server) {
  return c.version > server ||
         (!c.mariadb_only && c.version >= 50700 && c.version < 100000);
}

absl::StatusOr<std::vector<VersionedComment>> VersionedComments(
    absl::string_view sql) {
  Lexer lexer(sql);
  std::vector<Token> tokens;
  while (true) {
    absl::StatusOr<bool> more = lexer.AppendStatement(&tokens);
    if (!more.ok()) return more.status();
    if (!*more) break;
  }
  return lexer.versions();
}

StatementTokenizer::StatementTokenizer(absl::string_view sql)
    : lexer_(std::make_unique<Lexer>(sql)) {}

StatementTokenizer::~StatementTokenizer() = default;

absl::StatusOr<bool> StatementTokenizer::Next(std::vector<Token>* tokens) {
  tokens->clear();
  absl::StatusOr<bool> more = lexer_->AppendStatement(tokens);
  if (!more.ok() || !*more) return more;
  lexer_->AppendEnd(tokens);
  return true;
}

}  // namespace schemadiff
}  // namespace sidecut
