// Whether the server's disk can take an online copy of a table: the
// shadow table (as large as the table) in the datadir, and the copied rows
// once more in the binlog. A copy that fills the disk stops the server for
// every application, so a migration is refused up front, with figures,
// rather than started. Only for a server on this host (a sidecar's
// mysqld): its paths are ours to look at.
#ifndef SIDECUT_ONLINEDDL_DISK_CHECK_H_
#define SIDECUT_ONLINEDDL_DISK_CHECK_H_

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "mysql/connection.h"

namespace sidecut {
namespace onlineddl {

// A filesystem: which one (st_dev) and its bytes free for the server.
struct FsSpace {
  uint64_t device = 0;
  uint64_t free_bytes = 0;
};

// The seam: the filesystem holding `path`.
using FsSpaceFn = std::function<absl::StatusOr<FsSpace>(const std::string&)>;

// statvfs(2) and stat(2).
absl::StatusOr<FsSpace> LocalFsSpace(const std::string& path);

// Kept free beyond the estimate, for everything else the server writes.
inline constexpr uint64_t kDiskReserveBytes = uint64_t{64} << 20;

// Another copy of a table of the same database under way (copies may run
// side by side): what it has yet to write counts too, since the free
// space seen now does not hold it yet.
struct CopyUnderWay {
  std::string table;
  double copied = 0;  // the share of its rows copied, 0 to 1
};

// "" if `db`.`table` can be copied online as far as disk goes (or it
// cannot be told: then `*skipped`, if given, says why, e.g. the database's
// directory not readable here), else why not, with figures. `others`: the
// copies under way, each counted for the rest of its shadow's rows, its
// secondary indexes (built after its rows), and the rest of its rows in
// the binlog.
absl::StatusOr<std::string> CheckDiskForCopy(
    mysql::Connection& conn, absl::string_view db, absl::string_view table,
    const FsSpaceFn& space, std::string* skipped = nullptr,
    const std::vector<CopyUnderWay>& others = {});

// "1.5 GiB", "300 MiB", "12 KiB", "80 B".
std::string HumanBytes(uint64_t bytes);

}  // namespace onlineddl
}  // namespace sidecut

#endif  // SIDECUT_ONLINEDDL_DISK_CHECK_H_
