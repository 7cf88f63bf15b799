// ScriptedConnection: a Connection for unit tests of code that takes one,
// answering each statement from a script: the answer whose key the
// statement contains (keys in order), anything else an error. The script
// is shared, so a test can change the answers while the code under test
// holds the connection.
#ifndef SIDECUT_MYSQL_TESTING_SCRIPTED_CONNECTION_H_
#define SIDECUT_MYSQL_TESTING_SCRIPTED_CONNECTION_H_

#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/optional.h"
#include "mysql/connection.h"

namespace sidecut {
namespace mysql {
namespace testing {

struct Script {
  std::map<std::string, absl::StatusOr<Result>> answers;
  int executed = 0;  // statements run
};

class ScriptedConnection final : public Connection {
 public:
  explicit ScriptedConnection(
      std::shared_ptr<Script> script = std::make_shared<Script>())
      : script_(std::move(script)) {}

  Script& script() { return *script_; }

  absl::StatusOr<Result> Execute(absl::string_view sql) override;
  absl::Status ExecuteStreaming(
      absl::string_view sql,
      const std::function<absl::Status(const std::vector<Field>&)>& on_fields,
      const std::function<absl::Status(const Row&)>& on_row) override;
  uint64_t ConnectionId() override { return 1; }
  void Close() override {}

 private:
  std::shared_ptr<Script> script_;
};

// A result of one row: the columns' names and values (nullopt: NULL).
Result OneRow(
    const std::vector<std::pair<std::string, absl::optional<std::string>>>&
        columns);

}  // namespace testing
}  // namespace mysql
}  // namespace sidecut

#endif  // SIDECUT_MYSQL_TESTING_SCRIPTED_CONNECTION_H_
