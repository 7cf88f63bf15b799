#include "vreplication/copy_verify.h"

#include <algorithm>
#include <map>
#include <set>
#include <thread>  // NOLINT(build/c++11)
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/cord.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "mysql/quoting.h"
#include "util/status_macros.h"
#include "vreplication/row_applier.h"

namespace sidecut {
namespace vreplication {
namespace {

using mysql::QuoteIdentifier;

constexpr size_t kMaxExamples = 5;

const ColumnInfo* FindColumn(const TableSchema& t, absl::string_view name) {
  for (const ColumnInfo& c : t.columns) {
    if (c.name == name) return &c;
  }
  return nullptr;
}

bool IsText(absl::string_view t) {
  return t == "varchar" || t == "tinytext" || t == "text" ||
         t == "mediumtext" || t == "longtext";
}

bool IsBinaryString(absl::string_view t) {
  return t == "varbinary" || t == "tinyblob" || t == "blob" ||
         t == "mediumblob" || t == "longblob";
}

std::string SourceAlias(size_t i) { return absl::StrCat("`c", i, "`"); }

// Whether some unique key of the target lies within the key's columns.
bool KeyIsUniqueInTarget(const TablePlan& plan) {
  std::set<std::string> key;
  for (int k : plan.target_key) key.insert(plan.target_columns[k]);
  for (const UniqueKey& u : plan.target.unique_keys) {
    bool within = !u.columns.empty();
    for (int c : u.columns) {
      within = within && key.count(plan.target.columns[c].name) > 0;
    }
    if (within) return true;
  }
  return false;
}

absl::StatusOr<int64_t> Count(mysql::Connection& conn, const std::string& sql) {
  SC_ASSIGN_OR_RETURN(std::string value, mysql::QueryValue(conn, sql));
  int64_t n = 0;
  if (!absl::SimpleAtoi(value, &n)) {
    return absl::InternalError(absl::StrCat("verify: not a count: ", sql));
  }
  return n;
}

std::string Example(const mysql::Row& row) {
  std::vector<std::string> values;
  for (size_t i = 0; i < row.size(); ++i) {
    values.push_back(row.IsNull(i) ? "NULL" : mysql::QuoteString(row.Get(i)));
  }
  return absl::StrCat("(", absl::StrJoin(values, ", "), ")");
}

}  // namespace

namespace {

// How a column is compared: as it is (numbers, binary strings), as bytes
// (character columns: a collation may call 'a' and 'A' equal), or as text
// (temporal and decimal values whose source is converted by appending
// zeros: compared as strings, so no sql_mode turns a zero date into NULL).
enum class Compare { kSkip, kPlain, kBytes, kText };

struct ColumnPair {
  const ColumnInfo* source = nullptr;
  const ColumnInfo* target = nullptr;
};

ColumnPair Columns(const TablePlan& plan, size_t i) {
  ColumnPair p;
  for (const ColumnInfo& c : plan.source.columns) {
    if (QuoteIdentifier(c.name) == plan.select_exprs[i]) p.source = &c;
  }
  p.target = FindColumn(plan.target, plan.target_columns[i]);
  return p;
}

// How target column `i` is compared with its source, and the source value
// as the copy stores it in the target (`before` and `after` around it),
// where the copy converts it exactly.
struct Comparison {
  Compare how = Compare::kSkip;
  std::string before, after;
  // Both sides without trailing spaces (text the target may cut them
  // from).
  bool trim = false;
  bool converted() const { return !before.empty() || !after.empty(); }
  std::string Source(const std::string& x) const {
    return Target(absl::StrCat(before, x, after));
  }
  std::string Target(const std::string& x) const {
    return trim ? absl::StrCat("RTRIM(", x, ")") : x;
  }
};

bool IsCharacterValue(const ColumnInfo& c) {
  return !c.charset.empty() && (c.data_type == "char" || IsText(c.data_type) ||
                                c.data_type == "enum" || c.data_type == "set");
}

// A string literal of `n` zeros.
std::string Zeros(int n) { return std::string(n, '0'); }

// DECIMAL(m1,d1) to DECIMAL(m2,d2) with room for every value (as many
// digits or more on either side of the point, no sign lost): the text of
// the source value with zeros appended to the new scale.
Comparison DecimalWidened(const ColumnInfo& s, const ColumnInfo& t) {
  const std::vector<int> a = TypeArgs(s.column_type);
  const std::vector<int> b = TypeArgs(t.column_type);
  const std::string st = absl::AsciiStrToLower(s.column_type);
  const std::string tt = absl::AsciiStrToLower(t.column_type);
  if (a.size() != 2 || b.size() != 2 || absl::StrContains(st, "zerofill") ||
      absl::StrContains(tt, "zerofill") ||
      (absl::StrContains(tt, "unsigned") &&
       !absl::StrContains(st, "unsigned")) ||
      b[1] < a[1] || b[0] - b[1] < a[0] - a[1]) {
    return {};
  }
  Comparison c;
  c.how = Compare::kText;
  if (b[1] > a[1]) {
    c.before = "CONCAT(";
    c.after =
        absl::StrCat(", '", a[1] == 0 ? "." : "", Zeros(b[1] - a[1]), "')");
  }
  return c;
}

// A temporal value of more fractional digits (or a DATE as a DATETIME):
// the source's text with the new digits (and midnight) appended.
Comparison TemporalWidened(const ColumnInfo& s, const ColumnInfo& t) {
  const std::vector<int> a = TypeArgs(s.column_type);
  const std::vector<int> b = TypeArgs(t.column_type);
  const int from = a.empty() ? 0 : a[0];
  const int to = b.empty() ? 0 : b[0];
  std::string suffix;
  if (s.data_type == "date" && t.data_type == "datetime") {
    suffix = " 00:00:00";
  } else if (!(s.data_type == t.data_type &&
               (s.data_type == "datetime" || s.data_type == "timestamp" ||
                s.data_type == "time"))) {
    return {};
  }
  if (to < from) return {};
  if (to > from)
    absl::StrAppend(&suffix, from == 0 ? "." : "", Zeros(to - from));
  Comparison c;
  c.how = Compare::kText;
  if (!suffix.empty()) {
    c.before = "CONCAT(";
    c.after = absl::StrCat(", '", suffix, "')");
  }
  return c;
}

// The members of an ENUM or SET type ("enum('a','it''s')": a, it's).
std::vector<std::string> Members(absl::string_view column_type) {
  std::vector<std::string> members;
  size_t i = column_type.find('(');
  while (i != absl::string_view::npos && i + 1 < column_type.size() &&
         column_type[i + 1] == '\'') {
    std::string m;
    size_t j = i + 2;
    for (; j < column_type.size(); ++j) {
      if (column_type[j] != '\'') {
        m.push_back(column_type[j]);
      } else if (j + 1 < column_type.size() && column_type[j + 1] == '\'') {
        m.push_back('\'');
        ++j;
      } else {
        break;
      }
    }
    members.push_back(std::move(m));
    i = j + 1;  // the comma after the closing quote, or ')'
    if (i >= column_type.size() || column_type[i] != ',') break;
  }
  return members;
}

// Whether the members read from the catalog are as defined (its column
// types are utf8mb3: a character beyond it reads '?').
bool ReadableMembers(const std::vector<std::string>& members) {
  for (const std::string& m : members) {
    if (absl::StrContains(m, "?")) return false;
  }
  return true;
}

// Whether ENUM `t` has each of `s`'s members as it is (a value is stored
// by name, matched by the collation: 'a' into ENUM('A') reads 'A').
bool EnumKeepsMembers(const ColumnInfo& s, const ColumnInfo& t) {
  const std::vector<std::string> have = Members(t.column_type);
  const std::vector<std::string> want = Members(s.column_type);
  for (const std::string& m : want) {
    if (std::find(have.begin(), have.end(), m) == have.end()) return false;
  }
  return !want.empty() && ReadableMembers(have);
}

// Whether SET `t` holds `s`'s members first, in the same order and
// spelled alike (a value then reads the same: members in the order of
// definition, stored by name).
bool SetExtends(const ColumnInfo& s, const ColumnInfo& t) {
  const std::vector<std::string> a = Members(s.column_type);
  const std::vector<std::string> b = Members(t.column_type);
  return !a.empty() && b.size() >= a.size() &&
         std::equal(a.begin(), a.end(), b.begin()) && ReadableMembers(b);
}

// Longest bytes of one character, per character set (0: unknown).
int MaxBytesPerChar(absl::string_view charset) {
  static const auto* const kMax = new std::map<std::string, int, std::less<>>{
      {"armscii8", 1}, {"ascii", 1},    {"big5", 2},   {"binary", 1},
      {"cp1250", 1},   {"cp1251", 1},   {"cp1256", 1}, {"cp1257", 1},
      {"cp850", 1},    {"cp852", 1},    {"cp866", 1},  {"cp932", 2},
      {"dec8", 1},     {"eucjpms", 3},  {"euckr", 2},  {"gb2312", 2},
      {"gbk", 2},      {"geostd8", 1},  {"greek", 1},  {"hebrew", 1},
      {"hp8", 1},      {"keybcs2", 1},  {"koi8r", 1},  {"koi8u", 1},
      {"latin1", 1},   {"latin2", 1},   {"latin5", 1}, {"latin7", 1},
      {"macce", 1},    {"macroman", 1}, {"sjis", 2},   {"swe7", 1},
      {"tis620", 1},   {"ucs2", 2},     {"ujis", 3},   {"utf16", 4},
      {"utf16le", 4},  {"utf32", 4},    {"utf8", 3},   {"utf8mb3", 3},
      {"utf8mb4", 4}};
  auto it = kMax->find(charset);
  return it == kMax->end() ? 0 : it->second;
}

// Whether character set `charset` encodes ASCII in more than one byte
// (CONCAT_WS's separator and numbers then differ from their bytes
// elsewhere).
bool WideCharset(absl::string_view charset) {
  return charset == "ucs2" || charset == "utf16" || charset == "utf16le" ||
         charset == "utf32";
}

// Bytes a TEXT type holds; 0 for another type.
int64_t TextBytes(absl::string_view data_type) {
  if (data_type == "tinytext") return 255;
  if (data_type == "text") return 65535;
  if (data_type == "mediumtext") return 16777215;
  if (data_type == "longtext") return 4294967295LL;
  return 0;
}

// Whether text column `t` holds every value of `s` whole. Where it cannot,
// MariaDB cuts trailing spaces to fit with only a note, even in a strict
// sql_mode (other characters fail the copy).
bool HoldsEveryValue(const ColumnInfo& s, const ColumnInfo& t) {
  // CHAR, ENUM and SET values have no trailing spaces.
  if (!IsText(s.data_type)) return true;
  const int64_t source_bytes = TextBytes(s.data_type);
  const std::vector<int> sa = TypeArgs(s.column_type);
  // The most characters a source value has (a TEXT's bytes bound them).
  int64_t chars = source_bytes > 0 ? source_bytes : (sa.empty() ? -1 : sa[0]);
  if (chars < 0) return false;
  const int64_t target_bytes = TextBytes(t.data_type);
  if (target_bytes == 0) {
    const std::vector<int> ta = TypeArgs(t.column_type);
    return !ta.empty() && ta[0] >= chars;
  }
  const int per_char = MaxBytesPerChar(t.charset);
  return per_char > 0 && chars * per_char <= target_bytes;
}

Comparison HowCompared(const TablePlan& plan, size_t i) {
  const ColumnPair p = Columns(plan, i);
  if (p.source == nullptr || p.target == nullptr) return {};
  const ColumnInfo& s = *p.source;
  const ColumnInfo& t = *p.target;
  const bool same_charset = s.charset == t.charset;
  Comparison c;
  if (s.column_type == t.column_type && same_charset &&
      s.collation == t.collation) {
    // Characters byte for byte (a collation may call 'a' and 'A' equal).
    c.how = s.charset.empty() ? Compare::kPlain : Compare::kBytes;
    return c;
  }
  if (IsIntegerType(s.data_type) && IsIntegerType(t.data_type)) {
    c.how = Compare::kPlain;
    return c;
  }
  if (IsCharacterValue(s) && IsCharacterValue(t)) {
    // Read as its characters (a CHAR without its trailing spaces) and
    // stored so, converted to the target's character set: into text, or
    // a CHAR into a CHAR, an ENUM into an ENUM (by name), a SET into one
    // whose members begin with its own.
    const bool stored_alike =
        IsText(t.data_type) ||
        (t.data_type == "char" && s.data_type == "char") ||
        (t.data_type == "enum" && s.data_type == "enum" &&
         EnumKeepsMembers(s, t)) ||
        (t.data_type == "set" && s.data_type == "set" && SetExtends(s, t));
    if (!stored_alike) return {};
    c.how = Compare::kBytes;
    // Only trailing spaces may be cut to fit (anything else fails the
    // copy): compared without them.
    c.trim = IsText(t.data_type) && !HoldsEveryValue(s, t);
    if (!same_charset) {
      c.before = "CONVERT(";
      c.after = absl::StrCat(" USING ", t.charset, ")");
    }
    return c;
  }
  if (IsBinaryString(t.data_type) &&
      (IsBinaryString(s.data_type) || s.data_type == "binary" ||
       (!s.charset.empty() &&
        (IsText(s.data_type) || s.data_type == "char")))) {
    // A BINARY's padding is part of its value; characters stored as their
    // bytes.
    c.how = s.charset.empty() ? Compare::kPlain : Compare::kBytes;
    return c;
  }
  if (s.data_type == "decimal" && t.data_type == "decimal") {
    return DecimalWidened(s, t);
  }
  // Not into a DOUBLE(M,D): rounded to D digits without a warning.
  if (s.data_type == "float" &&
      (t.column_type == "double" || t.column_type == "double unsigned")) {
    c.how = Compare::kPlain;  // a FLOAT's value is a DOUBLE's exactly
    c.before = "CAST(";
    c.after = " AS DOUBLE)";
    return c;
  }
  return TemporalWidened(s, t);
}

std::string Part(Compare how, const std::string& x) {
  if (how == Compare::kBytes) return absl::StrCat("CAST(", x, " AS BINARY)");
  // As its bytes: no collation decides.
  if (how == Compare::kText) {
    return absl::StrCat("CAST(CONCAT(", x, ") AS BINARY)");
  }
  return x;
}

// A compared value as the checksum takes it: characters as bytes (cast
// only where `cast_bytes`: see BytesNeedCasts), a FLOAT exactly (its text
// form has 6 digits), an integer without ZEROFILL's padding.
std::string HashPart(Compare how, const ColumnInfo& c, const std::string& x,
                     bool cast_bytes) {
  if (how == Compare::kBytes) return cast_bytes ? Part(how, x) : x;
  if (how == Compare::kText) return x;  // CONCAT_WS takes its text
  if (c.data_type == "float") return absl::StrCat("CAST(", x, " AS DOUBLE)");
  if (IsIntegerType(c.data_type) &&
      absl::StrContains(absl::AsciiStrToLower(c.column_type), "zerofill")) {
    return absl::StrCat("(", x, " + 0)");
  }
  return x;
}

// Whether one side's character columns must be cast to bytes in its row
// hash (see also VerifyCopy): CONCAT_WS of columns of two collations converts
// one of them, or fails ("illegal mix of collations"); of one collation it
// joins their bytes as they are (integers and separators converted to it),
// which costs a third of the checksum less than casting each (measured on 1M
// sysbench rows: 0.36 s against 0.58 s per side).
bool BytesNeedCasts(const std::vector<const ColumnInfo*>& columns) {
  std::set<std::pair<std::string, std::string>> collations;
  for (const ColumnInfo* c : columns) {
    collations.emplace(c->charset, c->collation);
  }
  return collations.size() > 1;
}

// Whether MAX() of the key column `c` is the last of its rows in key
// order (a single-column key of a type compared as the index orders it).
bool MaxIsLastKey(const ColumnInfo& c) {
  return IsIntegerType(c.data_type) || c.data_type == "char" ||
         c.data_type == "varchar" || c.data_type == "binary" ||
         c.data_type == "varbinary";
}

// CRC32 of a row's compared values; `nullable` are flagged when NULL
// (CONCAT_WS leaves NULLs out).
std::string RowHash(const std::vector<std::string>& parts,
                    const std::vector<std::string>& nullable) {
  if (parts.empty()) return "0";
  std::vector<std::string> all = parts;
  if (!nullable.empty()) {
    std::vector<std::string> nulls;
    for (const std::string& p : nullable) {
      nulls.push_back(absl::StrCat("ISNULL(", p, ")"));
    }
    all.push_back(absl::StrCat("CONCAT(", absl::StrJoin(nulls, ", "), ")"));
  }
  return absl::StrCat("CRC32(CONCAT_WS('#', ", absl::StrJoin(all, ", "), "))");
}

// A chunk's checksum: COUNT(*) and the BIT_XOR of each row's CRC32
// squared, over the rows of `from` (" FROM ... WHERE ..."). Not of the
// CRC32 itself, as pt-table-checksum takes it: CRC32 is linear, so the
// same change to an even number of rows would XOR away; the square's
// change depends on the row. Each CRC32 is computed once (the derived
// table is materialized: its LIMIT keeps the server from merging it), as
// cheap as the plain one (6 ms per 10k sysbench rows; MD5 took 16).
std::string ChecksumQuery(const std::string& hash, const std::string& from) {
  return absl::StrCat("SELECT COUNT(*), IFNULL(BIT_XOR(h.c * h.c), 0) FROM ",
                      "(SELECT ", hash, " AS c", from,
                      " LIMIT 18446744073709551615) AS h");
}

// The checksum of the first `rows` rows of `from` (" FROM ... WHERE ...
// ORDER BY key"), and the last key among them (MAX of `key`, see
// MaxIsLastKey, as LastPk holds it): the chunk's end found by the scan that
// checksums it instead of a scan of its own (a fifth of the source side's
// time).
std::string ChecksumAndEndQuery(const RowApplier& applier,
                                const std::string& hash, const std::string& key,
                                const std::string& from, size_t rows) {
  return absl::StrCat("SELECT COUNT(*), IFNULL(BIT_XOR(h.c * h.c), 0), ",
                      applier.KeyValueExpr(0, "MAX(h.k)"), " FROM (SELECT ",
                      hash, " AS c, ", key, " AS k", from, " LIMIT ", rows,
                      ") AS h");
}

// Runs `qa` on `a` and `qb` on `b` at once (`qb` on a thread of its own).
absl::Status Both(mysql::Connection& a, const std::string& qa,
                  mysql::Result* ra, mysql::Connection& b,
                  const std::string& qb, mysql::Result* rb) {
  absl::StatusOr<mysql::Result> on_b;
  std::thread thread([&b, &qb, &on_b]() { on_b = b.Execute(qb); });
  absl::StatusOr<mysql::Result> on_a = a.Execute(qa);
  thread.join();
  SC_RETURN_IF_ERROR(on_a.status());
  SC_RETURN_IF_ERROR(on_b.status());
  *ra = *std::move(on_a);
  *rb = *std::move(on_b);
  return absl::OkStatus();
}

}  // namespace

bool KeyRangesMatch(const TablePlan& plan) {
  for (size_t i = 0; i < plan.target_key.size(); ++i) {
    const ColumnPair p = Columns(plan, plan.target_key[i]);
    if (p.source == nullptr || p.target == nullptr) return false;
    const ColumnInfo& s = *p.source;
    const ColumnInfo& t = *p.target;
    // A NULL in a key column of the target would fall in no range.
    if (s.nullable || t.nullable) return false;
    const bool alike = s.charset == t.charset && s.collation == t.collation;
    // The same values in the same order: the type itself, an integer of
    // another size, text of another length in the same collation.
    if (!(alike &&
          (s.column_type == t.column_type ||
           (IsIntegerType(s.data_type) && IsIntegerType(t.data_type)) ||
           (!s.charset.empty() && IsText(s.data_type) &&
            IsText(t.data_type))))) {
      return false;
    }
  }
  return true;
}

std::string ColumnDiffers(const TablePlan& plan, size_t i) {
  const Comparison c = HowCompared(plan, i);
  if (c.how == Compare::kSkip) return "";
  const std::string d = Part(
      c.how,
      c.Target(absl::StrCat("d.", QuoteIdentifier(plan.target_columns[i]))));
  const std::string s =
      Part(c.how, c.Source(absl::StrCat("s.", SourceAlias(i))));
  return absl::StrCat("NOT (", d, " <=> ", s, ")");
}

std::string CopyVerifyResult::Summary() const {
  std::string out =
      absl::StrCat(source_rows, " rows, ", compared.size(), " of ",
                   compared.size() + skipped.size(), " columns compared");
  if (!skipped.empty()) {
    std::vector<std::string> names;
    for (const std::string& c : skipped) names.push_back(QuoteIdentifier(c));
    absl::StrAppend(&out, " (not ", absl::StrJoin(names, ", "),
                    ": filled by an expression or stored as another type)");
  }
  if (ok()) return out;
  std::vector<std::string> wrong;
  if (missing > 0) wrong.push_back(absl::StrCat(missing, " missing"));
  if (differing > 0) wrong.push_back(absl::StrCat(differing, " differing"));
  if (extra() != 0) wrong.push_back(absl::StrCat(extra(), " extra"));
  absl::StrAppend(&out, ": ", absl::StrJoin(wrong, ", "),
                  examples.empty() ? "" : " (keys ",
                  absl::StrJoin(examples, ", "), examples.empty() ? "" : ")");
  return out;
}

constexpr char kUnverifiablePayload[] =
    "type.sidecut.dev/vreplication.UnverifiableCopy";

bool IsUnverifiableCopy(const absl::Status& status) {
  return absl::IsFailedPrecondition(status) &&
         status.GetPayload(kUnverifiablePayload).has_value();
}

absl::StatusOr<CopyVerifyResult> VerifyCopy(
    mysql::Connection& conn, const TablePlan& plan,
    const CollationMap* collations, size_t chunk_rows,
    const std::function<absl::Status(int64_t, bool)>& on_chunk,
    CopyVerifyCursor* cursor, mysql::Connection* other) {
  if (!KeyIsUniqueInTarget(plan)) {
    absl::Status s = absl::FailedPreconditionError(absl::StrCat(
        "cannot verify the copy into ",
        mysql::QuoteQualified(plan.db, plan.target.table),
        ": no unique key of it lies within the columns it is copied by"));
    s.SetPayload(kUnverifiablePayload, absl::Cord("1"));
    return s;
  }
  CopyVerifyResult result;
  std::vector<std::string> select, differs, source_parts, target_parts;
  std::vector<std::string> source_nullable, target_nullable;
  std::vector<const ColumnInfo*> source_bytes, target_bytes;
  bool converted_characters = false;
  for (size_t i = 0; i < plan.target_columns.size(); ++i) {
    const Comparison c = HowCompared(plan, i);
    if (c.how != Compare::kBytes) continue;
    const ColumnPair p = Columns(plan, i);
    source_bytes.push_back(p.source);
    target_bytes.push_back(p.target);
    converted_characters = converted_characters || c.converted();
  }
  // One decision for both sides, whose bytes must be alike: casts where
  // either side mixes collations, where a value is converted to another
  // character set, or where one encodes ASCII (the separator, numbers) in
  // more than one byte.
  bool cast = converted_characters || BytesNeedCasts(source_bytes) ||
              BytesNeedCasts(target_bytes);
  for (const auto* side : {&source_bytes, &target_bytes}) {
    for (const ColumnInfo* c : *side) cast = cast || WideCharset(c->charset);
  }
  for (size_t i = 0; i < plan.target_columns.size(); ++i) {
    select.push_back(
        absl::StrCat(plan.select_exprs[i], " AS ", SourceAlias(i)));
    const Comparison c = HowCompared(plan, i);
    (c.how == Compare::kSkip ? result.skipped : result.compared)
        .push_back(plan.target_columns[i]);
    if (c.how == Compare::kSkip) continue;
    differs.push_back(ColumnDiffers(plan, i));
    const ColumnPair p = Columns(plan, i);
    // A converted value is of the target's type.
    source_parts.push_back(HashPart(c.how,
                                    c.converted() ? *p.target : *p.source,
                                    c.Source(plan.select_exprs[i]), cast));
    target_parts.push_back(
        HashPart(c.how, *p.target,
                 c.Target(QuoteIdentifier(plan.target_columns[i])), cast));
    if (p.source->nullable || p.target->nullable) {
      source_nullable.push_back(plan.select_exprs[i]);
      target_nullable.push_back(QuoteIdentifier(plan.target_columns[i]));
    }
  }
  std::vector<std::string> join, key_out;
  for (int k : plan.target_key) {
    const ColumnInfo* t = FindColumn(plan.target, plan.target_columns[k]);
    std::string value = absl::StrCat("s.", SourceAlias(k));
    if (t != nullptr && !t->charset.empty()) {
      // In the target's collation (another one of the same rank would be
      // an illegal mix).
      value = absl::StrCat("CONVERT(", value, " USING ", t->charset,
                           ") COLLATE ", t->collation);
    }
    join.push_back(absl::StrCat("d.", QuoteIdentifier(plan.target_columns[k]),
                                " = ", value));
    key_out.push_back(absl::StrCat("s.", SourceAlias(k)));
  }
  const std::string first_key = absl::StrCat(
      "d.", QuoteIdentifier(plan.target_columns[plan.target_key[0]]));
  const std::string differ =
      differs.empty() ? "FALSE" : absl::StrJoin(differs, " OR ");
  RowApplier applier(&plan, collations);
  const std::string target = mysql::QuoteQualified(plan.db, plan.target.table);
  auto from_join = [&](const LastPk* from, const LastPk* to) {
    return absl::StrCat(" FROM (SELECT ", absl::StrJoin(select, ", "),
                        applier.CopyFromClause(from, to), ") AS s LEFT JOIN ",
                        target, " AS d ON ", absl::StrJoin(join, " AND "));
  };
  const bool ranges = KeyRangesMatch(plan);
  // Where each chunk's end is found by its source checksum.
  const bool fused = ranges && plan.source_key.size() == 1 &&
                     plan.target_key.size() == 1 &&
                     MaxIsLastKey(plan.source.columns[plan.source_key[0]]);
  const std::string source_hash = RowHash(source_parts, source_nullable);
  const std::string target_hash = RowHash(target_parts, target_nullable);
  chunk_rows = std::max<size_t>(chunk_rows, 1);
  absl::optional<LastPk> from;
  std::vector<std::string> key;
  for (int k : plan.target_key) key.push_back(plan.target_columns[k]);
  if (cursor != nullptr) {
    if (ranges && cursor->key == key) {
      // Chunks compared before (each complete in itself) are not again.
      result.source_rows = cursor->result.source_rows;
      result.missing = cursor->result.missing;
      result.differing = cursor->result.differing;
      result.target_rows = cursor->result.target_rows;
      result.examples = cursor->result.examples;
      result.row_by_row_chunks = cursor->result.row_by_row_chunks;
      cursor->resumed_after = result.source_rows;
      if (cursor->complete) return result;
      from = cursor->after;
    } else {
      *cursor = CopyVerifyCursor();
      cursor->key = key;
    }
  }
  const std::string target_key =
      QuoteIdentifier(plan.target_columns[plan.target_key[0]]);
  const std::string source_key = applier.QuotedSourceKey()[0];
  while (true) {
    const LastPk* after = from.has_value() ? &*from : nullptr;
    absl::optional<LastPk> to;
    mysql::Result s, t;  // the chunk's checksums
    // Whether `t` is of the target's first chunk_rows rows after `after`
    // (its own end, in parallel with the source's) rather than of the
    // source chunk's key range.
    bool t_own_end = false;
    if (fused) {
      // Ordered by the key qualified (CopyFromClause): a bare `c` would
      // sort by the hash of that name.
      const std::string source_query = ChecksumAndEndQuery(
          applier, source_hash, source_key,
          applier.CopyFromClause(after, nullptr), chunk_rows);
      if (other != nullptr) {
        SC_RETURN_IF_ERROR(
            Both(conn, source_query, &s, *other,
                 ChecksumAndEndQuery(
                     applier, target_hash, target_key,
                     absl::StrCat(" FROM ", target, " WHERE ",
                                  applier.TargetKeyRange(after, nullptr),
                                  " ORDER BY ", target, ".", target_key),
                     chunk_rows),
                 &t));
        t_own_end = true;
      } else {
        SC_ASSIGN_OR_RETURN(s, conn.Execute(source_query));
      }
      if (s.rows.size() != 1) {
        return absl::InternalError("verify: no checksum returned");
      }
      SC_ASSIGN_OR_RETURN(int64_t n, s.rows[0].GetInt64(0));
      // A full chunk ends at its last key; a shorter one is the last.
      if (n == static_cast<int64_t>(chunk_rows)) {
        to = applier.KeyOfKeyRow(mysql::Row({s.rows[0].value(2)}));
      }
    } else {
      SC_ASSIGN_OR_RETURN(
          mysql::Result end,
          conn.Execute(applier.ServerCopyKeyQuery(after, chunk_rows - 1,
                                                  /*locking=*/false)));
      if (!end.rows.empty()) to = applier.KeyOfKeyRow(end.rows[0]);
    }
    const LastPk* upto = to.has_value() ? &*to : nullptr;
    const std::string target_range = absl::StrCat(
        " FROM ", target, " WHERE ", applier.TargetKeyRange(after, upto));
    bool clean = false;
    if (ranges) {
      // Checksums of the chunk's rows on each side (two range scans, on
      // two sessions at once where given); the row by row comparison only
      // where they differ. Each chunk is complete in itself: the target
      // rows of its key range (the first and last ranges are open-ended,
      // so every target row is in one).
      if (!fused) {
        const std::string source_query = ChecksumQuery(
            source_hash,
            applier.CopyFromClause(after, upto, /*ordered=*/false));
        if (other != nullptr) {
          SC_RETURN_IF_ERROR(Both(conn, source_query, &s, *other,
                                  ChecksumQuery(target_hash, target_range),
                                  &t));
        } else {
          SC_ASSIGN_OR_RETURN(s, conn.Execute(source_query));
        }
      }
      if (t.rows.empty()) {
        SC_ASSIGN_OR_RETURN(
            t, conn.Execute(ChecksumQuery(target_hash, target_range)));
      }
      if (s.rows.size() != 1 || t.rows.size() != 1) {
        return absl::InternalError("verify: no checksum returned");
      }
      SC_ASSIGN_OR_RETURN(int64_t target_rows, t.rows[0].GetInt64(0));
      // Ending alike too where the target found its own end: its rows
      // are then those of the source chunk's range.
      clean = s.rows[0].Get(0) == t.rows[0].Get(0) &&
              s.rows[0].Get(1) == t.rows[0].Get(1) &&
              (!t_own_end || s.rows[0].value(2) == t.rows[0].value(2));
      if (!clean && t_own_end) {
        SC_ASSIGN_OR_RETURN(
            target_rows,
            Count(conn, absl::StrCat("SELECT COUNT(*)", target_range)));
      }
      result.target_rows += target_rows;
      if (clean) result.source_rows += target_rows;
    }
    if (!clean) {
      ++result.row_by_row_chunks;
      SC_ASSIGN_OR_RETURN(
          mysql::Result counts,
          conn.Execute(absl::StrCat(
              "SELECT COUNT(*), COUNT(", first_key, "), IFNULL(SUM(", first_key,
              " IS NOT NULL AND (", differ, ")), 0)", from_join(after, upto))));
      if (counts.rows.size() != 1) {
        return absl::InternalError("verify: no counts returned");
      }
      SC_ASSIGN_OR_RETURN(int64_t rows, counts.rows[0].GetInt64(0));
      SC_ASSIGN_OR_RETURN(int64_t matched, counts.rows[0].GetInt64(1));
      SC_ASSIGN_OR_RETURN(int64_t differing, counts.rows[0].GetInt64(2));
      result.source_rows += rows;
      result.missing += rows - matched;
      result.differing += differing;
      if ((rows != matched || differing > 0) &&
          result.examples.size() < kMaxExamples) {
        SC_ASSIGN_OR_RETURN(
            mysql::Result keys,
            conn.Execute(absl::StrCat(
                "SELECT ", absl::StrJoin(key_out, ", "), from_join(after, upto),
                " WHERE ", first_key, " IS NULL OR (", differ, ") LIMIT ",
                kMaxExamples - result.examples.size())));
        for (const mysql::Row& r : keys.rows) {
          result.examples.push_back(Example(r));
        }
      }
    }
    if (cursor != nullptr && ranges) {
      cursor->result = result;
      cursor->after = to;
      cursor->complete = !to.has_value();
    }
    if (on_chunk) {
      SC_RETURN_IF_ERROR(on_chunk(result.source_rows, !to.has_value()));
    }
    if (!to.has_value()) break;
    from = std::move(to);
  }
  if (!ranges) {
    SC_ASSIGN_OR_RETURN(
        result.target_rows,
        Count(conn, absl::StrCat("SELECT COUNT(*) FROM ", target)));
  }
  return result;
}

}  // namespace vreplication
}  // namespace sidecut
