// ByteReader: bounds-checked little-endian reads over a byte buffer, for the
// binlog decoders. Every read checks the remaining length and reports a
// truncation as kDataLoss naming what was being read; nothing reads past the
// end whatever the input.
//
// Thread-compatible; does not own the bytes.
#ifndef SIDECUT_MYSQL_BYTE_READER_H_
#define SIDECUT_MYSQL_BYTE_READER_H_

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace sidecut {
namespace mysql {

class ByteReader {
 public:
  explicit ByteReader(absl::string_view data) : data_(data) {}

  size_t remaining() const { return data_.size() - pos_; }
  size_t position() const { return pos_; }
  absl::string_view rest() const { return data_.substr(pos_); }

  // Reads an n-byte (1..8) little-endian unsigned integer.
  absl::StatusOr<uint64_t> Uint(size_t n, const char* what) {
    if (n > 8 || remaining() < n) return Truncated(what, n);
    uint64_t v = 0;
    for (size_t i = 0; i < n; ++i) {
      v |= static_cast<uint64_t>(static_cast<uint8_t>(data_[pos_ + i]))
           << (8 * i);
    }
    pos_ += n;
    return v;
  }

  // Reads an n-byte big-endian unsigned integer.
  absl::StatusOr<uint64_t> UintBE(size_t n, const char* what) {
    if (n > 8 || remaining() < n) return Truncated(what, n);
    uint64_t v = 0;
    for (size_t i = 0; i < n; ++i) {
      v = (v << 8) | static_cast<uint8_t>(data_[pos_ + i]);
    }
    pos_ += n;
    return v;
  }

  absl::StatusOr<absl::string_view> Bytes(size_t n, const char* what) {
    if (remaining() < n) return Truncated(what, n);
    absl::string_view v = data_.substr(pos_, n);
    pos_ += n;
    return v;
  }

  absl::Status Skip(size_t n, const char* what) {
    if (remaining() < n) return Truncated(what, n);
    pos_ += n;
    return absl::OkStatus();
  }

  // MySQL length-encoded ("packed") integer.
  absl::StatusOr<uint64_t> Packed(const char* what) {
    if (remaining() < 1) return Truncated(what, 1);
    uint8_t first = static_cast<uint8_t>(data_[pos_]);
    if (first < 251) {
      ++pos_;
      return first;
    }
    size_t n = first == 252 ? 2 : first == 253 ? 3 : first == 254 ? 8 : 0;
    if (n == 0) {
      return absl::DataLossError(
          absl::StrCat("invalid packed integer prefix ", first, " in ", what));
    }
    if (remaining() < n + 1) return Truncated(what, n + 1);
    ++pos_;
    return Uint(n, what);
  }

  // A packed length followed by that many bytes.
  absl::StatusOr<absl::string_view> PackedString(const char* what) {
    absl::StatusOr<uint64_t> n = Packed(what);
    if (!n.ok()) return n.status();
    return Bytes(*n, what);
  }

 private:
  absl::Status Truncated(const char* what, size_t need) const {
    return absl::DataLossError(absl::StrCat("truncated ", what, ": need ", need,
                                            " bytes at offset ", pos_,
                                            ", have ", remaining()));
  }

  absl::string_view data_;
  size_t pos_ = 0;
};

}  // namespace mysql
}  // namespace sidecut

#endif  // SIDECUT_MYSQL_BYTE_READER_H_
