// SQL literals for values VReplication moves: decoded binlog values and
// copied result values, rendered so that the server stores exactly the
// source's value (strings as hex with their charset introducer, numbers as
// written, temporal values quoted).
//
// Thread-safe (pure functions).
#ifndef SIDECUT_VREPLICATION_SQL_LITERAL_H_
#define SIDECUT_VREPLICATION_SQL_LITERAL_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/types/optional.h"

namespace sidecut {
namespace vreplication {

struct LiteralType {
  enum class Kind {
    kNumber,  // integers, DECIMAL, YEAR: written bare
    kFloat,   // FLOAT: CAST(v AS FLOAT), see SqlLiteral
    kDouble,  // DOUBLE: a double literal (v, or ve0 without an exponent)
    kBit,     // BIT: its bytes (big-endian) as an unsigned integer
    kQuoted,  // temporal and other ASCII text: '...'
    kText,    // character strings: _charset X'..'
    kBinary,  // binary strings, BIT, GEOMETRY: X'..'
  };
  Kind kind = Kind::kQuoted;
  std::string charset;  // kText: the charset of the value's bytes
};

// Whether `s` can be a character set name (letters, digits, _): safe to
// put into SQL unquoted.
bool IsCharsetName(absl::string_view s);

// "NULL" or the literal for `value`. A kNumber value that is not a plain
// number is quoted instead (never pasted).
std::string SqlLiteral(const absl::optional<std::string>& value,
                       const LiteralType& type);

// The literal type for a MySQL column type code (enum_field_types, as in
// result metadata and the binlog), given the collation of its bytes and
// that collation's charset name.
LiteralType LiteralTypeFor(uint8_t mysql_type, uint32_t collation_id,
                           absl::string_view charset);

// The number a temporal value's text ("2020-01-02 03:04:05.57",
// "-838:59:59.5", "2020-02-31", as the binlog decoder writes it) converts
// to: its digits, as the server converts the value (20200102030405.57),
// without the fraction where `whole` (an integer column takes the value
// cut, not rounded). Built from the text rather than as a typed literal,
// which an invalid date stored under ALLOW_INVALID_DATES would fail. ""
// for an unexpected form.
std::string TemporalNumber(absl::string_view v, bool whole);

// The 1-based index of ENUM member `v`, or the bits of SET value `v`, in
// `members`; "0" for the invalid ENUM value (read as '' where '' is no
// member); "" where a member is missing or not told apart from another.
std::string MemberNumber(absl::string_view v,
                         const std::vector<std::string>& members, bool set);

}  // namespace vreplication
}  // namespace sidecut

#endif  // SIDECUT_VREPLICATION_SQL_LITERAL_H_
