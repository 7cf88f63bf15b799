#include "schemadiff/schema_errors.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"

namespace sidecut {
namespace schemadiff {
namespace {

constexpr absl::string_view kPayloadUrl =
    "type.sidecut.dev/schemadiff.SchemaErrorKind";

}  // namespace

absl::Status SchemaError(SchemaErrorKind kind, absl::string_view message) {
  absl::Status status = absl::InvalidArgumentError(message);
  status.SetPayload(kPayloadUrl,
                    absl::Cord(absl::StrCat(static_cast<int>(kind))));
  return status;
}

std::optional<SchemaErrorKind> GetSchemaErrorKind(const absl::Status& status) {
  auto payload = status.GetPayload(kPayloadUrl);
  int kind = 0;
  if (!payload || !absl::SimpleAtoi(std::string(*payload), &kind)) {
    return std::nullopt;
  }
  return static_cast<SchemaErrorKind>(kind);
}

std::string Quoted(absl::string_view name) {
  return absl::StrCat("`", absl::StrReplaceAll(name, {{"`", "``"}}), "`");
}

}  // namespace schemadiff
}  // namespace sidecut
