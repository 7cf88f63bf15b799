#include "onlineddl/migration_command.h"

#include <string>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "mysql/quoting.h"
#include "onlineddl/ddl_strategy.h"
#include "onlineddl/migration_uuid.h"
#include "schemadiff/lexer.h"
#include "util/status_macros.h"

namespace sidecut {
namespace onlineddl {
namespace {

using schemadiff::Token;
using schemadiff::TokenKind;
using Kind = MigrationCommandKind;

constexpr char kVerbsAfterUuid[] =
    "RETRY, CLEANUP, LAUNCH, COMPLETE, POSTPONE COMPLETE, CANCEL, THROTTLE, "
    "UNTHROTTLE, FORCE_CUTOVER or CUTOVER_THRESHOLD";
constexpr char kBulkVerbs[] =
    "LAUNCH, COMPLETE, POSTPONE COMPLETE, CANCEL, CLEANUP, THROTTLE, "
    "UNTHROTTLE or FORCE_CUTOVER";

struct VerbInfo {
  Kind kind;
  const char* sql;  // canonical spelling
  bool bulk;        // allowed with ALL / CONTEXT
};

constexpr VerbInfo kVerbs[] = {
    {Kind::kRetry, "retry", false},
    {Kind::kCleanup, "cleanup", true},
    {Kind::kLaunch, "launch", true},
    {Kind::kComplete, "complete", true},
    {Kind::kPostponeComplete, "postpone complete", true},
    {Kind::kCancel, "cancel", true},
    {Kind::kThrottle, "throttle", true},
    {Kind::kUnthrottle, "unthrottle", true},
    {Kind::kForceCutOver, "force_cutover", true},
    {Kind::kCutOverThreshold, "cutover_threshold", false},
};

// Functions a SHOW ... WHERE filter may not call: they wait, take locks,
// read files or change sequences.
constexpr const char* kFilterFunctionsRefused[] = {
    "SLEEP",
    "BENCHMARK",
    "GET_LOCK",
    "RELEASE_LOCK",
    "IS_FREE_LOCK",
    "IS_USED_LOCK",
    "RELEASE_ALL_LOCKS",
    "LOAD_FILE",
    "NEXTVAL",
    "SETVAL",
    "LASTVAL",
    "MASTER_POS_WAIT",
    "MASTER_GTID_WAIT",
    "SOURCE_POS_WAIT",
    "WAIT_FOR_EXECUTED_GTID_SET",
};

// What a SHOW ... WHERE filter may call: SQL's own functions that only
// compute (a stored function may do anything, with the daemon's
// privileges), and the keywords a '(' may follow.
constexpr absl::string_view kFilterCallsAllowed =
    "EXTRACT DAYOFWEEK DAYOFYEAR DAYNAME MONTHNAME LAST_DAY QUARTER WEEKDAY "
    "MAKEDATE PERIOD_DIFF SEC_TO_TIME MICROSECOND DECIMAL CHAR NCHAR "
    "DATETIME FLOAT DOUBLE VARCHAR INET_ATON INET_NTOA JSON_CONTAINS "
    "JSON_LENGTH "
    "AND OR NOT XOR IN EXISTS IS LIKE BETWEEN CASE WHEN THEN ELSE "
    "INTERVAL ESCAPE REGEXP RLIKE DIV MOD BINARY ROW ABS ADDDATE ASCII "
    "CAST CEIL CEILING CHAR_LENGTH CHARACTER_LENGTH COALESCE CONCAT "
    "CONCAT_WS CONVERT CURDATE CURRENT_DATE CURRENT_TIME "
    "CURRENT_TIMESTAMP CURTIME DATE DATE_ADD DATE_FORMAT DATE_SUB "
    "DATEDIFF DAY DAYOFMONTH FIELD FIND_IN_SET FLOOR FROM_UNIXTIME "
    "GREATEST HEX HOUR IF IFNULL INSTR ISNULL JSON_EXTRACT JSON_UNQUOTE "
    "JSON_VALUE LCASE LEAST LEFT LENGTH LOCATE LOWER LPAD LTRIM MD5 "
    "MINUTE MONTH NOW NULLIF POSITION REGEXP_INSTR REGEXP_REPLACE "
    "REGEXP_SUBSTR REPLACE REVERSE RIGHT ROUND RPAD RTRIM SECOND SHA1 "
    "SHA2 STR_TO_DATE SUBDATE SUBSTR SUBSTRING SUBSTRING_INDEX SYSDATE "
    "TIME TIME_TO_SEC TIMEDIFF TIMESTAMP TIMESTAMPADD TIMESTAMPDIFF "
    "TO_DAYS TO_SECONDS TRIM TRUNCATE UCASE UNHEX UNIX_TIMESTAMP UPPER "
    "UTC_DATE UTC_TIMESTAMP WEEK YEAR";

const VerbInfo* FindVerb(Kind kind) {
  for (const VerbInfo& v : kVerbs) {
    if (v.kind == kind) return &v;
  }
  return nullptr;
}

class Parser {
 public:
  Parser(absl::string_view sql, std::vector<Token> tokens)
      : sql_(sql), tokens_(std::move(tokens)) {
    // Trailing ';' tokens end the statement.
    end_ = tokens_.size() - 1;  // the kEnd token
    while (end_ > 0 && tokens_[end_ - 1].IsOp(";")) --end_;
  }

