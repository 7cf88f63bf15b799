// MySQL's binary JSON (the storage and binlog format of JSON columns in
// MySQL 5.7+/8.0) to JSON text as MySQL prints it ({"a": 1, "b": [true]}).
// MariaDB stores JSON as text and never needs this.
//
// Thread-safe (pure function).
#ifndef SIDECUT_MYSQL_JSON_BINARY_H_
#define SIDECUT_MYSQL_JSON_BINARY_H_

#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace sidecut {
namespace mysql {

// Converts `binary` to text in `out`; an empty input is JSON null.
// kDataLoss on malformed input; nesting deeper than 100 is refused.
absl::Status JsonBinaryToText(absl::string_view binary, std::string* out);

}  // namespace mysql
}  // namespace sidecut

#endif  // SIDECUT_MYSQL_JSON_BINARY_H_
