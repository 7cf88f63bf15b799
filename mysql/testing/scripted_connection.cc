#include "mysql/testing/scripted_connection.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace sidecut {
namespace mysql {
namespace testing {

absl::StatusOr<Result> ScriptedConnection::Execute(absl::string_view sql) {
  ++script_->executed;
  for (const auto& [key, answer] : script_->answers) {
    if (absl::StrContains(sql, key)) return answer;
  }
  return absl::InternalError(absl::StrCat("unexpected statement: ", sql));
}

absl::Status ScriptedConnection::ExecuteStreaming(
    absl::string_view sql,
    const std::function<absl::Status(const std::vector<Field>&)>& on_fields,
    const std::function<absl::Status(const Row&)>& on_row) {
  absl::StatusOr<Result> r = Execute(sql);
  if (!r.ok()) return r.status();
  absl::Status s = on_fields(r->fields);
  for (const Row& row : r->rows) {
    if (!s.ok()) break;
    s = on_row(row);
  }
  return s;
}

Result OneRow(
    const std::vector<std::pair<std::string, absl::optional<std::string>>>&
        columns) {
  Result r;
  std::vector<absl::optional<std::string>> values;
  for (const auto& [name, value] : columns) {
    Field f;
    f.name = name;
    r.fields.push_back(f);
    values.push_back(value);
  }
  r.rows.emplace_back(std::move(values));
  return r;
}

}  // namespace testing
}  // namespace mysql
}  // namespace sidecut
