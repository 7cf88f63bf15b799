#include "cli/args.h"

#include <algorithm>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace sidecut {
namespace cli {

std::string Args::Get(const std::string& name, const std::string& def) const {
  auto range = flags.equal_range(name);
  std::string v = def;
  for (auto it = range.first; it != range.second; ++it) v = it->second;
  return v;
}

std::vector<std::string> Args::GetAll(const std::string& name) const {
  std::vector<std::string> out;
  auto range = flags.equal_range(name);
  for (auto it = range.first; it != range.second; ++it) {
    out.push_back(it->second);
  }
  return out;
}

absl::StatusOr<Args> ParseArgs(const std::vector<std::string>& args,
                               const std::set<std::string>& booleans,
                               const std::set<std::string>& valued) {
  Args out;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (!absl::StartsWith(a, "-") || a == "-") {
      out.positional.push_back(a);
      continue;
    }
    if (a.find_first_not_of('-') == std::string::npos) {
      // "--": what follows is positional, even if it starts with '-'.
      out.positional.insert(out.positional.end(), args.begin() + i + 1,
                            args.end());
      break;
    }
    std::string name = a.substr(a.find_first_not_of('-'));
    std::string value;
    bool has_value = false;
    size_t eq = name.find('=');
    if (eq != std::string::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
      has_value = true;
    }
    std::replace(name.begin(), name.end(), '_', '-');
    if (booleans.count(name)) {
      if (has_value && value != "true" && value != "false") {
        return absl::InvalidArgumentError(
            absl::StrCat("flag --", name, " takes no value"));
      }
      if (value != "false") out.flags.emplace(name, "true");
      continue;
    }
    if (!valued.count(name)) {
      return absl::InvalidArgumentError(absl::StrCat("unknown flag --", name));
    }
    if (!has_value) {
      if (i + 1 >= args.size()) {
        return absl::InvalidArgumentError(
            absl::StrCat("flag --", name, " needs a value"));
      }
      value = args[++i];
    }
    out.flags.emplace(name, value);
  }
  return out;
}

}  // namespace cli
}  // namespace sidecut
