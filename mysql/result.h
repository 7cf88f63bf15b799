// Result sets: column metadata (Field), rows with typed access (Row), and
// buffered results (Result). Values are the server's text protocol strings;
// NULL is a missing value.
//
// Thread-compatible value types.
#ifndef SIDECUT_MYSQL_RESULT_H_
#define SIDECUT_MYSQL_RESULT_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/optional.h"

namespace sidecut {
namespace mysql {

// Column metadata as the server reports it.
struct Field {
  std::string name;
  std::string org_name;
  std::string table;
  std::string org_table;
  std::string database;
  int type = 0;  // enum_field_types (MYSQL_TYPE_*)
  uint32_t length = 0;
  uint32_t flags = 0;  // NOT_NULL_FLAG, UNSIGNED_FLAG, BINARY_FLAG, ...
  uint32_t charsetnr = 0;
  uint32_t decimals = 0;
};

class Row {
 public:
  Row() = default;
  explicit Row(std::vector<absl::optional<std::string>> values)
      : values_(std::move(values)) {}

  size_t size() const { return values_.size(); }
  bool IsNull(size_t i) const { return !values_[i].has_value(); }
  // REQUIRES: i < size(). Returns "" for NULL.
  absl::string_view Get(size_t i) const {
    return values_[i].has_value() ? absl::string_view(*values_[i])
                                  : absl::string_view();
  }
  const absl::optional<std::string>& value(size_t i) const {
    return values_[i];
  }
  const std::vector<absl::optional<std::string>>& values() const {
    return values_;
  }

  // Typed access: errors (kInvalidArgument) name the column index and value;
  // NULL is an error (kFailedPrecondition) — check IsNull first.
  absl::StatusOr<int64_t> GetInt64(size_t i) const;
  absl::StatusOr<uint64_t> GetUint64(size_t i) const;
  absl::StatusOr<double> GetDouble(size_t i) const;
  absl::StatusOr<bool> GetBool(size_t i) const;  // 0/1, also ON/OFF

 private:
  std::vector<absl::optional<std::string>> values_;
};

// A whole result, for statements whose results are small.
struct Result {
  std::vector<Field> fields;
  std::vector<Row> rows;
  uint64_t affected_rows = 0;
  uint64_t insert_id = 0;

  // Returns the index of the column called `name`, or -1.
  int ColumnIndex(absl::string_view name) const;
};

}  // namespace mysql
}  // namespace sidecut

#endif  // SIDECUT_MYSQL_RESULT_H_
