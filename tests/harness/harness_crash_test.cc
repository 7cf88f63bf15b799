// Proves the harness leaves nothing behind when its owner dies abruptly: a
// child process running sidecut-mariadb is SIGKILLed mid-test; its mariadbd
// must exit and its instance directory must disappear.
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <map>
#include <sstream>
#include <string>

#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "gtest/gtest.h"
#include "tools/cpp/runfiles/runfiles.h"
#include "util/clock.h"
#include "util/status_matchers.h"
#include "util/wait.h"

extern char** environ;

namespace sidecut {
namespace {

using bazel::tools::cpp::runfiles::Runfiles;

bool Alive(pid_t pid) {
  if (kill(pid, 0) != 0) return false;
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string s((std::istreambuf_iterator<char>(stat)),
                std::istreambuf_iterator<char>());
  size_t paren = s.rfind(')');
  return !(paren != std::string::npos && paren + 2 < s.size() &&
           s[paren + 2] == 'Z');
}

std::map<std::string, std::string> ReadEnv(const std::string& path) {
  std::map<std::string, std::string> env;
  std::ifstream f(path);
  std::string line;
  while (std::getline(f, line)) {
    std::pair<std::string, std::string> kv =
        absl::StrSplit(line, absl::MaxSplits('=', 1));
    env[kv.first] = kv.second;
  }
  return env;
}

TEST(HarnessCrashTest, SigkilledOwnerLeavesNoServerAndNoDirectory) {
  std::string error;
  std::unique_ptr<Runfiles> rf(Runfiles::CreateForTest(&error));
  ASSERT_NE(rf, nullptr) << error;
  std::string bin = rf->Rlocation("sidecut/tests/harness/sidecut_mariadb");
  std::string env_file = std::string(getenv("TEST_TMPDIR")) + "/mdb.env";

  std::string flag_env = "--env_file=" + env_file;
  std::string flag_n = "--instances=2";
  char* argv[] = {bin.data(), flag_n.data(), flag_env.data(), nullptr};
  pid_t child;
  ASSERT_EQ(posix_spawn(&child, bin.c_str(), nullptr, nullptr, argv, environ),
            0);

  ASSERT_OK(WaitFor(
      Clock::Real(), "the harness to report ready",
      [&]() -> absl::StatusOr<bool> {
        int status;
        if (waitpid(child, &status, WNOHANG) == child) {
          return absl::InternalError("sidecut-mariadb exited early");
        }
        return access(env_file.c_str(), R_OK) == 0;
      },
      WaitOptions{.timeout = absl::Seconds(60)}));
  std::map<std::string, std::string> env = ReadEnv(env_file);
  ASSERT_EQ(env["MDB_COUNT"], "2");
  std::vector<pid_t> pids;
  std::vector<std::string> dirs;
  for (int i = 0; i < 2; ++i) {
    int pid = 0;
    ASSERT_TRUE(
        absl::SimpleAtoi(env["MDB" + std::to_string(i) + "_PID"], &pid));
    pids.push_back(pid);
    dirs.push_back(env["MDB" + std::to_string(i) + "_DIR"]);
    ASSERT_TRUE(Alive(pid));
    ASSERT_EQ(access(dirs.back().c_str(), F_OK), 0);
  }

  // Mid-test crash of the owner.
  ASSERT_EQ(kill(child, SIGKILL), 0);
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFSIGNALED(status));

  for (int i = 0; i < 2; ++i) {
    EXPECT_OK(WaitFor(
        Clock::Real(), "mariadbd to exit and its directory to vanish",
        [&]() -> absl::StatusOr<bool> {
          return !Alive(pids[i]) && access(dirs[i].c_str(), F_OK) != 0;
        },
        WaitOptions{.timeout = absl::Seconds(45)}))
        << "pid " << pids[i] << " dir " << dirs[i];
  }
}

}  // namespace
}  // namespace sidecut
