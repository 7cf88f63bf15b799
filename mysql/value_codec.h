// Decoding of one column value from a row image into the text the server's
// SELECT returns for it. Used by the row event decoder.
//
// Thread-safe (pure functions).
#ifndef SIDECUT_MYSQL_VALUE_CODEC_H_
#define SIDECUT_MYSQL_VALUE_CODEC_H_

#include <string>

#include "absl/status/status.h"
#include "mysql/byte_reader.h"

namespace sidecut {
namespace mysql {

struct ColumnDef;

// Reads the value of `col` at the reader's position and writes its text
// form to `out`. kDataLoss on truncated or malformed bytes; kUnimplemented
// for a type Sidecut cannot decode.
absl::Status DecodeValue(const ColumnDef& col, ByteReader& in,
                         std::string* out);

// The shortest text that reads back as `f` (what the binlog's FLOAT values
// are sent as).
std::string FormatFloat(float f);

// Formats a binary DECIMAL(precision, scale) value, consuming its bytes.
absl::Status DecodeDecimal(int precision, int scale, ByteReader& in,
                           std::string* out);

}  // namespace mysql
}  // namespace sidecut

#endif  // SIDECUT_MYSQL_VALUE_CODEC_H_
