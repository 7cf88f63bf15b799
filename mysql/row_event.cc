#include "mysql/row_event.h"

#include "absl/strings/str_cat.h"
#include "mysql/byte_reader.h"
#include "mysql/column_types.h"
#include "mysql/value_codec.h"
#include "util/status_macros.h"

namespace sidecut {
namespace mysql {
namespace {

enum OptionalMetadata : uint8_t {
  kSignedness = 1,
  kDefaultCharset = 2,
  kColumnCharset = 3,
  kColumnName = 4,
  kSetStrValue = 5,
  kEnumStrValue = 6,
  kGeometryType = 7,
  kSimplePrimaryKey = 8,
  kPrimaryKeyWithPrefix = 9,
  kEnumAndSetDefaultCharset = 10,
  kEnumAndSetColumnCharset = 11,
};

bool BitLsb(absl::string_view bits, size_t i) {
  return (static_cast<uint8_t>(bits[i / 8]) >> (i % 8)) & 1;
}

// Reads the per-type metadata of one column.
absl::Status ReadColumnMeta(ByteReader& r, ColumnDef* col) {
  switch (col->type) {
    case kTypeFloat:
    case kTypeDouble:
    case kTypeBlob:
    case kTypeTinyBlob:
    case kTypeMediumBlob:
    case kTypeLongBlob:
    case kTypeGeometry:
    case kTypeJson:
    case kTypeTimestamp2:
    case kTypeDatetime2:
    case kTypeTime2: {
      SC_ASSIGN_OR_RETURN(uint64_t m, r.Uint(1, "column metadata"));
      col->meta = static_cast<uint32_t>(m);
      return absl::OkStatus();
    }
    case kTypeVarchar:
    case kTypeVarString: {
      SC_ASSIGN_OR_RETURN(uint64_t m, r.Uint(2, "column metadata"));
      col->meta = static_cast<uint32_t>(m);
      return absl::OkStatus();
    }
    case kTypeBit: {
      SC_ASSIGN_OR_RETURN(uint64_t bits, r.Uint(1, "column metadata"));
      SC_ASSIGN_OR_RETURN(uint64_t bytes, r.Uint(1, "column metadata"));
      col->meta = static_cast<uint32_t>(bytes * 8 + bits);
      return absl::OkStatus();
    }
    case kTypeNewdecimal: {
      SC_ASSIGN_OR_RETURN(uint64_t precision, r.Uint(1, "column metadata"));
      SC_ASSIGN_OR_RETURN(uint64_t scale, r.Uint(1, "column metadata"));
      col->meta = static_cast<uint32_t>(precision << 8 | scale);
      return absl::OkStatus();
    }
    case kTypeString:
    case kTypeEnum:
    case kTypeSet: {
      SC_ASSIGN_OR_RETURN(uint64_t b0, r.Uint(1, "column metadata"));
      SC_ASSIGN_OR_RETURN(uint64_t b1, r.Uint(1, "column metadata"));
      uint32_t real_type = static_cast<uint32_t>(b0);
      uint32_t length = static_cast<uint32_t>(b1);
      if ((real_type & 0x30) != 0x30) {  // CHAR longer than 255 bytes
        length |= ((real_type & 0x30) ^ 0x30) << 4;
        real_type |= 0x30;
      }
      col->type = static_cast<uint8_t>(real_type);
      col->meta = length;
      return absl::OkStatus();
    }
    default:
      return absl::OkStatus();
  }
}

// Applies one optional-metadata field to the columns.
// `mariadb`: MariaDB's lists also cover YEAR (signedness: it is a tiny
// integer there) and GEOMETRY (charsets: binary); measured on 10.11.
absl::Status ApplyOptional(uint8_t kind, absl::string_view value, bool mariadb,
                           std::vector<ColumnDef>* cols,
                           std::vector<uint32_t>* pk) {
  ByteReader r(value);
  std::vector<ColumnDef*> numeric, character, enum_set, enums, sets, geoms;
  for (ColumnDef& c : *cols) {
    if (IsNumericType(c.type) || (mariadb && c.type == kTypeYear)) {
      numeric.push_back(&c);
    }
    if (IsCharacterType(c.type) || (mariadb && c.type == kTypeGeometry)) {
      character.push_back(&c);
    }
    if (c.type == kTypeEnum || c.type == kTypeSet) enum_set.push_back(&c);
    if (c.type == kTypeEnum) enums.push_back(&c);
    if (c.type == kTypeSet) sets.push_back(&c);
    if (c.type == kTypeGeometry) geoms.push_back(&c);
  }
  switch (kind) {
    case kSignedness:
      for (size_t i = 0; i < numeric.size(); ++i) {
        if (i / 8 >= value.size()) break;
        numeric[i]->is_unsigned =
            (static_cast<uint8_t>(value[i / 8]) >> (7 - i % 8)) & 1;
      }
      return absl::OkStatus();
    case kDefaultCharset:
    case kEnumAndSetDefaultCharset: {
      auto& target = kind == kDefaultCharset ? character : enum_set;
      SC_ASSIGN_OR_RETURN(uint64_t def, r.Packed("default charset"));
      for (ColumnDef* c : target) c->collation = static_cast<uint32_t>(def);
      while (r.remaining() > 0) {
        SC_ASSIGN_OR_RETURN(uint64_t idx, r.Packed("charset column"));
        SC_ASSIGN_OR_RETURN(uint64_t coll, r.Packed("charset collation"));
        if (idx >= target.size()) {
          return absl::DataLossError("charset column index out of range");
        }
        target[idx]->collation = static_cast<uint32_t>(coll);
      }
      return absl::OkStatus();
    }
    case kColumnCharset:
    case kEnumAndSetColumnCharset: {
      auto& target = kind == kColumnCharset ? character : enum_set;
      for (ColumnDef* c : target) {
        if (r.remaining() == 0) break;
        SC_ASSIGN_OR_RETURN(uint64_t coll, r.Packed("column charset"));
        c->collation = static_cast<uint32_t>(coll);
      }
      return absl::OkStatus();
    }
    case kColumnName:
      for (ColumnDef& c : *cols) {
        if (r.remaining() == 0) break;
        SC_ASSIGN_OR_RETURN(absl::string_view name,
                            r.PackedString("column name"));
        c.name = std::string(name);
      }
      return absl::OkStatus();
    case kSetStrValue:
    case kEnumStrValue:
      for (ColumnDef* c : kind == kSetStrValue ? sets : enums) {
        if (r.remaining() == 0) break;
        SC_ASSIGN_OR_RETURN(uint64_t n, r.Packed("enum/set count"));
        if (n > r.remaining()) return absl::DataLossError("enum/set count");
        for (uint64_t i = 0; i < n; ++i) {
          SC_ASSIGN_OR_RETURN(absl::string_view v,
                              r.PackedString("enum/set value"));
          c->enum_values.emplace_back(v);
        }
      }
      return absl::OkStatus();
    case kGeometryType:
      for (ColumnDef* c : geoms) {
        if (r.remaining() == 0) break;
        SC_ASSIGN_OR_RETURN(uint64_t g, r.Packed("geometry type"));
        c->geometry_type = static_cast<uint32_t>(g);
      }
      return absl::OkStatus();
    case kSimplePrimaryKey:
    case kPrimaryKeyWithPrefix:
      while (r.remaining() > 0) {
        SC_ASSIGN_OR_RETURN(uint64_t idx, r.Packed("primary key column"));
        if (kind == kPrimaryKeyWithPrefix) {
          SC_RETURN_IF_ERROR(r.Packed("primary key prefix").status());
        }
        if (idx >= cols->size()) {
          return absl::DataLossError("primary key column out of range");
        }
        pk->push_back(static_cast<uint32_t>(idx));
      }
      return absl::OkStatus();
    default:
      return absl::OkStatus();  // unknown fields are skippable by design
  }
}

absl::StatusOr<uint64_t> ReadTableId(ByteReader& r, uint8_t post_header) {
  return r.Uint(post_header == 6 ? 4 : 6, "table id");
}

// Decodes one row image of the columns present in `present`.
absl::StatusOr<Row> ReadImage(ByteReader& r, const TableMap& map,
                              const std::vector<bool>& present) {
  size_t n_present = 0;
  for (bool p : present) n_present += p;
  SC_ASSIGN_OR_RETURN(absl::string_view nulls,
                      r.Bytes((n_present + 7) / 8, "row null bitmap"));
  std::vector<absl::optional<std::string>> values(map.columns.size());
  size_t k = 0;
  for (size_t i = 0; i < map.columns.size(); ++i) {
    if (!present[i]) continue;
    if (BitLsb(nulls, k++)) continue;
    std::string v;
    absl::Status s = DecodeValue(map.columns[i], r, &v);
    if (!s.ok()) {
      return absl::Status(
          s.code(),
          absl::StrCat("column ", i, " (", map.columns[i].name, ") of ",
                       map.database, ".", map.table, ": ", s.message()));
    }
    values[i] = std::move(v);
  }
  return Row(std::move(values));
}

absl::StatusOr<std::vector<bool>> ReadColumnBitmap(ByteReader& r, size_t n) {
  SC_ASSIGN_OR_RETURN(absl::string_view bits,
                      r.Bytes((n + 7) / 8, "column bitmap"));
  std::vector<bool> out(n);
  for (size_t i = 0; i < n; ++i) out[i] = BitLsb(bits, i);
  return out;
}

}  // namespace

absl::StatusOr<TableMap> ParseTableMap(absl::string_view event,
                                       const FormatDescription& fmt) {
  SC_ASSIGN_OR_RETURN(RawEvent raw, SplitEvent(event, fmt));
  if (raw.header.type != kTableMapEvent) {
    return absl::InvalidArgumentError("expected TABLE_MAP_EVENT");
  }
  ByteReader r(raw.body);
  TableMap map;
  uint8_t post = fmt.PostHeaderLength(kTableMapEvent, 8);
  SC_ASSIGN_OR_RETURN(map.table_id, ReadTableId(r, post));
  SC_ASSIGN_OR_RETURN(uint64_t flags, r.Uint(2, "table map flags"));
  map.flags = static_cast<uint16_t>(flags);
  SC_ASSIGN_OR_RETURN(uint64_t db_len, r.Uint(1, "database name length"));
  SC_ASSIGN_OR_RETURN(absl::string_view db, r.Bytes(db_len, "database name"));
  SC_RETURN_IF_ERROR(r.Skip(1, "database name terminator"));
  SC_ASSIGN_OR_RETURN(uint64_t t_len, r.Uint(1, "table name length"));
  SC_ASSIGN_OR_RETURN(absl::string_view table, r.Bytes(t_len, "table name"));
  SC_RETURN_IF_ERROR(r.Skip(1, "table name terminator"));
  map.database = std::string(db);
  map.table = std::string(table);
  SC_ASSIGN_OR_RETURN(uint64_t n, r.Packed("column count"));
  SC_ASSIGN_OR_RETURN(absl::string_view types, r.Bytes(n, "column types"));
  map.columns.resize(n);
  for (size_t i = 0; i < n; ++i) {
    map.columns[i].type = static_cast<uint8_t>(types[i]);
  }
  SC_ASSIGN_OR_RETURN(absl::string_view meta,
                      r.PackedString("column metadata"));
  ByteReader mr(meta);
  for (ColumnDef& c : map.columns) SC_RETURN_IF_ERROR(ReadColumnMeta(mr, &c));
  SC_ASSIGN_OR_RETURN(absl::string_view nulls,
                      r.Bytes((n + 7) / 8, "null bitmap"));
  for (size_t i = 0; i < n; ++i) map.columns[i].nullable = BitLsb(nulls, i);
  while (r.remaining() > 0) {
    SC_ASSIGN_OR_RETURN(uint64_t kind, r.Uint(1, "optional metadata type"));
    SC_ASSIGN_OR_RETURN(absl::string_view value,
                        r.PackedString("optional metadata"));
    SC_RETURN_IF_ERROR(ApplyOptional(static_cast<uint8_t>(kind), value,
                                     fmt.IsMariadb(), &map.columns,
                                     &map.primary_key));
  }
  return map;
}

bool IsRowsEvent(uint8_t type) {
  return (type >= kWriteRowsEventV1 && type <= kDeleteRowsEventV1) ||
         (type >= kWriteRowsEventV2 && type <= kDeleteRowsEventV2);
}

absl::StatusOr<uint64_t> RowsEventTableId(absl::string_view event,
                                          const FormatDescription& fmt) {
  SC_ASSIGN_OR_RETURN(RawEvent raw, SplitEvent(event, fmt));
  ByteReader r(raw.body);
  return ReadTableId(r, fmt.PostHeaderLength(raw.header.type, 8));
}

absl::StatusOr<RowsEvent> ParseRowsEvent(absl::string_view event,
                                         const FormatDescription& fmt,
                                         const TableMap& map) {
  SC_ASSIGN_OR_RETURN(RawEvent raw, SplitEvent(event, fmt));
  uint8_t type = raw.header.type;
  if (!IsRowsEvent(type)) {
    if (type >= kMariadbWriteRowsCompressedV1 &&
        type <= kMariadbDeleteRowsCompressed) {
      return absl::InvalidArgumentError(
          absl::StrCat(EventTypeName(type),
                       " must be uncompressed first (compressed_event.h)"));
    }
    return absl::InvalidArgumentError(
        absl::StrCat("not a rows event: ", EventTypeName(type)));
  }
  bool v2 = type >= kWriteRowsEventV2;
  RowsEvent ev;
  ev.kind = (type == kWriteRowsEventV1 || type == kWriteRowsEventV2)
                ? RowsKind::kInsert
            : (type == kUpdateRowsEventV1 || type == kUpdateRowsEventV2)
                ? RowsKind::kUpdate
                : RowsKind::kDelete;
  ByteReader r(raw.body);
  uint8_t post = fmt.PostHeaderLength(type, v2 ? 10 : 8);
  SC_ASSIGN_OR_RETURN(ev.table_id, ReadTableId(r, post));
  SC_ASSIGN_OR_RETURN(uint64_t flags, r.Uint(2, "rows flags"));
  ev.flags = static_cast<uint16_t>(flags);
  if (v2) {
    SC_ASSIGN_OR_RETURN(uint64_t extra, r.Uint(2, "rows extra length"));
    if (extra < 2) return absl::DataLossError("rows extra length < 2");
    SC_RETURN_IF_ERROR(r.Skip(extra - 2, "rows extra data"));
  }
  if (ev.table_id != map.table_id) {
    return absl::InvalidArgumentError(
        absl::StrCat("rows event for table id ", ev.table_id,
                     " decoded with the map of table id ", map.table_id));
  }
  SC_ASSIGN_OR_RETURN(uint64_t n, r.Packed("rows column count"));
  if (n != map.columns.size()) {
    return absl::DataLossError(absl::StrCat(
        "rows event has ", n, " columns, table map of ", map.database, ".",
        map.table, " has ", map.columns.size()));
  }
  SC_ASSIGN_OR_RETURN(std::vector<bool> first, ReadColumnBitmap(r, n));
  std::vector<bool> second = first;
  if (ev.kind == RowsKind::kUpdate) {
    SC_ASSIGN_OR_RETURN(second, ReadColumnBitmap(r, n));
  }
  ev.columns_before =
      ev.kind == RowsKind::kInsert ? std::vector<bool>() : first;
  ev.columns_after = ev.kind == RowsKind::kDelete   ? std::vector<bool>()
                     : ev.kind == RowsKind::kUpdate ? second
                                                    : first;
  while (r.remaining() > 0) {
    size_t before_row = r.position();
    RowChange change;
    SC_ASSIGN_OR_RETURN(Row img, ReadImage(r, map, first));
    if (ev.kind == RowsKind::kInsert) {
      change.after = std::move(img);
    } else {
      change.before = std::move(img);
      if (ev.kind == RowsKind::kUpdate) {
        SC_ASSIGN_OR_RETURN(Row after, ReadImage(r, map, second));
        change.after = std::move(after);
      }
    }
    if (r.position() == before_row) {
      return absl::DataLossError("rows event with empty row images");
    }
    ev.rows.push_back(std::move(change));
  }
  return ev;
}

}  // namespace mysql
}  // namespace sidecut
