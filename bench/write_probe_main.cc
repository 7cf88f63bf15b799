// write_probe: issues single-row writes at a steady rate and reports the
// longest time any one of them waited (a cut-over's write stall shows up
// here, where per-second percentiles hide it) and how many failed.
//
//   write_probe --port=P --db=sbtest --table=sbtest1 --max_id=1000000
//       --rate=100 --out=FILE      (runs until SIGTERM/SIGINT)
//
// FILE gets "count=N failed=N max_ms=X p99_ms=Y" when it stops.
#include <signal.h>

#include <algorithm>
#include <atomic>
#include <fstream>
#include <iostream>
#include <random>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "mysql/mysql_connection.h"
#include "mysql/quoting.h"

ABSL_FLAG(int, port, 3306, "MariaDB port");
ABSL_FLAG(std::string, db, "sbtest", "database");
ABSL_FLAG(std::string, table, "sbtest1", "table with id INT PK and k INT");
ABSL_FLAG(int, max_id, 1000000, "ids are drawn from [1, max_id]");
ABSL_FLAG(int, rate, 100, "writes per second");
ABSL_FLAG(std::string, out, "", "result file (default: stdout)");
ABSL_FLAG(int, slow_ms, 0,
          "if > 0, each write slower than this is reported on stderr with "
          "its start time (unix seconds)");

namespace {
std::atomic<bool> stop{false};
void OnSignal(int) { stop = true; }
}  // namespace

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  signal(SIGTERM, OnSignal);
  signal(SIGINT, OnSignal);
  sidecut::mysql::ConnectParams p;
  p.port = absl::GetFlag(FLAGS_port);
  p.database = absl::GetFlag(FLAGS_db);
  auto conn = sidecut::mysql::MysqlConnection::Connect(p);
  if (!conn.ok()) {
    std::cerr << "write_probe: " << conn.status() << "\n";
    return 1;
  }
  const std::string table =
      sidecut::mysql::QuoteIdentifier(absl::GetFlag(FLAGS_table));
  std::mt19937 rng(42);
  std::uniform_int_distribution<int> id(1, absl::GetFlag(FLAGS_max_id));
  const absl::Duration period = absl::Seconds(1) / absl::GetFlag(FLAGS_rate);
  std::vector<double> ms;
  int64_t failed = 0;
  absl::Time next = absl::Now();
  while (!stop) {
    absl::Time start = absl::Now();
    absl::Status s =
        (*conn)
            ->Execute(absl::StrCat("UPDATE ", table,
                                   " SET k = k + 1 WHERE id = ", id(rng)))
            .status();
    ms.push_back(absl::ToDoubleMilliseconds(absl::Now() - start));
    if (absl::GetFlag(FLAGS_slow_ms) > 0 &&
        ms.back() > absl::GetFlag(FLAGS_slow_ms)) {
      std::cerr << absl::StrFormat("write_probe: slow write at %.3f: %.0f ms\n",
                                   absl::ToUnixMicros(start) / 1e6, ms.back());
    }
    if (!s.ok()) {
      ++failed;
      std::cerr << "write_probe: " << s.message() << "\n";
      auto c = sidecut::mysql::MysqlConnection::Connect(p);
      if (c.ok()) conn = std::move(c);
    }
    next += period;
    absl::Time now = absl::Now();
    if (next > now)
      absl::SleepFor(next - now);
    else
      next = now;
  }
  std::sort(ms.begin(), ms.end());
  double max = ms.empty() ? 0 : ms.back();
  double p99 = ms.empty() ? 0 : ms[ms.size() * 99 / 100];
  std::string line = absl::StrCat("count=", ms.size(), " failed=", failed,
                                  " max_ms=", static_cast<int64_t>(max),
                                  " p99_ms=", static_cast<int64_t>(p99), "\n");
  if (absl::GetFlag(FLAGS_out).empty()) {
    std::cout << line;
  } else {
    std::ofstream(absl::GetFlag(FLAGS_out)) << line;
  }
  return 0;
}