  absl::StatusOr<MigrationCommand> Parse() {
    MigrationCommand cmd;
    if (AcceptWord("ALTER")) {
      SC_RETURN_IF_ERROR(ExpectWord("VITESS_MIGRATION", "after ALTER"));
      SC_RETURN_IF_ERROR(ParseAlter(&cmd));
    } else if (Peek().IsWord("REVERT")) {
      SC_RETURN_IF_ERROR(ParseRevert(&cmd));
    } else if (AcceptWord("SHOW")) {
      SC_RETURN_IF_ERROR(ParseShow(&cmd));
    } else {
      return Error(Peek(),
                   "not a migration command: expected ALTER VITESS_MIGRATION, "
                   "REVERT VITESS_MIGRATION, SHOW VITESS_MIGRATIONS or SHOW "
                   "VITESS_MIGRATION");
    }
    if (pos_ != end_) {
      return Error(Peek(), absl::StrCat("unexpected text after the ",
                                        MigrationCommandKindName(cmd.kind),
                                        " command; expected end of statement"));
    }
    return cmd;
  }

 private:
  const Token& Peek(size_t ahead = 0) const {
    return pos_ + ahead < end_ ? tokens_[pos_ + ahead] : tokens_.back();
  }
  bool AtEnd() const { return pos_ >= end_; }

  bool AcceptWord(absl::string_view keyword) {
    if (AtEnd() || !Peek().IsWord(keyword)) return false;
    ++pos_;
    return true;
  }

  absl::Status ExpectWord(absl::string_view keyword, absl::string_view where) {
    if (AcceptWord(keyword)) return absl::OkStatus();
    return Error(Peek(), absl::StrCat("expected ", keyword, " ", where));
  }

  absl::StatusOr<std::string> ExpectString(absl::string_view what) {
    if (!AtEnd() && Peek().kind == TokenKind::kString) {
      return tokens_[pos_++].text;
    }
    return Error(Peek(), absl::StrCat("expected ", what,
                                      " as a quoted string, e.g. '...'"));
  }

  absl::Status Error(const Token& token, absl::string_view what) const {
    return schemadiff::SyntaxErrorAt(sql_, token, what);
  }

  absl::StatusOr<std::string> ExpectUuid(absl::string_view what) {
    const Token& at = Peek();
    SC_ASSIGN_OR_RETURN(std::string uuid, ExpectString(what));
    if (!IsValidMigrationUuid(uuid)) {
      return Error(at, absl::StrCat("'", uuid,
                                    "' is not a migration UUID; expected e.g. "
                                    "'a0638f6b_ec7b_11ea_9bf8_000d3a9b8a9a'"));
    }
    return uuid;
  }

