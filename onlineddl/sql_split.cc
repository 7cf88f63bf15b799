#include "onlineddl/sql_split.h"

#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace sidecut {
namespace onlineddl {
namespace {

bool IsBlank(char c) { return c == ' ' || c == '\t' || c == '\r'; }

class Splitter {
 public:
  Splitter(absl::string_view sql, const SqlSplitOptions& options)
      : sql_(sql), options_(options) {}

  absl::StatusOr<std::vector<SqlStatement>> Run() {
    while (pos_ < sql_.size()) {
      absl::Status status = Step();
      if (!status.ok()) return status;
    }
    Emit(sql_.size());
    return std::move(statements_);
  }

 private:
  // Consumes one token-ish unit at pos_.
  absl::Status Step() {
    char c = sql_[pos_];
    if (!in_statement_ && IsDelimiterCommand()) {
      return ReadDelimiterCommand();
    }
    if (absl::StartsWith(sql_.substr(pos_), delimiter_)) {
      Emit(pos_);
      pos_ += delimiter_.size();
      return absl::OkStatus();
    }
    if (c == '\'' || c == '"' || c == '`') {
      MarkContent();
      return SkipQuoted(c);
    }
    if (c == '#' || (c == '-' && IsDashDashComment())) {
      while (pos_ < sql_.size() && sql_[pos_] != '\n') ++pos_;
      return absl::OkStatus();
    }
    if (c == '/' && pos_ + 1 < sql_.size() && sql_[pos_ + 1] == '*') {
      absl::string_view rest = sql_.substr(pos_ + 2);
      if (absl::StartsWith(rest, "!") || absl::StartsWith(rest, "M!")) {
        MarkContent();  // executable comment: part of the statement
      }
      return SkipBlockComment();
    }
    if (!absl::ascii_isspace(static_cast<unsigned char>(c))) MarkContent();
    ++pos_;
    return absl::OkStatus();
  }

  void MarkContent() {
    if (!in_statement_) {
      in_statement_ = true;
      start_ = pos_;
    }
  }

  // Ends the current statement at `end` (exclusive).
  void Emit(size_t end) {
    if (in_statement_) {
      absl::string_view text =
          absl::StripTrailingAsciiWhitespace(sql_.substr(start_, end - start_));
      statements_.push_back(
          SqlStatement{std::string(text), start_, LineOf(start_)});
    }
    in_statement_ = false;
  }

  int LineOf(size_t offset) {
    for (; line_scan_ < offset; ++line_scan_) {
      if (sql_[line_scan_] == '\n') ++line_;
    }
    return line_;
  }

  // Line number for error messages (does not move the incremental scan).
  int ErrorLine(size_t offset) const {
    int line = 1;
    for (size_t i = 0; i < offset; ++i) line += sql_[i] == '\n';
    return line;
  }

  // "delimiter" followed by a blank, at pos_ (any case).
  bool IsDelimiterCommand() const {
    constexpr absl::string_view kCommand = "delimiter";
    absl::string_view rest = sql_.substr(pos_);
    return rest.size() > kCommand.size() &&
           absl::StartsWithIgnoreCase(rest, kCommand) &&
           absl::ascii_isspace(
               static_cast<unsigned char>(rest[kCommand.size()]));
  }

  absl::Status ReadDelimiterCommand() {
    size_t command = pos_;
    pos_ += 9;  // "delimiter"
    while (pos_ < sql_.size() && IsBlank(sql_[pos_])) ++pos_;
    size_t begin = pos_;
    while (pos_ < sql_.size() &&
           !absl::ascii_isspace(static_cast<unsigned char>(sql_[pos_]))) {
      ++pos_;
    }
    if (pos_ == begin) {
      return absl::InvalidArgumentError(absl::StrCat(
          "DELIMITER command without a delimiter at line ", ErrorLine(command),
          "; write e.g. 'delimiter ;;' and end statements with ';;'"));
    }
    delimiter_ = std::string(sql_.substr(begin, pos_ - begin));
    while (pos_ < sql_.size() && sql_[pos_] != '\n') ++pos_;  // rest of line
    return absl::OkStatus();
  }

  // "--" starts a comment only when followed by a blank, a control
  // character or the end of the input (MySQL's rule).
  bool IsDashDashComment() const {
    if (pos_ + 1 >= sql_.size() || sql_[pos_ + 1] != '-') return false;
    if (pos_ + 2 >= sql_.size()) return true;
    unsigned char next = static_cast<unsigned char>(sql_[pos_ + 2]);
    return next <= ' ';
  }

  absl::Status SkipQuoted(char quote) {
    size_t open = pos_;
    ++pos_;
    while (pos_ < sql_.size()) {
      char c = sql_[pos_];
      if (c == '\\' && quote != '`' && options_.backslash_escapes) {
        pos_ += 2;
        continue;
      }
      ++pos_;
      if (c != quote) continue;
      if (pos_ < sql_.size() && sql_[pos_] == quote) {  // doubled quote
        ++pos_;
        continue;
      }
      return absl::OkStatus();
    }
    const char* what = quote == '`' ? "quoted identifier" : "string literal";
    return absl::InvalidArgumentError(
        absl::StrCat("unterminated ", what, " (", std::string(1, quote),
                     ") starting at line ", ErrorLine(open),
                     "; close the quote or escape it"));
  }

  absl::Status SkipBlockComment() {
    size_t open = pos_;
    size_t end = sql_.find("*/", pos_ + 2);
    if (end == absl::string_view::npos) {
      return absl::InvalidArgumentError(
          absl::StrCat("unterminated /* comment starting at line ",
                       ErrorLine(open), "; close it with */"));
    }
    pos_ = end + 2;
    return absl::OkStatus();
  }

  absl::string_view sql_;
  SqlSplitOptions options_;
  std::string delimiter_ = ";";
  size_t pos_ = 0;
  bool in_statement_ = false;
  size_t start_ = 0;
  size_t line_scan_ = 0;
  int line_ = 1;
  std::vector<SqlStatement> statements_;
};

}  // namespace

absl::StatusOr<std::vector<SqlStatement>> SplitSqlStatements(
    absl::string_view sql, const SqlSplitOptions& options) {
  return Splitter(sql, options).Run();
}

}  // namespace onlineddl
}  // namespace sidecut
