#include "mysql/value_codec.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "mysql/column_types.h"
#include "mysql/gtid.h"
#include "mysql/json_binary.h"
#include "mysql/row_event.h"
#include "util/status_macros.h"

namespace sidecut {
namespace mysql {
namespace {

constexpr int kDigitsPerWord = 9;
constexpr int kDig2Bytes[] = {0, 1, 1, 2, 2, 3, 3, 4, 4, 4};

int64_t SignExtend(uint64_t v, int bytes) {
  int shift = 64 - 8 * bytes;
  return static_cast<int64_t>(v << shift) >> shift;
}

// Renders exponent forms as the server does: "1e+300" -> "1e300",
// "1e-05" -> "1e-5".
std::string TidyExponent(std::string s) {
  size_t e = s.find('e');
  if (e == std::string::npos) return s;
  std::string mant = s.substr(0, e);
  std::string exp = s.substr(e + 1);
  bool neg = !exp.empty() && exp[0] == '-';
  if (!exp.empty() && (exp[0] == '+' || exp[0] == '-')) exp.erase(0, 1);
  while (exp.size() > 1 && exp[0] == '0') exp.erase(0, 1);
  return absl::StrCat(mant, "e", neg ? "-" : "", exp);
}

std::string FormatDouble(double d) {
  char buf[64];
  for (int p = 1; p <= 17; ++p) {
    snprintf(buf, sizeof(buf), "%.*g", p, d);
    if (strtod(buf, nullptr) == d) break;
  }
  return TidyExponent(buf);
}

// Reads the fractional-seconds part of a *2 temporal type; returns
// microseconds. `is_time` applies TIME2's signed rule (handled by caller).
absl::StatusOr<int64_t> ReadFrac(ByteReader& in, uint32_t fsp) {
  switch (fsp) {
    case 0:
      return 0;
    case 1:
    case 2: {
      SC_ASSIGN_OR_RETURN(uint64_t v, in.UintBE(1, "fractional seconds"));
      return static_cast<int64_t>(v) * 10000;
    }
    case 3:
    case 4: {
      SC_ASSIGN_OR_RETURN(uint64_t v, in.UintBE(2, "fractional seconds"));
      return static_cast<int64_t>(v) * 100;
    }
    case 5:
    case 6: {
      SC_ASSIGN_OR_RETURN(uint64_t v, in.UintBE(3, "fractional seconds"));
      return static_cast<int64_t>(v);
    }
    default:
      return absl::DataLossError(absl::StrCat("invalid fsp ", fsp));
  }
}

std::string FracText(int64_t micros, uint32_t fsp) {
  if (fsp == 0) return "";
  int64_t v = micros;
  for (uint32_t i = fsp; i < 6; ++i) v /= 10;
  return absl::StrFormat(".%0*d", static_cast<int>(fsp), v);
}

absl::Status DecodeTime2(uint32_t fsp, ByteReader& in, std::string* out) {
  constexpr int64_t kIntOfs = 0x800000;
  int64_t intpart = 0, frac = 0;  // frac in microseconds, signed
  if (fsp <= 4) {
    SC_ASSIGN_OR_RETURN(uint64_t raw, in.UintBE(3, "TIME2"));
    intpart = static_cast<int64_t>(raw) - kIntOfs;
    if (fsp >= 1) {
      int width = fsp <= 2 ? 1 : 2;
      SC_ASSIGN_OR_RETURN(uint64_t f, in.UintBE(width, "TIME2 fraction"));
      int64_t fr = static_cast<int64_t>(f);
      if (intpart < 0 && fr != 0) {
        intpart++;
        fr -= width == 1 ? 0x100 : 0x10000;
      }
      frac = fr * (width == 1 ? 10000 : 100);
    }
  } else {
    SC_ASSIGN_OR_RETURN(uint64_t raw, in.UintBE(6, "TIME2"));
    int64_t packed = static_cast<int64_t>(raw) - (int64_t{0x800000} << 24);
    intpart = packed >> 24;  // arithmetic: floor
    frac = packed - intpart * (int64_t{1} << 24);
    if (intpart < 0 && frac != 0) {
      intpart++;
      frac -= int64_t{1} << 24;
    }
  }
  int64_t packed = intpart * (int64_t{1} << 24) + frac;
  bool neg = packed < 0;
  if (neg) packed = -packed;
  int64_t hms = packed >> 24;
  int64_t micros = packed % (int64_t{1} << 24);
  *out = absl::StrFormat("%s%02d:%02d:%02d%s", neg ? "-" : "",
                         (hms >> 12) % (1 << 10), (hms >> 6) % (1 << 6),
                         hms % (1 << 6), FracText(micros, fsp));
  return absl::OkStatus();
}

absl::Status DecodeDatetime2(uint32_t fsp, ByteReader& in, std::string* out) {
  SC_ASSIGN_OR_RETURN(uint64_t raw, in.UintBE(5, "DATETIME2"));
  int64_t intpart = static_cast<int64_t>(raw) - 0x8000000000LL;
  SC_ASSIGN_OR_RETURN(int64_t micros, ReadFrac(in, fsp));
  if (intpart < 0) intpart = -intpart;  // negative datetimes do not occur
  int64_t ymd = intpart >> 17, hms = intpart % (1 << 17);
  int64_t ym = ymd >> 5;
  *out = absl::StrFormat("%04d-%02d-%02d %02d:%02d:%02d%s", ym / 13, ym % 13,
                         ymd % (1 << 5), hms >> 12, (hms >> 6) % (1 << 6),
                         hms % (1 << 6), FracText(micros, fsp));
  return absl::OkStatus();
}

std::string TimestampText(uint64_t seconds, int64_t micros, uint32_t fsp) {
  if (seconds == 0 && micros == 0) {
    return absl::StrCat("0000-00-00 00:00:00", FracText(0, fsp));
  }
  return absl::StrCat(
      absl::FormatTime("%Y-%m-%d %H:%M:%S",
                       absl::FromUnixSeconds(static_cast<int64_t>(seconds)),
                       absl::UTCTimeZone()),
      FracText(micros, fsp));
}

// Renders MariaDB's UUID / INET6 / INET4 binary forms as text.
absl::Status FormatSpecial(ColumnDef::Special special, std::string* v) {
  size_t want = special == ColumnDef::Special::kInet4 ? 4 : 16;
  v->resize(want, '\0');  // stored without trailing zero bytes
  char buf[INET6_ADDRSTRLEN];
  switch (special) {
    case ColumnDef::Special::kUuid:
      *v = FormatUuid(*v);
      return absl::OkStatus();
    case ColumnDef::Special::kInet6:
      if (inet_ntop(AF_INET6, v->data(), buf, sizeof(buf)) == nullptr) break;
      *v = buf;
      return absl::OkStatus();
    case ColumnDef::Special::kInet4:
      if (inet_ntop(AF_INET, v->data(), buf, sizeof(buf)) == nullptr) break;
      *v = buf;
      return absl::OkStatus();
    case ColumnDef::Special::kNone:
      return absl::OkStatus();
  }
  return absl::DataLossError("invalid INET value");
}

absl::Status DecodeString(const ColumnDef& col, ByteReader& in,
                          std::string* out) {
  size_t len_bytes = col.meta < 256 ? 1 : 2;
  SC_ASSIGN_OR_RETURN(uint64_t len, in.Uint(len_bytes, "string length"));
  SC_ASSIGN_OR_RETURN(absl::string_view v, in.Bytes(len, "string value"));
  out->assign(v.data(), v.size());
  if (col.special != ColumnDef::Special::kNone) {
    return FormatSpecial(col.special, out);
  }
  // BINARY(n) is stored without its trailing zero bytes; SELECT returns
  // them.
  if (col.type == kTypeString && col.collation == kBinaryCollation &&
      out->size() < col.meta) {
    out->resize(col.meta, '\0');
  }
  return absl::OkStatus();
}

absl::Status DecodeEnumSet(const ColumnDef& col, ByteReader& in,
                           std::string* out) {
  SC_ASSIGN_OR_RETURN(uint64_t v, in.Uint(col.meta, "enum/set value"));
  if (col.type == kTypeEnum) {
    if (v == 0) {
      // The invalid value (stored under a non-strict sql_mode) reads as
      // ''. Where '' is also a member, the two could not be told apart, and
      // the member would be written in its place.
      if (std::find(col.enum_values.begin(), col.enum_values.end(), "") !=
          col.enum_values.end()) {
        return absl::DataLossError(absl::StrCat(
            "ENUM column ", col.name.empty() ? "?" : col.name,
            " holds the invalid value (index 0) and has '' as a member: the "
            "two cannot be told apart in a replay; update the row to a "
            "member first"));
      }
      out->clear();
    } else if (v <= col.enum_values.size()) {
      *out = col.enum_values[v - 1];
    } else if (col.enum_values.empty()) {
      *out = absl::StrCat(v);  // no metadata: the index
    } else {
      return absl::DataLossError(
          absl::StrCat("enum index ", v, " out of range"));
    }
    return absl::OkStatus();
  }
  if (col.enum_values.empty()) {
    *out = absl::StrCat(v);
    return absl::OkStatus();
  }
  std::vector<absl::string_view> parts;
  for (size_t i = 0; i < col.enum_values.size() && i < 64; ++i) {
    if ((v >> i) & 1) parts.push_back(col.enum_values[i]);
  }
  *out = absl::StrJoin(parts, ",");
  return absl::OkStatus();
}

}  // namespace

// The shortest text that reads back as `f` (the server parses the literal
// as a double, then stores it as a float). SELECT shows 6 digits; a value
// written back with those would change (1234567 became 1234570).
// Near FLT_MAX the short text reads back above it, which the server refuses
// (out of range); the double's exact 17 digits do not.
std::string FormatFloat(float f) {
  char buf[64];
  for (int p : {6, 7, 8, 9, 17}) {
    snprintf(buf, sizeof(buf), "%.*g", p, static_cast<double>(f));
    const double back = strtod(buf, nullptr);
    if (static_cast<float>(back) == f && std::fabs(back) <= FLT_MAX) break;
  }
  return TidyExponent(buf);
}

absl::Status DecodeDecimal(int precision, int scale, ByteReader& in,
                           std::string* out) {
  if (precision < 1 || precision > 65 || scale < 0 || scale > 38 ||
      scale > precision) {
    return absl::DataLossError(
        absl::StrCat("invalid DECIMAL(", precision, ",", scale, ")"));
  }
  int intg = precision - scale;
  int intg0 = intg / kDigitsPerWord, intg0x = intg % kDigitsPerWord;
  int frac0 = scale / kDigitsPerWord, frac0x = scale % kDigitsPerWord;
  size_t size = intg0 * 4 + kDig2Bytes[intg0x] + frac0 * 4 + kDig2Bytes[frac0x];
  SC_ASSIGN_OR_RETURN(absl::string_view raw, in.Bytes(size, "DECIMAL"));
  std::string b(raw);
  bool negative = (static_cast<uint8_t>(b[0]) & 0x80) == 0;
  b[0] = static_cast<char>(b[0] ^ 0x80);
  if (negative) {
    for (char& c : b) c = static_cast<char>(~c);
  }
  ByteReader r(b);
  std::string digits;
  auto word = [&r](int bytes) -> absl::StatusOr<uint64_t> {
    return r.UintBE(bytes, "DECIMAL word");
  };
  if (intg0x > 0) {
    SC_ASSIGN_OR_RETURN(uint64_t v, word(kDig2Bytes[intg0x]));
    absl::StrAppend(&digits, v);
  }
  for (int i = 0; i < intg0; ++i) {
    SC_ASSIGN_OR_RETURN(uint64_t v, word(4));
    absl::StrAppend(&digits, absl::StrFormat("%09d", v));
  }
  size_t nz = digits.find_first_not_of('0');
  digits = nz == std::string::npos ? "0" : digits.substr(nz);
  std::string frac;
  for (int i = 0; i < frac0; ++i) {
    SC_ASSIGN_OR_RETURN(uint64_t v, word(4));
    absl::StrAppend(&frac, absl::StrFormat("%09d", v));
  }
  if (frac0x > 0) {
    SC_ASSIGN_OR_RETURN(uint64_t v, word(kDig2Bytes[frac0x]));
    absl::StrAppend(&frac, absl::StrFormat("%0*d", frac0x, v));
  }
  *out =
      absl::StrCat(negative ? "-" : "", digits, frac.empty() ? "" : ".", frac);
  return absl::OkStatus();
}

absl::Status DecodeValue(const ColumnDef& col, ByteReader& in,
                         std::string* out) {
  switch (col.type) {
    case kTypeTiny:
    case kTypeShort:
    case kTypeInt24:
    case kTypeLong:
    case kTypeLonglong: {
      int n = col.type == kTypeTiny    ? 1
              : col.type == kTypeShort ? 2
              : col.type == kTypeInt24 ? 3
              : col.type == kTypeLong  ? 4
                                       : 8;
      SC_ASSIGN_OR_RETURN(uint64_t v, in.Uint(n, "integer"));
      *out = col.is_unsigned ? absl::StrCat(v) : absl::StrCat(SignExtend(v, n));
      return absl::OkStatus();
    }
    case kTypeFloat: {
      SC_ASSIGN_OR_RETURN(uint64_t v, in.Uint(4, "FLOAT"));
      uint32_t bits = static_cast<uint32_t>(v);
      float f;
      memcpy(&f, &bits, 4);
      *out = FormatFloat(f);
      return absl::OkStatus();
    }
    case kTypeDouble: {
      SC_ASSIGN_OR_RETURN(uint64_t v, in.Uint(8, "DOUBLE"));
      double d;
      memcpy(&d, &v, 8);
      *out = FormatDouble(d);
      return absl::OkStatus();
    }
    case kTypeNewdecimal:
      return DecodeDecimal(col.meta >> 8, col.meta & 0xff, in, out);
    case kTypeYear: {
      SC_ASSIGN_OR_RETURN(uint64_t v, in.Uint(1, "YEAR"));
      *out = v == 0 ? "0000" : absl::StrCat(1900 + v);
      return absl::OkStatus();
    }
    case kTypeBit: {
      SC_ASSIGN_OR_RETURN(absl::string_view v,
                          in.Bytes((col.meta + 7) / 8, "BIT"));
      out->assign(v.data(), v.size());
      return absl::OkStatus();
    }
    case kTypeDate:
    case kTypeNewdate: {
      SC_ASSIGN_OR_RETURN(uint64_t v, in.Uint(3, "DATE"));
      *out = absl::StrFormat("%04d-%02d-%02d", v >> 9, (v >> 5) & 15, v & 31);
      return absl::OkStatus();
    }
    case kTypeTime: {
      SC_ASSIGN_OR_RETURN(uint64_t v, in.Uint(3, "TIME"));
      int64_t t = SignExtend(v, 3);
      bool neg = t < 0;
      if (neg) t = -t;
      *out = absl::StrFormat("%s%02d:%02d:%02d", neg ? "-" : "", t / 10000,
                             (t / 100) % 100, t % 100);
      return absl::OkStatus();
    }
    case kTypeDatetime: {
      SC_ASSIGN_OR_RETURN(uint64_t v, in.Uint(8, "DATETIME"));
      uint64_t d = v / 1000000, t = v % 1000000;
      *out = absl::StrFormat("%04d-%02d-%02d %02d:%02d:%02d", d / 10000,
                             (d / 100) % 100, d % 100, t / 10000,
                             (t / 100) % 100, t % 100);
      return absl::OkStatus();
    }
    case kTypeTimestamp: {
      SC_ASSIGN_OR_RETURN(uint64_t v, in.Uint(4, "TIMESTAMP"));
      *out = TimestampText(v, 0, 0);
      return absl::OkStatus();
    }
    case kTypeTimestamp2: {
      SC_ASSIGN_OR_RETURN(uint64_t v, in.UintBE(4, "TIMESTAMP2"));
      SC_ASSIGN_OR_RETURN(int64_t micros, ReadFrac(in, col.meta));
      *out = TimestampText(v, micros, col.meta);
      return absl::OkStatus();
    }
    case kTypeDatetime2:
      return DecodeDatetime2(col.meta, in, out);
    case kTypeTime2:
      return DecodeTime2(col.meta, in, out);
    case kTypeVarchar:
    case kTypeVarString:
    case kTypeString:
      return DecodeString(col, in, out);
    case kTypeEnum:
    case kTypeSet:
      return DecodeEnumSet(col, in, out);
    case kTypeBlob:
    case kTypeTinyBlob:
    case kTypeMediumBlob:
    case kTypeLongBlob:
    case kTypeGeometry:
    case kTypeJson: {
      if (col.meta < 1 || col.meta > 4) {
        return absl::DataLossError(
            absl::StrCat("invalid length size ", col.meta));
      }
      SC_ASSIGN_OR_RETURN(uint64_t len, in.Uint(col.meta, "BLOB length"));
      SC_ASSIGN_OR_RETURN(absl::string_view v, in.Bytes(len, "BLOB value"));
      if (col.type == kTypeJson) return JsonBinaryToText(v, out);
      out->assign(v.data(), v.size());
      return absl::OkStatus();
    }
    default:
      return absl::UnimplementedError(
          absl::StrCat("cannot decode column type ", col.type));
  }
}

}  // namespace mysql
}  // namespace sidecut