  // Reads a verb; nullptr (and no tokens consumed) if there is none.
  const VerbInfo* AcceptVerb() {
    if (AcceptWord("POSTPONE")) {
      if (!Peek().IsWord("COMPLETE")) {
        --pos_;
        return nullptr;
      }
      ++pos_;
      return FindVerb(Kind::kPostponeComplete);
    }
    for (const VerbInfo& v : kVerbs) {
      if (v.kind != Kind::kPostponeComplete && AcceptWord(v.sql)) return &v;
    }
    return nullptr;
  }

  absl::Status ParseAlter(MigrationCommand* cmd) {
    if (!AtEnd() && Peek().kind == TokenKind::kString) {
      SC_ASSIGN_OR_RETURN(cmd->uuid, ExpectUuid("the migration UUID"));
      const VerbInfo* verb = AcceptVerb();
      if (verb == nullptr) {
        return Error(Peek(), absl::StrCat("expected ", kVerbsAfterUuid,
                                          " after the migration UUID"));
      }
      cmd->kind = verb->kind;
      return ParseUuidVerbArguments(cmd);
    }
    const Token& at = Peek();
    const VerbInfo* verb = AcceptVerb();
    if (verb == nullptr || !verb->bulk) {
      std::string hint;
      if (at.kind == TokenKind::kWord && IsValidMigrationUuid(at.text)) {
        hint = absl::StrCat("; quote the UUID: '", at.text, "'");
      }
      return Error(
          at, absl::StrCat("expected a quoted migration UUID, or ", kBulkVerbs,
                           " followed by ALL or CONTEXT '<context>'", hint));
    }
    cmd->kind = verb->kind;
    if (AcceptWord("ALL")) {
      cmd->all = true;
    } else if (AcceptWord("CONTEXT")) {
      const Token& context_at = Peek();
      SC_ASSIGN_OR_RETURN(cmd->context, ExpectString("the migration context"));
      if (cmd->context.empty()) {
        return Error(context_at, "the migration context must not be empty");
      }
    } else {
      return Error(Peek(), absl::StrCat("expected ALL or CONTEXT '<context>' "
                                        "after ",
                                        absl::AsciiStrToUpper(verb->sql)));
    }
    if (cmd->kind == Kind::kThrottle) return ParseThrottleOptions(cmd);
    return absl::OkStatus();
  }

  absl::Status ParseUuidVerbArguments(MigrationCommand* cmd) {
    switch (cmd->kind) {
      case Kind::kLaunch:
      case Kind::kComplete:
        if (AcceptWord("VITESS_SHARDS")) return ParseShards(cmd);
        return absl::OkStatus();
      case Kind::kThrottle:
        return ParseThrottleOptions(cmd);
      case Kind::kCutOverThreshold: {
        const Token& at = Peek();
        SC_ASSIGN_OR_RETURN(std::string text,
                            ExpectString("the cut-over threshold duration"));
        SC_ASSIGN_OR_RETURN(absl::Duration d, ParseDurationAt(at, text));
        absl::Status range = ValidateCutOverThreshold(d).status();
        if (!range.ok()) return Error(at, range.message());
        cmd->threshold = d;
        return absl::OkStatus();
      }
      default:
        return absl::OkStatus();
    }
  }

  absl::Status ParseShards(MigrationCommand* cmd) {
    const Token& at = Peek();
    SC_ASSIGN_OR_RETURN(std::string list,
                        ExpectString("a comma-separated list of shards"));
    for (absl::string_view shard : absl::StrSplit(list, ',')) {
      shard = absl::StripAsciiWhitespace(shard);
      if (!shard.empty()) cmd->shards.emplace_back(shard);
    }
    if (cmd->shards.empty()) {
      return Error(at, "VITESS_SHARDS names no shard; give e.g. '-80,80-'");
    }
    return absl::OkStatus();
  }

  absl::StatusOr<absl::Duration> ParseDurationAt(const Token& at,
                                                 absl::string_view text) {
    absl::StatusOr<absl::Duration> d = ParseGoDuration(text);
    if (!d.ok()) return Error(at, d.status().message());
    if (*d < absl::ZeroDuration()) {
      return Error(at, absl::StrCat("duration '", text, "' is negative"));
    }
    return *d;
  }

