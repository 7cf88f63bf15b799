#include "schemadiff/json_lite.h"

#include <cstdint>
#include <string>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "util/status_macros.h"

namespace sidecut {
namespace schemadiff {
namespace {

void AppendUtf8(uint32_t cp, std::string* out) {
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

class JsonParser {
 public:
  explicit JsonParser(absl::string_view s) : s_(s) {}

  absl::StatusOr<JsonValue> Document() {
    SC_ASSIGN_OR_RETURN(JsonValue v, Value());
    SkipSpace();
    if (pos_ != s_.size()) return Error("trailing characters");
    return v;
  }

 private:
  absl::Status Error(absl::string_view what) const {
    return absl::InvalidArgumentError(
        absl::StrCat("invalid JSON at offset ", pos_, ": ", what));
  }
  void SkipSpace() {
    while (pos_ < s_.size() &&
           absl::ascii_isspace(static_cast<unsigned char>(s_[pos_]))) {
      ++pos_;
    }
  }
  bool Literal(absl::string_view word) {
    if (s_.substr(pos_, word.size()) != word) return false;
    pos_ += word.size();
    return true;
  }

  absl::StatusOr<JsonValue> Value() {
    SkipSpace();
    if (pos_ >= s_.size()) return Error("unexpected end");
    JsonValue v;
    char c = s_[pos_];
    if (c == '{') return Object();
    if (c == '[') return Array();
    if (c == '"') {
      v.type = JsonValue::Type::kString;
      SC_ASSIGN_OR_RETURN(v.text, String());
    } else if (Literal("null")) {
      v.type = JsonValue::Type::kNull;
    } else if (Literal("true") || Literal("false")) {
      v.type = JsonValue::Type::kBool;
      v.boolean = s_[pos_ - 1] == 'e' && s_[pos_ - 2] == 'u';
    } else {
      size_t start = pos_;
      while (pos_ < s_.size() &&
             absl::string_view("+-.eE0123456789").find(s_[pos_]) !=
                 absl::string_view::npos) {
        ++pos_;
      }
      if (pos_ == start) return Error("unexpected character");
      v.type = JsonValue::Type::kNumber;
      v.text = std::string(s_.substr(start, pos_ - start));
    }
    return v;
  }

  absl::StatusOr<uint32_t> Hex4() {
    if (pos_ + 4 > s_.size()) return Error("short \\u escape");
    uint32_t cp = 0;
    for (int i = 0; i < 4; ++i) {
      char h = s_[pos_++];
      if (!absl::ascii_isxdigit(static_cast<unsigned char>(h))) {
        return Error("bad \\u escape");
      }
      cp = cp * 16 + (absl::ascii_isdigit(static_cast<unsigned char>(h))
                          ? h - '0'
                          : absl::ascii_tolower(h) - 'a' + 10);
    }
    return cp;
  }

  absl::Status Escape(std::string* out) {
    if (pos_ >= s_.size()) return Error("unterminated string");
    char e = s_[pos_++];
    switch (e) {
      case 'n':
        out->push_back('\n');
        return absl::OkStatus();
      case 't':
        out->push_back('\t');
        return absl::OkStatus();
      case 'r':
        out->push_back('\r');
        return absl::OkStatus();
      case 'b':
        out->push_back('\b');
        return absl::OkStatus();
      case 'f':
        out->push_back('\f');
        return absl::OkStatus();
      case 'u':
        break;
      default:
        out->push_back(e);
        return absl::OkStatus();
    }
    SC_ASSIGN_OR_RETURN(uint32_t cp, Hex4());
    if (cp >= 0xD800 && cp < 0xDC00 && Literal("\\u")) {
      SC_ASSIGN_OR_RETURN(uint32_t low, Hex4());
      cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
    }
    AppendUtf8(cp, out);
    return absl::OkStatus();
  }

  absl::StatusOr<std::string> String() {
    ++pos_;  // opening quote
    std::string out;
    while (true) {
      if (pos_ >= s_.size()) return Error("unterminated string");
      char c = s_[pos_++];
      if (c == '"') return out;
      if (c == '\\') {
        SC_RETURN_IF_ERROR(Escape(&out));
      } else {
        out.push_back(c);
      }
    }
  }

  absl::StatusOr<JsonValue> Array() {
    ++pos_;
    JsonValue v;
    v.type = JsonValue::Type::kArray;
    SkipSpace();
    if (Literal("]")) return v;
    while (true) {
      SC_ASSIGN_OR_RETURN(JsonValue item, Value());
      v.array.push_back(std::move(item));
      SkipSpace();
      if (Literal("]")) return v;
      if (!Literal(",")) return Error("expected ',' or ']'");
    }
  }

  absl::StatusOr<JsonValue> Object() {
    ++pos_;
    JsonValue v;
    v.type = JsonValue::Type::kObject;
    SkipSpace();
    if (Literal("}")) return v;
    while (true) {
      SkipSpace();
      if (pos_ >= s_.size() || s_[pos_] != '"') return Error("expected key");
      SC_ASSIGN_OR_RETURN(std::string key, String());
      SkipSpace();
      if (!Literal(":")) return Error("expected ':'");
      SC_ASSIGN_OR_RETURN(JsonValue item, Value());
      v.object.emplace_back(std::move(key), std::move(item));
      SkipSpace();
      if (Literal("}")) return v;
      if (!Literal(",")) return Error("expected ',' or '}'");
    }
  }

  absl::string_view s_;
  size_t pos_ = 0;
};

}  // namespace

const JsonValue* JsonValue::Find(absl::string_view key) const {
  for (const auto& [k, v] : object) {
    if (k == key) return &v;
  }
  return nullptr;
}

absl::StatusOr<JsonValue> ParseJson(absl::string_view text) {
  return JsonParser(text).Document();
}

}  // namespace schemadiff
}  // namespace sidecut
