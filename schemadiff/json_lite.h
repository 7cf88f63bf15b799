// A small JSON reader for the conformance corpora (one JSON object per
// line). Supports the whole JSON grammar; numbers are kept as text.
// Pure functions; thread-safe.
#ifndef SIDECUT_SCHEMADIFF_JSON_LITE_H_
#define SIDECUT_SCHEMADIFF_JSON_LITE_H_

#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace sidecut {
namespace schemadiff {

struct JsonValue {
  enum class Type { kNull, kBool, kNumber, kString, kArray, kObject };
  Type type = Type::kNull;
  bool boolean = false;
  std::string text;  // kString (unescaped) or kNumber (as written)
  std::vector<JsonValue> array;
  std::vector<std::pair<std::string, JsonValue>> object;

  bool is_null() const { return type == Type::kNull; }
  bool is_string() const { return type == Type::kString; }
  // Returns the member `key` of an object, or nullptr.
  const JsonValue* Find(absl::string_view key) const;
};

// Parses one JSON document; trailing whitespace is allowed.
absl::StatusOr<JsonValue> ParseJson(absl::string_view text);

}  // namespace schemadiff
}  // namespace sidecut

#endif  // SIDECUT_SCHEMADIFF_JSON_LITE_H_