  absl::Status ParseThrottleOptions(MigrationCommand* cmd) {
    if (AcceptWord("EXPIRE")) {
      const Token& at = Peek();
      SC_ASSIGN_OR_RETURN(std::string text,
                          ExpectString("the throttle expiry duration"));
      SC_ASSIGN_OR_RETURN(cmd->expire, ParseDurationAt(at, text));
    }
    if (AcceptWord("RATIO")) {
      const Token& at = Peek();
      double ratio = 0;
      if (AtEnd() || at.kind != TokenKind::kNumber ||
          !absl::SimpleAtod(at.text, &ratio)) {
        return Error(at, "expected a number between 0 and 1 after RATIO");
      }
      if (ratio < 0 || ratio > 1) {
        return Error(at, "the throttle ratio must be between 0 and 1");
      }
      ++pos_;
      cmd->ratio = ratio;
    }
    return absl::OkStatus();
  }

  absl::Status ParseRevert(MigrationCommand* cmd) {
    const Token& revert = tokens_[pos_++];
    cmd->kind = Kind::kRevert;
    if (!Peek().IsWord("VITESS_MIGRATION")) {
      return Error(Peek(), "expected VITESS_MIGRATION after REVERT");
    }
    cmd->comments = std::string(absl::StripAsciiWhitespace(
        sql_.substr(revert.end, Peek().offset - revert.end)));
    ++pos_;
    SC_ASSIGN_OR_RETURN(cmd->uuid, ExpectUuid("the UUID of the migration to "
                                              "revert"));
    return absl::OkStatus();
  }

  absl::Status ParseShow(MigrationCommand* cmd) {
    if (AcceptWord("VITESS_MIGRATION")) {
      cmd->kind = Kind::kShowMigrationLogs;
      SC_ASSIGN_OR_RETURN(cmd->uuid, ExpectUuid("the migration UUID"));
      return ExpectWord("LOGS", "after the migration UUID");
    }
    SC_RETURN_IF_ERROR(
        ExpectWord("VITESS_MIGRATIONS", "or VITESS_MIGRATION after SHOW"));
    cmd->kind = Kind::kShowMigrations;
    if (AcceptWord("FROM") || AcceptWord("IN")) {
      if (AtEnd() || !Peek().IsIdentLike()) {
        return Error(Peek(), "expected a keyspace name after FROM or IN");
      }
      cmd->keyspace = tokens_[pos_++].text;
    }
    if (AcceptWord("LIKE")) {
      SC_ASSIGN_OR_RETURN(std::string like, ExpectString("the LIKE pattern"));
      cmd->like = std::move(like);
    } else if (AcceptWord("WHERE")) {
      if (AtEnd()) return Error(Peek(), "expected an expression after WHERE");
      SC_ASSIGN_OR_RETURN(cmd->where, ParseFilter());
    }
    return absl::OkStatus();
  }

