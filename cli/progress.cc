#include "cli/progress.h"

#include <algorithm>
#include <cstdio>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace sidecut {
namespace cli {
namespace {

std::string Cut(const std::string& s, size_t n) {
  std::string one = s.substr(0, s.find('\n'));
  return one.size() <= n ? one : absl::StrCat(one.substr(0, n - 3), "...");
}

// 1234567 -> "1,234,567".
std::string Thousands(uint64_t v) {
  std::string s = absl::StrCat(v);
  for (int i = static_cast<int>(s.size()) - 3; i > 0; i -= 3) {
    s.insert(static_cast<size_t>(i), ",");
  }
  return s;
}

}  // namespace

std::string StatusName(const vtctldata::SchemaMigration& m) {
  return absl::AsciiStrToLower(
      vtctldata::SchemaMigration::Status_Name(m.status()));
}

bool IsTerminal(const vtctldata::SchemaMigration& m) {
  return m.status() == vtctldata::SchemaMigration::COMPLETE ||
         m.status() == vtctldata::SchemaMigration::FAILED ||
         m.status() == vtctldata::SchemaMigration::CANCELLED;
}

std::string WaitsOnADba(const vtctldata::SchemaMigration& m) {
  const bool waiting = m.status() == vtctldata::SchemaMigration::REQUESTED ||
                       m.status() == vtctldata::SchemaMigration::QUEUED ||
                       m.status() == vtctldata::SchemaMigration::READY;
  if (waiting && m.postpone_launch()) return "launch";
  if (!m.postpone_completion()) return "";
  const bool immediate =
      m.reverted_uuid().empty() && (m.ddl_action() != "alter" || m.is_view());
  if (m.status() == vtctldata::SchemaMigration::RUNNING &&
      m.ready_to_complete()) {
    return "complete";
  }
  if (waiting && immediate) return "complete";
  return "";
}

void PrintTable(const std::vector<vtctldata::SchemaMigration>& ms,
                std::ostream& out) {
  const char* fmt =
      "%-36s  %-7s  %-20s  %-8s  %-9s  %6s  %12s  %6s  %-34s  %s\n";
  out << absl::StrFormat(fmt, "migration_uuid", "shard", "table", "strategy",
                         "status", "prog%", "rows_copied", "eta_s", "stage",
                         "message");
  for (const vtctldata::SchemaMigration& m : ms) {
    std::string strategy = absl::AsciiStrToLower(
        vtctldata::SchemaMigration::Strategy_Name(m.strategy()));
    out << absl::StrFormat(
        fmt, m.uuid(), Cut(m.shard(), 7), Cut(m.table(), 20), strategy,
        StatusName(m), absl::StrFormat("%.1f", m.progress()),
        Thousands(m.rows_copied()),
        m.eta_seconds() < 0 ? "-" : absl::StrCat(m.eta_seconds()),
        Cut(m.stage(), 34), Cut(m.message(), 60));
  }
}

std::string ProgressLine::Render(const vtctldata::SchemaMigration& m,
                                 absl::Time now) {
  constexpr absl::Duration kWindow = absl::Seconds(5);
  constexpr absl::Duration kMinSpan = absl::Seconds(1);
  const uint64_t rows = static_cast<uint64_t>(m.rows_copied());
  if (!samples_.empty() &&
      (rows < samples_.back().rows || now < samples_.back().at)) {
    samples_.clear();  // a retried migration starts over
    rate_ = 0;
  }
  samples_.push_back(Sample{now, rows});
  // Keep the newest sample at least kWindow old as the window's start.
  while (samples_.size() > 2 && now - samples_[1].at >= kWindow) {
    samples_.pop_front();
  }
  const absl::Duration span = now - samples_.front().at;
  if (span >= kMinSpan) {
    rate_ = static_cast<double>(rows - samples_.front().rows) /
            absl::ToDoubleSeconds(span);
  }
  std::string eta =
      m.eta_seconds() < 0 ? "-" : absl::StrCat(m.eta_seconds(), "s");
  return absl::StrFormat(
      "%s %-9s %5.1f%%  %s/%s rows  %s rows/s  ETA %s  %s", m.uuid(),
      StatusName(m), m.progress(), Thousands(m.rows_copied()),
      Thousands(static_cast<uint64_t>(std::max<int64_t>(m.table_rows(), 0))),
      Thousands(static_cast<uint64_t>(rate_)), eta, m.stage());
}

}  // namespace cli
}  // namespace sidecut
