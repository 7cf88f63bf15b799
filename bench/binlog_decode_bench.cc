// Binlog decode throughput: captures a server's binlog over the replication
// protocol into memory, then decodes it on one core (BinlogDecoder over the
// captured events), reporting row changes per second. Driven by
// bench/binlog_decode.sh, which also times the peer (mariadb-binlog).
//
//   binlog_decode_bench --port=P --start=0-1-5 --end=0-1-900 --rounds=3
#include <iostream>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/time/clock.h"
#include "mysql/binlog_decoder.h"
#include "mysql/mariadb_binlog_source.h"

ABSL_FLAG(int, port, 3306, "MariaDB port on 127.0.0.1");
ABSL_FLAG(std::string, start, "", "GTID position to start after");
ABSL_FLAG(std::string, end, "", "GTID position to stop at");
ABSL_FLAG(int, rounds, 3, "Decode passes over the captured events");

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  using namespace sidecut::mysql;  // NOLINT
  MariadbBinlogSourceOptions o;
  o.connect.port = absl::GetFlag(FLAGS_port);
  MariadbBinlogSource source(o);
  auto start = MariadbGtidPos::Parse(absl::GetFlag(FLAGS_start));
  auto end = MariadbGtidPos::Parse(absl::GetFlag(FLAGS_end));
  if (!start.ok() || !end.ok()) {
    std::cerr << "bad --start/--end\n";
    return 2;
  }
  absl::Status s = source.Open(Position(*start));
  if (!s.ok()) {
    std::cerr << s << "\n";
    return 1;
  }
  // Capture.
  std::vector<std::string> events;
  size_t bytes = 0;
  MariadbGtidPos seen = *start;
  absl::Time t0 = absl::Now();
  // Capture through the XID that commits the last wanted transaction.
  bool done = seen.Contains(*end);
  while (!done) {
    absl::StatusOr<std::string> e = source.Next();
    if (!e.ok()) {
      std::cerr << e.status() << "\n";
      return 1;
    }
    // Track GTIDs cheaply: decode only GTID events here.
    if (e->size() > 4 && static_cast<uint8_t>((*e)[4]) == kMariadbGtidEvent) {
      FormatDescription fmt;
      fmt.checksum = ChecksumAlg::kCrc32;
      auto g = ParseMariadbGtid(*e, fmt);
      if (g.ok()) seen.Update(g->mariadb);
    }
    if (seen.Contains(*end) && static_cast<uint8_t>((*e)[4]) == kXidEvent) {
      done = true;
    }
    bytes += e->size();
    events.push_back(std::move(*e));
  }
  absl::Duration capture = absl::Now() - t0;
  source.Close();

  double best = 0;
  int64_t rows = 0, row_events = 0;
  for (int round = 0; round < absl::GetFlag(FLAGS_rounds); ++round) {
    BinlogDecoder d;
    rows = 0;
    row_events = 0;
    absl::Time t = absl::Now();
    for (const std::string& e : events) {
      absl::StatusOr<DecodedEvent> ev = d.Decode(e);
      if (!ev.ok()) {
        std::cerr << "decode: " << ev.status() << "\n";
        return 1;
      }
      if (ev->kind == DecodedEvent::Kind::kRows) {
        ++row_events;
        rows += static_cast<int64_t>(ev->rows.rows.size());
      }
    }
    double secs = absl::ToDoubleSeconds(absl::Now() - t);
    best = std::max(best, rows / secs);
  }
  std::cout << "captured " << events.size() << " events, " << bytes / 1048576
            << " MiB in " << absl::FormatDuration(capture) << "\n"
            << "decoded " << rows << " row changes in " << row_events
            << " rows events per pass\n"
            << "sidecut_rows_per_sec " << static_cast<int64_t>(best) << "\n";
  return 0;
}