  // The expression after SHOW VITESS_MIGRATIONS WHERE, printed back from its
  // tokens: it is ANDed with the tablet's own condition, so it must be one
  // expression over the migration's columns. Comments are gone (a versioned
  // comment's content is checked like the rest), parentheses balance, and
  // subqueries, variables, bind variables and ';' are refused.
  absl::StatusOr<std::string> ParseFilter() {
    std::string out;
    int depth = 0;
    for (; pos_ < end_; ++pos_) {
      const Token& t = tokens_[pos_];
      std::string text;
      switch (t.kind) {
        case TokenKind::kWord:
          if (t.IsWord("SELECT") || t.IsWord("TABLE") || t.IsWord("VALUES")) {
            return Error(t, "subqueries are not allowed in the WHERE filter");
          }
          for (const char* f : kFilterFunctionsRefused) {
            if (t.IsWord(f)) {
              return Error(t,
                           "functions that wait, lock, read files or change "
                           "sequences are not allowed in the WHERE filter");
            }
          }
          // NEXT VALUE FOR s, PREVIOUS VALUE FOR s.
          if ((t.IsWord("NEXT") || t.IsWord("PREVIOUS")) && pos_ + 1 < end_ &&
              tokens_[pos_ + 1].IsWord("VALUE")) {
            return Error(t,
                         "functions that wait, lock, read files or change "
                         "sequences are not allowed in the WHERE filter");
          }
          if (IsCall()) {
            bool allowed = !(pos_ > 0 && tokens_[pos_ - 1].IsOp("."));
            bool known = false;
            for (absl::string_view f :
                 absl::StrSplit(kFilterCallsAllowed, ' ')) {
              known |= t.IsWord(f);
            }
            if (!allowed || !known) {
              return Error(t, absl::StrCat("function ", t.text,
                                           " is not allowed in the WHERE "
                                           "filter (only SQL's own functions "
                                           "that compute, such as NOW, LOWER, "
                                           "TIMESTAMPDIFF)"));
            }
          }
          text = t.text;
          break;
        case TokenKind::kQuotedIdent:
          if (IsCall()) {
            return Error(t,
                         "stored functions are not allowed in the WHERE "
                         "filter");
          }
          text = mysql::QuoteIdentifier(t.text);
          break;
        case TokenKind::kString:
          text = mysql::QuoteString(t.text);
          break;
        case TokenKind::kHexString:
          text = absl::StrCat("X'", t.text, "'");
          break;
        case TokenKind::kBitString:
          text = absl::StrCat("B'", t.text, "'");
          break;
        case TokenKind::kNumber:
        case TokenKind::kHexNumber:
        case TokenKind::kBitNumber:
          text = t.text;
          break;
        case TokenKind::kOperator:
          if (t.IsOp("(")) {
            ++depth;
          } else if (t.IsOp(")") && --depth < 0) {
            return Error(t, "unbalanced ')' in the WHERE filter");
          } else if (t.IsOp(";") || t.IsOp("@") || t.IsOp("@@")) {
            return Error(t, "not allowed in the WHERE filter");
          }
          text = t.text;
          break;
        default:
          return Error(t, "not allowed in the WHERE filter");
      }
      // N'x' and _utf8mb4'x': the prefix stays attached to its string.
      const bool attached =
          t.kind == TokenKind::kString && pos_ > 0 &&
          tokens_[pos_ - 1].kind == TokenKind::kWord &&
          tokens_[pos_ - 1].end == t.offset &&
          (tokens_[pos_ - 1].IsWord("N") || tokens_[pos_ - 1].text[0] == '_');
      if (!out.empty() && !attached) out += ' ';
      out += text;
    }
    if (depth != 0) {
      return Error(Peek(), "unbalanced '(' in the WHERE filter");
    }
    return out;
  }

  // Whether the name at pos_ is called: a '(' follows.
  bool IsCall() const { return pos_ + 1 < end_ && tokens_[pos_ + 1].IsOp("("); }

