// MySQL column type codes as they appear in the binlog (enum_field_types),
// and the classification helpers the decoders need.
#ifndef SIDECUT_MYSQL_COLUMN_TYPES_H_
#define SIDECUT_MYSQL_COLUMN_TYPES_H_

#include <cstdint>

namespace sidecut {
namespace mysql {

enum ColumnType : uint8_t {
  kTypeDecimal = 0,
  kTypeTiny = 1,
  kTypeShort = 2,
  kTypeLong = 3,
  kTypeFloat = 4,
  kTypeDouble = 5,
  kTypeNull = 6,
  kTypeTimestamp = 7,
  kTypeLonglong = 8,
  kTypeInt24 = 9,
  kTypeDate = 10,
  kTypeTime = 11,
  kTypeDatetime = 12,
  kTypeYear = 13,
  kTypeNewdate = 14,
  kTypeVarchar = 15,
  kTypeBit = 16,
  kTypeTimestamp2 = 17,
  kTypeDatetime2 = 18,
  kTypeTime2 = 19,
  kTypeJson = 245,
  kTypeNewdecimal = 246,
  kTypeEnum = 247,
  kTypeSet = 248,
  kTypeTinyBlob = 249,
  kTypeMediumBlob = 250,
  kTypeLongBlob = 251,
  kTypeBlob = 252,
  kTypeVarString = 253,
  kTypeString = 254,
  kTypeGeometry = 255,
};

// The collation id of the binary pseudo-charset.
inline constexpr uint32_t kBinaryCollation = 63;

// Columns covered by the SIGNEDNESS optional metadata.
inline bool IsNumericType(uint8_t t) {
  switch (t) {
    case kTypeTiny:
    case kTypeShort:
    case kTypeInt24:
    case kTypeLong:
    case kTypeLonglong:
    case kTypeFloat:
    case kTypeDouble:
    case kTypeNewdecimal:
    case kTypeDecimal:
      return true;
    default:
      return false;
  }
}

// Columns covered by the (DEFAULT_|COLUMN_)CHARSET optional metadata;
// `t` is the real type (ENUM/SET are not character columns here).
inline bool IsCharacterType(uint8_t t) {
  switch (t) {
    case kTypeString:
    case kTypeVarString:
    case kTypeVarchar:
    case kTypeBlob:
    case kTypeTinyBlob:
    case kTypeMediumBlob:
    case kTypeLongBlob:
      return true;
    default:
      return false;
  }
}

}  // namespace mysql
}  // namespace sidecut

#endif  // SIDECUT_MYSQL_COLUMN_TYPES_H_
