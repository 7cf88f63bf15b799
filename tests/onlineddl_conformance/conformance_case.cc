#include "tests/onlineddl_conformance/conformance_case.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <system_error>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "mysql/quoting.h"
#include "re2/re2.h"

namespace sidecut {
namespace onlineddl_conformance {
namespace {

namespace fs = std::filesystem;

// Reads `dir`/`file`: nullopt if absent, an error if unreadable.
absl::StatusOr<absl::optional<std::string>> ReadOptional(const std::string& dir,
                                                         const char* file) {
  fs::path p = fs::path(dir) / file;
  std::error_code ec;
  if (!fs::exists(p, ec)) return absl::optional<std::string>();
  std::ifstream in(p, std::ios::binary);
  if (!in) {
    return absl::NotFoundError(absl::StrCat("cannot read ", p.string()));
  }
  std::ostringstream text;
  text << in.rdbuf();
  return absl::optional<std::string>(text.str());
}

bool HasCreateSql(const fs::path& dir) {
  std::error_code ec;
  return fs::is_regular_file(dir / "create.sql", ec);
}

}  // namespace

absl::StatusOr<ConformanceCase> LoadCase(const std::string& dir) {
  ConformanceCase c;
  c.dir = dir;
  c.name = fs::path(dir).lexically_normal().filename().string();
  if (c.name.empty()) c.name = fs::path(dir).parent_path().filename().string();
  absl::StatusOr<absl::optional<std::string>> create =
      ReadOptional(dir, "create.sql");
  if (!create.ok()) return create.status();
  if (!create->has_value()) {
    return absl::NotFoundError(
        absl::StrCat(dir, " is not an online DDL case: it has no create.sql"));
  }
  c.create_sql = **create;
  struct Optional {
    const char* file;
    absl::optional<std::string>* field;
  };
  const Optional files[] = {
      {"alter", &c.alter},
      {"expect_failure", &c.expect_failure},
      {"expect_query_failure", &c.expect_query_failure},
      {"before_columns", &c.before_columns},
      {"after_columns", &c.after_columns},
      {"order_by", &c.order_by},
      {"ignore_versions", &c.ignore_versions},
      {"expect_table_structure", &c.expect_table_structure},
      {"ddl_strategy", &c.ddl_strategy},
  };
  for (const Optional& f : files) {
    absl::StatusOr<absl::optional<std::string>> text =
        ReadOptional(dir, f.file);
    if (!text.ok()) return text.status();
    if (text->has_value()) {
      *f.field = std::string(absl::StripAsciiWhitespace(**text));
    }
  }
  return c;
}

absl::StatusOr<std::vector<std::string>> ListCaseDirs(const std::string& path) {
  std::vector<std::string> dirs;
  if (HasCreateSql(path)) {
    dirs.push_back(path);
    return dirs;
  }
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(path, ec)) {
    if (entry.is_directory(ec) && HasCreateSql(entry.path())) {
      dirs.push_back(entry.path().string());
    }
  }
  if (ec) {
    return absl::NotFoundError(
        absl::StrCat("cannot list ", path, ": ", ec.message()));
  }
  if (dirs.empty()) {
    return absl::NotFoundError(absl::StrCat(
        "no online DDL cases (directories with create.sql) in ", path));
  }
  std::sort(dirs.begin(), dirs.end());
  return dirs;
}

std::string AlterStatement(const ConformanceCase& c) {
  return absl::StrCat("ALTER TABLE ", mysql::QuoteIdentifier(kTestTable), " ",
                      c.alter.has_value() ? *c.alter : kDefaultAlter);
}

std::string Strategy(const ConformanceCase& c) {
  std::string s = "vitess --postpone-completion";
  if (c.ddl_strategy.has_value() && !c.ddl_strategy->empty()) {
    absl::StrAppend(&s, " ", *c.ddl_strategy);
  }
  return s;
}

absl::StatusOr<bool> IgnoredOnVersion(const ConformanceCase& c,
                                      absl::string_view server_version) {
  if (!c.ignore_versions.has_value()) return false;
  RE2 re(*c.ignore_versions, RE2::Quiet);
  if (!re.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(
        c.name, ": ignore_versions is not a valid regexp: ", re.error(), " (",
        *c.ignore_versions, ")"));
  }
  return RE2::PartialMatch(std::string(server_version), re);
}

std::string ShortenEventSchedule(absl::string_view sql, int seconds) {
  static const RE2* const kEnds = new RE2(
      R"re((?i)(\bends\s+current_timestamp\s*\+\s*interval\s+)\d+(\s+second))re");
  std::string out(sql);
  RE2::GlobalReplace(&out, *kEnds, absl::StrCat("\\1", seconds, "\\2"));
  return out;
}

absl::StatusOr<std::vector<std::string>> ParseColumnList(
    absl::string_view text) {
  static const RE2* const kName =
      new RE2(R"re(\s*(?:`((?:[^`]|``)+)`|([A-Za-z0-9_$]+))\s*)re");
  std::vector<std::string> names;
  for (absl::string_view part : absl::StrSplit(text, ',')) {
    std::string quoted, plain;
    if (!RE2::FullMatch(std::string(part), *kName, &quoted, &plain)) {
      return absl::InvalidArgumentError(
          absl::StrCat("column list \"", text,
                       "\" is not a comma-separated list of column names"));
    }
    if (!quoted.empty()) {
      RE2::GlobalReplace(&quoted, "``", "`");
      names.push_back(quoted);
    } else {
      names.push_back(plain);
    }
  }
  return names;
}

}  // namespace onlineddl_conformance
}  // namespace sidecut