  absl::string_view sql_;
  std::vector<Token> tokens_;
  size_t pos_ = 0;
  size_t end_ = 0;  // index of the first trailing ';' or of kEnd
};

// Skips blanks and comments (the kinds the lexer skips) from `pos`.
size_t SkipBlanksAndComments(absl::string_view sql, size_t pos) {
  while (pos < sql.size()) {
    char c = sql[pos];
    if (absl::ascii_isspace(static_cast<unsigned char>(c))) {
      ++pos;
    } else if (c == '#' ||
               (c == '-' && pos + 1 < sql.size() && sql[pos + 1] == '-' &&
                (pos + 2 >= sql.size() ||
                 static_cast<unsigned char>(sql[pos + 2]) <= ' '))) {
      while (pos < sql.size() && sql[pos] != '\n') ++pos;
    } else if (c == '/' && pos + 1 < sql.size() && sql[pos + 1] == '*') {
      size_t close = sql.find("*/", pos + 2);
      pos = close == absl::string_view::npos ? sql.size() : close + 2;
    } else {
      break;
    }
  }
  return pos;
}

// Reads the word at `*pos` (letters, digits, '_') and moves past it.
absl::string_view NextWord(absl::string_view sql, size_t* pos) {
  *pos = SkipBlanksAndComments(sql, *pos);
  size_t begin = *pos;
  while (*pos < sql.size() &&
         (absl::ascii_isalnum(static_cast<unsigned char>(sql[*pos])) ||
          sql[*pos] == '_')) {
    ++*pos;
  }
  return sql.substr(begin, *pos - begin);
}

using mysql::QuoteIdentifier;
using mysql::QuoteString;

}  // namespace

absl::string_view MigrationCommandKindName(MigrationCommandKind kind) {
  if (const VerbInfo* verb = FindVerb(kind)) return verb->sql;
  switch (kind) {
    case Kind::kRevert:
      return "revert";
    case Kind::kShowMigrations:
      return "show migrations";
    case Kind::kShowMigrationLogs:
      return "show migration logs";
    default:
      return "unknown";
  }
}

bool operator==(const MigrationCommand& a, const MigrationCommand& b) {
  return a.kind == b.kind && a.uuid == b.uuid && a.all == b.all &&
         a.context == b.context && a.shards == b.shards &&
         a.expire == b.expire && a.ratio == b.ratio &&
         a.threshold == b.threshold && a.keyspace == b.keyspace &&
         a.like == b.like && a.where == b.where && a.comments == b.comments;
}

absl::StatusOr<MigrationCommand> ParseMigrationCommand(absl::string_view sql) {
  SC_ASSIGN_OR_RETURN(std::vector<Token> tokens, schemadiff::Tokenize(sql));
  return Parser(sql, std::move(tokens)).Parse();
}

bool LooksLikeMigrationCommand(absl::string_view sql) {
  size_t pos = 0;
  absl::string_view first = NextWord(sql, &pos);
  absl::string_view second = NextWord(sql, &pos);
  if (absl::EqualsIgnoreCase(first, "ALTER") ||
      absl::EqualsIgnoreCase(first, "REVERT")) {
    return absl::EqualsIgnoreCase(second, "VITESS_MIGRATION");
  }
  if (absl::EqualsIgnoreCase(first, "SHOW")) {
    return absl::EqualsIgnoreCase(second, "VITESS_MIGRATIONS") ||
           absl::EqualsIgnoreCase(second, "VITESS_MIGRATION");
  }
  return false;
}

std::string MigrationCommandToSql(const MigrationCommand& c) {
  switch (c.kind) {
    case Kind::kRevert:
      return absl::StrCat("revert ", c.comments, c.comments.empty() ? "" : " ",
                          "vitess_migration ", QuoteString(c.uuid));
    case Kind::kShowMigrationLogs:
      return absl::StrCat("show vitess_migration ", QuoteString(c.uuid),
                          " logs");
    case Kind::kShowMigrations: {
      std::string sql = "show vitess_migrations";
      if (!c.keyspace.empty()) {
        absl::StrAppend(&sql, " from ", QuoteIdentifier(c.keyspace));
      }
      if (c.like.has_value()) {
        absl::StrAppend(&sql, " like ", QuoteString(*c.like));
      }
      if (!c.where.empty()) absl::StrAppend(&sql, " where ", c.where);
      return sql;
    }
    default:
      break;
  }
  std::string sql = "alter vitess_migration ";
  absl::string_view verb = MigrationCommandKindName(c.kind);
  if (c.all) {
    absl::StrAppend(&sql, verb, " all");
  } else if (!c.context.empty()) {
    absl::StrAppend(&sql, verb, " context ", QuoteString(c.context));
  } else {
    absl::StrAppend(&sql, QuoteString(c.uuid), " ", verb);
  }
  if (!c.shards.empty()) {
    absl::StrAppend(&sql, " vitess_shards ",
                    QuoteString(absl::StrJoin(c.shards, ",")));
  }
  if (c.expire.has_value()) {
    absl::StrAppend(&sql, " expire ",
                    QuoteString(absl::FormatDuration(*c.expire)));
  }
  if (c.ratio.has_value()) absl::StrAppend(&sql, " ratio ", *c.ratio);
  if (c.threshold.has_value()) {
    absl::StrAppend(&sql, " ", QuoteString(absl::FormatDuration(*c.threshold)));
  }
  return sql;
}

}  // namespace onlineddl
}  // namespace sidecut
