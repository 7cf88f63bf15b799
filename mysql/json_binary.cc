#include "mysql/json_binary.h"

#include <cstdio>
#include <cstring>
#include <optional>
#include <string>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "mysql/byte_reader.h"
#include "mysql/value_codec.h"
#include "util/status_macros.h"

namespace sidecut {
namespace mysql {
namespace {

enum JsonType : uint8_t {
  kSmallObject = 0x00,
  kLargeObject = 0x01,
  kSmallArray = 0x02,
  kLargeArray = 0x03,
  kLiteral = 0x04,
  kInt16 = 0x05,
  kUint16 = 0x06,
  kInt32 = 0x07,
  kUint32 = 0x08,
  kInt64 = 0x09,
  kUint64 = 0x0a,
  kDouble = 0x0b,
  kString = 0x0c,
  kOpaque = 0x0f,
};

constexpr int kMaxDepth = 100;

// Field types of the temporal values MySQL keeps in JSON as opaque values
// (JSON_OBJECT('t', NOW()), CAST(CURDATE() AS JSON)).
constexpr uint8_t kFieldTimestamp = 7;
constexpr uint8_t kFieldDate = 10;
constexpr uint8_t kFieldTime = 11;
constexpr uint8_t kFieldDatetime = 12;
constexpr uint8_t kFieldVarString = 253;

// A temporal opaque value (8 bytes, little-endian, of MySQL's packed
// form: my_time.cc TIME_to_longlong_*_packed) as MySQL shows it
// (my_TIME_to_str with 6 decimals: "2024-01-02 03:04:05.000000",
// "2024-01-02", "-838:59:58.500000"); nullopt if it is not one.
std::optional<std::string> TemporalText(uint8_t field_type,
                                        absl::string_view data) {
  if (data.size() != 8) return std::nullopt;
  uint64_t bits = 0;
  for (int i = 7; i >= 0; --i) {
    bits = (bits << 8) | static_cast<uint8_t>(data[i]);
  }
  int64_t packed = static_cast<int64_t>(bits);
  const bool negative = packed < 0;
  const uint64_t v = negative ? 0 - static_cast<uint64_t>(packed)
                              : static_cast<uint64_t>(packed);
  const uint64_t frac = v % (uint64_t{1} << 24);
  const uint64_t whole = v >> 24;
  switch (field_type) {
    case kFieldTime: {
      const uint64_t hour = (whole >> 12) % (1 << 10);
      const uint64_t minute = (whole >> 6) % (1 << 6);
      const uint64_t second = whole % (1 << 6);
      return absl::StrFormat("%s%02u:%02u:%02u.%06u", negative ? "-" : "", hour,
                             minute, second, frac);
    }
    case kFieldDate:
    case kFieldDatetime:
    case kFieldTimestamp: {
      const uint64_t ymd = whole >> 17;
      const uint64_t ym = ymd >> 5;
      const uint64_t hms = whole % (1 << 17);
      const std::string date =
          absl::StrFormat("%04u-%02u-%02u", ym / 13, ym % 13, ymd % (1 << 5));
      if (field_type == kFieldDate) return date;
      return absl::StrFormat("%s %02u:%02u:%02u.%06u", date, hms >> 12,
                             (hms >> 6) % (1 << 6), hms % (1 << 6), frac);
    }
    default:
      return std::nullopt;
  }
}

void AppendQuoted(absl::string_view s, std::string* out) {
  out->push_back('"');
  for (unsigned char c : s) {
    switch (c) {
      case '"':
        *out += "\\\"";
        break;
      case '\\':
        *out += "\\\\";
        break;
      case '\n':
        *out += "\\n";
        break;
      case '\r':
        *out += "\\r";
        break;
      case '\t':
        *out += "\\t";
        break;
      case '\b':
        *out += "\\b";
        break;
      case '\f':
        *out += "\\f";
        break;
      default:
        if (c < 0x20) {
          absl::StrAppendFormat(out, "\\u%04x", c);
        } else {
          out->push_back(static_cast<char>(c));
        }
    }
  }
  out->push_back('"');
}

// Variable-length length: 7 bits per byte, high bit = more.
absl::StatusOr<uint64_t> VarLength(ByteReader& r) {
  uint64_t len = 0;
  for (int i = 0; i < 5; ++i) {
    SC_ASSIGN_OR_RETURN(uint64_t b, r.Uint(1, "JSON length"));
    len |= (b & 0x7f) << (7 * i);
    if ((b & 0x80) == 0) return len;
  }
  return absl::DataLossError("JSON length too long");
}

// Bounds the work on malicious input: offsets may point anywhere, so a
// document could reference one subtree many times.
struct Budget {
  int64_t nodes_left;
};

absl::Status Value(uint8_t type, absl::string_view data, int depth,
                   Budget* budget, std::string* out);

bool Inlined(uint8_t type, bool large) {
  return type == kLiteral || type == kInt16 || type == kUint16 ||
         (large && (type == kInt32 || type == kUint32));
}

absl::Status Container(uint8_t type, absl::string_view data, int depth,
                       Budget* budget, std::string* out) {
  if (depth > kMaxDepth) return absl::DataLossError("JSON nested too deeply");
  bool large = type == kLargeObject || type == kLargeArray;
  bool object = type == kSmallObject || type == kLargeObject;
  size_t w = large ? 4 : 2;
  ByteReader r(data);
  SC_ASSIGN_OR_RETURN(uint64_t count, r.Uint(w, "JSON element count"));
  SC_ASSIGN_OR_RETURN(uint64_t size, r.Uint(w, "JSON size"));
  if (size > data.size() || count > size) {
    return absl::DataLossError("JSON container size exceeds its data");
  }
  size_t key_entries = object ? count * (w + 2) : 0;
  size_t header = 2 * w + key_entries;
  size_t entries_end = header + count * (1 + w);
  if (entries_end > size) {
    return absl::DataLossError("JSON entries exceed the container");
  }
  out->push_back(object ? '{' : '[');
  for (uint64_t i = 0; i < count; ++i) {
    if (i > 0) *out += ", ";
    if (object) {
      ByteReader kr(data.substr(2 * w + i * (w + 2)));
      SC_ASSIGN_OR_RETURN(uint64_t koff, kr.Uint(w, "JSON key offset"));
      SC_ASSIGN_OR_RETURN(uint64_t klen, kr.Uint(2, "JSON key length"));
      if (koff + klen > size)
        return absl::DataLossError("JSON key out of range");
      AppendQuoted(data.substr(koff, klen), out);
      *out += ": ";
    }
    size_t entry = header + i * (1 + w);
    if (entry + 1 + w > size)
      return absl::DataLossError("JSON entry out of range");
    ByteReader vr(data.substr(entry));
    SC_ASSIGN_OR_RETURN(uint64_t vt, vr.Uint(1, "JSON value type"));
    if (Inlined(static_cast<uint8_t>(vt), large)) {
      SC_RETURN_IF_ERROR(Value(static_cast<uint8_t>(vt),
                               data.substr(entry + 1, w), depth + 1, budget,
                               out));
    } else {
      SC_ASSIGN_OR_RETURN(uint64_t off, vr.Uint(w, "JSON value offset"));
      // Values live after the entry tables, so children are strictly
      // smaller than their parent.
      if (off < entries_end || off >= size) {
        return absl::DataLossError("JSON value out of range");
      }
      SC_RETURN_IF_ERROR(Value(static_cast<uint8_t>(vt),
                               data.substr(off, size - off), depth + 1, budget,
                               out));
    }
  }
  out->push_back(object ? '}' : ']');
  return absl::OkStatus();
}

absl::Status Value(uint8_t type, absl::string_view data, int depth,
                   Budget* budget, std::string* out) {
  if (--budget->nodes_left < 0) {
    return absl::DataLossError("JSON document references itself too often");
  }
  ByteReader r(data);
  switch (type) {
    case kSmallObject:
    case kLargeObject:
    case kSmallArray:
    case kLargeArray:
      return Container(type, data, depth, budget, out);
    case kLiteral: {
      SC_ASSIGN_OR_RETURN(uint64_t v, r.Uint(1, "JSON literal"));
      if (v > 2) return absl::DataLossError("bad JSON literal");
      *out += v == 0 ? "null" : v == 1 ? "true" : "false";
      return absl::OkStatus();
    }
    case kInt16:
    case kUint16:
    case kInt32:
    case kUint32:
    case kInt64:
    case kUint64: {
      int n = type <= kUint16 ? 2 : type <= kUint32 ? 4 : 8;
      SC_ASSIGN_OR_RETURN(uint64_t v, r.Uint(n, "JSON integer"));
      bool is_signed = type == kInt16 || type == kInt32 || type == kInt64;
      if (is_signed) {
        int shift = 64 - 8 * n;
        absl::StrAppend(out, static_cast<int64_t>(v << shift) >> shift);
      } else {
        absl::StrAppend(out, v);
      }
      return absl::OkStatus();
    }
    case kDouble: {
      SC_ASSIGN_OR_RETURN(uint64_t v, r.Uint(8, "JSON double"));
      double d;
      memcpy(&d, &v, 8);
      char buf[64];
      for (int p = 1; p <= 17; ++p) {
        snprintf(buf, sizeof(buf), "%.*g", p, d);
        if (strtod(buf, nullptr) == d) break;
      }
      std::string s = buf;
      if (s.find_first_of(".eni") == std::string::npos) s += ".0";
      *out += s;
      return absl::OkStatus();
    }
    case kString: {
      SC_ASSIGN_OR_RETURN(uint64_t len, VarLength(r));
      SC_ASSIGN_OR_RETURN(absl::string_view s, r.Bytes(len, "JSON string"));
      AppendQuoted(s, out);
      return absl::OkStatus();
    }
    case kOpaque: {
      SC_ASSIGN_OR_RETURN(uint64_t field_type, r.Uint(1, "JSON opaque type"));
      SC_ASSIGN_OR_RETURN(uint64_t len, VarLength(r));
      SC_ASSIGN_OR_RETURN(absl::string_view s, r.Bytes(len, "JSON opaque"));
      if (field_type == 246 && s.size() >= 2) {  // DECIMAL: precision, scale
        ByteReader dr(s.substr(2));
        std::string dec;
        SC_RETURN_IF_ERROR(DecodeDecimal(static_cast<uint8_t>(s[0]),
                                         static_cast<uint8_t>(s[1]), dr, &dec));
        *out += dec;
        return absl::OkStatus();
      }
      if (field_type == kFieldVarString) {  // a string, MySQL says
        AppendQuoted(s, out);
        return absl::OkStatus();
      }
      if (std::optional<std::string> t =
              TemporalText(static_cast<uint8_t>(field_type), s)) {
        AppendQuoted(*t, out);
        return absl::OkStatus();
      }
      AppendQuoted(
          absl::StrCat("base64:type", field_type, ":", absl::Base64Escape(s)),
          out);
      return absl::OkStatus();
    }
    default:
      return absl::DataLossError(absl::StrCat("unknown JSON type ", type));
  }
}

}  // namespace

absl::Status JsonBinaryToText(absl::string_view binary, std::string* out) {
  out->clear();
  if (binary.empty()) {
    *out = "null";
    return absl::OkStatus();
  }
  Budget budget{static_cast<int64_t>(binary.size()) + 16};
  return Value(static_cast<uint8_t>(binary[0]), binary.substr(1), 0, &budget,
               out);
}

}  // namespace mysql
}  // namespace sidecut
