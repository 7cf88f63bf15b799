// Command-line arguments of one `sidecut` command: --name=value, --name
// value, boolean --name, and positional arguments, in any order.
#ifndef SIDECUT_CLI_ARGS_H_
#define SIDECUT_CLI_ARGS_H_

#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace sidecut {
namespace cli {

struct Args {
  std::vector<std::string> positional;
  std::multimap<std::string, std::string> flags;  // repeated flags kept

  bool Has(const std::string& name) const { return flags.count(name) > 0; }
  // The last value of `name`, or `def`.
  std::string Get(const std::string& name, const std::string& def = "") const;
  std::vector<std::string> GetAll(const std::string& name) const;
};

// `booleans` are the flags that take no value. Unknown flags are errors
// (kInvalidArgument naming the flag); names are matched with '-' and '_'
// treated alike.
absl::StatusOr<Args> ParseArgs(const std::vector<std::string>& args,
                               const std::set<std::string>& booleans,
                               const std::set<std::string>& valued);

}  // namespace cli
}  // namespace sidecut

#endif  // SIDECUT_CLI_ARGS_H_
