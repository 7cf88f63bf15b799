#include "mysql/result.h"

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace sidecut {
namespace mysql {
namespace {

template <typename T>
absl::StatusOr<T> Parse(const Row& row, size_t i, const char* what,
                        bool (*parse)(absl::string_view, T*)) {
  if (i >= row.size()) {
    return absl::OutOfRangeError(
        absl::StrCat("column ", i, " out of range (", row.size(), " columns)"));
  }
  if (row.IsNull(i)) {
    return absl::FailedPreconditionError(
        absl::StrCat("column ", i, " is NULL"));
  }
  T v;
  if (!parse(row.Get(i), &v)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "column ", i, ": '", row.Get(i), "' is not a valid ", what));
  }
  return v;
}

bool ParseInt64(absl::string_view s, int64_t* v) {
  return absl::SimpleAtoi(s, v);
}
bool ParseUint64(absl::string_view s, uint64_t* v) {
  return absl::SimpleAtoi(s, v);
}
bool ParseDouble(absl::string_view s, double* v) {
  return absl::SimpleAtod(s, v);
}
bool ParseBool(absl::string_view s, bool* v) {
  if (s == "1" || absl::EqualsIgnoreCase(s, "ON")) {
    *v = true;
  } else if (s == "0" || absl::EqualsIgnoreCase(s, "OFF")) {
    *v = false;
  } else {
    return false;
  }
  return true;
}

}  // namespace

absl::StatusOr<int64_t> Row::GetInt64(size_t i) const {
  return Parse<int64_t>(*this, i, "signed integer", ParseInt64);
}
absl::StatusOr<uint64_t> Row::GetUint64(size_t i) const {
  return Parse<uint64_t>(*this, i, "unsigned integer", ParseUint64);
}
absl::StatusOr<double> Row::GetDouble(size_t i) const {
  return Parse<double>(*this, i, "number", ParseDouble);
}
absl::StatusOr<bool> Row::GetBool(size_t i) const {
  return Parse<bool>(*this, i, "boolean", ParseBool);
}

int Result::ColumnIndex(absl::string_view name) const {
  for (size_t i = 0; i < fields.size(); ++i) {
    if (absl::EqualsIgnoreCase(fields[i].name, name))
      return static_cast<int>(i);
  }
  return -1;
}

}  // namespace mysql
}  // namespace sidecut
