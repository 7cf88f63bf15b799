#include "mysql/compressed_event.h"

#include <zlib.h>

#include "absl/strings/str_cat.h"
#include "mysql/byte_reader.h"
#include "util/status_macros.h"

namespace sidecut {
namespace mysql {
namespace {

constexpr size_t kTypeOffset = 4;
constexpr size_t kSizeOffset = 9;
constexpr size_t kRowsHeaderV1 = 8;   // table id (6), flags (2)
constexpr size_t kRowsHeaderV2 = 10;  // and the extra data's length (2)
// Larger than any event the server writes (max_allowed_packet is at most
// 1 GiB): a damaged length asks for no more.
constexpr uint64_t kMaxUncompressed = uint64_t{1} << 30;

void PutUint32(std::string& s, size_t at, uint32_t v) {
  for (int i = 0; i < 4; ++i) s[at + i] = static_cast<char>(v >> (8 * i));
}

// Uncompresses the record at the start of `record`.
absl::StatusOr<std::string> Uncompress(absl::string_view record) {
  ByteReader r(record);
  SC_ASSIGN_OR_RETURN(uint64_t head, r.Uint(1, "compressed record header"));
  if ((head & 0x80) == 0) {
    return absl::DataLossError("compressed record without its marker bit");
  }
  if ((head & 0x70) != 0) {
    return absl::UnimplementedError(
        absl::StrCat("compressed binlog record of algorithm ",
                     (head & 0x70) >> 4, " (only zlib, 0, is known)"));
  }
  const size_t length_bytes = head & 0x07;
  if (length_bytes < 1 || length_bytes > 4) {
    return absl::DataLossError(absl::StrCat(
        "compressed record with a length of ", length_bytes, " bytes"));
  }
  SC_ASSIGN_OR_RETURN(uint64_t length,
                      r.UintBE(length_bytes, "compressed record length"));
  if (length == 0 || length > kMaxUncompressed) {
    return absl::DataLossError(
        absl::StrCat("compressed record of ", length, " bytes uncompressed"));
  }
  const absl::string_view data = r.rest();
  std::string out(length, '\0');
  uLongf got = static_cast<uLongf>(length);
  if (uncompress(reinterpret_cast<Bytef*>(out.data()), &got,
                 reinterpret_cast<const Bytef*>(data.data()),
                 static_cast<uLong>(data.size())) != Z_OK ||
      got != length) {
    return absl::DataLossError(
        absl::StrCat("compressed record does not uncompress to the ", length,
                     " bytes it declares"));
  }
  return out;
}

}  // namespace

bool IsCompressedEvent(uint8_t type) {
  return type >= kMariadbQueryCompressedEvent &&
         type <= kMariadbDeleteRowsCompressed;
}

absl::StatusOr<std::string> UncompressEvent(absl::string_view event,
                                            const FormatDescription& fmt) {
  SC_ASSIGN_OR_RETURN(RawEvent raw, SplitEvent(event, fmt));
  const uint8_t type = raw.header.type;
  if (!IsCompressedEvent(type)) {
    return absl::InvalidArgumentError(
        absl::StrCat(EventTypeName(type), " is not a compressed event"));
  }
  const size_t header_len = event.size() - raw.body.size() -
                            (fmt.checksum == ChecksumAlg::kCrc32 ? 4 : 0);
  ByteReader r(raw.body);
  uint8_t plain = 0;
  if (type == kMariadbQueryCompressedEvent) {
    const uint8_t post = fmt.PostHeaderLength(type, 13);
    if (post < 13) {
      return absl::DataLossError(
          absl::StrCat("QUERY_COMPRESSED_EVENT post-header of ", post));
    }
    SC_RETURN_IF_ERROR(r.Skip(8, "query thread id and time"));
    SC_ASSIGN_OR_RETURN(uint64_t db_len, r.Uint(1, "query db length"));
    SC_RETURN_IF_ERROR(r.Skip(2, "query error code"));
    SC_ASSIGN_OR_RETURN(uint64_t status_len, r.Uint(2, "query status length"));
    SC_RETURN_IF_ERROR(r.Skip(post - 13, "query post-header"));
    SC_RETURN_IF_ERROR(
        r.Skip(status_len + db_len + 1, "query status and database"));
    plain = kQueryEvent;
  } else {
    const bool v2 = type >= kMariadbWriteRowsCompressed;
    const uint8_t post =
        fmt.PostHeaderLength(type, v2 ? kRowsHeaderV2 : kRowsHeaderV1);
    if (post != (v2 ? kRowsHeaderV2 : kRowsHeaderV1)) {
      return absl::DataLossError(absl::StrCat(
          EventTypeName(type), ": unexpected post-header of ", post));
    }
    SC_RETURN_IF_ERROR(r.Skip(kRowsHeaderV1, "rows table id and flags"));
    if (v2) {
      // The extra data's length counts its own two bytes.
      SC_ASSIGN_OR_RETURN(uint64_t extra, r.Uint(2, "rows extra length"));
      if (extra < 2) {
        return absl::DataLossError("rows extra data shorter than its length");
      }
      SC_RETURN_IF_ERROR(r.Skip(extra - 2, "rows extra data"));
      plain = static_cast<uint8_t>(type - kMariadbWriteRowsCompressed +
                                   kWriteRowsEventV2);
    } else {
      plain = static_cast<uint8_t>(type - kMariadbWriteRowsCompressedV1 +
                                   kWriteRowsEventV1);
    }
    SC_ASSIGN_OR_RETURN(uint64_t width, r.Packed("rows column count"));
    const bool update =
        plain == kUpdateRowsEventV1 || plain == kUpdateRowsEventV2;
    SC_RETURN_IF_ERROR(
        r.Skip(((width + 7) / 8) * (update ? 2 : 1), "rows column bitmaps"));
  }
  const size_t fixed = header_len + r.position();
  SC_ASSIGN_OR_RETURN(std::string body, Uncompress(r.rest()));
  std::string out(event.substr(0, fixed));
  out += body;
  const bool crc = fmt.checksum == ChecksumAlg::kCrc32;
  const size_t size = out.size() + (crc ? 4 : 0);
  if (size > UINT32_MAX) {
    return absl::DataLossError("uncompressed event larger than 4 GiB");
  }
  out[kTypeOffset] = static_cast<char>(plain);
  PutUint32(out, kSizeOffset, static_cast<uint32_t>(size));
  if (crc) {
    const uint32_t sum = BinlogCrc32(out);
    out.resize(size);
    PutUint32(out, size - 4, sum);
  }
  return out;
}

}  // namespace mysql
}  // namespace sidecut
