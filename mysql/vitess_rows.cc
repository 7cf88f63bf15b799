#include "mysql/vitess_rows.h"

#include "mysql/column_types.h"

namespace sidecut {
namespace mysql {
namespace {

// MySQL column flags (mysql_com.h).
constexpr uint32_t kNotNullFlag = 1;
constexpr uint32_t kPriKeyFlag = 2;
constexpr uint32_t kUnsignedFlag = 32;
constexpr uint32_t kBinaryFlag = 128;

}  // namespace

query::Type VitessType(const ColumnDef& col) {
  bool u = col.is_unsigned;
  bool binary = col.collation == kBinaryCollation;
  if (col.special != ColumnDef::Special::kNone) return query::CHAR;
  switch (col.type) {
    case kTypeTiny:
      return u ? query::UINT8 : query::INT8;
    case kTypeShort:
      return u ? query::UINT16 : query::INT16;
    case kTypeInt24:
      return u ? query::UINT24 : query::INT24;
    case kTypeLong:
      return u ? query::UINT32 : query::INT32;
    case kTypeLonglong:
      return u ? query::UINT64 : query::INT64;
    case kTypeFloat:
      return query::FLOAT32;
    case kTypeDouble:
      return query::FLOAT64;
    case kTypeDecimal:
    case kTypeNewdecimal:
      return query::DECIMAL;
    case kTypeYear:
      return query::YEAR;
    case kTypeDate:
    case kTypeNewdate:
      return query::DATE;
    case kTypeTime:
    case kTypeTime2:
      return query::TIME;
    case kTypeDatetime:
    case kTypeDatetime2:
      return query::DATETIME;
    case kTypeTimestamp:
    case kTypeTimestamp2:
      return query::TIMESTAMP;
    case kTypeBit:
      return query::BIT;
    case kTypeVarchar:
    case kTypeVarString:
      return binary ? query::VARBINARY : query::VARCHAR;
    case kTypeString:
      return binary ? query::BINARY : query::CHAR;
    case kTypeEnum:
      return query::ENUM;
    case kTypeSet:
      return query::SET;
    case kTypeBlob:
    case kTypeTinyBlob:
    case kTypeMediumBlob:
    case kTypeLongBlob:
      return binary ? query::BLOB : query::TEXT;
    case kTypeJson:
      return query::JSON;
    case kTypeGeometry:
      return query::GEOMETRY;
    default:
      return query::NULL_TYPE;
  }
}

std::vector<query::Field> VitessFields(const TableMap& map) {
  std::vector<query::Field> fields;
  fields.reserve(map.columns.size());
  for (size_t i = 0; i < map.columns.size(); ++i) {
    const ColumnDef& c = map.columns[i];
    query::Field f;
    f.set_name(c.name);
    f.set_org_name(c.name);
    f.set_type(VitessType(c));
    f.set_table(map.table);
    f.set_org_table(map.table);
    f.set_database(map.database);
    f.set_charset(c.collation);
    uint32_t flags = 0;
    if (!c.nullable) flags |= kNotNullFlag;
    if (c.is_unsigned) flags |= kUnsignedFlag;
    if (c.collation == kBinaryCollation) flags |= kBinaryFlag;
    for (uint32_t pk : map.primary_key) {
      if (pk == i) flags |= kPriKeyFlag;
    }
    f.set_flags(flags);
    fields.push_back(std::move(f));
  }
  return fields;
}

query::Row ToVitessRow(const Row& row) {
  query::Row out;
  std::string* values = out.mutable_values();
  for (const absl::optional<std::string>& v : row.values()) {
    if (!v.has_value()) {
      out.add_lengths(-1);
    } else {
      out.add_lengths(static_cast<int64_t>(v->size()));
      values->append(*v);
    }
  }
  return out;
}

Row FromVitessRow(const query::Row& row) {
  std::vector<absl::optional<std::string>> values;
  size_t offset = 0;
  for (int64_t len : row.lengths()) {
    if (len < 0 || offset + len > row.values().size()) {
      values.emplace_back();
      continue;
    }
    values.emplace_back(row.values().substr(offset, len));
    offset += len;
  }
  return Row(std::move(values));
}

}  // namespace mysql
}  // namespace sidecut
