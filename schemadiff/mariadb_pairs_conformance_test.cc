// The MariaDB pairs corpus against a throwaway MariaDB 10.11 instance.
#include "schemadiff/mariadb_pairs_conformance.h"

#include <cstdlib>
#include <iostream>
#include <sstream>
#include <string>

#include "gtest/gtest.h"
#include "schemadiff/corpus_path.h"
#include "tests/harness/instance_connection.h"
#include "tests/harness/mariadb_instance.h"
#include "util/status_matchers.h"

namespace sidecut {
namespace schemadiff {
namespace {

// Every pair of the shared corpus passes today.
constexpr int kMinPassed = 73;

TEST(MariaDbPairsConformanceTest, Corpus) {
  const char* env = std::getenv("SCHEMADIFF_MARIADB_PAIRS");
  bool is_default = env == nullptr || *env == '\0';
  std::string path = is_default
                         ? SharedCorpusPath("schemadiff/BUILD.bazel",
                                            "schemadiff-mariadb/pairs.jsonl")
                         : std::string(env);
  ASSERT_OK_AND_ASSIGN(auto instance, harness::MariaDbInstance::Start({}));
  ASSERT_OK_AND_ASSIGN(auto conn, harness::ConnectTo(*instance));
  std::ostringstream log;
  absl::StatusOr<PairsSummary> s = RunMariaDbPairs(path, *conn, log);
  ASSERT_OK(s) << "corpus " << path << " not readable";
  std::string failures;
  std::istringstream lines(log.str());
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind("FAIL", 0) == 0) failures += line + "\n";
  }
  if (is_default) {
    EXPECT_GE(s->passed, kMinPassed) << failures;
  } else {
    EXPECT_EQ(s->failed, 0) << failures;
  }
  std::cout << s->passed << " passed, " << s->failed << " failed, "
            << s->skipped << " skipped\n";
}

}  // namespace
}  // namespace schemadiff
}  // namespace sidecut
