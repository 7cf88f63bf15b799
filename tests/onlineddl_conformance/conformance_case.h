// ConformanceCase: one directory of the online DDL corpus
// (../shared/corpus/onlineddl/NAME/, format of Vitess's vrepl_suite; see
// /work/shared/corpus/README.md), loaded into memory, plus the pure
// functions a runner needs to turn it into SQL: the ALTER statement, the
// strategy, the shortened event schedule, the column lists.
//
// Thread-safe (value type and pure functions; loading reads files only).
#ifndef SIDECUT_TESTS_ONLINEDDL_CONFORMANCE_CONFORMANCE_CASE_H_
#define SIDECUT_TESTS_ONLINEDDL_CONFORMANCE_CONFORMANCE_CASE_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/optional.h"

namespace sidecut {
namespace onlineddl_conformance {

// The table every case migrates.
inline constexpr char kTestTable[] = "onlineddl_test";

// The clause Vitess applies when a case has no `alter` file.
inline constexpr char kDefaultAlter[] = "engine=innodb";

struct ConformanceCase {
  std::string name;  // the directory's base name
  std::string dir;
  std::string create_sql;
  // Each optional file, trimmed of surrounding blanks; nullopt if absent.
  absl::optional<std::string> alter;
  absl::optional<std::string> expect_failure;
  absl::optional<std::string> expect_query_failure;
  absl::optional<std::string> before_columns;
  absl::optional<std::string> after_columns;
  absl::optional<std::string> order_by;
  absl::optional<std::string> ignore_versions;
  absl::optional<std::string> expect_table_structure;
  absl::optional<std::string> ddl_strategy;
};

// Loads the case in `dir`. kNotFound when `dir` has no create.sql.
absl::StatusOr<ConformanceCase> LoadCase(const std::string& dir);

// The case directories under `path`, in name order: `path` itself when it
// holds create.sql, else its subdirectories that do. kNotFound if none.
absl::StatusOr<std::vector<std::string>> ListCaseDirs(const std::string& path);

// Returns "ALTER TABLE `onlineddl_test` <alter>" (kDefaultAlter when the
// case has none). The clause is the corpus's own SQL, used as written.
std::string AlterStatement(const ConformanceCase& c);

// Returns "vitess --postpone-completion" followed by the case's extra
// ddl_strategy flags, if any.
std::string Strategy(const ConformanceCase& c);

// True when the case's ignore_versions regexp matches `server_version`
// anywhere (Go's regexp.MatchString); false without the file.
// kInvalidArgument for a regexp RE2 rejects.
absl::StatusOr<bool> IgnoredOnVersion(const ConformanceCase& c,
                                      absl::string_view server_version);

// Rewrites every event schedule end "ends current_timestamp + interval N
// second" in `sql` to end after `seconds` instead (the corpus says 60; the
// README allows shortening). Other text is unchanged.
std::string ShortenEventSchedule(absl::string_view sql, int seconds);

// Parses a column list file ("id, c1, `c 2`") into plain column names.
// kInvalidArgument for anything but comma-separated identifiers, so the
// runner can quote each name instead of pasting the text.
absl::StatusOr<std::vector<std::string>> ParseColumnList(
    absl::string_view text);

}  // namespace onlineddl_conformance
}  // namespace sidecut

#endif  // SIDECUT_TESTS_ONLINEDDL_CONFORMANCE_CONFORMANCE_CASE_H_
